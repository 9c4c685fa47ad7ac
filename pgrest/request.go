package pgrest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/rowgate/rowgate"
)

// Headers are the request headers the parser reads, as plain strings. Use
// the first value of each header except Prefer, which may repeat.
type Headers struct {
	// Prefer holds every Prefer header value in order.
	Prefer []string
	// Range is the Range header ("0-9"); only used for GET.
	Range string
	// Accept is the Accept header.
	Accept string
	// AcceptProfile selects the schema for GET and HEAD.
	AcceptProfile string
	// ContentProfile selects the schema for other methods.
	ContentProfile string
}

// ParseRequest parses one Data API request.
//
// method is the HTTP method, path the part of the URL path after /rest/v1
// ("/todos", "/rpc/fn"), query the raw (still percent-encoded) query string
// and h the relevant headers. Errors are *rowgate.Error values:
// PGRST125 for a bad path, PGRST117/PGRST101 for a bad method, PGRST100 for
// query grammar errors, PGRST103 for bad ranges, PGRST107 for an
// unsatisfiable Accept header and PGRST122 for invalid preferences with
// handling=strict.
func ParseRequest(method, path, query string, h Headers) (*Request, error) {
	r := &Request{Method: strings.ToUpper(method)}
	if err := r.parsePath(path); err != nil {
		return nil, err
	}
	if err := r.checkMethod(); err != nil {
		return nil, err
	}
	if r.Method == "GET" || r.Method == "HEAD" {
		r.Schema = strings.TrimSpace(h.AcceptProfile)
	} else {
		r.Schema = strings.TrimSpace(h.ContentProfile)
	}
	params := SplitQuery(query)
	r.Canonical = canonicalQuery(withoutAPIKey(params))
	if err := r.parseParams(params); err != nil {
		return nil, err
	}
	if r.Method == "GET" {
		rg, err := ParseRange(h.Range)
		if err != nil {
			return nil, err
		}
		r.Range = rg
	}
	r.Prefer = ParsePreferences(h.Prefer)
	if err := r.Prefer.StrictError(); err != nil {
		return nil, err
	}
	mt, err := ParseAccept(h.Accept)
	if err != nil {
		return nil, err
	}
	r.Accept = mt
	return r, nil
}

func invalidPath() error {
	return rowgate.NewError(rowgate.CodeInvalidPath, "Invalid path specified in request URL")
}

func (r *Request) parsePath(path string) error {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	ok := func(s string) bool { return s != "" && validIdent(s) }
	switch {
	case len(segs) == 1 && ok(segs[0]):
		r.Resource = segs[0]
	case len(segs) == 2 && segs[0] == "rpc" && ok(segs[1]):
		r.Resource, r.RPC = segs[1], true
	default:
		return invalidPath()
	}
	return nil
}

func (r *Request) checkMethod() error {
	switch r.Method {
	case "GET", "HEAD", "POST", "OPTIONS":
		return nil
	case "PATCH", "PUT", "DELETE":
		if r.RPC {
			return rowgate.NewError(rowgate.CodeRPCMethod, "Cannot use the %s method on RPC", r.Method)
		}
		return nil
	}
	return rowgate.NewError(rowgate.CodeMethod, "Unsupported HTTP method: %s", r.Method)
}

// QueryParam is one decoded query-string pair. HasValue is false for a bare
// key without '='.
type QueryParam struct {
	Key, Value string
	HasValue   bool
}

// SplitQuery splits a raw query string into decoded pairs, in order. Like
// PostgREST (http-types) it splits on '&' and ';', decodes '+' as a space
// and leaves malformed percent escapes as they are.
func SplitQuery(q string) []QueryParam {
	if q == "" {
		return nil
	}
	out := make([]QueryParam, 0, strings.Count(q, "&")+strings.Count(q, ";")+1)
	for len(q) > 0 {
		i := strings.IndexAny(q, "&;")
		var part string
		if i < 0 {
			part, q = q, ""
		} else {
			part, q = q[:i], q[i+1:]
		}
		if part == "" {
			continue
		}
		k, v, has := strings.Cut(part, "=")
		out = append(out, QueryParam{Key: unescape(k), Value: unescape(v), HasValue: has})
	}
	return out
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// unescape decodes %XX and '+' leniently.
func unescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 < len(s) {
				h, ok1 := unhex(s[i+1])
				l, ok2 := unhex(s[i+2])
				if ok1 && ok2 {
					b = append(b, h<<4|l)
					i += 2
					continue
				}
			}
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// withoutAPIKey drops the apikey parameter: the project key must not be
// echoed back in Content-Location.
func withoutAPIKey(ps []QueryParam) []QueryParam {
	if !slices.ContainsFunc(ps, isAPIKey) {
		return ps
	}
	return slices.DeleteFunc(slices.Clone(ps), isAPIKey)
}

func isAPIKey(p QueryParam) bool { return p.Key == "apikey" }

// canonicalQuery re-encodes the parameters sorted by key; values of a
// repeated key are joined with ',' under the first occurrence, as
// PostgREST's Content-Location does.
func canonicalQuery(ps []QueryParam) string {
	if len(ps) == 0 {
		return ""
	}
	sorted := ps
	if !slices.IsSortedFunc(ps, cmpKey) {
		sorted = slices.Clone(ps)
		slices.SortStableFunc(sorted, cmpKey)
	}
	n := 0
	for _, p := range ps {
		n += len(p.Key) + len(p.Value) + 2
	}
	var b strings.Builder
	b.Grow(n + n/2)
	for i := 0; i < len(sorted); {
		if i > 0 {
			b.WriteByte('&')
		}
		k := sorted[i].Key
		escapeTo(&b, k)
		b.WriteByte('=')
		escapeTo(&b, sorted[i].Value)
		j := i + 1
		for ; j < len(sorted) && sorted[j].Key == k; j++ {
			b.WriteByte(',')
			escapeTo(&b, sorted[j].Value)
		}
		i = j
	}
	return b.String()
}

func cmpKey(a, b QueryParam) int { return strings.Compare(a.Key, b.Key) }

// escapeTo percent-encodes every byte except ALPHA / DIGIT / "-_.~".
func escapeTo(b *strings.Builder, s string) {
	const hexd = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&15])
	}
}

