package sqlgen

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/pgrest"
)

func TestQuoteIdent(t *testing.T) {
	tests := []struct{ in, want string }{
		{"id", `"id"`},
		{`a"b`, `"a""b"`},
		{`"; drop table x; --`, `"""; drop table x; --"`},
		{"", `""`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := quoteIdent(tt.in); got != tt.want {
				t.Errorf("quoteIdent(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestArrayLiteral(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want string
	}{
		{"empty", []string{}, "{}"},
		{"plain", []string{"a", "b"}, `{"a","b"}`},
		{"special", []string{`a,b`, `c"d`, `e\f`, "NULL"}, `{"a,b","c\"d","e\\f","NULL"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := arrayLiteral(tt.in); got != tt.want {
				t.Errorf("arrayLiteral(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidCast(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"int", true},
		{"double precision", true},
		{"text[]", true},
		{"int4 ", true},
		{"", false},
		{"1int", false},
		{"int)", false},
		{"text; drop", false},
		{`"text"`, false},
		{"text--", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := validCast(tt.in); got != tt.want {
				t.Errorf("validCast(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// A cast that bypassed the parser's validation is still refused.
func TestReadRejectsUnsafeCast(t *testing.T) {
	req := &pgrest.Request{Method: http.MethodGet, Resource: "tasks", Select: []pgrest.SelectItem{
		{Field: pgrest.Field{Name: "id"}, Cast: "int) FROM x; --"},
	}}
	_, err := Read(req, testCache, Options{})
	var re *rowgate.Error
	if !errors.As(err, &re) || re.Code != rowgate.CodeParse {
		t.Fatalf("err = %v, want PGRST100", err)
	}
}

func TestReadDoesNotModifyRPCRequest(t *testing.T) {
	req, err := pgrest.ParseRequest("GET", "/rpc/search_tasks", "q=eq.rocket&id=gt.1", pgrest.Headers{})
	if err != nil {
		t.Fatal(err)
	}
	before := len(req.Filters)
	q, err := Read(req, testCache, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Filters) != before || req.Filters[0].Field.Name != "q" {
		t.Errorf("request filters changed: %+v", req.Filters)
	}
	if !strings.Contains(q.SQL, `"q" := pgrst_body."q"`) || q.Function == nil || q.Function.Name != "search_tasks" {
		t.Errorf("unexpected query %s", q.SQL)
	}
}

func TestReadQueryFlags(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		query   string
		headers pgrest.Headers
		check   func(*Query) bool
	}{
		{"json", "/tasks", "", pgrest.Headers{}, func(q *Query) bool {
			return q.MediaType == pgrest.MediaJSON && !q.Singular && !q.Count
		}},
		{"object", "/tasks", "", pgrest.Headers{Accept: "application/vnd.pgrst.object+json"}, func(q *Query) bool {
			return q.MediaType == pgrest.MediaObject && q.Singular
		}},
		{"csv", "/tasks", "", pgrest.Headers{Accept: "text/csv"}, func(q *Query) bool { return q.MediaType == pgrest.MediaCSV }},
		{"exact", "/tasks", "", pgrest.Headers{Prefer: []string{"count=exact"}}, func(q *Query) bool {
			return q.Count && q.Explain == nil && q.CountPref == pgrest.CountExact
		}},
		{"planned", "/tasks", "", pgrest.Headers{Prefer: []string{"count=planned"}}, func(q *Query) bool {
			return !q.Count && q.Explain != nil && !strings.Contains(q.SQL, "pgrst_source_count")
		}},
		{"estimated", "/tasks", "", pgrest.Headers{Prefer: []string{"count=estimated"}}, func(q *Query) bool {
			return q.Count && q.Explain != nil && strings.Contains(q.SQL, "pgrst_source_count")
		}},
		{"rpc planned has no count", "/rpc/add_numbers", "a=1", pgrest.Headers{Prefer: []string{"count=planned"}}, func(q *Query) bool {
			return !q.Count && q.Explain == nil
		}},
		{"rpc estimated is exact", "/rpc/add_numbers", "a=1", pgrest.Headers{Prefer: []string{"count=estimated"}}, func(q *Query) bool {
			return q.Count && q.Explain == nil && !strings.Contains(q.SQL, "LIMIT")
		}},
		{"offset", "/tasks", "offset=3", pgrest.Headers{}, func(q *Query) bool { return q.Offset == 3 }},
		{"scalar", "/rpc/add_numbers", "a=1", pgrest.Headers{}, func(q *Query) bool { return q.Scalar && !q.Void }},
		{"void", "/rpc/touch_project", "project_id=1", pgrest.Headers{}, func(q *Query) bool { return q.Scalar && q.Void }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := pgrest.ParseRequest("GET", tt.path, tt.query, tt.headers)
			if err != nil {
				t.Fatal(err)
			}
			q, err := Read(req, testCache, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(q) {
				t.Errorf("unexpected flags: %+v", q)
			}
		})
	}
}
