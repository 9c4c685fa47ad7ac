package schema

import (
	"os"
	"strings"
	"testing"
)

func TestViewColumnOrigins(t *testing.T) {
	def, err := os.ReadFile("testdata/view_ev_action.txt")
	if err != nil {
		t.Fatal(err)
	}
	// CREATE VIEW v AS SELECT id, "we ird(}", id+1 AS x, 'a{b'::text AS lit FROM t
	got := viewColumnOrigins(strings.TrimSpace(string(def)))
	if len(got) != 2 {
		t.Fatalf("got %d origins, want 2: %+v", len(got), got)
	}
	if got[0].name != "id" || got[0].attnum != 1 || got[0].rel == 0 {
		t.Errorf("origin 0 = %+v", got[0])
	}
	if got[1].name != "we ird(}" || got[1].attnum != 2 || got[1].rel != got[0].rel {
		t.Errorf("origin 1 = %+v", got[1])
	}

	bad := []struct{ name, in string }{
		{"empty", ""},
		{"unbalanced", "({QUERY :targetList ({TARGETENTRY :expr {VAR"},
		{"not a query", "({FOO :targetList ()})"},
		{"closing only", ")}}})"},
		{"escape at end", `({QUERY :targetList ({TARGETENTRY :resname a\`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if got := viewColumnOrigins(tt.in); len(got) != 0 {
				t.Errorf("got %+v from malformed input", got)
			}
		})
	}
}

func FuzzViewColumnOrigins(f *testing.F) {
	def, err := os.ReadFile("testdata/view_ev_action.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(def))
	f.Add("({QUERY :targetList ({TARGETENTRY :expr {VAR :varno 1} :resno 1 :resname id :resorigtbl 5 :resorigcol 1 :resjunk false})})")
	f.Fuzz(func(t *testing.T, s string) {
		for _, o := range viewColumnOrigins(s) {
			if o.rel == 0 || o.attnum <= 0 || o.name == "" {
				t.Fatalf("invalid origin %+v", o)
			}
		}
	})
}
