package pgrest

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/rowgate/rowgate"
)

func TestParseBody(t *testing.T) {
	jsonMT := MediaType{Kind: MediaJSON}
	tests := []struct {
		name     string
		mt       MediaType
		body     string
		columns  []string
		wantJSON string // "" = body unchanged
		keys     []string
		present  []string
		same     bool
		object   bool
		rows     int
		err      wantErr
	}{
		{name: "object", mt: jsonMT, body: `{"b":1,"a":{"x":[1]}}`, keys: []string{"b", "a"}, present: []string{"b", "a"}, same: true, object: true, rows: 1},
		{name: "array", mt: jsonMT, body: ` [{"a":1,"b":2},{"b":3,"a":4}] `, keys: []string{"a", "b"}, present: []string{"a", "b"}, same: true, rows: 2},
		{name: "empty array", mt: jsonMT, body: `[]`, same: true, rows: 0},
		{name: "empty object", mt: jsonMT, body: `{}`, same: true, object: true, rows: 1},
		{name: "vnd object body", mt: MediaType{Kind: MediaObject}, body: `{"a":1}`, keys: []string{"a"}, present: []string{"a"}, same: true, object: true, rows: 1},
		{name: "keys mismatch", mt: jsonMT, body: `[{"a":1},{"b":2}]`, err: wantErr{status: 400, code: CodeBodyForTest, message: "All object keys must match"}},
		{name: "keys subset mismatch", mt: jsonMT, body: `[{"a":1,"b":2},{"a":2}]`, err: wantErr{code: CodeBodyForTest, message: "All object keys must match"}},
		{name: "columns allow different keys", mt: jsonMT, body: `[{"a":1,"b":2},{"a":2,"c":3}]`, columns: []string{"a", "b"},
			keys: []string{"a", "b"}, present: []string{"a"}, same: false, rows: 2},
		{name: "columns same subset", mt: jsonMT, body: `[{"a":1},{"a":2}]`, columns: []string{"a", "b"},
			keys: []string{"a", "b"}, present: []string{"a"}, same: true, rows: 2},
		{name: "scalar elements", mt: jsonMT, body: `[1,[2,{"a":1}]]`, err: wantErr{code: CodeBodyForTest, message: "All object keys must match"}},
		{name: "empty", mt: jsonMT, body: ``, err: wantErr{code: CodeBodyForTest, message: "Empty or invalid json"}},
		{name: "invalid", mt: jsonMT, body: `{"a":`, err: wantErr{code: CodeBodyForTest, message: "Empty or invalid json"}},
		{name: "trailing garbage", mt: jsonMT, body: `{"a":1} x`, err: wantErr{code: CodeBodyForTest, message: "Empty or invalid json"}},
		{name: "two documents", mt: jsonMT, body: `{"a":1}{"a":2}`, err: wantErr{code: CodeBodyForTest, message: "Empty or invalid json"}},
		{name: "scalar", mt: jsonMT, body: `42`, err: wantErr{code: CodeBodyForTest, message: "Empty or invalid json"}},
		{name: "form", mt: MediaType{Kind: MediaURLEncoded}, body: `name=a+b&id=1&name=second&x=%22q%22`,
			wantJSON: `{"name":"a b","id":"1","x":"\"q\""}`, keys: []string{"name", "id", "x"}, present: []string{"name", "id", "x"}, same: true, object: true, rows: 1},
		{name: "csv", mt: MediaType{Kind: MediaCSV}, body: "a,b\n1,NULL\n\"x,y\",\n",
			wantJSON: `[{"a":"1","b":null},{"a":"x,y","b":""}]`, keys: []string{"a", "b"}, present: []string{"a", "b"}, same: true, rows: 2},
		{name: "csv header only", mt: MediaType{Kind: MediaCSV}, body: "a,b\n", wantJSON: `[]`, keys: []string{"a", "b"}, present: []string{"a", "b"}, same: true},
		{name: "csv ragged", mt: MediaType{Kind: MediaCSV}, body: "a,b\n1\n", err: wantErr{code: CodeBodyForTest, message: "All lines must have same number of fields"}},
		{name: "csv empty", mt: MediaType{Kind: MediaCSV}, body: "", err: wantErr{code: CodeBodyForTest}},
		{name: "text plain", mt: MediaType{Kind: MediaText}, body: "x", err: wantErr{code: CodeBodyForTest, message: "Content-Type not acceptable: text/plain"}},
		{name: "too large", mt: jsonMT, body: `"` + strings.Repeat("x", MaxBodyBytes) + `"`, err: wantErr{status: 413, code: CodeBodyForTest}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseBody(tc.mt, []byte(tc.body), tc.columns)
			if tc.err.code != "" {
				checkErr(t, err, tc.err)
				return
			}
			if err != nil {
				t.Fatalf("ParseBody: %v", err)
			}
			want := tc.wantJSON
			if want == "" {
				want = tc.body
			}
			if string(p.JSON) != want {
				t.Errorf("JSON = %s, want %s", p.JSON, want)
			}
			if !slices.Equal(p.Keys, tc.keys) || !slices.Equal(p.Present, tc.present) || p.SameKeys != tc.same ||
				p.Object != tc.object || p.Rows != tc.rows {
				t.Errorf("payload = keys %q present %q same %v object %v rows %d, want %q %q %v %v %d",
					p.Keys, p.Present, p.SameKeys, p.Object, p.Rows, tc.keys, tc.present, tc.same, tc.object, tc.rows)
			}
		})
	}
}

