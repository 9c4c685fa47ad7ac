package pgrest

import (
	"reflect"
	"strings"
	"testing"
)

func leaf(f Filter) LogicNode   { return LogicNode{Filter: &f} }
func sub(t LogicTree) LogicNode { return LogicNode{Tree: &t} }
func eqf(name, v string) Filter { return Filter{Field: col(name), Op: OpEq, Value: v} }
func opf(name string, op Operator, v string) Filter {
	return Filter{Field: col(name), Op: op, Value: v}
}

func TestParseLogic(t *testing.T) {
	tests := []struct {
		name, key, value string
		want             LogicTree
	}{
		{"or", "or", "(a.eq.1,b.gt.2)", LogicTree{Op: LogicOr, Children: []LogicNode{leaf(eqf("a", "1")), leaf(opf("b", OpGt, "2"))}}},
		{"and", "and", "(a.eq.1)", LogicTree{Op: LogicAnd, Children: []LogicNode{leaf(eqf("a", "1"))}}},
		{"not.or", "not.or", "(a.eq.1,b.eq.2)", LogicTree{Negate: true, Op: LogicOr, Children: []LogicNode{leaf(eqf("a", "1")), leaf(eqf("b", "2"))}}},
		{"nested", "or", "(a.eq.1,and(b.gt.2,c.lt.3))", LogicTree{Op: LogicOr, Children: []LogicNode{
			leaf(eqf("a", "1")),
			sub(LogicTree{Op: LogicAnd, Children: []LogicNode{leaf(opf("b", OpGt, "2")), leaf(opf("c", OpLt, "3"))}}),
		}}},
		{"nested not", "and", "(not.or(a.is.null,b.is.TRUE),c.not.eq.1)", LogicTree{Op: LogicAnd, Children: []LogicNode{
			sub(LogicTree{Negate: true, Op: LogicOr, Children: []LogicNode{leaf(opf("a", OpIs, "null")), leaf(opf("b", OpIs, "true"))}}),
			leaf(Filter{Field: col("c"), Negate: true, Op: OpEq, Value: "1"}),
		}}},
		{"quoted values", "or", `(a.eq."x,y",b.eq."p)q",c.eq."say \"hi\"")`, LogicTree{Op: LogicOr, Children: []LogicNode{
			leaf(eqf("a", "x,y")), leaf(eqf("b", "p)q")), leaf(eqf("c", `say "hi"`)),
		}}},
		{"quote not followed by delimiter stays raw", "or", `(a.eq."x"y)`, LogicTree{Op: LogicOr, Children: []LogicNode{leaf(eqf("a", `"x"y`))}}},
		{"array literal", "or", "(tags.cs.{a,b},tags.eq(any).{c,d})", LogicTree{Op: LogicOr, Children: []LogicNode{
			leaf(opf("tags", OpCs, "{a,b}")), leaf(Filter{Field: col("tags"), Op: OpEq, Quant: QuantAny, Value: "{c,d}"}),
		}}},
		{"in and like", "or", `(id.in.(1,"2,3"),name.like.*x*)`, LogicTree{Op: LogicOr, Children: []LogicNode{
			leaf(Filter{Field: col("id"), Op: OpIn, Values: []string{"1", "2,3"}}), leaf(opf("name", OpLike, "%x%")),
		}}},
		{"fts and json", "or", "(t.fts(english).cat,j->a->>b.eq.1)", LogicTree{Op: LogicOr, Children: []LogicNode{
			leaf(Filter{Field: col("t"), Op: OpFts, Lang: "english", Value: "cat"}),
			leaf(Filter{Field: col("j", arrow("a"), arrow2("b")), Op: OpEq, Value: "1"}),
		}}},
		{"embed null check", "or", "(rel.not.is.null,id.eq.1)", LogicTree{Op: LogicOr, Children: []LogicNode{
			leaf(Filter{Field: col("rel"), Negate: true, Op: OpIs, Value: "null"}), leaf(eqf("id", "1")),
		}}},
		{"columns named and/or/not", "or", "(and.eq.1,or.eq.2,not.eq.3)", LogicTree{Op: LogicOr, Children: []LogicNode{
			leaf(eqf("and", "1")), leaf(eqf("or", "2")), leaf(eqf("not", "3")),
		}}},
		{"spaces", "or", "( a.eq.1 , and( b.eq.2 ) )", LogicTree{Op: LogicOr, Children: []LogicNode{
			leaf(eqf("a", "1 ")), sub(LogicTree{Op: LogicAnd, Children: []LogicNode{leaf(eqf("b", "2 "))}}),
		}}},
		{"empty value", "or", "(a.eq.,b.eq.)", LogicTree{Op: LogicOr, Children: []LogicNode{leaf(eqf("a", "")), leaf(eqf("b", ""))}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLogic(tt.key, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %s\nwant %s", renderTree(got), renderTree(tt.want))
			}
		})
	}
}

