package lint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
)

// checkSARIF validates a document against the required properties, types
// and enumerations of the SARIF 2.1.0 JSON schema for the objects rowgate
// writes (sarifLog, run, tool, toolComponent, reportingDescriptor,
// multiformatMessageString, reportingConfiguration, result, message,
// location, physicalLocation, artifactLocation, region). The schema file
// itself is not vendored; this is a hand-written check of its rules.
func checkSARIF(doc []byte) error {
	var log map[string]any
	if err := json.Unmarshal(doc, &log); err != nil {
		return err
	}
	if log["version"] != "2.1.0" {
		return fmt.Errorf("sarifLog.version = %v, want 2.1.0", log["version"])
	}
	runs, ok := log["runs"].([]any)
	if !ok {
		return fmt.Errorf("sarifLog.runs missing or not an array")
	}
	for i, r := range runs {
		run, ok := r.(map[string]any)
		if !ok {
			return fmt.Errorf("runs[%d] not an object", i)
		}
		tool, ok := run["tool"].(map[string]any)
		if !ok {
			return fmt.Errorf("run.tool missing")
		}
		driver, ok := tool["driver"].(map[string]any)
		if !ok {
			return fmt.Errorf("tool.driver missing")
		}
		if s, ok := driver["name"].(string); !ok || s == "" {
			return fmt.Errorf("toolComponent.name missing")
		}
		rules, _ := driver["rules"].([]any)
		ids := map[string]int{}
		for j, rr := range rules {
			rule, ok := rr.(map[string]any)
			if !ok {
				return fmt.Errorf("rules[%d] not an object", j)
			}
			id, ok := rule["id"].(string)
			if !ok || id == "" {
				return fmt.Errorf("reportingDescriptor.id missing")
			}
			ids[id] = j
			for _, k := range []string{"shortDescription", "fullDescription", "help"} {
				if m, ok := rule[k].(map[string]any); ok {
					if _, ok := m["text"].(string); !ok {
						return fmt.Errorf("rule %s: %s.text missing", id, k)
					}
				}
			}
			if dc, ok := rule["defaultConfiguration"].(map[string]any); ok {
				if err := checkLevel(dc["level"]); err != nil {
					return fmt.Errorf("rule %s: %w", id, err)
				}
			}
		}
		if ck, ok := run["columnKind"]; ok && ck != "utf16CodeUnits" && ck != "unicodeCodePoints" {
			return fmt.Errorf("run.columnKind = %v", ck)
		}
		results, ok := run["results"].([]any)
		if !ok {
			return fmt.Errorf("run.results must be an array (empty when clean)")
		}
		for j, rr := range results {
			res, ok := rr.(map[string]any)
			if !ok {
				return fmt.Errorf("results[%d] not an object", j)
			}
			msg, ok := res["message"].(map[string]any)
			if !ok {
				return fmt.Errorf("result.message missing")
			}
			if _, ok := msg["text"].(string); !ok {
				return fmt.Errorf("message.text missing")
			}
			if err := checkLevel(res["level"]); err != nil {
				return err
			}
			id, _ := res["ruleId"].(string)
			idx, ok := res["ruleIndex"].(float64)
			if !ok || idx < 0 || int(idx) != ids[id] {
				return fmt.Errorf("result %d: ruleIndex %v does not point at rule %q", j, res["ruleIndex"], id)
			}
			locs, ok := res["locations"].([]any)
			if !ok || len(locs) == 0 {
				return fmt.Errorf("result %d: locations missing", j)
			}
			for _, l := range locs {
				pl, ok := l.(map[string]any)["physicalLocation"].(map[string]any)
				if !ok {
					return fmt.Errorf("location.physicalLocation missing")
				}
				al, ok := pl["artifactLocation"].(map[string]any)
				if !ok {
					return fmt.Errorf("physicalLocation.artifactLocation missing")
				}
				if u, ok := al["uri"].(string); !ok || u == "" {
					return fmt.Errorf("artifactLocation.uri missing")
				}
				reg, ok := pl["region"].(map[string]any)
				if !ok {
					return fmt.Errorf("region missing")
				}
				for _, k := range []string{"startLine", "startColumn"} {
					if v, ok := reg[k].(float64); !ok || v < 1 {
						return fmt.Errorf("region.%s = %v, must be an integer >= 1", k, reg[k])
					}
				}
			}
		}
	}
	return nil
}

func checkLevel(v any) error {
	switch v {
	case "none", "note", "warning", "error":
		return nil
	}
	return fmt.Errorf("level %v is not one of none, note, warning, error", v)
}

func TestSARIF(t *testing.T) {
	for _, name := range []string{"custom-fetch-wrapper", "secrets", "negative-template-word"} {
		t.Run(name, func(t *testing.T) {
			rep, err := Scan(nil, Options{Dir: filepath.Join("testdata", "lint", name)})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteSARIF(&buf, rep, "test"); err != nil {
				t.Fatal(err)
			}
			if err := checkSARIF(buf.Bytes()); err != nil {
				t.Fatalf("invalid SARIF: %v\n%s", err, buf.String())
			}
			var log struct {
				Runs []struct {
					Results []json.RawMessage `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(buf.Bytes(), &log); err != nil || len(log.Runs) != 1 || len(log.Runs[0].Results) != len(rep.Findings) {
				t.Fatalf("want %d results, got %s", len(rep.Findings), buf.String())
			}
		})
	}
	// The checker itself rejects broken documents.
	for _, bad := range []string{`{"version":"2.0.0","runs":[]}`, `{"version":"2.1.0"}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{}},"results":[]}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"fatal","ruleIndex":0,"locations":[]}]}]}`} {
		if checkSARIF([]byte(bad)) == nil {
			t.Errorf("checker accepted %s", bad)
		}
	}
}

func TestJSONOutput(t *testing.T) {
	rep, err := Scan(nil, Options{Dir: filepath.Join("testdata", "lint", "require-cjs")})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, rep); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Files    int       `json:"files"`
		Findings []Finding `json:"findings"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Files != rep.Files || len(got.Findings) != 2 || got.Findings[0].Rule != RuleJWTTemplate || got.Findings[0].Line != 10 {
		t.Errorf("unexpected JSON: %s", buf.String())
	}
}