// lastSegment returns the part of key after its last '.'.
func lastSegment(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[i+1:]
	}
	return key
}

// looksLikeFilter mirrors PostgREST's classification of a non-reserved
// parameter value: it is a filter when it starts with a known operator
// (optionally after not.), and an RPC argument otherwise.
func looksLikeFilter(v string) bool {
	parts := strings.SplitN(v, ".", 3)
	switch {
	case parts[0] == "not" && len(parts) >= 2:
		return true
	case parts[0] == "is" || parts[0] == "in":
		return true
	}
	op := parts[0]
	if i := strings.IndexByte(op, '('); i >= 0 {
		if _, ok := ftsOps[op[:i]]; ok {
			return true
		}
		if q := op[i:]; q == "(any)" || q == "(all)" {
			op = op[:i]
		}
	}
	_, simple := simpleOps[op]
	_, fts := ftsOps[op]
	return simple || fts
}

// modifiers returns the modifiers for an embed path, creating them.
func (r *Request) modifiers(path []string) *Modifiers {
	if len(path) == 0 {
		return &r.Modifiers
	}
	for i := range r.Embedded {
		if slices.Equal(r.Embedded[i].Path, path) {
			return &r.Embedded[i].Modifiers
		}
	}
	r.Embedded = append(r.Embedded, EmbedModifiers{Path: path})
	return &r.Embedded[len(r.Embedded)-1].Modifiers
}

// EmbedModifiers returns the modifiers addressed to an embed path, or nil.
// With no path it returns the root modifiers.
func (r *Request) EmbedModifiers(path ...string) *Modifiers {
	if len(path) == 0 {
		return &r.Modifiers
	}
	for i := range r.Embedded {
		if slices.Equal(r.Embedded[i].Path, path) {
			return &r.Embedded[i].Modifiers
		}
	}
	return nil
}

