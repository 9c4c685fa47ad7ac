package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is an error answered by the server in PostgREST's shape
// {"code","message","details","hint"}. Code is a PostgREST code (PGRSTnnn)
// or a PostgreSQL SQLSTATE (e.g. 23505). Match it with [errors.As]:
//
//	var e *client.Error
//	if errors.As(err, &e) && e.Code == "42501" { … }
type Error struct {
	// Status is the HTTP status of the response (after the postgrest-js
	// adjustments described on [Query.Execute]).
	Status int
	// Code is the PostgREST error code or SQLSTATE; empty when the body
	// was not a PostgREST error object (e.g. an HTML page from a proxy).
	Code string
	// Message is the error message; for non-JSON bodies, the body text.
	Message string
	// Details is the "details" member as text: the string itself when it
	// is a JSON string, otherwise its raw JSON (PGRST201 sends an array of
	// candidate relationships).
	Details string
	// Hint is the "hint" member, empty when null.
	Hint string
	// RawDetails is the "details" member exactly as received, or nil when
	// it was absent or null.
	RawDetails json.RawMessage
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("client: ")
	if e.Status != 0 {
		b.WriteString(strconv.Itoa(e.Status))
		b.WriteString(" ")
	}
	if e.Code != "" {
		b.WriteString(e.Code)
		b.WriteString(" ")
	}
	b.WriteString(e.Message)
	if e.Details != "" {
		b.WriteString(" (")
		b.WriteString(e.Details)
		b.WriteString(")")
	}
	return b.String()
}

// maxMessage bounds the text kept from a non-JSON error body.
const maxMessage = 1024

// parseError builds an *Error from a non-2xx response body. It never fails:
// a body that is not a PostgREST error object becomes the Message, as
// postgrest-js does.
func parseError(status int, body []byte) *Error {
	e := &Error{Status: status}
	var wire struct {
		Code    *string         `json:"code"`
		Message *string         `json:"message"`
		Details json.RawMessage `json:"details"`
		Hint    json.RawMessage `json:"hint"`
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &wire) == nil &&
		(wire.Code != nil || wire.Message != nil) {
		if wire.Code != nil {
			e.Code = *wire.Code
		}
		if wire.Message != nil {
			e.Message = *wire.Message
		}
		e.Details, e.RawDetails = jsonText(wire.Details)
		e.Hint, _ = jsonText(wire.Hint)
		return e
	}
	msg := string(trimmed)
	if len(msg) > maxMessage {
		cut := maxMessage
		// Do not split a UTF-8 sequence (at most 3 continuation bytes).
		for i := 0; i < utf8.UTFMax-1 && cut > 0 && !utf8.RuneStart(msg[cut]); i++ {
			cut--
		}
		msg = msg[:cut]
	}
	e.Message = msg
	return e
}

// jsonText returns a JSON value as text: strings unquoted, null/absent as
// "", anything else as its raw JSON. raw is nil for null/absent.
func jsonText(v json.RawMessage) (text string, raw json.RawMessage) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return "", nil
	}
	raw = append(json.RawMessage(nil), v...)
	var s string
	if v[0] == '"' && json.Unmarshal(v, &s) == nil {
		return s, raw
	}
	return string(v), raw
}

// IsNotFound reports whether err is an *Error meaning "no such row or
// resource": HTTP 404 (unknown table PGRST205, unknown function PGRST202,
// bad path PGRST125), or PGRST116 whose details say the result contained 0
// rows — what PostgREST answers when [Query.Single] matches nothing.
//
// PGRST116 for more than one row is not "not found". [Query.MaybeSingle]
// returns no error at all for 0 rows (the destination is set to null), as
// postgrest-js does.
func IsNotFound(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Status == http.StatusNotFound ||
		e.Code == "PGRST116" && strings.Contains(e.Details, " 0 rows")
}

// IsConflict reports whether err is an *Error with HTTP 409 or SQLSTATE
// 23505 (unique_violation). PostgREST answers 409 for unique and foreign-key
// violations.
func IsConflict(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Status == http.StatusConflict || e.Code == "23505")
}

// IsUnauthorized reports whether err is an *Error with HTTP 401: a missing,
// invalid or expired token (PGRST301, PGRST302, PGRST303), or a permission
// error (42501) for a request that ran as the anonymous role.
func IsUnauthorized(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusUnauthorized
}

// isJWTExpired reports whether a response is PostgREST's "the token has
// expired" answer, the only one that is worth a fresh token and one retry.
func isJWTExpired(status int, body []byte) bool {
	if status != http.StatusUnauthorized {
		return false
	}
	e := parseError(status, body)
	return e.Code == "PGRST303" && e.Message == "JWT expired"
}
