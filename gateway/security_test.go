package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/rowgate/rowgate/internal/pgtest"
	"github.com/rowgate/rowgate/internal/testenv"
)

// securitySQL has data no request in TestHostileRequests may reveal:
// rows of another user (RLS), a table the API roles cannot read, and a
// schema that is granted to the API roles but not exposed, so that only
// rowgate's own checks keep it out of the API.
const securitySQL = `
create schema private;
create table private.secrets (id int primary key, s text not null);
insert into private.secrets values (1, 'CANARY-PRIVATE');
grant usage on schema private to anon, authenticated;
grant select, insert, update, delete on private.secrets to anon, authenticated;
create function private.leak() returns text language sql stable as $$ select 'CANARY-FUNC' $$;
grant execute on function private.leak() to anon, authenticated;

create table public.hidden (id int primary key, s text not null);
insert into public.hidden values (1, 'CANARY-HIDDEN');
revoke all on public.hidden from anon, authenticated, service_role;

create table public.items (
  id int primary key,
  owner text not null,
  title text not null,
  data jsonb not null default '{}',
  secret_id int references private.secrets(id),
  hidden_id int references public.hidden(id)
);
alter table public.items enable row level security;
create policy sel on public.items for select to authenticated using (owner = (select auth.jwt()->>'sub'));
create policy ins on public.items for insert to authenticated with check (owner = (select auth.jwt()->>'sub'));
create policy upd on public.items for update to authenticated using (owner = (select auth.jwt()->>'sub')) with check (owner = (select auth.jwt()->>'sub'));
create policy del on public.items for delete to authenticated using (owner = (select auth.jwt()->>'sub'));
grant select, insert, update, delete on public.items to anon, authenticated;
insert into public.items values (1, 'user_a', 'a1', '{"k":"v"}', 1, 1), (2, 'user_b', 'CANARY-B', '{"k":"w"}', 1, 1);

create function public.env() returns json language sql stable as $$
  select json_build_object('role', current_user,
    'headers', current_setting('request.headers', true)::json,
    'claims', current_setting('request.jwt.claims', true)::json) $$;
grant execute on function public.env() to anon, authenticated;
`

