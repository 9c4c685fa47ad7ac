package auth

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecodeObject(t *testing.T) {
	tests := []struct {
		name, in string
		wantErr  string
		check    func(map[string]any) bool
	}{
		{"simple", `{"a":1,"b":"x"}`, "", func(m map[string]any) bool { return m["a"] == json.Number("1") && m["b"] == "x" }},
		{"case-sensitive names", `{"exp":1,"EXP":2}`, "", func(m map[string]any) bool { return m["exp"] == json.Number("1") && m["EXP"] == json.Number("2") }},
		{"big number kept exact", `{"n":123456789012345678901234567890}`, "", func(m map[string]any) bool { return m["n"] == json.Number("123456789012345678901234567890") }},
		{"nested", `{"o":{"a":[1,{"b":null}]}}`, "", func(m map[string]any) bool {
			return m["o"].(map[string]any)["a"].([]any)[1].(map[string]any)["b"] == nil
		}},
		{"duplicate top level", `{"a":1,"a":2}`, `duplicate member "a"`, nil},
		{"duplicate nested", `{"o":{"x":1,"x":1}}`, `duplicate member "x"`, nil},
		{"duplicate via escape", `{"role":"a","\u0072ole":"b"}`, "duplicate member", nil},
		{"same name in different objects ok", `{"a":{"x":1},"b":{"x":1}}`, "", func(m map[string]any) bool { return len(m) == 2 }},
		{"array", `[1]`, "not a JSON object", nil},
		{"string", `"x"`, "not a JSON object", nil},
		{"trailing data", `{"a":1}{"b":2}`, "trailing data", nil},
		{"trailing garbage", `{"a":1} x`, "trailing data", nil},
		{"invalid utf8", "{\"a\":\"\xff\"}", "invalid UTF-8", nil},
		{"too deep", `{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "nested deeper", nil},
		{"just deep enough", `{"a":` + strings.Repeat("[", maxJSONDepth-1) + strings.Repeat("]", maxJSONDepth-1) + `}`, "", func(m map[string]any) bool { return m["a"] != nil }},
		{"truncated", `{"a":`, "read json", nil},
		{"empty", ``, "read json", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := decodeObject([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(m) {
				t.Fatalf("decoded %#v", m)
			}
		})
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"kid-1", "kid-1"},
		{"a\"b\\c\x00\n", "a?b?c??"},
		{"é", "??"},
		{strings.Repeat("k", 100), strings.Repeat("k", 64) + "..."},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := sanitize(tc.in); got != tc.want {
				t.Fatalf("sanitize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got := quoteHeader(`JWT issuer "x\" is`); got != `JWT issuer \"x\\\" is` {
		t.Fatalf("quoteHeader = %s", got)
	}
}
