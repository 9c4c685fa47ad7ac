package sqlgen

import (
	"reflect"
	"regexp"
	"strconv"
	"testing"

	"github.com/rowgate/rowgate/pgrest"
)

func TestRenumberParams(t *testing.T) {
	args := []any{"a", "b", "c", "d"}
	tests := []struct {
		name     string
		sql      string
		wantSQL  string
		wantArgs []any
	}{
		{"none", `SELECT 1 FROM "t"`, `SELECT 1 FROM "t"`, []any{}},
		{"gap", `SELECT 1 WHERE x = $2 AND y = $4`, `SELECT 1 WHERE x = $1 AND y = $2`, []any{"b", "d"}},
		{"reuse", `x = $3 OR y = $3 OR z = $1`, `x = $1 OR y = $1 OR z = $2`, []any{"c", "a"}},
		{"quoted identifier", `"col$2" = $2 AND "a""$3" = $3`, `"col$2" = $1 AND "a""$3" = $2`, []any{"b", "c"}},
		{"string literal", `'$1' || $4 || 'it''s $2'`, `'$1' || $1 || 'it''s $2'`, []any{"d"}},
		{"cast and operators", `$2::json->>$1`, `$1::json->>$2`, []any{"b", "a"}},
		{"out of range left alone", `$9 = $1`, `$9 = $1`, []any{"a"}},
		{"identifier with dollar", `abc$2 = $2`, `abc$2 = $1`, []any{"b"}},
		{"unterminated quote", `$2 = "oops`, `$1 = "oops`, []any{"b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sql, got := renumberParams(tt.sql, args)
			if sql != tt.wantSQL || !reflect.DeepEqual(got, tt.wantArgs) {
				t.Fatalf("renumberParams(%q) = %q %v, want %q %v", tt.sql, sql, got, tt.wantSQL, tt.wantArgs)
			}
		})
	}
}

func TestPlanRows(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int64
		wantErr bool
	}{
		{"integer", `[{"Plan": {"Node Type": "Seq Scan", "Plan Rows": 1234}}]`, 1234, false},
		{"fraction rounds", `[{"Plan": {"Plan Rows": 2.6}}]`, 3, false},
		{"huge saturates", `[{"Plan": {"Plan Rows": 1e30}}]`, 1<<63 - 1, false},
		{"zero", `[{"Plan": {"Plan Rows": 0}}]`, 0, false},
		{"negative", `[{"Plan": {"Plan Rows": -1}}]`, 0, true},
		{"no plan rows", `[{"Plan": {"Node Type": "Result"}}]`, 0, true},
		{"no plan", `[{}]`, 0, true},
		{"empty array", `[]`, 0, true},
		{"not json", `Seq Scan on t`, 0, true},
		{"wrong type", `[{"Plan": {"Plan Rows": "12"}}]`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanRows([]byte(tt.in))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("PlanRows(%s) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestQueryTotal(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	tests := []struct {
		name     string
		pref     pgrest.CountPref
		rpc      bool
		maxRows  int64
		counted  *int64
		planRows *int64
		want     *int64
	}{
		{"none", pgrest.CountNone, false, 0, nil, nil, nil},
		{"exact", pgrest.CountExact, false, 10, n(42), n(7), n(42)},
		{"planned", pgrest.CountPlanned, false, 10, nil, n(7), n(7)},
		{"planned without estimate", pgrest.CountPlanned, false, 10, nil, nil, nil},
		{"planned rpc has no count", pgrest.CountPlanned, true, 10, nil, n(7), nil},
		{"estimated within max_rows is exact", pgrest.CountEstimated, false, 10, n(10), n(500), n(10)},
		{"estimated past max_rows takes the estimate", pgrest.CountEstimated, false, 10, n(11), n(500), n(500)},
		{"estimated past max_rows never below the count", pgrest.CountEstimated, false, 10, n(11), n(3), n(11)},
		{"estimated without max_rows takes the larger", pgrest.CountEstimated, false, 0, n(4), n(9), n(9)},
		{"estimated without max_rows keeps a larger count", pgrest.CountEstimated, false, 0, n(9), n(4), n(9)},
		{"estimated rpc is exact", pgrest.CountEstimated, true, 10, n(50), n(7), n(50)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &Query{}
			setCount(q, tt.pref, tt.rpc, tt.maxRows)
			got := q.Total(tt.counted, tt.planRows)
			if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
				t.Fatalf("Total = %v, want %v", fmtPtr(got), fmtPtr(tt.want))
			}
		})
	}
}

func fmtPtr(p *int64) string {
	if p == nil {
		return "nil"
	}
	return strconv.FormatInt(*p, 10)
}

var placeholderNum = regexp.MustCompile(`^\$([0-9]+)`)

// FuzzRenumberParams checks that renumbering never panics, keeps only
// arguments that exist, is idempotent, and leaves a statement whose
// unquoted placeholders are exactly $1..$len(args).
func FuzzRenumberParams(f *testing.F) {
	f.Add(`SELECT 1 FROM "t" WHERE "t"."a" = $3 AND "t"."b" <> $1`, 4)
	f.Add(`'$1' || "x$2" || $2`, 2)
	f.Add(`"unterminated $1`, 1)
	f.Add(`$0 $99999999999999999999 $1`, 1)
	f.Fuzz(func(t *testing.T, sql string, nargs int) {
		nargs = max(0, min(nargs, 64))
		args := make([]any, nargs)
		for i := range args {
			args[i] = strconv.Itoa(i + 1)
		}
		out, got := renumberParams(sql, args)
		if len(got) > nargs {
			t.Fatalf("%d arguments out of %d", len(got), nargs)
		}
		again, got2 := renumberParams(out, got)
		if again != out || !reflect.DeepEqual(got, got2) {
			t.Fatalf("not idempotent: %q -> %q -> %q", sql, out, again)
		}
		// The unquoted placeholders that name an argument are $1..$len.
		seen := map[int]bool{}
		for _, m := range placeholdersOutsideQuotes(out) {
			if m >= 1 && m <= len(got) {
				seen[m] = true
			}
		}
		if len(seen) != len(got) {
			t.Fatalf("%q uses %d of its %d arguments", out, len(seen), len(got))
		}
	})
}

// placeholdersOutsideQuotes lists the $n numbers outside quotes, with the
// same lexical rules as renumberParams.
func placeholdersOutsideQuotes(sql string) []int {
	var out []int
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '"' || c == '\'':
			for i++; i < len(sql); i++ {
				if sql[i] == c {
					if i+1 < len(sql) && sql[i+1] == c {
						i++
						continue
					}
					break
				}
			}
		case c == '$' && (i == 0 || !isIdentByte(sql[i-1])):
			if m := placeholderNum.FindStringSubmatch(sql[i:]); m != nil {
				if n, err := strconv.Atoi(m[1]); err == nil {
					out = append(out, n)
				}
			}
		}
	}
	return out
}