// TestHostileRequests sends injection, privilege and shape attacks as
// user_a and checks the status, the error code and that nothing of the
// canaries comes back. Afterwards the superuser's view of the data must be
// unchanged.
func TestHostileRequests(t *testing.T) {
	env := testenv.Start(t, testenv.Options{SQL: securitySQL})
	tok := env.Token("user_a", nil)
	user := env.UserHeader(tok)
	with := func(kv ...string) http.Header {
		h := user.Clone()
		for i := 0; i+1 < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	tests := []struct {
		name   string
		method string
		path   string
		header http.Header
		body   string
		status int
		code   string // "" = not checked
		want   string // substring of the body, "" = not checked
	}{
		// Injection through the query string: values are bind parameters,
		// names quoted identifiers, casts checked.
		{"alias with quotes", "GET", `/rest/v1/items?select="x\")%20from%20private.secrets%3B--":title`, nil, "", 200, "", `"x\") from private.secrets;--":"a1"`},
		{"json key with quotes", "GET", `/rest/v1/items?select=k:data->>"k')%20or%201=1--"`, nil, "", 200, "", `[{"k":null}]`},
		{"filter value with quotes", "GET", `/rest/v1/items?title=eq.a1')%20or%20('1'='1`, nil, "", 200, "", `[]`},
		{"in list breaking the array literal", "GET", `/rest/v1/items?title=in.(a1,"2\"}'),(3")&select=id`, nil, "", 200, "", `[{"id":1}]`},
		{"cast closing the expression", "GET", "/rest/v1/items?select=id::text)%20from%20private.secrets--", nil, "", 400, "PGRST100", ""},
		{"cast with dollar quote", "GET", "/rest/v1/items?select=id::text%20$$,title::$$", nil, "", 400, "PGRST100", ""},
		{"cast with keywords", "GET", "/rest/v1/items?select=id::int4%20union%20select%20s%20from%20secrets", nil, "", 400, "42704", ""}, // spaces are stripped: one unknown type name
		{"fts language", "GET", "/rest/v1/items?title=fts(english'--).x", nil, "", 400, "PGRST100", ""},
		{"fts config as a parameter", "GET", "/rest/v1/items?title=fts(pg_catalog.english).x", nil, "", 400, "PGRST100", ""},
		{"order with injection", "GET", "/rest/v1/items?order=id.desc,(select%201)", nil, "", 400, "PGRST100", ""},
		{"on_conflict with injection", "POST", `/rest/v1/items?on_conflict="id\")%20do%20nothing--"`, with("Prefer", "resolution=merge-duplicates"), `{"id":3,"owner":"user_a","title":"x"}`, 400, "42703", ""},
		{"columns with injection", "POST", `/rest/v1/items?columns="title\")%20select%201--"`, nil, `{"title":"x"}`, 400, "PGRST204", ""},
		{"body key with injection", "POST", "/rest/v1/items", nil, `{"title\") select 1 --":"x"}`, 400, "PGRST204", ""},
		{"timezone with quotes", "GET", "/rest/v1/items?select=id", with("Prefer", "timezone=Mars/Base');--"), "", 400, "22023", ""},

		// Schemas, embeds and functions outside what the role may use.
		{"Accept-Profile of an unexposed schema", "GET", "/rest/v1/secrets", with("Accept-Profile", "private"), "", 406, "PGRST106", ""},
		{"Content-Profile of an unexposed schema", "POST", "/rest/v1/secrets", with("Content-Profile", "private"), `{"id":2,"s":"x"}`, 406, "PGRST106", ""},
		{"Content-Profile on a read is ignored", "GET", "/rest/v1/secrets", with("Content-Profile", "private"), "", 404, "PGRST205", ""},
		{"schema-qualified table name", "GET", "/rest/v1/private.secrets", nil, "", 404, "PGRST205", ""},
		{"embed into an unexposed schema", "GET", "/rest/v1/items?select=id,secrets(*)", nil, "", 400, "PGRST200", ""},
		{"embed into a table the role cannot read", "GET", "/rest/v1/items?select=id,hidden(*)", nil, "", 403, "42501", ""},
		{"rpc in an unexposed schema", "POST", "/rest/v1/rpc/leak", with("Content-Profile", "private"), "{}", 406, "PGRST106", ""},
		{"rpc of a catalog function", "GET", "/rest/v1/rpc/pg_sleep?seconds=1", nil, "", 404, "PGRST202", ""},
		{"function that is no computed field", "GET", "/rest/v1/items?select=id,leak", nil, "", 400, "42703", ""},

		// Writes cannot reach or return rows outside RLS.
		{"update of another user's rows", "PATCH", "/rest/v1/items?owner=eq.user_b", with("Prefer", "return=representation"), `{"title":"pwned"}`, 200, "", `[]`},
		{"delete of another user's rows", "DELETE", "/rest/v1/items?id=eq.2", with("Prefer", "return=representation"), "", 200, "", `[]`},
		{"upsert over another user's row", "POST", "/rest/v1/items", with("Prefer", "resolution=merge-duplicates"), `{"id":2,"owner":"user_a","title":"pwned"}`, 403, "42501", ""},
		{"put over another user's row", "PUT", "/rest/v1/items?id=eq.2", nil, `{"id":2,"owner":"user_a","title":"pwned"}`, 403, "42501", ""},
		{"insert as another user", "POST", "/rest/v1/items", nil, `{"id":4,"owner":"user_b","title":"pwned"}`, 403, "42501", ""},
		{"rollback preference needs allow-override", "PATCH", "/rest/v1/items?id=eq.1", with("Prefer", "tx=rollback"), `{"title":"a1"}`, 204, "", ""},

		// Shapes that must not overflow or panic.
		{"range to the largest offset", "GET", "/rest/v1/items?select=id", with("Range", "0-9223372036854775807"), "", 200, "", `[{"id":1}]`},
		{"limit beyond int64 is ignored", "GET", "/rest/v1/items?select=id&limit=9223372036854775808", nil, "", 200, "", `[{"id":1}]`},
		{"largest offset", "GET", "/rest/v1/items?select=id&offset=9223372036854775807", nil, "", 200, "", `[]`},
		{"deep select nesting", "GET", "/rest/v1/items?select=" + strings.Repeat("a(", 100) + "id" + strings.Repeat(")", 100), nil, "", 400, "PGRST100", ""},
		{"deep logic nesting", "GET", "/rest/v1/items?or=" + strings.Repeat("(or", 100) + "(id.eq.1" + strings.Repeat(")", 101), nil, "", 400, "PGRST100", ""},
		{"NUL in a quoted name", "GET", `/rest/v1/items?select="a%00b"`, nil, "", 400, "PGRST100", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = user
			}
			resp, body := env.Do(t, testenv.Request{Method: tt.method, Path: tt.path, Header: h, Body: tt.body})
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			if tt.code != "" {
				var e struct{ Code string }
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Code != tt.code {
					t.Fatalf("code = %q, want %s; body %s", e.Code, tt.code, body)
				}
			}
			if tt.want != "" && !strings.Contains(body, tt.want) {
				t.Fatalf("body %s lacks %s", body, tt.want)
			}
			for _, leak := range []string{"CANARY", "pgrst_source", "_postgrest_t", "goroutine ", tok} {
				if strings.Contains(body, leak) {
					t.Fatalf("body leaks %q: %s", leak, body)
				}
			}
		})
	}
	// Nothing of user_b, the private schema or the hidden table changed.
	conn := pgtest.Connect(t, env.DBURL)
	defer conn.Close(t.Context())
	var got string
	if err := conn.QueryRow(t.Context(), `select (select string_agg(id || ':' || owner || ':' || title, ',' order by id) from public.items)
	  || '|' || (select string_agg(id || ':' || s, ',') from private.secrets)
	  || '|' || (select string_agg(id || ':' || s, ',') from public.hidden)`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "1:user_a:a1,2:user_b:CANARY-B|1:CANARY-PRIVATE|1:CANARY-HIDDEN"; got != want {
		t.Fatalf("data after the attacks = %s, want %s", got, want)
	}
}

