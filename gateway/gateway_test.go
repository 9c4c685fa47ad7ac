package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/rowgate/rowgate/auth/authtest"
	"github.com/rowgate/rowgate/gateway"
	"github.com/rowgate/rowgate/internal/pgtest"
	"github.com/rowgate/rowgate/internal/testenv"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// whoami exposes the role and claims each request runs with.
const whoamiSQL = `
create view public.whoami as
  select current_user::text as role, auth.jwt() as claims,
         current_setting('request.jwt.claim.sub', true) as claim_sub;
grant select on public.whoami to anon, authenticated, service_role;
create table public.todos (
  id bigint generated always as identity primary key,
  user_id text not null default (auth.jwt()->>'sub'),
  title text not null,
  done boolean not null default false
);
alter table public.todos enable row level security;
create policy own on public.todos for select to authenticated using ((select auth.jwt()->>'sub') = user_id);
insert into public.todos (user_id, title, done) values ('user_a', 'a1', false), ('user_a', 'a2', true), ('user_b', 'b1', false);
`

// TestAttackCorpusOverHTTP runs auth's hostile request table against the
// running server: every refusal must come back as PostgREST's 401 with the
// right code and message, every control must run as the expected role.
func TestAttackCorpusOverHTTP(t *testing.T) {
	env := testenv.Start(t, testenv.Options{SQL: whoamiSQL})
	cases := authtest.AttackCorpus(env.Auth)
	if len(cases) < 50 {
		t.Fatalf("corpus has %d cases, want at least 50", len(cases))
	}
	for _, tc := range cases {
		if !representable(tc.Header) {
			// HTTP framing cannot carry CR, LF or NUL in a header value;
			// auth's own run of the corpus covers these token shapes.
			continue
		}
		t.Run(tc.Name, func(t *testing.T) {
			h := http.Header{}
			size := 0
			for k, vs := range tc.Header {
				for _, v := range vs {
					h.Add(k, v)
					size += len(k) + len(v)
				}
			}
			resp, body := env.Do(t, testenv.Request{Path: "/rest/v1/whoami?select=role", Header: h})
			if size > gateway.MaxHeaderBytes {
				// Refused by the HTTP server before any token parsing.
				if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
					t.Fatalf("status = %d, want 431 for %d header bytes", resp.StatusCode, size)
				}
				return
			}
			if resp.StatusCode != tc.WantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tc.WantStatus, body)
			}
			if tc.WantStatus == http.StatusOK {
				var rows []struct{ Role string }
				if err := json.Unmarshal([]byte(body), &rows); err != nil || len(rows) != 1 || rows[0].Role != tc.WantRole {
					t.Fatalf("role rows = %s, want role %q", body, tc.WantRole)
				}
				return
			}
			var e struct {
				Code    string  `json:"code"`
				Message string  `json:"message"`
				Details *string `json:"details"`
				Hint    *string `json:"hint"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if e.Code != tc.WantCode || !strings.Contains(e.Message, tc.WantMessage) {
				t.Fatalf("error = %+v, want code %s message containing %q", e, tc.WantCode, tc.WantMessage)
			}
			if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			for _, vs := range tc.Header {
				for _, v := range vs {
					if tok, ok := strings.CutPrefix(v, "Bearer "); ok && len(tok) > 40 && strings.Contains(body, tok) {
						t.Fatal("error body echoes the token")
					}
				}
			}
		})
	}
	if n := env.Auth.Canary.Hits(); n != 0 {
		t.Fatalf("canary got %d hits: a key-carrying header was followed", n)
	}
}

func representable(h map[string][]string) bool {
	for _, vs := range h {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n\x00") {
				return false
			}
		}
	}
	return true
}

func TestClaimsReachSQL(t *testing.T) {
	env := testenv.Start(t, testenv.Options{SQL: whoamiSQL})
	tok := env.Token("user_a", func(c map[string]any) { c["o"] = map[string]any{"id": "org_1", "rol": "admin"} })
	resp, body := env.Do(t, testenv.Request{Path: "/rest/v1/whoami", Header: env.UserHeader(tok)})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var rows []struct {
		Role     string         `json:"role"`
		Claims   map[string]any `json:"claims"`
		ClaimSub string         `json:"claim_sub"`
	}
	if err := json.Unmarshal([]byte(body), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("body %s: %v", body, err)
	}
	r := rows[0]
	if r.Role != "authenticated" || r.Claims["sub"] != "user_a" || r.Claims["role"] != "authenticated" || r.ClaimSub != "user_a" {
		t.Fatalf("row = %+v", r)
	}
	if o, _ := r.Claims["o"].(map[string]any); o["id"] != "org_1" {
		t.Fatalf("org claim = %v", r.Claims["o"])
	}
}

func TestRLSIsolation(t *testing.T) {
	env := testenv.Start(t, testenv.Options{SQL: whoamiSQL})
	for _, tc := range []struct {
		name   string
		header http.Header
		want   string
	}{
		{"user_a", env.UserHeader(env.Token("user_a", nil)), "[{\"title\":\"a1\"}, \n {\"title\":\"a2\"}]"},
		{"user_b", env.UserHeader(env.Token("user_b", nil)), `[{"title":"b1"}]`},
		{"signed out", env.AnonHeader(), `[]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := env.Do(t, testenv.Request{Path: "/rest/v1/todos?select=title&order=id", Header: tc.header})
			if resp.StatusCode != 200 || body != tc.want {
				t.Fatalf("got %d %s, want 200 %s", resp.StatusCode, body, tc.want)
			}
		})
	}
}