// keyPath parses the embed path in front of a reserved word (rel.order,
// a.b.limit, rel.not.or). It returns the path without "not" segments and
// whether there was one (PostgREST negates the logic tree then).
func keyPath(key string) ([]string, bool, error) {
	p := newScanner(key, "tree path")
	var names []string
	for {
		n, err := p.fieldName()
		if err != nil {
			return nil, false, parseError("tree path", key, err)
		}
		names = append(names, n)
		if !p.accept(".") {
			break
		}
	}
	if err := p.finish(`"."`); err != nil {
		return nil, false, parseError("tree path", key, err)
	}
	names = names[:len(names)-1]
	out := names[:0]
	neg := false
	for _, n := range names {
		if n == "not" {
			neg = true
			continue
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, neg, nil
	}
	return out, neg, nil
}

func (r *Request) parseParams(params []QueryParam) error {
	var haveSelect, haveColumns, haveOnConflict bool
	for _, qp := range params {
		if !qp.HasValue || qp.Value == "" {
			continue
		}
		k, v := qp.Key, qp.Value
		switch k {
		case "select":
			if !haveSelect {
				haveSelect = true
				sel, err := ParseSelect(v)
				if err != nil {
					return err
				}
				r.Select, r.SelectGiven = sel, true
			}
			continue
		case "columns":
			if !haveColumns {
				haveColumns = true
				cols, err := parseFieldList("columns parameter", v)
				if err != nil {
					return err
				}
				r.Columns = cols
			}
			continue
		case "on_conflict":
			if !haveOnConflict {
				haveOnConflict = true
				cols, err := parseFieldList("on_conflict parameter", v)
				if err != nil {
					return err
				}
				r.OnConflict = cols
			}
			continue
		}
		switch last := lastSegment(k); last {
		case "order", "limit", "offset", "and", "or":
			path, neg, err := keyPath(k)
			if err != nil {
				return err
			}
			if err := r.modifier(path, neg, last, v); err != nil {
				return err
			}
			continue
		}
		if k == "apikey" {
			// Consumed by the gateway: Supabase accepts the project key as a
			// URL parameter too.
			continue
		}
		hasPath := strings.Contains(k, ".")
		// On tables every other parameter is a filter, so a malformed one is
		// PGRST100 as in PostgREST; on functions it may be an argument.
		isFilter := hasPath || !r.RPC || looksLikeFilter(v)
		if !hasPath {
			r.Params = append(r.Params, Param{Key: k, Value: v, ArgOnly: !isFilter})
		}
		if !isFilter {
			continue
		}
		path, f, err := ParseFilter(k, v)
		if err != nil {
			return err
		}
		m := r.modifiers(path)
		m.Filters = append(m.Filters, f)
	}
	if !r.SelectGiven {
		r.Select = []SelectItem{{Star: true}}
	}
	return nil
}

func rangeError(details string) error {
	return rowgate.NewError(rowgate.CodeRange, "Requested range not satisfiable").WithDetails(details)
}

// modifier applies order/limit/offset/and/or for an embed path.
func (r *Request) modifier(path []string, neg bool, last, v string) error {
	m := r.modifiers(path)
	switch last {
	case "order":
		terms, err := ParseOrder(v)
		if err != nil {
			return err
		}
		m.Order = terms
	case "limit":
		// Like PostgREST, a value that is not an integer is ignored.
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			if n < 0 {
				return rangeError("Limit should be greater than or equal to zero.")
			}
			m.Limit = &n
		}
	case "offset":
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			if n < 0 {
				return rangeError("Offset should be greater than or equal to zero.")
			}
			m.Offset = n
		}
	case "and", "or":
		op := last
		if neg {
			op = "not." + last
		}
		t, err := ParseLogic(op, v)
		if err != nil {
			return err
		}
		m.Logic = append(m.Logic, t)
	default:
		return fmt.Errorf("pgrest: unexpected modifier %q", last)
	}
	return nil
}

// ParseRange parses a Range header value "from-to" or "from-". A value not
// of that shape is ignored (nil), as in PostgREST; from > to is 416
// PGRST103.
func ParseRange(h string) (*Range, error) {
	h = strings.TrimSpace(h)
	from, to, ok := strings.Cut(h, "-")
	if !ok || !allDigits(from) || (to != "" && !allDigits(to)) {
		return nil, nil
	}
	lo, err := strconv.ParseInt(from, 10, 64)
	if err != nil {
		return nil, nil
	}
	rg := &Range{Offset: lo}
	if to != "" {
		hi, err := strconv.ParseInt(to, 10, 64)
		if err != nil {
			return nil, nil
		}
		if hi < lo {
			return nil, rangeError("The lower boundary must be lower than or equal to the upper boundary in the Range header.")
		}
		// hi - lo + 1 overflows for 0-9223372036854775807: saturate, or
		// the limit would wrap to a negative number.
		n := satAdd(hi-lo, 1)
		rg.Limit = &n
	}
	return rg, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// EffectiveRange intersects the Range header with the root limit/offset,
// giving the rows to return: OFFSET offset LIMIT *limit (no limit when nil).
func (r *Request) EffectiveRange() (offset int64, limit *int64) {
	if r.Range == nil {
		return r.Offset, r.Limit
	}
	lo, hi, bounded := r.Offset, int64(0), false
	if r.Limit != nil {
		hi, bounded = satAdd(r.Offset, *r.Limit)-1, true
	}
	lo = max(lo, r.Range.Offset)
	if r.Range.Limit != nil {
		rhi := satAdd(r.Range.Offset, *r.Range.Limit) - 1
		if !bounded || rhi < hi {
			hi = rhi
		}
		bounded = true
	}
	if !bounded {
		return lo, nil
	}
	n := max(hi-lo+1, 0)
	return lo, &n
}

// satAdd adds two non-negative numbers, saturating at MaxInt64.
func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// SplitRPCParams separates the query parameters of an RPC GET/HEAD call
// into function arguments and filters, given the function's parameter
// names: every parameter named like an argument is an argument (its root
// filter, if it looked like one, is removed from r.Filters); parameters that
// only look like arguments (ArgOnly) but match no parameter are returned
// too, so the caller can report the unknown argument the way PostgREST does
// (PGRST202).
func (r *Request) SplitRPCParams(isArg func(name string) bool) []Param {
	var args []Param
	drop := map[string]bool{}
	for _, p := range r.Params {
		switch {
		case isArg(p.Key):
			args = append(args, p)
			if !p.ArgOnly {
				drop[p.Key] = true
			}
		case p.ArgOnly:
			args = append(args, p)
		}
	}
	if len(drop) > 0 {
		kept := r.Filters[:0]
		for _, f := range r.Filters {
			if drop[f.Field.Name] && len(f.Field.JSONPath) == 0 {
				continue
			}
			kept = append(kept, f)
		}
		r.Filters = kept
	}
	return args
}