// TestRequestSettingsCarryNoCredentials: request.headers reaches RLS
// policies and functions; it must not carry the token, the API key or the
// cookies, and the API key sent as a query parameter must not come back in
// Content-Location.
func TestRequestSettingsCarryNoCredentials(t *testing.T) {
	env := testenv.Start(t, testenv.Options{SQL: securitySQL})
	tok := env.Token("user_a", nil)
	tests := []struct {
		name   string
		path   string
		header http.Header
	}{
		{"user token", "/rest/v1/rpc/env", env.UserHeader(tok)},
		{"secret key", "/rest/v1/rpc/env", http.Header{"Apikey": {env.SecretKey}, "Cookie": {"sb-access-token=" + tok}}},
		{"key in the query", "/rest/v1/rpc/env?apikey=" + env.SecretKey, http.Header{"Authorization": {"Bearer " + tok}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := env.Do(t, testenv.Request{Path: tt.path, Header: tt.header})
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			var got struct {
				Role    string            `json:"role"`
				Headers map[string]string `json:"headers"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if got.Role == "" || got.Headers["user-agent"] == "" {
				t.Fatalf("settings not applied: %s", body)
			}
			for _, name := range []string{"authorization", "apikey", "cookie"} {
				if _, ok := got.Headers[name]; ok {
					t.Errorf("request.headers carries %s", name)
				}
			}
			for _, secret := range []string{tok, env.SecretKey} {
				if strings.Contains(body, secret) {
					t.Error("a credential reached SQL")
				}
				if strings.Contains(resp.Header.Get("Content-Location"), secret) {
					t.Errorf("Content-Location echoes a credential: %s", resp.Header.Get("Content-Location"))
				}
			}
		})
	}
}
