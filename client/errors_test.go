package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseError(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   Error
	}{
		{"postgrest", 400, `{"code":"PGRST100","details":"unexpected \"o\"","hint":null,"message":"failed to parse filter"}`,
			Error{Status: 400, Code: "PGRST100", Message: "failed to parse filter", Details: `unexpected "o"`,
				RawDetails: json.RawMessage(`"unexpected \"o\""`)}},
		{"hint", 401, `{"code":"42501","details":null,"hint":"Grant it","message":"permission denied for table t"}`,
			Error{Status: 401, Code: "42501", Message: "permission denied for table t", Hint: "Grant it"}},
		{"array details", 300, `{"code":"PGRST201","details":[{"a":1}],"hint":null,"message":"m"}`,
			Error{Status: 300, Code: "PGRST201", Message: "m", Details: `[{"a":1}]`, RawDetails: json.RawMessage(`[{"a":1}]`)}},
		{"message only", 500, `{"message":"boom"}`, Error{Status: 500, Message: "boom"}},
		{"non-error json", 500, `{"foo":1}`, Error{Status: 500, Message: `{"foo":1}`}},
		{"text", 502, " Bad Gateway\n", Error{Status: 502, Message: "Bad Gateway"}},
		{"empty", 500, "", Error{Status: 500}},
		{"broken json", 400, `{"code":`, Error{Status: 400, Message: `{"code":`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseError(tt.status, []byte(tt.body))
			if got.Status != tt.want.Status || got.Code != tt.want.Code || got.Message != tt.want.Message ||
				got.Details != tt.want.Details || got.Hint != tt.want.Hint || string(got.RawDetails) != string(tt.want.RawDetails) {
				t.Fatalf("parseError = %#v\nwant %#v", got, &tt.want)
			}
		})
	}
	t.Run("long text is truncated on a rune boundary", func(t *testing.T) {
		body := strings.Repeat("é", maxMessage) // 2 bytes each
		got := parseError(502, []byte("x"+body))
		if len(got.Message) > maxMessage || !utf8.ValidString(got.Message) {
			t.Fatalf("message of %d bytes, valid=%v", len(got.Message), utf8.ValidString(got.Message))
		}
	})
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{Status: 409, Code: "23505", Message: "duplicate key", Details: "Key (id)=(1) already exists."},
			"client: 409 23505 duplicate key (Key (id)=(1) already exists.)"},
		{Error{Status: 502, Message: "bad gateway"}, "client: 502 bad gateway"},
		{Error{Message: "m"}, "client: m"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.e.Error(); got != tt.want {
				t.Fatalf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	wrap := func(e *Error) error { return fmt.Errorf("load todos: %w", e) }
	tests := []struct {
		name                          string
		err                           error
		notFound, conflict, unauthzed bool
	}{
		{"nil", nil, false, false, false},
		{"plain error", errors.New("x"), false, false, false},
		{"404 table", wrap(&Error{Status: 404, Code: "PGRST205"}), true, false, false},
		{"single 0 rows", wrap(&Error{Status: 406, Code: "PGRST116", Details: "The result contains 0 rows"}), true, false, false},
		{"single 10 rows", wrap(&Error{Status: 406, Code: "PGRST116", Details: "The result contains 10 rows"}), false, false, false},
		{"409 fk", wrap(&Error{Status: 409, Code: "23503"}), false, true, false},
		{"23505 any status", wrap(&Error{Status: 400, Code: "23505"}), false, true, false},
		{"401", wrap(&Error{Status: 401, Code: "PGRST303", Message: "JWT expired"}), false, false, true},
		{"403", wrap(&Error{Status: 403, Code: "42501"}), false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsNotFound(tt.err); got != tt.notFound {
				t.Errorf("IsNotFound = %v", got)
			}
			if got := IsConflict(tt.err); got != tt.conflict {
				t.Errorf("IsConflict = %v", got)
			}
			if got := IsUnauthorized(tt.err); got != tt.unauthzed {
				t.Errorf("IsUnauthorized = %v", got)
			}
		})
	}
}

func TestParseContentRange(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{"0-9/42", int64(42)},
		{"*/42", int64(42)},
		{"*/0", int64(0)},
		{" 0-0/1 ", int64(1)},
		{"0-9/*", nil},
		{"*/*", nil},
		{"", nil},
		{"0-9", nil},
		{"0-9/-1", nil},
		{"0-9/99999999999999999999", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := deref(parseContentRange(tt.in)); got != tt.want {
				t.Fatalf("parseContentRange(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"5", 5 * time.Second, true},
		{" 12 ", 12 * time.Second, true},
		{"31", 30 * time.Second, true},
		{"99999999999999999999999", 30 * time.Second, true},
		{"Mon, 02 Jan 2006 15:04:15 GMT", 10 * time.Second, true},
		{"Mon, 02 Jan 2006 15:00:00 GMT", 0, true},
		{"Tue, 03 Jan 2006 15:04:05 GMT", 30 * time.Second, true},
		{"", 0, false},
		{"30s", 0, false},
		{"-1", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := retryAfter(tt.in, now)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzParseError(f *testing.F) {
	f.Add(400, []byte(`{"code":"PGRST100","details":null,"hint":null,"message":"x"}`))
	f.Add(300, []byte(`{"code":"PGRST201","details":[1,2],"hint":"h","message":"m"}`))
	f.Add(502, []byte("<html>"))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := parseError(status, body)
		if e.Status != status {
			t.Fatalf("status %d became %d", status, e.Status)
		}
		if len(e.RawDetails) > 0 && !json.Valid(e.RawDetails) {
			t.Fatalf("RawDetails %q is not JSON", e.RawDetails)
		}
		if e.Code == "" && e.Message == "" && len(strings.TrimSpace(string(body))) > 0 &&
			!strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
			t.Fatalf("non-JSON body %q lost", body)
		}
		_ = e.Error()
	})
}

func FuzzParseContentRange(f *testing.F) {
	f.Add("0-9/42")
	f.Add("*/*")
	f.Fuzz(func(t *testing.T, v string) {
		if n := parseContentRange(v); n != nil && *n < 0 {
			t.Fatalf("negative total %d from %q", *n, v)
		}
	})
}
