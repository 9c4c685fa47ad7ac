package gateway_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/rowgate/rowgate/internal/testenv"
)

// rpcSQL has one function per behaviour of /rpc under test.
const rpcSQL = `
create table public.notes (
  id bigint generated always as identity primary key,
  user_id text not null default (auth.jwt()->>'sub'),
  body text not null
);
alter table public.notes enable row level security;
create policy own_select on public.notes for select to authenticated using ((select auth.jwt()->>'sub') = user_id);
create policy own_insert on public.notes for insert to authenticated with check ((select auth.jwt()->>'sub') = user_id);
grant select, insert on public.notes to authenticated;
create sequence public.counter;
grant usage on sequence public.counter to anon, authenticated;

create function public.add(a int, b int default 0) returns int language sql immutable as $$ select a + b $$;
create function public.echo(jsonb) returns jsonb language sql immutable as $$ select $1 $$;
create function public.shout(text) returns text language sql immutable as $$ select upper($1) $$;
create function public.over(x int) returns text language sql immutable as $$ select 'int' $$;
create function public.over(x text) returns text language sql immutable as $$ select 'text' $$;
create function public.sum_all(variadic nums int[]) returns int language sql immutable as $$ select sum(n)::int from unnest(nums) n $$;
create function public.series(n int) returns setof int language sql immutable as $$ select generate_series(1, n) $$;
create function public.pair(a int, out x int, out y text) language sql immutable as $$ select a, 'n' || a $$;
create function public.noop() returns void language sql volatile as $$ select $$;
create function public.add_note(body text) returns public.notes language sql volatile as
  $$ insert into public.notes (body) values (body) returning * $$;
create function public.add_two_notes() returns setof public.notes language sql volatile as
  $$ insert into public.notes (body) values ('one'), ('two') returning * $$;
create function public.my_notes() returns setof public.notes language sql stable as $$ select * from public.notes $$;
create function public.tx_mode() returns text language sql volatile as $$ select current_setting('transaction_read_only') $$;
create function public.tx_mode_stable() returns text language sql stable as $$ select current_setting('transaction_read_only') $$;
create function public.bump() returns bigint language sql stable as $$ select nextval('public.counter') $$;
create function public.whoami() returns text language sql stable as $$ select auth.jwt()->>'sub' $$;
create function public.raise_plain() returns void language plpgsql as
  $$ begin raise exception 'nope' using detail = 'the detail', hint = 'the hint'; end $$;
create function public.raise_pt402() returns void language plpgsql as
  $$ begin raise sqlstate 'PT402' using message = 'Payment Required'; end $$;
create function public.raise_pgrst() returns void language plpgsql as $$ begin
  raise sqlstate 'PGRST' using
    message = '{"code":"123","message":"Payment Required","details":"Quota exceeded","hint":"Upgrade your plan"}',
    detail = '{"status":402,"headers":{"X-Powered-By":"Nerd Rage"}}';
end $$;
create function public.raise_pgrst_bad() returns void language plpgsql as
  $$ begin raise sqlstate 'PGRST' using message = 'oops', detail = '{}'; end $$;
create function public.set_response() returns int language plpgsql as $$ begin
  perform set_config('response.headers', '[{"X-Foo":"bar"},{"Cache-Control":"no-store"}]', true);
  perform set_config('response.status', '202', true);
  return 1;
end $$;
create function public.bad_headers() returns int language plpgsql as
  $$ begin perform set_config('response.headers', '{"X-Foo":"bar"}', true); return 1; end $$;
create function public.bad_status() returns int language plpgsql as
  $$ begin perform set_config('response.status', 'abc', true); return 1; end $$;
grant execute on all functions in schema public to anon, authenticated;
`

type rpcCase struct {
	name        string
	method      string
	path        string
	header      http.Header
	body        string
	wantStatus  int
	wantBody    string // compared as JSON when both sides parse, else exactly
	wantHeaders map[string]string
}

