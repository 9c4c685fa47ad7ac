package gateway_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/rowgate/rowgate/internal/pgtest"
	"github.com/rowgate/rowgate/internal/testenv"
)

// countSQL has tables with known statistics: big is ANALYZEd, so the
// planner's estimate is its row count; stale and stale700 had 1000 rows
// when analyzed and lost most of them since (autovacuum off), so the
// estimate (1000) differs from the exact count; grown had 10 rows (one
// page) when analyzed and now has 1000 on a few pages, so its estimate is
// far below its count.
const countSQL = `
create table public.big (id int primary key, grp int not null, meta jsonb not null default '{"a": 1}');
insert into public.big select g, g % 10 from generate_series(1, 2000) g;
create table public.stale (id int primary key) with (autovacuum_enabled = false);
insert into public.stale select generate_series(1, 1000);
create table public.stale700 (id int primary key) with (autovacuum_enabled = false);
insert into public.stale700 select generate_series(1, 1000);
create table public.grown (id int primary key) with (autovacuum_enabled = false);
insert into public.grown select generate_series(1, 10);
analyze public.big, public.stale, public.stale700, public.grown;
delete from public.stale where id > 100;
delete from public.stale700 where id > 700;
insert into public.grown select generate_series(11, 1000);
grant select, update on public.big, public.stale, public.stale700, public.grown to anon;
create function public.stale_rows() returns setof public.stale language sql stable as $$ select * from public.stale $$;
grant execute on function public.stale_rows() to anon;
`

// TestPreferCountPlannedEstimated checks Prefer: count=planned and
// count=estimated end to end (max_rows = 500): the planner's estimate
// reaches Content-Range and decides between 200, 206 and 416 as in
// PostgREST 14; estimated is exact up to max_rows; functions and
// mutations get no planned count.
func TestPreferCountPlannedEstimated(t *testing.T) {
	env := testenv.Start(t, testenv.Options{SQL: countSQL, MaxRows: 500})
	anon := env.AnonHeader()
	prefer := func(v string) http.Header {
		h := anon.Clone()
		h.Set("Prefer", v)
		return h
	}
	runRPCCases(t, env, []rpcCase{
		{name: "planned from fresh statistics", method: "GET", path: "/rest/v1/big?select=id&order=id&limit=2", header: prefer("count=planned"),
			wantStatus: 206, wantBody: `[{"id":1},{"id":2}]`,
			wantHeaders: map[string]string{"Content-Range": "0-1/2000", "Preference-Applied": "count=planned"}},
		{name: "planned is the estimate, not the count", method: "GET", path: "/rest/v1/stale?select=id&order=id&limit=2&offset=3", header: prefer("count=planned"),
			wantStatus: 206, wantBody: `[{"id":4},{"id":5}]`,
			wantHeaders: map[string]string{"Content-Range": "3-4/1000", "Preference-Applied": "count=planned"}},
		{name: "planned head", method: "HEAD", path: "/rest/v1/stale", header: prefer("count=planned"),
			wantStatus: 206, wantHeaders: map[string]string{"Content-Range": "0-99/1000"}},
		{name: "planned offset past the estimate is 416", method: "GET", path: "/rest/v1/stale?offset=1001", header: prefer("count=planned"),
			wantStatus: 416,
			wantBody:   `{"code":"PGRST103","details":"An offset of 1001 was requested, but there are only 1000 rows.","hint":null,"message":"Requested range not satisfiable"}`},
		{name: "planned offset past the estimate is 416 even with rows", method: "GET", path: "/rest/v1/grown?select=id&order=id&offset=200&limit=1",
			header: prefer("count=planned"), wantStatus: 416,
			wantBody: `{"code":"PGRST103","details":"An offset of 200 was requested, but there are only ` + strconv.FormatInt(grownEstimate(t, env), 10) +
				` rows.","hint":null,"message":"Requested range not satisfiable"}`},
		{name: "estimated within max_rows is exact", method: "GET", path: "/rest/v1/stale?select=id&order=id&limit=2", header: prefer("count=estimated"),
			wantStatus: 206, wantBody: `[{"id":1},{"id":2}]`,
			wantHeaders: map[string]string{"Content-Range": "0-1/100", "Preference-Applied": "count=estimated"}},
		{name: "estimated past max_rows is the estimate", method: "GET", path: "/rest/v1/stale700?select=id&order=id&limit=1", header: prefer("count=estimated"),
			wantStatus: 206, wantBody: `[{"id":1}]`,
			wantHeaders: map[string]string{"Content-Range": "0-0/1000"}},
		{name: "estimated past max_rows, fresh statistics", method: "HEAD", path: "/rest/v1/big", header: prefer("count=estimated"),
			wantStatus: 206, wantHeaders: map[string]string{"Content-Range": "0-499/2000"}},
		{name: "exact is unchanged", method: "GET", path: "/rest/v1/stale?select=id&order=id&limit=1", header: prefer("count=exact"),
			wantStatus: 206, wantBody: `[{"id":1}]`, wantHeaders: map[string]string{"Content-Range": "0-0/100"}},
		{name: "rpc planned has no count", method: "GET", path: "/rest/v1/rpc/stale_rows?select=id&order=id&limit=2", header: prefer("count=planned"),
			wantStatus: 200, wantBody: `[{"id":1},{"id":2}]`,
			wantHeaders: map[string]string{"Content-Range": "0-1/*", "Preference-Applied": "count=planned"}},
		{name: "rpc estimated is exact", method: "GET", path: "/rest/v1/rpc/stale_rows?select=id&order=id&limit=2", header: prefer("count=estimated"),
			wantStatus: 206, wantBody: `[{"id":1},{"id":2}]`,
			wantHeaders: map[string]string{"Content-Range": "0-1/100", "Preference-Applied": "count=estimated"}},
		{name: "patch estimated counts", method: "PATCH", path: "/rest/v1/big?id=lte.3", header: prefer("count=estimated"), body: `{"grp":7}`,
			wantStatus: 204, wantHeaders: map[string]string{"Content-Range": "0-2/3", "Preference-Applied": "count=estimated"}},
		{name: "patch planned", method: "PATCH", path: "/rest/v1/big?id=lte.3", header: prefer("count=planned"), body: `{"grp":8}`,
			wantStatus: 204, wantHeaders: map[string]string{"Content-Range": "0-2/*", "Preference-Applied": "count=planned"}},
	})
}

