package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/pgexec"
	"github.com/rowgate/rowgate/pgrest"
	"github.com/rowgate/rowgate/sqlgen"
)

// rest serves /rest/v1/…: resolve the identity, parse, build the SQL, run
// it in one transaction, write the response.
func (s *Server) rest(w http.ResponseWriter, r *http.Request) error {
	id, err := s.opts.Verifier.Resolve(r.Context(), auth.Credentials{
		APIKey:        apiKey(r),
		Authorization: r.Header.Values("Authorization"),
		UserAgent:     r.Header.Get("User-Agent"),
	})
	if err != nil {
		return err
	}
	setAnon(r, id.Role == "anon")

	path := strings.TrimPrefix(r.URL.Path, "/rest/v1")
	req, err := pgrest.ParseRequest(r.Method, path, r.URL.RawQuery, pgrest.Headers{
		Prefer:         r.Header.Values("Prefer"),
		Range:          r.Header.Get("Range"),
		Accept:         r.Header.Get("Accept"),
		AcceptProfile:  r.Header.Get("Accept-Profile"),
		ContentProfile: r.Header.Get("Content-Profile"),
	})
	if err != nil {
		return err
	}
	schemaName, err := s.pickSchema(req.Schema)
	if err != nil {
		return err
	}
	cache := s.opts.Schema.Load()
	if cache == nil {
		return rowgate.Errorf(http.StatusServiceUnavailable, rowgate.CodeSchemaCache, "Could not query the database for the schema cache. Retrying.").
			WithDetails("the schema cache is not loaded yet")
	}
	switch {
	case r.Method == http.MethodOptions:
		w.Header().Set("Allow", "OPTIONS,GET,HEAD,POST,PUT,PATCH,DELETE")
		w.WriteHeader(http.StatusOK)
		return nil
	case req.RPC:
		return s.rpc(w, r, id, req, schemaName)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		return s.read(w, r, id, req, schemaName)
	default:
		return s.write(w, r, id, req, schemaName)
	}
}

// apiKey reads the project key from the apikey header, or the apikey query
// parameter as Supabase's gateway also accepts.
func apiKey(r *http.Request) string {
	if k := r.Header.Get("apikey"); k != "" {
		return k
	}
	return r.URL.Query().Get("apikey")
}

// pickSchema checks Accept-Profile/Content-Profile against [api] schemas.
func (s *Server) pickSchema(requested string) (string, error) {
	if requested == "" {
		if len(s.opts.Schemas) == 0 {
			return "public", nil
		}
		return s.opts.Schemas[0], nil
	}
	if slices.Contains(s.opts.Schemas, requested) {
		return requested, nil
	}
	return "", rowgate.Errorf(http.StatusNotAcceptable, rowgate.CodeSchema, "Invalid schema: %s", requested).
		WithHint("Only the following schemas are exposed: " + strings.Join(s.opts.Schemas, ", "))
}

func (s *Server) searchPath(schemaName string) []string {
	sp := []string{schemaName}
	for _, e := range s.opts.ExtraSearchPath {
		if e != schemaName {
			sp = append(sp, e)
		}
	}
	return sp
}

// txRequest fills the per-request settings of §3.2.
func (s *Server) txRequest(r *http.Request, id *auth.Identity, schemaName string, readOnly bool, main *sqlgen.Query, tz string) *pgexec.Request {
	return &pgexec.Request{
		SearchPath: s.searchPath(schemaName),
		Role:       id.Role,
		Claims:     id.ClaimsJSON,
		Subject:    id.Subject,
		Method:     r.Method,
		Path:       strings.TrimPrefix(r.URL.Path, "/rest/v1"),
		Headers:    headersJSON(r),
		Cookies:    cookiesJSON(r),
		Timezone:   tz,
		ReadOnly:   readOnly,
		Main:       pgexec.Statement{SQL: main.SQL, Args: main.Args},
	}
}

// headersJSON is request.headers: names lower-cased, Cookie excluded, and
// credentials left out so they never reach SQL logs or RLS policies. It is
// built by hand: it runs on every request and encoding/json's map path
// (reflection, sorted keys) costs several times more.
func headersJSON(r *http.Request) []byte {
	b := make([]byte, 0, 512)
	b = append(b, '{')
	first := true
	for k, v := range r.Header {
		lk := strings.ToLower(k)
		switch lk {
		case "cookie", "authorization", "apikey":
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, lk)
		b = append(b, ':')
		b = appendJSONString(b, strings.Join(v, ","))
	}
	return append(b, '}')
}

