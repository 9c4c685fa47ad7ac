package pgrest

import (
	"reflect"
	"testing"
)

func TestParseSelect(t *testing.T) {
	star := SelectItem{Star: true}
	f := func(name string) SelectItem { return SelectItem{Field: col(name)} }
	tests := []struct {
		name string
		in   string
		want []SelectItem
	}{
		{"columns", "id,title", []SelectItem{f("id"), f("title")}},
		{"star", "*", []SelectItem{star}},
		{"alias", "t:title", []SelectItem{{Field: col("title"), Alias: "t"}}},
		{"cast", "id::text", []SelectItem{{Field: col("id"), Cast: "text"}}},
		{"cast with space", "d::double precision", []SelectItem{{Field: col("d"), Cast: "doubleprecision"}}},
		{"json path", "data->a->>b", []SelectItem{{Field: col("data", arrow("a"), arrow2("b"))}}},
		{"json index", "data->0,data->>-1", []SelectItem{{Field: col("data", idx("0"))}, {Field: col("data", JSONStep{Text: true, Key: "-1", Index: true})}}},
		{"json alias cast", "x:data->>k::int", []SelectItem{{Field: col("data", arrow2("k")), Alias: "x", Cast: "int"}}},
		{"json key with digits", "data->1a", []SelectItem{{Field: col("data", arrow("1a"))}}},
		{"dash name", "first-name", []SelectItem{f("first-name")}},
		{"quoted name", `"a.b,c"`, []SelectItem{f("a.b,c")}},
		{"quoted escape", `"a\"b"`, []SelectItem{f(`a"b`)}},
		{"whitespace stripped", " id , name ", []SelectItem{f("id"), f("name")}},
		{"embed", "id,owner:users(name)", []SelectItem{f("id"), {Embed: &Embed{Name: "users", Alias: "owner", Select: []SelectItem{f("name")}}}}},
		{"embed star", "*,actors(*)", []SelectItem{star, {Embed: &Embed{Name: "actors", Select: []SelectItem{star}}}}},
		{"hint", "rel!fk_name(id)", []SelectItem{{Embed: &Embed{Name: "rel", Hint: "fk_name", Select: []SelectItem{f("id")}}}}},
		{"inner", "rel!inner(id)", []SelectItem{{Embed: &Embed{Name: "rel", Join: JoinInner, Select: []SelectItem{f("id")}}}}},
		{"left", "rel!left(id)", []SelectItem{{Embed: &Embed{Name: "rel", Join: JoinLeft, Select: []SelectItem{f("id")}}}}},
		{"hint inner", "rel!hint!inner(id)", []SelectItem{{Embed: &Embed{Name: "rel", Hint: "hint", Join: JoinInner, Select: []SelectItem{f("id")}}}}},
		{"inner hint", "a:rel!inner!hint(id)", []SelectItem{{Embed: &Embed{Name: "rel", Alias: "a", Hint: "hint", Join: JoinInner, Select: []SelectItem{f("id")}}}}},
		{"empty embed", "id,rel()", []SelectItem{f("id"), {Embed: &Embed{Name: "rel", Select: []SelectItem{}}}}},
		{"nested", "a(b(c(*)))", []SelectItem{{Embed: &Embed{Name: "a", Select: []SelectItem{{Embed: &Embed{Name: "b", Select: []SelectItem{{Embed: &Embed{Name: "c", Select: []SelectItem{star}}}}}}}}}}},
		{"spread", "id,...dir(name)", []SelectItem{f("id"), {Embed: &Embed{Name: "dir", Spread: true, Select: []SelectItem{f("name")}}}}},
		{"spread hint inner", "...dir!fk!inner(*)", []SelectItem{{Embed: &Embed{Name: "dir", Hint: "fk", Join: JoinInner, Spread: true, Select: []SelectItem{star}}}}},
		{"count", "count()", []SelectItem{{Aggregate: AggCount}}},
		{"count alias cast", "n:count()::int", []SelectItem{{Aggregate: AggCount, Alias: "n", AggregateCast: "int"}}},
		{"aggregates", "amount.sum(),amount.avg()::int,x::int.max(),y.min(),z.count()", []SelectItem{
			{Field: col("amount"), Aggregate: AggSum},
			{Field: col("amount"), Aggregate: AggAvg, AggregateCast: "int"},
			{Field: col("x"), Cast: "int", Aggregate: AggMax},
			{Field: col("y"), Aggregate: AggMin},
			{Field: col("z"), Aggregate: AggCount},
		}},
		{"count column", "count", []SelectItem{f("count")}},
		{"computed field", "id,full_name", []SelectItem{f("id"), f("full_name")}},
		{"unicode", "名前", []SelectItem{f("名前")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSelect(tt.in)
			if err != nil {
				t.Fatalf("ParseSelect(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseSelect(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseSelectErrors(t *testing.T) {
	tests := []struct {
		name, in, message, details string
	}{
		{"array suffix", "id,clients(name[])",
			`"failed to parse select parameter (id,clients(name[]))" (line 1, column 16)`,
			`unexpected "[" expecting letter, digit, "-", "!", "(", "->>", "->", "::", ".", ")", "," or end of input`},
		{"table star", "prt.*,u.email",
			`"failed to parse select parameter (prt.*,u.email)" (line 1, column 5)`,
			`unexpected "*" expecting "sum", "avg", "count", "max" or "min"`},
		{"trailing comma", "id,title,",
			`"failed to parse select parameter (id,title,)" (line 1, column 10)`,
			`unexpected end of input expecting field name (* or [a..z0..9_$])`},
		{"bad negative index", "data->>-78xy",
			`"failed to parse select parameter (data->>-78xy)" (line 1, column 11)`,
			`unexpected "x" expecting digit, "->", "::", ".", "," or end of input`},
		{"double dash index", "data->>--34",
			`"failed to parse select parameter (data->>--34)" (line 1, column 9)`,
			`unexpected "-" expecting digit`},
		{"empty cast", "name::",
			`"failed to parse select parameter (name::)" (line 1, column 7)`,
			`unexpected end of input expecting letter or digit`},
		{"star hint", "*!hint",
			`"failed to parse select parameter (*!hint)" (line 1, column 2)`,
			`unexpected "!" expecting ")", "," or end of input`},
		{"unclosed embed", "a(b",
			`"failed to parse select parameter (a(b)" (line 1, column 4)`, ""},
		{"stray paren", "a)",
			`"failed to parse select parameter (a))" (line 1, column 2)`, ""},
		{"empty top level", ",",
			`"failed to parse select parameter (,)" (line 1, column 1)`,
			`unexpected "," expecting field name (* or [a..z0..9_$])`},
		{"unterminated quote", `"abc`, "", `unexpected end of input expecting "\""`},
		{"empty quoted", `""`, "", ""},
		{"nul in quoted", "\"a\x00b\"", "", ""},
		{"bad aggregate", "a.foo()", "", `unexpected "f" expecting "sum", "avg", "count", "max" or "min"`},
		{"three bangs", "a!b!c!d(*)", "", ""},
		{"json path relation", "rel->a(*)", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSelect(tt.in)
			checkErr(t, err, wantErr{status: 400, code: "PGRST100", message: tt.message, details: tt.details})
		})
	}
}

func TestParseSelectDeepNesting(t *testing.T) {
	in := ""
	for range 100 {
		in += "a("
	}
	in += "*"
	for range 100 {
		in += ")"
	}
	_, err := ParseSelect(in)
	checkErr(t, err, wantErr{code: "PGRST100", details: "embedding is nested too deeply"})
}

func TestOutputName(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"id", "id"},
		{"a:id", "a"},
		{"data->a->>b", "b"},
		{"data->a->0", "a"},
		{"data->0", "data"},
		{"count()", "count"},
		{"amount.sum()", "sum"},
		{"*", ""},
		{"rel(*)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			items, err := ParseSelect(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := items[0].OutputName(); got != tt.want {
				t.Errorf("OutputName = %q, want %q", got, tt.want)
			}
		})
	}
	e := &Embed{Name: "users", Alias: "owner"}
	if e.Key() != "owner" {
		t.Errorf("Key = %q", e.Key())
	}
	e.Alias = ""
	if e.Key() != "users" {
		t.Errorf("Key = %q", e.Key())
	}
}
