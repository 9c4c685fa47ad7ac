package pgrest

import (
	"reflect"
	"testing"
)

func TestParseFilter(t *testing.T) {
	tests := []struct {
		name, key, value string
		path             []string
		want             Filter
	}{
		{"eq", "id", "eq.5", nil, Filter{Field: col("id"), Op: OpEq, Value: "5"}},
		{"value keeps dots and quotes", "name", `eq."a.b",c`, nil, Filter{Field: col("name"), Op: OpEq, Value: `"a.b",c`}},
		{"empty value", "name", "eq.", nil, Filter{Field: col("name"), Op: OpEq, Value: ""}},
		{"neq", "a", "neq.x", nil, Filter{Field: col("a"), Op: OpNeq, Value: "x"}},
		{"gt", "a", "gt.1", nil, Filter{Field: col("a"), Op: OpGt, Value: "1"}},
		{"gte", "a", "gte.1", nil, Filter{Field: col("a"), Op: OpGte, Value: "1"}},
		{"lt", "a", "lt.1", nil, Filter{Field: col("a"), Op: OpLt, Value: "1"}},
		{"lte", "a", "lte.1", nil, Filter{Field: col("a"), Op: OpLte, Value: "1"}},
		{"like star", "a", "like.*foo*", nil, Filter{Field: col("a"), Op: OpLike, Value: "%foo%"}},
		{"ilike", "a", "ilike.F*", nil, Filter{Field: col("a"), Op: OpILike, Value: "F%"}},
		{"match", "a", "match.^x", nil, Filter{Field: col("a"), Op: OpMatch, Value: "^x"}},
		{"imatch", "a", "imatch.^x", nil, Filter{Field: col("a"), Op: OpIMatch, Value: "^x"}},
		{"isdistinct", "a", "isdistinct.1", nil, Filter{Field: col("a"), Op: OpIsDistinct, Value: "1"}},
		{"cs array", "tags", "cs.{a,b}", nil, Filter{Field: col("tags"), Op: OpCs, Value: "{a,b}"}},
		{"cd json", "j", `cd.{"a":1}`, nil, Filter{Field: col("j"), Op: OpCd, Value: `{"a":1}`}},
		{"ov range", "r", "ov.[2017-01-01,2017-06-30]", nil, Filter{Field: col("r"), Op: OpOv, Value: "[2017-01-01,2017-06-30]"}},
		{"sl", "r", "sl.(1,10)", nil, Filter{Field: col("r"), Op: OpSl, Value: "(1,10)"}},
		{"sr", "r", "sr.(1,10)", nil, Filter{Field: col("r"), Op: OpSr, Value: "(1,10)"}},
		{"nxr", "r", "nxr.(1,10)", nil, Filter{Field: col("r"), Op: OpNxr, Value: "(1,10)"}},
		{"nxl", "r", "nxl.(1,10)", nil, Filter{Field: col("r"), Op: OpNxl, Value: "(1,10)"}},
		{"adj", "r", "adj.(1,10)", nil, Filter{Field: col("r"), Op: OpAdj, Value: "(1,10)"}},
		{"fts", "t", "fts.cat", nil, Filter{Field: col("t"), Op: OpFts, Value: "cat"}},
		{"fts lang", "t", "fts(english).cat & dog", nil, Filter{Field: col("t"), Op: OpFts, Lang: "english", Value: "cat & dog"}},
		{"plfts", "t", "plfts.a b", nil, Filter{Field: col("t"), Op: OpPlfts, Value: "a b"}},
		{"phfts", "t", "phfts(simple).a b", nil, Filter{Field: col("t"), Op: OpPhfts, Lang: "simple", Value: "a b"}},
		{"wfts", "t", "wfts.a or b", nil, Filter{Field: col("t"), Op: OpWfts, Value: "a or b"}},
		{"not fts", "t", "not.wfts(english).x", nil, Filter{Field: col("t"), Negate: true, Op: OpWfts, Lang: "english", Value: "x"}},
		{"any", "a", "eq(any).{1,2}", nil, Filter{Field: col("a"), Op: OpEq, Quant: QuantAny, Value: "{1,2}"}},
		{"all like", "a", "like(all).{a*,*b}", nil, Filter{Field: col("a"), Op: OpLike, Quant: QuantAll, Value: "{a%,%b}"}},
		{"not any", "a", "not.gt(any).{1,2}", nil, Filter{Field: col("a"), Negate: true, Op: OpGt, Quant: QuantAny, Value: "{1,2}"}},
		{"in", "id", "in.(1,2,3)", nil, Filter{Field: col("id"), Op: OpIn, Values: []string{"1", "2", "3"}}},
		{"in quoted", "name", `in.(a,"b,c","d\"e","x)y")`, nil, Filter{Field: col("name"), Op: OpIn, Values: []string{"a", "b,c", `d"e`, "x)y"}}},
		{"in spaces", "id", "in.( 1,2 )", nil, Filter{Field: col("id"), Op: OpIn, Values: []string{" 1", "2 "}}},
		{"in empty", "id", "in.()", nil, Filter{Field: col("id"), Op: OpIn, Values: []string{}}},
		{"in empty element", "id", "in.(,a)", nil, Filter{Field: col("id"), Op: OpIn, Values: []string{"", "a"}}},
		{"not in", "id", "not.in.(1)", nil, Filter{Field: col("id"), Negate: true, Op: OpIn, Values: []string{"1"}}},
		{"is null", "a", "is.null", nil, Filter{Field: col("a"), Op: OpIs, Value: "null"}},
		{"is NULL", "a", "is.NULL", nil, Filter{Field: col("a"), Op: OpIs, Value: "null"}},
		{"is not_null", "a", "is.not_null", nil, Filter{Field: col("a"), Op: OpIs, Value: "not_null"}},
		{"is True", "a", "is.True", nil, Filter{Field: col("a"), Op: OpIs, Value: "true"}},
		{"is false", "a", "is.false", nil, Filter{Field: col("a"), Op: OpIs, Value: "false"}},
		{"is unknown", "a", "is.UNKNOWN", nil, Filter{Field: col("a"), Op: OpIs, Value: "unknown"}},
		{"not is null", "rel", "not.is.null", nil, Filter{Field: col("rel"), Negate: true, Op: OpIs, Value: "null"}},
		{"json path", "data->a->>b", "eq.1", nil, Filter{Field: col("data", arrow("a"), arrow2("b")), Op: OpEq, Value: "1"}},
		{"json index", "arr->0", "eq.1", nil, Filter{Field: col("arr", idx("0")), Op: OpEq, Value: "1"}},
		{"embed path", "actors.first_name", "eq.x", []string{"actors"}, Filter{Field: col("first_name"), Op: OpEq, Value: "x"}},
		{"nested path", "films.actors.name", "eq.x", []string{"films", "actors"}, Filter{Field: col("name"), Op: OpEq, Value: "x"}},
		{"quoted key", `"a.b"`, "eq.1", nil, Filter{Field: col("a.b"), Op: OpEq, Value: "1"}},
		{"spaces in key", "first name", "eq.1", nil, Filter{Field: col("first name"), Op: OpEq, Value: "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, got, err := ParseFilter(tt.key, tt.value)
			if err != nil {
				t.Fatalf("ParseFilter(%q, %q): %v", tt.key, tt.value, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("filter\n got %+v\nwant %+v", got, tt.want)
			}
			if len(path) != len(tt.path) || (len(path) > 0 && !reflect.DeepEqual(path, tt.path)) {
				t.Errorf("path = %q, want %q", path, tt.path)
			}
			if got.IsValue() != IsValue(got.Value) {
				t.Error("IsValue mismatch")
			}
		})
	}
}

func TestParseFilterErrors(t *testing.T) {
	tests := []struct {
		name, key, value, message, details string
	}{
		{"unknown op", "a", "noop.0", `"failed to parse filter (noop.0)" (line 1, column 6)`, "unknown single value operator noop"},
		{"no delimiter", "a", "eq", `"failed to parse filter (eq)" (line 1, column 3)`, "unexpected end of input expecting delimiter (.)"},
		{"is garbage", "a", "is.nullx", `"failed to parse filter (is.nullx)" (line 1, column 4)`, "unexpected \"n\" expecting null or trilean value (unknown, true, false)"},
		{"is other", "a", "is.maybe", "", "unexpected \"m\" expecting null or trilean value (unknown, true, false)"},
		{"in without parens", "a", "in.1,2", `"failed to parse filter (in.1,2)" (line 1, column 4)`, `unexpected "1" expecting "("`},
		{"in unclosed", "a", "in.(1,2", "", `unexpected end of input expecting "," or ")"`},
		{"in trailing", "a", "in.(1)x", "", `unexpected "x" expecting end of input`},
		{"bad quantifier", "a", "eq(some).1", "", "unknown single value operator eq(some)"},
		{"quantifier on cs", "a", "cs(any).{1}", "", "unknown single value operator cs(any)"},
		{"fts lang unclosed", "a", "fts(english.x", "", `unexpected "." expecting ")"`},
		{"fts missing dot", "a", "fts(english)x", "", `unexpected "x" expecting delimiter (.)`},
		{"not alone", "a", "not.", "", ""},
		{"bad key", "a,b", "eq.1", `"failed to parse tree path (a,b)" (line 1, column 2)`, ""},
		{"empty key segment", "a..b", "eq.1", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseFilter(tt.key, tt.value)
			checkErr(t, err, wantErr{status: 400, code: "PGRST100", message: tt.message, details: tt.details})
		})
	}
}