// TestPreferCountPlannedFilters checks that the filters' values reach the
// planner through the renumbered EXPLAIN arguments, on the same pooled
// connection (prepared once, then bound with new values).
func TestPreferCountPlannedFilters(t *testing.T) {
	env := testenv.Start(t, testenv.Options{SQL: countSQL, PoolSize: 1})
	h := env.AnonHeader()
	h.Set("Prefer", "count=planned")
	for _, tc := range []struct {
		query    string
		min, max int64
	}{
		// The select's JSON key is the main statement's $1 but is not
		// part of the count query, whose filters are renumbered from $1.
		{"select=id,meta->>a&id=lte.100&grp=eq.3&limit=1", 5, 20},
		{"select=id,meta->>a&id=lte.1000&grp=eq.3&limit=1", 60, 150},
		{"select=id&id=gt.1500&limit=1", 400, 600},
	} {
		t.Run(tc.query, func(t *testing.T) {
			resp, body := env.Do(t, testenv.Request{Path: "/rest/v1/big?" + tc.query, Header: h})
			if resp.StatusCode != http.StatusPartialContent {
				t.Fatalf("status = %d, want 206; body %s", resp.StatusCode, body)
			}
			cr := resp.Header.Get("Content-Range")
			_, total, ok := strings.Cut(cr, "/")
			n, err := strconv.ParseInt(total, 10, 64)
			if !ok || err != nil || n < tc.min || n > tc.max {
				t.Fatalf("Content-Range = %q, want a total between %d and %d", cr, tc.min, tc.max)
			}
		})
	}
}

// grownEstimate is the planner's estimate of grown's rows, asked of
// PostgreSQL directly; it must be far below the 1000 rows for the test to
// mean anything.
func grownEstimate(t *testing.T, env *testenv.Env) int64 {
	t.Helper()
	conn := pgtest.Connect(t, env.DBURL)
	defer conn.Close(context.Background())
	var plan []struct {
		Plan struct {
			Rows int64 `json:"Plan Rows"`
		}
	}
	if err := conn.QueryRow(context.Background(), `EXPLAIN (FORMAT JSON) SELECT 1 FROM public.grown`).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	if len(plan) != 1 || plan[0].Plan.Rows >= 200 {
		t.Fatalf("grown estimate = %+v, want below 200", plan)
	}
	return plan[0].Plan.Rows
}
