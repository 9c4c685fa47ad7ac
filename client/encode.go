package client

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// params is an ordered multi-map of query parameters with the semantics of
// the WHATWG URLSearchParams object postgrest-js builds its URLs with:
// add appends, set replaces the first pair of that name and drops the rest.
type params []param

type param struct{ key, value string }

func (p *params) add(key, value string) { *p = append(*p, param{key, value}) }

func (p *params) set(key, value string) {
	out := make(params, 0, len(*p)+1)
	done := false
	for _, kv := range *p {
		if kv.key != key {
			out = append(out, kv)
			continue
		}
		if !done {
			out = append(out, param{key, value})
			done = true
		}
	}
	if !done {
		out = append(out, param{key, value})
	}
	*p = out
}

func (p params) get(key string) (string, bool) {
	for _, kv := range p {
		if kv.key == key {
			return kv.value, true
		}
	}
	return "", false
}

// encode renders the parameters in insertion order, form-encoded (space as
// "+"), as URLSearchParams does. Every key and value is escaped, so no value
// can introduce another parameter.
func (p params) encode() string {
	var b strings.Builder
	for i, kv := range p {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv.key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv.value))
	}
	return b.String()
}

// formatValue renders a Go value as the text PostgREST expects after the
// operator ("eq.<text>"), the way postgrest-js's template literals render JS
// values: nil is "null", booleans and numbers are their literal text, times
// are RFC 3339, strings are passed through. Maps, structs and other composite
// values are rendered as JSON (what postgrest-js does for objects given to
// contains/containedBy). It never fails.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case []byte:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatFloat(x, 64)
	case float32:
		return formatFloat(float64(x), 32)
	case json.Number:
		return string(x)
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return x.String()
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return "null"
		}
		return formatValue(rv.Elem().Interface())
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(rv.Uint(), 10)
	case reflect.Float32:
		return formatFloat(rv.Float(), 32)
	case reflect.Float64:
		return formatFloat(rv.Float(), 64)
	}
	if b, err := json.Marshal(v); err == nil {
		return string(b)
	}
	return fmt.Sprint(v)
}

func formatFloat(f float64, bits int) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'f', -1, bits)
}