func cookiesJSON(r *http.Request) []byte {
	b := []byte{'{'}
	for i, c := range r.Cookies() {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, c.Name)
		b = append(b, ':')
		b = appendJSONString(b, c.Value)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string, escaping as encoding/json
// does (invalid UTF-8 becomes U+FFFD).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// result is the one row every main statement returns.
type result struct {
	total     *int64
	pageTotal int64
	body      string
	headers   *string
	status    *string
}

func scanResult(res *result) func(rows pgx.Rows) error {
	return func(rows pgx.Rows) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return fmt.Errorf("main statement returned no row")
		}
		return rows.Scan(&res.total, &res.pageTotal, &res.body, &res.headers, &res.status)
	}
}

// read serves GET and HEAD on tables, views and functions.
func (s *Server) read(w http.ResponseWriter, r *http.Request, id *auth.Identity, req *pgrest.Request, schemaName string) error {
	q, err := sqlgen.Read(req, s.opts.Schema.Load(), sqlgen.Options{Schema: schemaName, MaxRows: s.opts.MaxRows})
	if err != nil {
		return err
	}
	var res result
	tr := s.txRequest(r, id, schemaName, true, q, req.Prefer.Timezone)
	total := withEstimate(tr, q)
	if err := s.opts.DB.Run(r.Context(), tr, scanResult(&res)); err != nil {
		return err
	}
	if res.total, err = total(res.total); err != nil {
		return err
	}
	return s.respondRead(w, r, req, q, &res)
}

// withEstimate adds q's EXPLAIN of the count query (Prefer: count=planned
// and count=estimated) to the transaction, before the main statement. The
// returned function, called after Run, turns the statement's
// total_result_set into the total to report ([sqlgen.Query.Total]).
func withEstimate(tr *pgexec.Request, q *sqlgen.Query) func(counted *int64) (*int64, error) {
	if q.Explain == nil {
		return func(counted *int64) (*int64, error) { return q.Total(counted, nil), nil }
	}
	var plan string
	tr.Extra = &pgexec.Statement{SQL: q.Explain.SQL, Args: q.Explain.Args}
	tr.ExtraScan = func(rows pgx.Rows) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return fmt.Errorf("count estimate returned no row")
		}
		return rows.Scan(&plan)
	}
	return func(counted *int64) (*int64, error) {
		est, err := sqlgen.PlanRows([]byte(plan))
		if err != nil {
			return nil, fmt.Errorf("count estimate: %w", err)
		}
		return q.Total(counted, &est), nil
	}
}

func (s *Server) respondRead(w http.ResponseWriter, r *http.Request, req *pgrest.Request, q *sqlgen.Query, res *result) error {
	h := w.Header()
	if err := applyGUCHeaders(h, res.headers); err != nil {
		return err
	}
	status := http.StatusOK
	offset := q.Offset
	if q.Singular {
		if res.pageTotal != 1 {
			return rowgate.Errorf(http.StatusNotAcceptable, rowgate.CodeSingular, "Cannot coerce the result to a single JSON object").
				WithDetails(fmt.Sprintf("The result contains %d rows", res.pageTotal))
		}
	}
	// PostgREST's rangeStatus: with a total (exact or, for count=planned
	// and count=estimated, the planner's estimate), an offset past it is
	// 416 and a page smaller than it 206.
	total := "*"
	if res.total != nil {
		total = strconv.FormatInt(*res.total, 10)
		if offset > *res.total {
			return rowgate.Errorf(http.StatusRequestedRangeNotSatisfiable, rowgate.CodeRange, "Requested range not satisfiable").
				WithDetails(fmt.Sprintf("An offset of %d was requested, but there are only %d rows.", offset, *res.total))
		}
		if res.pageTotal < *res.total && !req.RPC {
			status = http.StatusPartialContent
		}
	}
	if res.pageTotal == 0 || (res.total != nil && *res.total == 0) {
		h.Set("Content-Range", "*/"+total)
	} else {
		h.Set("Content-Range", fmt.Sprintf("%d-%d/%s", offset, offset+res.pageTotal-1, total))
	}
	if req.Canonical != "" {
		h.Set("Content-Location", strings.TrimPrefix(r.URL.Path, "/rest/v1")+"?"+req.Canonical)
	} else {
		h.Set("Content-Location", strings.TrimPrefix(r.URL.Path, "/rest/v1"))
	}
	if applied := preferenceApplied(req.Prefer, appliedPrefs{}); applied != "" {
		h.Set("Preference-Applied", applied)
	}
	h.Set("Content-Type", contentType(req.Accept))
	if q.Void {
		status = http.StatusNoContent
		res.body = ""
	}
	if res.status != nil && *res.status != "" {
		n, err := strconv.Atoi(*res.status)
		if err != nil || n < 100 || n > 599 {
			return rowgate.Errorf(http.StatusInternalServerError, rowgate.CodeResponseStatus, "response.status guc must be a valid status code")
		}
		status = n
	}
	h.Set("Content-Length", strconv.Itoa(len(res.body)))
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err := w.Write([]byte(res.body))
	return err
}