func TestParseLogicErrors(t *testing.T) {
	tests := []struct {
		name, key, value, message, details string
	}{
		{"empty", "or", "()", `"failed to parse logic tree (())" (line 1, column 4)`,
			`unexpected ")" expecting field name (* or [a..z0..9_$]), negation operator (not) or logic operator (and, or)`},
		{"in without parens", "or", "(id.in.1,2,id.eq.3)", `"failed to parse logic tree ((id.in.1,2,id.eq.3))" (line 1, column 10)`, `unexpected "1" expecting "("`},
		{"missing paren", "or", ")(", `"failed to parse logic tree ()()" (line 1, column 3)`, `unexpected ")" expecting "("`},
		{"bad nested op", "and", "(ord(id.eq.1,id.eq.1),id.eq.2)", "", ""},
		{"xor", "or", "(id.eq.1,not.xor(id.eq.2,id.eq.3))", `"failed to parse logic tree ((id.eq.1,not.xor(id.eq.2,id.eq.3)))" (line 1, column 16)`, `unexpected "x" expecting logic operator (and, or)`},
		{"unclosed", "or", "(a.eq.1", "", `unexpected end of input expecting "," or ")"`},
		{"trailing", "or", "(a.eq.1)x", "", `unexpected "x" expecting end of input`},
		{"no operator", "or", "(a)", "", `unexpected ")" expecting delimiter (.)`},
		{"bad key", "xor", "(a.eq.1)", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLogic(tt.key, tt.value)
			checkErr(t, err, wantErr{status: 400, code: "PGRST100", message: tt.message, details: tt.details})
		})
	}
}

func TestParseLogicDeepNesting(t *testing.T) {
	v := "(" + strings.Repeat("or(", 100) + "a.eq.1" + strings.Repeat(")", 101)
	_, err := ParseLogic("or", v)
	checkErr(t, err, wantErr{code: "PGRST100", details: "logic tree is nested too deeply"})
}

// renderTree writes a tree back in PostgREST syntax, quoting values that
// need it. It is used for round-trip checks.
func renderTree(t LogicTree) string {
	var b strings.Builder
	if t.Negate {
		b.WriteString("not.")
	}
	b.WriteString(string(t.Op))
	b.WriteString("(")
	for i, c := range t.Children {
		if i > 0 {
			b.WriteString(",")
		}
		if c.Tree != nil {
			b.WriteString(renderTree(*c.Tree))
			continue
		}
		b.WriteString(renderFilter(*c.Filter, true))
	}
	b.WriteString(")")
	return b.String()
}

func quoteName(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func renderFilter(f Filter, inLogic bool) string {
	var b strings.Builder
	b.WriteString(quoteName(f.Field.Name))
	for _, s := range f.Field.JSONPath {
		if s.Text {
			b.WriteString("->>")
		} else {
			b.WriteString("->")
		}
		if s.Index {
			b.WriteString(s.Key)
		} else {
			b.WriteString(quoteName(s.Key))
		}
	}
	b.WriteString(".")
	if f.Negate {
		b.WriteString("not.")
	}
	b.WriteString(string(f.Op))
	if f.Quant != "" {
		b.WriteString("(" + string(f.Quant) + ")")
	}
	if f.Lang != "" {
		b.WriteString("(" + f.Lang + ")")
	}
	b.WriteString(".")
	switch f.Op {
	case OpIn:
		b.WriteString("(")
		for i, v := range f.Values {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(quoteName(v))
		}
		b.WriteString(")")
	default:
		v := f.Value
		if inLogic && f.Quant == "" && f.Op != OpIs {
			v = quoteName(v)
		}
		b.WriteString(v)
	}
	return b.String()
}

func TestLogicRoundTrip(t *testing.T) {
	inputs := []struct{ key, value string }{
		{"or", "(a.eq.1,and(b.gt.2,c.lt.3),not.and(d.is.null,e.in.(x,\"y,z\")))"},
		{"and", `(name.eq."a,b",name.neq."(x)",note.like."50\"",or(x.eq.1,or(y.eq.2,and(z.eq.3))))`},
		{"not.or", "(t.fts(english).a b,j->0->>k.gte.5,tags.eq(any).{a,b},tags.cs.{c,d})"},
	}
	for _, in := range inputs {
		t.Run(in.value, func(t *testing.T) {
			first, err := ParseLogic(in.key, in.value)
			if err != nil {
				t.Fatal(err)
			}
			s := renderTree(first)
			key, value, _ := strings.Cut(s, "(")
			second, err := ParseLogic(key, "("+value)
			if err != nil {
				t.Fatalf("reparse %q: %v", s, err)
			}
			// like values were rewritten * -> %; render keeps %, so the
			// trees must be identical.
			if !reflect.DeepEqual(first, second) {
				t.Errorf("round trip changed tree:\n%s\n%s", renderTree(first), renderTree(second))
			}
		})
	}
}