// listOf returns the elements of v if v is a slice or array (other than
// []byte, which is treated as a string), and ok=false otherwise.
func listOf(v any) (items []any, ok bool) {
	if v == nil {
		return nil, false
	}
	if _, isBytes := v.([]byte); isBytes {
		return nil, false
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	items = make([]any, rv.Len())
	for i := range items {
		items[i] = rv.Index(i).Interface()
	}
	return items, true
}

// needsQuote reports whether s must be double-quoted to be read back as one
// value inside a PostgREST list "in.(a,b)" or a logic tree "or=(a.eq.x,…)".
//
// PostgREST's grammar (ApiRequest/QueryParams.hs: pListElement,
// pLogicSingleVal, pQuotedValue) ends an unquoted value at "," or ")", reads
// a value starting with `"` as quoted with `\` escaping the next character,
// reads a value starting with "{" as an array literal up to "}", and skips
// whitespace after "(" and ",". postgrest-js quotes values containing ",()";
// we also quote `"`, `\`, ".", ":", braces, leading/trailing whitespace and
// the empty string, so that every string round-trips exactly.
func needsQuote(s string) bool {
	if s == "" || strings.ContainsAny(s, ",()\"\\.:{}") {
		return true
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsSpace(first) || unicode.IsSpace(last)
}

// quoteValue double-quotes s when needsQuote says so, escaping `\` and `"`
// with a backslash. PostgREST removes the quotes and escapes again, so the
// value it uses is exactly s.
func quoteValue(s string) string {
	if !needsQuote(s) {
		return s
	}
	return quoteAlways(s)
}

func quoteAlways(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// inList renders values as a PostgREST list "(a,b,"c,d")". Duplicates are
// dropped, keeping the first occurrence, as postgrest-js does with a Set.
func inList(values []any) string {
	seen := make(map[string]bool, len(values))
	parts := make([]string, 0, len(values))
	for _, v := range values {
		s := formatValue(v)
		if seen[s] {
			continue
		}
		seen[s] = true
		parts = append(parts, quoteValue(s))
	}
	return "(" + strings.Join(parts, ",") + ")"
}

// pgArray renders values as a PostgreSQL array literal "{a,b}" for the
// cs/cd/ov operators and for array arguments of GET RPC calls. Unlike
// postgrest-js, which joins the elements verbatim, elements are quoted per
// the array input rules so that a comma or brace inside a value cannot add
// elements. nil elements become NULL; nested lists become nested arrays.
func pgArray(values []any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		if v == nil {
			parts[i] = "NULL"
			continue
		}
		if inner, ok := listOf(v); ok {
			parts[i] = pgArray(inner)
			continue
		}
		parts[i] = pgArrayElem(formatValue(v))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func pgArrayElem(s string) string {
	if s == "" || strings.EqualFold(s, "null") || strings.ContainsAny(s, "{}\",\\") ||
		strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return quoteAlways(s)
	}
	return s
}

// containerValue renders the operand of cs/cd/ov: strings verbatim (range
// literals such as "[1,5)"), lists as array literals, anything else as JSON.
func containerValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if items, ok := listOf(v); ok {
		return pgArray(items)
	}
	if b, err := json.Marshal(v); err == nil {
		return string(b)
	}
	return formatValue(v)
}

// isValue renders the operand of the "is" operator. PostgREST accepts only
// null, not_null, true, false and unknown (case-insensitively).
func isValue(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "null", nil
	case bool:
		return strconv.FormatBool(x), nil
	case *bool:
		if x == nil {
			return "null", nil
		}
		return strconv.FormatBool(*x), nil
	case string:
		switch strings.ToLower(x) {
		case "null", "not_null", "true", "false", "unknown":
			return x, nil
		}
		return "", fmt.Errorf("client: invalid value %q for is: want null, not_null, true, false or unknown", x)
	}
	return "", fmt.Errorf("client: invalid value of type %T for is: want nil, bool or one of null, not_null, true, false, unknown", v)
}

// splitOp splits an operator such as "not.in" or "fts(english)" into its
// negation, base name and parenthesised modifier, and validates it against
// PostgREST's operator grammar [not.]op[(any|all)|(config)].
func splitOp(op string) (not bool, base, mod string, err error) {
	rest := op
	if strings.HasPrefix(rest, "not.") {
		not, rest = true, rest[len("not."):]
	}
	base = rest
	if i := strings.IndexByte(rest, '('); i >= 0 {
		if !strings.HasSuffix(rest, ")") {
			return false, "", "", fmt.Errorf("client: invalid operator %q", op)
		}
		base, mod = rest[:i], rest[i+1:len(rest)-1]
		if mod == "" || strings.IndexFunc(mod, func(r rune) bool {
			return !(r < utf8.RuneSelf && (r == '_' || r == ' ' || r == '$' ||
				'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'))
		}) >= 0 {
			return false, "", "", fmt.Errorf("client: invalid operator modifier in %q", op)
		}
	}
	if base == "" || strings.IndexFunc(base, func(r rune) bool { return r < 'a' || r > 'z' }) >= 0 {
		return false, "", "", fmt.Errorf("client: invalid operator %q", op)
	}
	return not, base, mod, nil
}

// opValue renders "op.value" for a filter. In logic trees (tree=true) plain
// values are quoted when needed, because there PostgREST reads them with
// pLogicSingleVal and strips the quotes; in top-level filters values are
// taken verbatim to the end of the parameter, so they are never quoted.
func opValue(op string, value any, tree bool) (string, error) {
	_, base, mod, err := splitOp(op)
	if err != nil {
		return "", err
	}
	items, isList := listOf(value)
	var v string
	switch {
	case (mod == "any" || mod == "all") && isList:
		// eq(any), like(all) …: the operand is a PostgreSQL array literal,
		// as postgrest-js's likeAnyOf sends ("{a*,b*}").
		v = pgArray(items)
		if tree {
			v = quoteValue(v)
		}
	case base == "in":
		if !isList {
			items = []any{value}
		}
		v = inList(items)
	case base == "is":
		if v, err = isValue(value); err != nil {
			return "", err
		}
	case base == "cs" || base == "cd" || base == "ov":
		v = containerValue(value)
		if tree {
			v = quoteValue(v)
		}
	default:
		v = formatValue(value)
		if tree {
			v = quoteValue(v)
		}
	}
	return op + "." + v, nil
}

// Cond is a condition for [Query.Where]: a single filter made with [Term] or
// a group made with [AnyOf] or [AllOf], optionally negated with [Cond.Not].
// Values inside a Cond are quoted as PostgREST's logic-tree grammar requires,
// so no value can change the shape of the condition. The zero Cond is
// invalid.
type Cond struct {
	column   string
	op       string
	value    any
	logic    string // "and" or "or" for groups; "" for a term
	children []Cond
	not      bool
}

// Term returns the condition "column op value", e.g. Term("age", "gte", 18)
// or Term("id", "in", []int{1, 2}). op is a PostgREST operator (eq, neq, gt,
// gte, lt, lte, like, ilike, match, imatch, is, isdistinct, in, cs, cd, ov,
// sl, sr, nxl, nxr, adj, fts, plfts, phfts, wfts), optionally with a
// modifier such as "like(any)" or "fts(english)".
func Term(column, op string, value any) Cond { return Cond{column: column, op: op, value: value} }

// AnyOf returns a condition that holds when any of conds holds (PostgREST "or").
func AnyOf(conds ...Cond) Cond { return Cond{logic: "or", children: conds} }

// AllOf returns a condition that holds when all of conds hold (PostgREST "and").
func AllOf(conds ...Cond) Cond { return Cond{logic: "and", children: conds} }

// Not returns the negation of c.
func (c Cond) Not() Cond { c.not = !c.not; return c }

// String renders c in PostgREST's logic-tree syntax, e.g.
// `or(a.eq.1,b.in.("x,y",z))`. Invalid conditions render with a "!" marker
// in place of the bad part; [Query.Where] reports them as errors instead.
func (c Cond) String() string {
	s, err := c.render()
	if err != nil {
		return "!" + err.Error()
	}
	return s
}

func (c Cond) render() (string, error) {
	neg := ""
	if c.not {
		neg = "not."
	}
	if c.logic == "" {
		if c.column == "" {
			return "", fmt.Errorf("client: condition without a column")
		}
		if c.not && strings.HasPrefix(c.op, "not.") {
			// not.not. is not in the grammar; two negations cancel out.
			neg, c.op = "", c.op[len("not."):]
		}
		v, err := opValue(c.op, c.value, true)
		if err != nil {
			return "", err
		}
		return c.column + "." + neg + v, nil
	}
	inner, err := renderList(c.children)
	if err != nil {
		return "", err
	}
	return neg + c.logic + "(" + inner + ")", nil
}

func renderList(conds []Cond) (string, error) {
	if len(conds) == 0 {
		return "", fmt.Errorf("client: empty condition group")
	}
	parts := make([]string, len(conds))
	for i, c := range conds {
		s, err := c.render()
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	return strings.Join(parts, ","), nil
}

// quoteColumn renders a column name for the "columns" parameter, which
// postgrest-js sends double-quoted ("a","b").
func quoteColumn(name string) string { return quoteAlways(name) }
