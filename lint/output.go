package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes findings for people: one "file:line:col: rule: what"
// line each, followed by indented why and fix lines, then a summary.
func WriteText(w io.Writer, r *Report) error {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s:%d:%d: %s [%s]: %s\n", f.File, f.Line, f.Col, f.Severity, f.Rule, f.What)
		fmt.Fprintf(&b, "    why: %s\n", f.Why)
		fmt.Fprintf(&b, "    fix: %s\n", f.Fix)
	}
	switch n := len(r.Findings); n {
	case 0:
		fmt.Fprintf(&b, "no findings in %d files\n", r.Files)
	case 1:
		fmt.Fprintf(&b, "1 finding in %d files\n", r.Files)
	default:
		fmt.Fprintf(&b, "%d findings in %d files\n", n, r.Files)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes {"files": n, "findings": […]}.
func WriteJSON(w io.Writer, r *Report) error {
	findings := r.Findings
	if findings == nil {
		findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Files    int       `json:"files"`
		Findings []Finding `json:"findings"`
	}{r.Files, findings})
}

// SARIF 2.1.0 document types (only the members rowgate writes).
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool       sarifTool     `json:"tool"`
		Results    []sarifResult `json:"results"`
		ColumnKind string        `json:"columnKind"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri,omitempty"`
		Version        string      `json:"version,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string        `json:"id"`
		Name                 string        `json:"name"`
		ShortDescription     sarifText     `json:"shortDescription"`
		FullDescription      sarifText     `json:"fullDescription"`
		Help                 sarifText     `json:"help"`
		DefaultConfiguration sarifRuleConf `json:"defaultConfiguration"`
	}
	sarifRuleConf struct {
		Level string `json:"level"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID    string          `json:"ruleId"`
		RuleIndex int             `json:"ruleIndex"`
		Level     string          `json:"level"`
		Message   sarifText       `json:"message"`
		Locations []sarifLocation `json:"locations"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
		Region           sarifRegion      `json:"region"`
	}
	sarifArtifactLoc struct {
		URI       string `json:"uri,omitempty"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
	}
)

// SARIFSchema is the $schema URI written into SARIF output.
const SARIFSchema = "https://json.schemastore.org/sarif-2.1.0.json"

// WriteSARIF writes a SARIF 2.1.0 log, as GitHub code scanning reads it.
// Paths are relative to %SRCROOT%; toolVersion may be empty.
func WriteSARIF(w io.Writer, r *Report, toolVersion string) error {
	driver := sarifDriver{Name: "rowgate", InformationURI: "https://github.com/rowgate/rowgate", Version: toolVersion}
	index := map[string]int{}
	for i, rule := range Rules {
		index[rule.ID] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID: rule.ID, Name: ruleName(rule.ID),
			ShortDescription:     sarifText{rule.Title},
			FullDescription:      sarifText{rule.Why},
			Help:                 sarifText{rule.Fix},
			DefaultConfiguration: sarifRuleConf{rule.Severity},
		})
	}
	results := []sarifResult{}
	for _, f := range r.Findings {
		results = append(results, sarifResult{
			RuleID: f.Rule, RuleIndex: index[f.Rule], Level: f.Severity,
			Message: sarifText{f.What + ". Fix: " + f.Fix},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifactLoc{URI: escapeURIPath(f.File), URIBaseID: "%SRCROOT%"},
				Region:           sarifRegion{StartLine: f.Line, StartColumn: f.Col},
			}}},
		})
	}
	log := sarifLog{
		Schema:  SARIFSchema,
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:       sarifTool{Driver: driver},
			Results:    results,
			ColumnKind: "unicodeCodePoints",
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// ruleName turns "clerk-jwt-template" into "ClerkJwtTemplate", the
// PascalCase form SARIF viewers show.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// escapeURIPath percent-encodes what a relative URI reference may not
// contain literally.
func escapeURIPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~/!$&'()*+,;=:@", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
