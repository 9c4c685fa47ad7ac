package lint

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestCorpus lints every project under testdata/lint and compares the text
// output with <project>.golden.
func TestCorpus(t *testing.T) {
	entries, err := os.ReadDir("testdata/lint")
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	cases := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		cases++
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", "lint", name)
			rep, err := Scan(nil, Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			files += rep.Files
			var buf bytes.Buffer
			if err := WriteText(&buf, rep); err != nil {
				t.Fatal(err)
			}
			golden := dir + ".golden"
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./lint -run TestCorpus -update)", err)
			}
			if got := buf.String(); got != string(want) {
				t.Errorf("findings differ from %s\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
			// Negative projects (named negative-*) must be clean.
			if strings.HasPrefix(name, "negative-") && len(rep.Findings) != 0 {
				t.Errorf("negative case has %d findings", len(rep.Findings))
			}
			// Secrets are never printed in full.
			if strings.Contains(buf.String(), "sb_secret_Q8mR2vX7pL4nK9wT3yB6zH_1cJ5dF0gA") ||
				strings.Contains(buf.String(), "q3Zx9v0Lr8TnYp2Wk6Hs1Jd4Fg7Ab5Ce") {
				t.Error("output reveals a secret")
			}
		})
	}
	if cases < 20 || files < 30 {
		t.Errorf("corpus too small: %d projects, %d files", cases, files)
	}
}
