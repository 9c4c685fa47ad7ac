package client

import (
	"encoding/json"
	"math"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

type stringer struct{}

func (stringer) String() string { return "str" }

type named string

func TestFormatValue(t *testing.T) {
	n := 7
	var nilPtr *int
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, "null"},
		{"string", "a b,c", "a b,c"},
		{"bytes", []byte("xy"), "xy"},
		{"true", true, "true"},
		{"false", false, "false"},
		{"int", 42, "42"},
		{"int64", int64(-9007199254740993), "-9007199254740993"},
		{"uint8", uint8(255), "255"},
		{"float", 1.5, "1.5"},
		{"float large", 1e21, "1000000000000000000000"},
		{"float32", float32(0.1), "0.1"},
		{"inf", math.Inf(1), "Infinity"},
		{"-inf", math.Inf(-1), "-Infinity"},
		{"nan", math.NaN(), "NaN"},
		{"json number", json.Number("12.30"), "12.30"},
		{"time", time.Date(2024, 1, 2, 3, 4, 5, 600, time.UTC), "2024-01-02T03:04:05.0000006Z"},
		{"stringer", stringer{}, "str"},
		{"named string", named("x"), "x"},
		{"pointer", &n, "7"},
		{"nil pointer", nilPtr, "null"},
		{"map as json", map[string]int{"a": 1}, `{"a":1}`},
		{"struct as json", struct {
			A int `json:"a"`
		}{2}, `{"a":2}`},
		{"unencodable falls back to fmt", func() {}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := formatValue(tt.in)
			if tt.name == "unencodable falls back to fmt" {
				if !strings.HasPrefix(got, "0x") {
					t.Fatalf("formatValue(func) = %q, want fmt's pointer text", got)
				}
				return
			}
			if got != tt.want {
				t.Fatalf("formatValue(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestQuoteValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"with space", "with space"},
		{"", `""`},
		{"a,b", `"a,b"`},
		{"(x)", `"(x)"`},
		{"close)", `"close)"`},
		{`say "hi"`, `"say \"hi\""`},
		{`back\slash`, `"back\\slash"`},
		{"1.5", `"1.5"`},
		{"12:00", `"12:00"`},
		{"{a}", `"{a}"`},
		{" lead", `" lead"`},
		{"trail\t", "\"trail\t\""},
		{"\u00a0nbsp", "\"\u00a0nbsp\""},
		{"ünïcödé", "ünïcödé"},
		{"a*b%c&d=e", "a*b%c&d=e"},
		{`"`, `"\""`},
		{`\`, `"\\"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := quoteValue(tt.in); got != tt.want {
				t.Fatalf("quoteValue(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestInList(t *testing.T) {
	tests := []struct {
		name string
		in   []any
		want string
	}{
		{"empty", nil, "()"},
		{"ints", []any{1, 2, 3}, "(1,2,3)"},
		{"reserved", []any{"a", "b,c", "(d)"}, `(a,"b,c","(d)")`},
		{"dedupe", []any{"x", "x", "y", "x"}, "(x,y)"},
		{"empty string", []any{""}, `("")`},
		{"null", []any{nil, "null"}, "(null)"},
		{"escapes", []any{`a"b`, `c\d`}, `("a\"b","c\\d")`},
		{"decimal", []any{1.5}, `("1.5")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := inList(tt.in); got != tt.want {
				t.Fatalf("inList(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPGArray(t *testing.T) {
	tests := []struct {
		name string
		in   []any
		want string
	}{
		{"empty", nil, "{}"},
		{"plain", []any{"a", "b"}, "{a,b}"},
		{"ints", []any{1, 2}, "{1,2}"},
		{"comma", []any{"a,b"}, `{"a,b"}`},
		{"braces", []any{"}", "{"}, `{"}","{"}`},
		{"space", []any{"a b"}, `{"a b"}`},
		{"empty elem", []any{""}, `{""}`},
		{"null word", []any{"NULL", "null"}, `{"NULL","null"}`},
		{"nil", []any{nil}, "{NULL}"},
		{"escapes", []any{`q"`, `b\`}, `{"q\"","b\\"}`},
		{"nested", []any{[]int{1, 2}, []int{3, 4}}, "{{1,2},{3,4}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pgArray(tt.in); got != tt.want {
				t.Fatalf("pgArray(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestOpValue(t *testing.T) {
	tests := []struct {
		name    string
		op      string
		value   any
		tree    bool
		want    string
		wantErr bool
	}{
		{"eq verbatim", "eq", "a,b)", false, "eq.a,b)", false},
		{"eq quoted in tree", "eq", "a,b)", true, `eq."a,b)"`, false},
		{"eq plain in tree", "eq", "abc", true, "eq.abc", false},
		{"in slice", "in", []string{"a", "b c"}, false, "in.(a,b c)", false},
		{"in scalar", "in", 5, false, "in.(5)", false},
		{"not in", "not.in", []int{1}, false, "not.in.(1)", false},
		{"is nil", "is", nil, false, "is.null", false},
		{"is true", "is", true, false, "is.true", false},
		{"is word", "is", "NOT_NULL", false, "is.NOT_NULL", false},
		{"is bad word", "is", "null;drop", false, "", true},
		{"is bad type", "is", 3, false, "", true},
		{"cs array", "cs", []string{"a", "b,c"}, false, `cs.{a,"b,c"}`, false},
		{"cs array in tree", "cs", []string{"a", "b"}, true, `cs."{a,b}"`, false},
		{"cs json", "cs", map[string]int{"k": 1}, false, `cs.{"k":1}`, false},
		{"cs range string", "cs", "[1,5)", false, "cs.[1,5)", false},
		{"ov", "ov", []int{1, 2}, false, "ov.{1,2}", false},
		{"fts config", "fts(english)", "cat & dog", false, "fts(english).cat & dog", false},
		{"like any", "like(any)", "{a*,b*}", false, "like(any).{a*,b*}", false},
		{"like any slice", "like(any)", []string{"a*", "b c"}, false, `like(any).{a*,"b c"}`, false},
		{"not ilike all slice in tree", "not.ilike(all)", []string{"a*", "b"}, true, `not.ilike(all)."{a*,b}"`, false},
		{"eq any ints", "eq(any)", []int{1, 2}, false, "eq(any).{1,2}", false},
		{"fts config slice is not an array", "fts(english)", []string{"a"}, false, `fts(english).["a"]`, false},
		{"bad op chars", "eq,x", 1, false, "", true},
		{"bad op upper", "EQ", 1, false, "", true},
		{"bad modifier", "fts(a)b)", 1, false, "", true},
		{"unclosed modifier", "fts(a", 1, false, "", true},
		{"empty op", "", 1, false, "", true},
		{"empty modifier", "like()", 1, false, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := opValue(tt.op, tt.value, tt.tree)
			if (err != nil) != tt.wantErr {
				t.Fatalf("opValue(%q, %v) error = %v, wantErr %v", tt.op, tt.value, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("opValue(%q, %v) = %q, want %q", tt.op, tt.value, got, tt.want)
			}
		})
	}
}

func TestCondString(t *testing.T) {
	tests := []struct {
		name string
		c    Cond
		want string
	}{
		{"term", Term("a", "eq", 1), "a.eq.1"},
		{"negated term", Term("a", "eq", 1).Not(), "a.not.eq.1"},
		{"double negation", Term("a", "not.eq", 1).Not(), "a.eq.1"},
		{"or", AnyOf(Term("a", "eq", "x,y"), Term("b", "is", nil)), `or(a.eq."x,y",b.is.null)`},
		{"nested", AllOf(Term("a", "gt", 1), AnyOf(Term("b", "in", []string{"p", "q)"}), Term("c", "lt", 3)).Not()),
			`and(a.gt.1,not.or(b.in.(p,"q)"),c.lt.3))`},
		{"empty group", AnyOf(), "!client: empty condition group"},
		{"zero", Cond{}, "!client: condition without a column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.String(); got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParams(t *testing.T) {
	var p params
	p.add("a", "1")
	p.add("b", "2")
	p.add("a", "3")
	p.set("a", "x y")
	p.set("c", "&=?#+")
	if got, want := p.encode(), "a=x+y&b=2&c=%26%3D%3F%23%2B"; got != want {
		t.Fatalf("encode() = %q, want %q", got, want)
	}
	v, err := url.ParseQuery(p.encode())
	if err != nil {
		t.Fatal(err)
	}
	if v.Get("c") != "&=?#+" || len(v["a"]) != 1 {
		t.Fatalf("round trip = %v", v)
	}
	if _, ok := p.get("zzz"); ok {
		t.Fatal("get of a missing key reported ok")
	}
}

// orderedQuery splits a raw query string into decoded key/value pairs,
// keeping their order.
func orderedQuery(t testing.TB, raw string) [][2]string {
	t.Helper()
	var out [][2]string
	if raw == "" {
		return out
	}
	for _, kv := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(kv, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			t.Fatalf("bad key %q: %v", k, err)
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			t.Fatalf("bad value %q: %v", v, err)
		}
		out = append(out, [2]string{dk, dv})
	}
	return out
}

func dedupe(vs ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// checkInList encodes values with Query.In, sends them through URL
// encoding, and parses them back with PostgREST's list grammar.
func checkInList(t *testing.T, values ...string) {
	t.Helper()
	q := New("http://h", "k").From("t").In("col", values)
	u, err := q.URL()
	if err != nil {
		t.Fatalf("In(%q): %v", values, err)
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", u, err)
	}
	pairs := orderedQuery(t, pu.RawQuery)
	if len(pairs) != 1 || pairs[0][0] != "col" {
		t.Fatalf("In(%q) produced params %q", values, pairs)
	}
	got, err := parseInList(pairs[0][1])
	if err != nil {
		t.Fatalf("In(%q) = %q does not parse: %v", values, pairs[0][1], err)
	}
	want := dedupe(values...)
	if len(want) == 0 {
		want = []string{""} // "in.()" is one empty item to the grammar
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("In(%q) = %q parses as %q", values, pairs[0][1], got)
	}
}

func TestInListRoundTrip(t *testing.T) {
	for _, tt := range [][]string{
		{"a", "b"},
		{"a,b", "c"},
		{"(", ")", "()"},
		{`"`, `\`, `\"`, `"\`},
		{`"a",b`, `x"`},
		{" lead", "trail ", "\u00a0", "\u2003"},
		{""},
		{"", "x"},
		{"1.5", "12:30", "{1,2}"},
		{"%", "&", "=", "+", "#", "?"},
		{"x\x00y", "\xff\xfe"},
	} {
		t.Run(strings.Join(tt, "|"), func(t *testing.T) { checkInList(t, tt...) })
	}
}

// checkTree builds a logic tree around a and b, sends it, and parses it
// back with PostgREST's logic-tree grammar.
func checkTree(t *testing.T, a, b string) {
	t.Helper()
	cond := AnyOf(
		Term("c1", "eq", a),
		AllOf(Term("c2", "in", []string{a, b}), Term("c3", "like", b).Not()),
		Term("c4", "cs", []string{a, b}),
		Term("c5", "is", nil),
	)
	u, err := New("http://h", "k").From("t").Where(cond).URL()
	if err != nil {
		t.Fatalf("Where: %v", err)
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	pairs := orderedQuery(t, pu.RawQuery)
	if len(pairs) != 1 || pairs[0][0] != "or" {
		t.Fatalf("params = %q, want one or=", pairs)
	}
	got, err := parseTree(pairs[0][0], pairs[0][1])
	if err != nil {
		t.Fatalf("or=%s does not parse: %v", pairs[0][1], err)
	}
	want := node{logic: "or", children: []node{
		{column: "c1", op: "eq", value: a},
		{logic: "and", children: []node{
			{column: "c2", op: "in", list: dedupe(a, b)},
			{column: "c3", op: "not.like", value: b},
		}},
		{column: "c4", op: "cs", value: pgArray([]any{a, b})},
		{column: "c5", op: "is", value: "null"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("or=%s\nparsed: %v\nwant:   %v", pairs[0][1], got, want)
	}
	elems, err := parsePGArray(got.children[2].value)
	if err != nil {
		t.Fatalf("array literal %q does not parse: %v", got.children[2].value, err)
	}
	if len(elems) != 2 || elems[0] == nil || elems[1] == nil || *elems[0] != a || *elems[1] != b {
		t.Fatalf("array literal %q parses as %v", got.children[2].value, elems)
	}
}

func TestLogicTreeRoundTrip(t *testing.T) {
	for _, tt := range [][2]string{
		{"x", "y"},
		{"a,b", "c)d"},
		{"a.eq.1", "or(b.eq.2)"},
		{`"`, `\`},
		{`"quoted"`, `"x",y`},
		{"{1,2}", "}"},
		{"", " "},
		{"null", "NULL"},
		{"a&or=(x)", "%2C"},
		{"\t", "ünï,cödé"},
	} {
		t.Run(tt[0]+"|"+tt[1], func(t *testing.T) { checkTree(t, tt[0], tt[1]) })
	}
}

func FuzzInList(f *testing.F) {
	f.Add("a", "b,c")
	f.Add(`"x"`, `\`)
	f.Add("", " (")
	f.Fuzz(func(t *testing.T, a, b string) { checkInList(t, a, b) })
}

func FuzzLogicTree(f *testing.F) {
	f.Add("a", "b")
	f.Add("x,y)", `"z"`)
	f.Add("{", "1.5")
	f.Fuzz(func(t *testing.T, a, b string) { checkTree(t, a, b) })
}

func FuzzPlainFilter(f *testing.F) {
	f.Add("a,b)")
	f.Add("x&y=z")
	f.Fuzz(func(t *testing.T, v string) {
		// Top-level values are taken verbatim to the end of the parameter:
		// only URL encoding stands between them and the query structure.
		u, err := New("http://h", "k").From("t").Eq("col", v).Like("c2", v).URL()
		if err != nil {
			t.Fatal(err)
		}
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		pairs := orderedQuery(t, pu.RawQuery)
		want := [][2]string{{"col", "eq." + v}, {"c2", "like." + v}}
		if !reflect.DeepEqual(pairs, want) {
			t.Fatalf("Eq/Like(%q) params = %q", v, pairs)
		}
	})
}