func contentType(m pgrest.MediaType) string {
	switch m.Kind {
	case pgrest.MediaCSV:
		return "text/csv; charset=utf-8"
	case pgrest.MediaObject:
		if m.StripNulls {
			return "application/vnd.pgrst.object+json; nulls=stripped; charset=utf-8"
		}
		return "application/vnd.pgrst.object+json; charset=utf-8"
	case pgrest.MediaArray:
		return "application/vnd.pgrst.array+json; nulls=stripped; charset=utf-8"
	}
	return "application/json; charset=utf-8"
}

// applyGUCHeaders honours response.headers set from SQL: a JSON array of
// single-key objects with string values (PGRST111 otherwise).
func applyGUCHeaders(h http.Header, raw *string) error {
	if raw == nil || *raw == "" {
		return nil
	}
	bad := rowgate.Errorf(http.StatusInternalServerError, rowgate.CodeResponseHeaders, "response.headers guc must be a JSON array composed of objects with a single key and a string value")
	var items []map[string]any
	if err := json.Unmarshal([]byte(*raw), &items); err != nil {
		return bad
	}
	for _, it := range items {
		if len(it) != 1 {
			return bad
		}
		for k, v := range it {
			s, ok := v.(string)
			if !ok {
				return bad
			}
			h.Set(k, s)
		}
	}
	return nil
}

// appliedPrefs says which preferences beyond count and timezone took effect
// for a request; the kind of request decides.
type appliedPrefs struct {
	resolution  pgrest.ResolutionPref // upserts
	missing     pgrest.MissingPref    // inserts and updates
	ret         bool                  // return= (mutations)
	tx          bool                  // tx= was overridable and honoured
	handling    bool                  // handling= (mutations and calls)
	maxAffected bool                  // max-affected= may apply
}

// preferenceApplied renders Preference-Applied: the preferences that took
// effect, in PostgREST's order (resolution, missing, return, count, tx,
// handling, timezone, max-affected — the last only with handling=strict).
func preferenceApplied(p pgrest.Preferences, a appliedPrefs) string {
	var out []string
	if a.resolution != pgrest.ResolutionNone {
		out = append(out, "resolution="+string(a.resolution))
	}
	if a.missing != pgrest.MissingNone {
		out = append(out, "missing="+string(a.missing))
	}
	if a.ret && p.Return != pgrest.ReturnDefault {
		out = append(out, "return="+string(p.Return))
	}
	if p.Count != pgrest.CountNone {
		out = append(out, "count="+string(p.Count))
	}
	if a.tx {
		out = append(out, "tx="+string(p.Tx))
	}
	if a.handling && p.Handling != pgrest.HandlingNone {
		out = append(out, "handling="+string(p.Handling))
	}
	if p.Timezone != "" {
		out = append(out, "timezone="+p.Timezone)
	}
	if a.maxAffected && p.Handling == pgrest.HandlingStrict && p.MaxAffected != nil {
		out = append(out, "max-affected="+strconv.FormatInt(*p.MaxAffected, 10))
	}
	return strings.Join(out, ", ")
}
