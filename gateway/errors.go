package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rowgate/rowgate"
)

// writeError renders err as a PostgREST error response. anon tells whether
// the request ran as the anonymous role, which decides 401 vs 403 for
// insufficient_privilege (42501), as PostgREST does.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, anon bool) {
	e := toError(err, anon)
	if e.Status >= 500 && e.Code != rowgate.CodeDBConnection && e.Code != rowgate.CodePoolTimeout {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "code", e.Code, "err", err)
	}
	h := w.Header()
	for k, vs := range e.Header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if e.Status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", "Bearer")
	}
	body, mErr := json.Marshal(e)
	if mErr != nil {
		body = []byte(`{"code":"PGRSTX00","details":null,"hint":null,"message":"Internal server error"}`)
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if e.Code != "" {
		h.Set("Proxy-Status", "PostgREST; error="+e.Code)
	}
	w.WriteHeader(e.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// toError maps any error to a *rowgate.Error.
func toError(err error, anon bool) *rowgate.Error {
	var rg *rowgate.Error
	if errors.As(err, &rg) {
		if rg.Status == 0 {
			rg.Status = http.StatusBadRequest
		}
		return rg
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fromPgError(pgErr, anon)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return rowgate.Errorf(http.StatusGatewayTimeout, rowgate.CodePoolTimeout, "Timed out acquiring connection from connection pool.")
	}
	if errors.Is(err, context.Canceled) {
		// The client went away; the status is never seen.
		return rowgate.Errorf(499, rowgate.CodeInternal, "Request canceled")
	}
	return rowgate.Errorf(http.StatusInternalServerError, rowgate.CodeInternal, "Internal server error")
}

// fromPgError passes a PostgreSQL error through with its SQLSTATE and maps
// the status as PostgREST 14 does (data-api.md §2.3).
func fromPgError(p *pgconn.PgError, anon bool) *rowgate.Error {
	e := &rowgate.Error{Code: p.Code, Message: p.Message, Details: p.Detail, Hint: p.Hint}
	e.Status = sqlstateStatus(p, anon)
	switch {
	case p.Code == "PGRST":
		return raisedPGRST(p)
	case strings.HasPrefix(p.Code, "PT"):
		// RAISE SQLSTATE 'PT402' → 402; the code shown is the SQLSTATE.
	}
	return e
}

// raisedPGRST handles RAISE SQLSTATE 'PGRST' USING message = '{"code":…,
// "message":…}', detail = '{"status":…,"headers":{…}}' as PostgREST 14
// does: code and message are required strings, details and hint optional;
// status and headers are required. Anything else is 500 PGRST121.
func raisedPGRST(p *pgconn.PgError) *rowgate.Error {
	var msg struct {
		Code    *string         `json:"code"`
		Message *string         `json:"message"`
		Details json.RawMessage `json:"details"`
		Hint    json.RawMessage `json:"hint"`
	}
	parseErr := func(details, hint string) *rowgate.Error {
		return rowgate.Errorf(http.StatusInternalServerError, rowgate.CodeRaiseJSON, "Could not parse JSON in the \"RAISE SQLSTATE 'PGRST'\" error").
			WithDetails(details).WithHint(hint)
	}
	const detailHint = "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'."
	if json.Unmarshal([]byte(p.Message), &msg) != nil || msg.Code == nil || msg.Message == nil ||
		!optionalJSONString(msg.Details) || !optionalJSONString(msg.Hint) {
		return parseErr("Invalid JSON value for MESSAGE: '"+p.Message+"'",
			"MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.")
	}
	if p.Detail == "" {
		return parseErr("DETAIL is missing in the RAISE statement", detailHint)
	}
	var det struct {
		Status  *int               `json:"status"`
		Headers *map[string]string `json:"headers"`
	}
	if json.Unmarshal([]byte(p.Detail), &det) != nil || det.Status == nil || det.Headers == nil ||
		*det.Status < 100 || *det.Status > 599 {
		return parseErr("Invalid JSON value for DETAIL: '"+p.Detail+"'", detailHint)
	}
	e := &rowgate.Error{Status: *det.Status, Code: *msg.Code, Message: *msg.Message}
	e.Details = jsonString(msg.Details)
	e.Hint = jsonString(msg.Hint)
	if len(*det.Headers) > 0 {
		e.Header = http.Header{}
		for k, v := range *det.Headers {
			e.Header.Set(k, v)
		}
	}
	return e
}

// optionalJSONString reports whether raw is absent, null or a JSON string.
func optionalJSONString(raw json.RawMessage) bool {
	if len(raw) == 0 || string(raw) == "null" {
		return true
	}
	var s string
	return json.Unmarshal(raw, &s) == nil
}

func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

func sqlstateStatus(p *pgconn.PgError, anon bool) int {
	c := p.Code
	if len(c) < 2 {
		return 500
	}
	switch {
	case c == "23503" || c == "23505":
		return 409
	case c == "25006":
		return 405
	case c == "21000":
		if strings.HasSuffix(p.Message, "requires a WHERE clause") {
			return 400
		}
		return 500
	case c == "22023":
		if strings.HasPrefix(p.Message, "role ") && strings.HasSuffix(p.Message, "does not exist") {
			return 401
		}
		return 400
	case c == "53400":
		return 500
	case c == "57P01":
		return 503
	case c == "P0001":
		return 400
	case c == "42883":
		if strings.HasPrefix(p.Message, "function xmlagg(") {
			return 406
		}
		return 404
	case c == "42P01":
		return 404
	case c == "42P17":
		return 500
	case c == "42501":
		if anon {
			return 401
		}
		return 403
	case strings.HasPrefix(c, "PT") && len(c) == 5:
		if n, err := strconv.Atoi(c[2:]); err == nil && n >= 100 && n <= 599 {
			return n
		}
		return 500
	}
	switch c[:2] {
	case "08":
		return 503
	case "09", "25", "2D", "38", "39", "3B", "40", "54", "55", "57", "58", "F0", "HV", "XX":
		return 500
	case "0L", "0P", "28":
		return 403
	case "53":
		return 503
	case "P0":
		return 500
	}
	return 400
}