// CodeBodyForTest is PGRST102.
const CodeBodyForTest = rowgate.CodeBody

// FuzzParseBody checks that body decoding never panics, fails only with
// PGRST102-family errors, and that what it accepts is valid JSON whose
// top-level objects all carry the reported keys.
func FuzzParseBody(f *testing.F) {
	f.Add("application/json", `[{"a":1,"b":"x"},{"b":null,"a":[1,{"c":2}]}]`, "")
	f.Add("application/json", `{"a":{"b":[1,2,{"c":"\u00e9"}]}}`, "a,b")
	f.Add("text/csv", "a,b\n1,NULL\n\"x,\"\"y\"\"\",2\n", "")
	f.Add("application/x-www-form-urlencoded", "a=1&b=%zz&c", "c")
	f.Fuzz(func(t *testing.T, ct, body, columns string) {
		mt, err := ParseContentType(ct)
		if err != nil {
			return
		}
		var cols []string
		if columns != "" {
			cols = strings.Split(columns, ",")
		}
		p, err := ParseBody(mt, []byte(body), cols)
		if err != nil {
			var re *rowgate.Error
			if !errors.As(err, &re) || re.Code != rowgate.CodeBody {
				t.Fatalf("error %v is not PGRST102", err)
			}
			return
		}
		var v any
		if err := json.Unmarshal(p.JSON, &v); err != nil {
			t.Fatalf("accepted body is not JSON: %v (%q)", err, p.JSON)
		}
		var objs []any
		switch x := v.(type) {
		case map[string]any:
			objs = []any{x}
		case []any:
			objs = x
		default:
			t.Fatalf("accepted body is neither object nor array: %q", p.JSON)
		}
		if len(objs) != p.Rows {
			t.Fatalf("rows = %d, want %d", p.Rows, len(objs))
		}
		for _, o := range objs {
			m, ok := o.(map[string]any)
			if !ok {
				t.Fatalf("element %v is not an object", o)
			}
			for _, k := range p.Present {
				if _, ok := m[k]; !ok {
					t.Fatalf("present key %q missing from %v", k, m)
				}
			}
			if cols == nil && len(m) != len(p.Keys) {
				t.Fatalf("object %v has keys other than %q", m, p.Keys)
			}
		}
	})
}