func runRPCCases(t *testing.T, env *testenv.Env, cases []rpcCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			resp, body := env.Do(t, testenv.Request{Method: method, Path: tc.path, Header: tc.header, Body: tc.body})
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tc.wantStatus, body)
			}
			if !sameJSONOrText(body, tc.wantBody) {
				t.Errorf("body = %s\nwant %s", body, tc.wantBody)
			}
			for k, v := range tc.wantHeaders {
				if got, ok := resp.Header[http.CanonicalHeaderKey(k)]; (v == "" && ok) || (v != "" && strings.Join(got, ",") != v) {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func sameJSONOrText(got, want string) bool {
	if got == want {
		return true
	}
	var g, w any
	if json.Unmarshal([]byte(got), &g) != nil || json.Unmarshal([]byte(want), &w) != nil {
		return false
	}
	return reflect.DeepEqual(g, w)
}

func TestRPC(t *testing.T) {
	env := testenv.Start(t, testenv.Options{SQL: rpcSQL})
	user := env.UserHeader(env.Token("user_a", nil))
	anon := env.AnonHeader()
	with := func(h http.Header, kv ...string) http.Header {
		c := h.Clone()
		for i := 0; i+1 < len(kv); i += 2 {
			c.Add(kv[i], kv[i+1])
		}
		return c
	}
	jsonCT := "application/json; charset=utf-8"
	runRPCCases(t, env, []rpcCase{
		{name: "post named args", path: "/rest/v1/rpc/add", header: user, body: `{"a":1,"b":2}`, wantStatus: 200, wantBody: `3`,
			wantHeaders: map[string]string{"Content-Type": jsonCT, "Content-Range": "0-0/*", "Content-Location": ""}},
		{name: "post default omitted", path: "/rest/v1/rpc/add", header: anon, body: `{"a":40}`, wantStatus: 200, wantBody: `40`},
		{name: "post coerces strings", path: "/rest/v1/rpc/add", header: anon, body: `{"a":"5","b":6}`, wantStatus: 200, wantBody: `11`},
		{name: "post bad value", path: "/rest/v1/rpc/add", header: anon, body: `{"a":"x"}`, wantStatus: 400,
			wantBody: `{"code":"22P02","details":null,"hint":null,"message":"invalid input syntax for type integer: \"x\""}`},
		{name: "get args", method: "GET", path: "/rest/v1/rpc/add?a=1&b=2", header: anon, wantStatus: 200, wantBody: `3`},
		{name: "head args", method: "HEAD", path: "/rest/v1/rpc/add?a=1", header: anon, wantStatus: 200, wantBody: ``,
			wantHeaders: map[string]string{"Content-Range": "0-0/*"}},
		{name: "single unnamed jsonb", path: "/rest/v1/rpc/echo", header: anon, body: `{"k":[1,"x"],"n":null}`, wantStatus: 200, wantBody: `{"k":[1,"x"],"n":null}`},
		{name: "text body to unnamed text", path: "/rest/v1/rpc/shout", header: with(anon, "Content-Type", "text/plain"), body: `hi`, wantStatus: 200, wantBody: `"HI"`},
		{name: "form body", path: "/rest/v1/rpc/add", header: with(anon, "Content-Type", "application/x-www-form-urlencoded"), body: `a=2&b=3`, wantStatus: 200, wantBody: `5`},
		{name: "variadic post", path: "/rest/v1/rpc/sum_all", header: anon, body: `{"nums":[1,2,3]}`, wantStatus: 200, wantBody: `6`},
		{name: "variadic get repeated", method: "GET", path: "/rest/v1/rpc/sum_all?nums=1&nums=2&nums=4", header: anon, wantStatus: 200, wantBody: `7`},
		{name: "setof scalar", path: "/rest/v1/rpc/series", header: anon, body: `{"n":3}`, wantStatus: 200, wantBody: `[1,2,3]`,
			wantHeaders: map[string]string{"Content-Range": "0-2/*"}},
		{name: "setof count and range", path: "/rest/v1/rpc/series?limit=2&offset=1", header: with(anon, "Prefer", "count=exact"), body: `{"n":5}`,
			wantStatus: 206, wantBody: `[2,3]`, wantHeaders: map[string]string{"Content-Range": "1-2/5", "Preference-Applied": "count=exact"}},
		{name: "offset past end", path: "/rest/v1/rpc/series?offset=9", header: with(anon, "Prefer", "count=exact"), body: `{"n":2}`, wantStatus: 416,
			wantBody: `{"code":"PGRST103","details":"An offset of 9 was requested, but there are only 2 rows.","hint":null,"message":"Requested range not satisfiable"}`},
		{name: "composite out params", path: "/rest/v1/rpc/pair", header: anon, body: `{"a":3}`, wantStatus: 200, wantBody: `{"x":3,"y":"n3"}`},
		{name: "void is 204", path: "/rest/v1/rpc/noop", header: anon, body: `{}`, wantStatus: 204, wantBody: ``,
			wantHeaders: map[string]string{"Content-Type": ""}},
		{name: "empty body is {}", path: "/rest/v1/rpc/noop", header: anon, wantStatus: 204, wantBody: ``},
		{name: "return=minimal is ignored", path: "/rest/v1/rpc/add", header: with(anon, "Prefer", "return=minimal"), body: `{"a":1}`, wantStatus: 200, wantBody: `1`},
		{name: "params=single-object is not supported", path: "/rest/v1/rpc/add", header: with(anon, "Prefer", "params=single-object"), body: `{"a":1}`, wantStatus: 200, wantBody: `1`},
		{name: "invalid json", path: "/rest/v1/rpc/add", header: anon, body: `{"a":`, wantStatus: 400,
			wantBody: `{"code":"PGRST102","details":null,"hint":null,"message":"Empty or invalid json"}`},
		{name: "unknown args", path: "/rest/v1/rpc/add", header: anon, body: `{"x":1,"y":2}`, wantStatus: 404,
			wantBody: `{"code":"PGRST202","details":"Searched for the function public.add with parameters x, y or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.","hint":"Perhaps you meant to call the function public.add(a, b)","message":"Could not find the function public.add(x, y) in the schema cache"}`},
		{name: "unknown function", path: "/rest/v1/rpc/addd", header: anon, body: `{"a":1}`, wantStatus: 404,
			wantBody: `{"code":"PGRST202","details":"Searched for the function public.addd with parameter a or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.","hint":"Perhaps you meant to call the function public.add","message":"Could not find the function public.addd(a) in the schema cache"}`},
		{name: "get unknown function", method: "GET", path: "/rest/v1/rpc/addd?a=1", header: anon, wantStatus: 404,
			wantBody: `{"code":"PGRST202","details":"Searched for the function public.addd with parameter a, but no matches were found in the schema cache.","hint":"Perhaps you meant to call the function public.add","message":"Could not find the function public.addd(a) in the schema cache"}`},
		{name: "ambiguous overload", path: "/rest/v1/rpc/over", header: anon, body: `{"x":1}`, wantStatus: 300,
			wantBody: `{"code":"PGRST203","details":null,"hint":"Try renaming the parameters or the function itself in the database so function overloading can be resolved","message":"Could not choose the best candidate function between: public.over(x => integer), public.over(x => text)"}`},
		{name: "put", method: "PUT", path: "/rest/v1/rpc/add", header: anon, body: `{}`, wantStatus: 405,
			wantBody: `{"code":"PGRST101","details":null,"hint":null,"message":"Cannot use the PUT method on RPC"}`},
		{name: "patch", method: "PATCH", path: "/rest/v1/rpc/add", header: anon, body: `{}`, wantStatus: 405,
			wantBody: `{"code":"PGRST101","details":null,"hint":null,"message":"Cannot use the PATCH method on RPC"}`},
		{name: "delete", method: "DELETE", path: "/rest/v1/rpc/add", header: anon, wantStatus: 405,
			wantBody: `{"code":"PGRST101","details":null,"hint":null,"message":"Cannot use the DELETE method on RPC"}`},
		{name: "post volatile is read write", path: "/rest/v1/rpc/tx_mode", header: anon, body: `{}`, wantStatus: 200, wantBody: `"off"`},
		{name: "post stable is read only", path: "/rest/v1/rpc/tx_mode_stable", header: anon, body: `{}`, wantStatus: 200, wantBody: `"on"`},
		{name: "get volatile is read only", method: "GET", path: "/rest/v1/rpc/tx_mode", header: anon, wantStatus: 200, wantBody: `"on"`},
		{name: "write in read only post", path: "/rest/v1/rpc/bump", header: anon, body: `{}`, wantStatus: 405,
			wantBody: `{"code":"25006","details":null,"hint":null,"message":"cannot execute nextval() in a read-only transaction"}`},
		{name: "write in get", method: "GET", path: "/rest/v1/rpc/add_note?body=x", header: user, wantStatus: 405,
			wantBody: `{"code":"25006","details":null,"hint":null,"message":"cannot execute INSERT in a read-only transaction"}`},
		{name: "claims reach function", path: "/rest/v1/rpc/whoami", header: user, body: `{}`, wantStatus: 200, wantBody: `"user_a"`},
		{name: "raise exception", path: "/rest/v1/rpc/raise_plain", header: anon, body: `{}`, wantStatus: 400,
			wantBody: `{"code":"P0001","details":"the detail","hint":"the hint","message":"nope"}`},
		{name: "raise PT402", path: "/rest/v1/rpc/raise_pt402", header: anon, body: `{}`, wantStatus: 402,
			wantBody: `{"code":"PT402","details":null,"hint":null,"message":"Payment Required"}`},
		{name: "raise PGRST", path: "/rest/v1/rpc/raise_pgrst", header: anon, body: `{}`, wantStatus: 402,
			wantBody:    `{"code":"123","details":"Quota exceeded","hint":"Upgrade your plan","message":"Payment Required"}`,
			wantHeaders: map[string]string{"X-Powered-By": "Nerd Rage", "Content-Type": jsonCT}},
		{name: "raise PGRST bad json", path: "/rest/v1/rpc/raise_pgrst_bad", header: anon, body: `{}`, wantStatus: 500,
			wantBody: `{"code":"PGRST121","details":"Invalid JSON value for MESSAGE: 'oops'","hint":"MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.","message":"Could not parse JSON in the \"RAISE SQLSTATE 'PGRST'\" error"}`},
		{name: "response headers and status from sql", path: "/rest/v1/rpc/set_response", header: anon, body: `{}`, wantStatus: 202, wantBody: `1`,
			wantHeaders: map[string]string{"X-Foo": "bar", "Cache-Control": "no-store"}},
		{name: "bad response.headers", path: "/rest/v1/rpc/bad_headers", header: anon, body: `{}`, wantStatus: 500,
			wantBody: `{"code":"PGRST111","details":null,"hint":null,"message":"response.headers guc must be a JSON array composed of objects with a single key and a string value"}`},
		{name: "bad response.status", path: "/rest/v1/rpc/bad_status", header: anon, body: `{}`, wantStatus: 500,
			wantBody: `{"code":"PGRST112","details":null,"hint":null,"message":"response.status guc must be a valid status code"}`},
		{name: "max-affected on scalar", path: "/rest/v1/rpc/add", header: with(anon, "Prefer", "handling=strict, max-affected=1"), body: `{"a":1}`, wantStatus: 400,
			wantBody: `{"code":"PGRST128","details":null,"hint":null,"message":"Function must return SETOF or TABLE when max-affected preference is used with handling=strict"}`},
		{name: "max-affected exceeded", path: "/rest/v1/rpc/series", header: with(anon, "Prefer", "handling=strict, max-affected=2"), body: `{"n":3}`, wantStatus: 400,
			wantBody: `{"code":"PGRST124","details":"The query affects 3 rows","hint":null,"message":"Query result exceeds max-affected preference constraint"}`},
		{name: "max-affected respected", path: "/rest/v1/rpc/series", header: with(anon, "Prefer", "handling=strict, max-affected=3"), body: `{"n":3}`, wantStatus: 200,
			wantBody: `[1,2,3]`, wantHeaders: map[string]string{"Preference-Applied": "handling=strict, max-affected=3"}},
		{name: "unsupported content type", path: "/rest/v1/rpc/add", header: with(anon, "Content-Type", "image/png"), body: `x`, wantStatus: 400,
			wantBody: `{"code":"PGRST102","details":null,"hint":null,"message":"Content-Type not acceptable: image/png"}`},
		{name: "anon cannot write through function", path: "/rest/v1/rpc/add_note", header: anon, body: `{"body":"x"}`, wantStatus: 401,
			wantBody: `{"code":"42501","details":null,"hint":null,"message":"new row violates row-level security policy for table \"notes\""}`},
	})
}

func TestRPCWritesAndRLS(t *testing.T) {
	env := testenv.Start(t, testenv.Options{SQL: rpcSQL, TxEnd: "commit-allow-override"})
	userA := env.UserHeader(env.Token("user_a", nil))
	userB := env.UserHeader(env.Token("user_b", nil))

	resp, body := env.Do(t, testenv.Request{Method: "POST", Path: "/rest/v1/rpc/add_note?select=user_id,body", Header: userA, Body: `{"body":"hello"}`})
	if resp.StatusCode != 200 || !sameJSONOrText(body, `{"user_id":"user_a","body":"hello"}`) {
		t.Fatalf("add_note: %d %s", resp.StatusCode, body)
	}

	// Prefer: tx=rollback returns the would-be result and keeps nothing.
	h := userA.Clone()
	h.Set("Prefer", "tx=rollback")
	resp, body = env.Do(t, testenv.Request{Method: "POST", Path: "/rest/v1/rpc/add_note?select=body", Header: h, Body: `{"body":"ghost"}`})
	if resp.StatusCode != 200 || !sameJSONOrText(body, `{"body":"ghost"}`) || resp.Header.Get("Preference-Applied") != "tx=rollback" {
		t.Fatalf("tx=rollback: %d %s %v", resp.StatusCode, body, resp.Header)
	}

	// .single() on a set of two rows fails with 406 and rolls the writes back.
	h = userA.Clone()
	h.Set("Accept", "application/vnd.pgrst.object+json")
	resp, body = env.Do(t, testenv.Request{Method: "POST", Path: "/rest/v1/rpc/add_two_notes", Header: h, Body: `{}`})
	if resp.StatusCode != 406 || !sameJSONOrText(body, `{"code":"PGRST116","details":"The result contains 2 rows","hint":null,"message":"Cannot coerce the result to a single JSON object"}`) {
		t.Fatalf("single: %d %s", resp.StatusCode, body)
	}

	// Filters, order and select apply to the function's rows; RLS applies
	// inside the function.
	resp, body = env.Do(t, testenv.Request{Method: "GET", Path: "/rest/v1/rpc/my_notes?select=body&order=id", Header: userA})
	if resp.StatusCode != 200 || !sameJSONOrText(body, `[{"body":"hello"}]`) {
		t.Fatalf("user_a notes: %d %s", resp.StatusCode, body)
	}
	resp, body = env.Do(t, testenv.Request{Method: "POST", Path: "/rest/v1/rpc/my_notes?body=eq.hello", Header: userB, Body: `{}`})
	if resp.StatusCode != 200 || body != `[]` {
		t.Fatalf("user_b notes: %d %s", resp.StatusCode, body)
	}
	h = userA.Clone()
	h.Set("Accept", "application/vnd.pgrst.object+json")
	resp, body = env.Do(t, testenv.Request{Method: "POST", Path: "/rest/v1/rpc/my_notes?select=body", Header: h, Body: `{}`})
	if resp.StatusCode != 200 || !sameJSONOrText(body, `{"body":"hello"}`) ||
		resp.Header.Get("Content-Type") != "application/vnd.pgrst.object+json; charset=utf-8" {
		t.Fatalf("single note: %d %s %v", resp.StatusCode, body, resp.Header)
	}
}