func TestHealthAndMetrics(t *testing.T) {
	env := testenv.Start(t, testenv.Options{SQL: whoamiSQL})
	resp, body := env.Do(t, testenv.Request{Path: "/health"})
	if resp.StatusCode != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Fatalf("health: %d %s", resp.StatusCode, body)
	}
	env.Do(t, testenv.Request{Path: "/rest/v1/todos", Header: env.AnonHeader()})
	resp, body = env.Do(t, testenv.Request{Path: "/metrics"})
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`rowgate_http_requests_total{method="GET",route="rest",status="200"} 1`,
		"rowgate_http_request_duration_seconds_bucket",
		"rowgate_db_pool_max_conns 4",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestCORS(t *testing.T) {
	env := testenv.Start(t, testenv.Options{SQL: whoamiSQL})
	resp, _ := env.Do(t, testenv.Request{Method: http.MethodOptions, Path: "/rest/v1/todos", Header: http.Header{
		"Origin":                         {"https://app.example"},
		"Access-Control-Request-Method":  {"GET"},
		"Access-Control-Request-Headers": {"apikey, x-client-info"},
	}})
	if resp.StatusCode != 200 ||
		resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		resp.Header.Get("Access-Control-Allow-Headers") != "Authorization, apikey, x-client-info" ||
		resp.Header.Get("Access-Control-Max-Age") != "86400" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	h := env.AnonHeader()
	h.Set("Origin", "https://app.example")
	resp, _ = env.Do(t, testenv.Request{Path: "/rest/v1/todos", Header: h})
	if !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Content-Range") {
		t.Fatalf("expose headers = %q", resp.Header.Get("Access-Control-Expose-Headers"))
	}
}

func TestErrorsHavePostgRESTShape(t *testing.T) {
	env := testenv.Start(t, testenv.Options{SQL: whoamiSQL})
	for _, tc := range []struct {
		name, path string
		header     http.Header
		status     int
		want       string
	}{
		{"no apikey", "/rest/v1/todos", nil, 401, `"message":"No API key found in request"`},
		{"unknown table", "/rest/v1/nope", env.AnonHeader(), 404, `"code":"PGRST205"`},
		{"bad schema", "/rest/v1/todos", withHeader(env.AnonHeader(), "Accept-Profile", "secret"), 406, `{"code":"PGRST106","details":null,"hint":"Only the following schemas are exposed: public","message":"Invalid schema: secret"}`},
		{"parse error", "/rest/v1/todos?select=id,,", env.AnonHeader(), 400, `"code":"PGRST100"`},
		{"invalid path", "/rest/v1/todos/1", env.AnonHeader(), 404, `"code":"PGRST125"`},
		{"singular", "/rest/v1/todos", withHeader(env.UserHeader(env.Token("user_a", nil)), "Accept", "application/vnd.pgrst.object+json"), 406,
			`{"code":"PGRST116","details":"The result contains 2 rows","hint":null,"message":"Cannot coerce the result to a single JSON object"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := env.Do(t, testenv.Request{Path: tc.path, Header: tc.header})
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("got %d %s, want %d containing %s", resp.StatusCode, body, tc.status, tc.want)
			}
			if resp.Header.Get("Proxy-Status") == "" {
				t.Error("no Proxy-Status header")
			}
		})
	}
}

func withHeader(h http.Header, k, v string) http.Header {
	h = h.Clone()
	h.Set(k, v)
	return h
}
