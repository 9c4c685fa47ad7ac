package sqlgen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/pgrest"
	"github.com/rowgate/rowgate/schema"
)

func init() {
	// Words and literals the RPC call adds to the statement: the argument
	// decoding, and the catalog type names of the fixture's parameters in
	// json_to_record's column definition list.
	for _, w := range strings.Fields(`json_to_record json_to_recordset pgrst_body json decode _
		integer bigint text jsonb json`) {
		sqlWords[w] = true
	}
	allowedLits[`'hex'`] = true
}

// rpcFixtureSQL adds a schema "rpc" to the package's fixture database with
// one function per RPC shape. Only the functions live there; tables stay
// in public.
const rpcFixtureSQL = `
CREATE SCHEMA rpc;
GRANT USAGE ON SCHEMA rpc TO anon, authenticated;
CREATE FUNCTION rpc.add(a int, b int DEFAULT 0) RETURNS int
  LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;
CREATE FUNCTION rpc.echo_json(json) RETURNS json
  LANGUAGE sql IMMUTABLE AS $$ SELECT $1 $$;
CREATE FUNCTION rpc.shout(text) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT upper($1) $$;
CREATE FUNCTION rpc.byte_len(bytea) RETURNS int
  LANGUAGE sql IMMUTABLE AS $$ SELECT length($1) $$;
CREATE FUNCTION rpc.over(x int) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'int' $$;
CREATE FUNCTION rpc.over(x text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'text' $$;
CREATE FUNCTION rpc.over(y bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'y' $$;
CREATE FUNCTION rpc.noop() RETURNS void LANGUAGE sql VOLATILE AS $$ SELECT $$;
CREATE FUNCTION rpc.tasks_of(p bigint) RETURNS SETOF public.tasks
  LANGUAGE sql STABLE AS $$ SELECT * FROM public.tasks WHERE project_id = p $$;
CREATE FUNCTION rpc.first_task() RETURNS public.tasks
  LANGUAGE sql STABLE AS $$ SELECT * FROM public.tasks ORDER BY id LIMIT 1 $$;
CREATE FUNCTION rpc.pair(a int, OUT x int, OUT y text)
  LANGUAGE sql IMMUTABLE AS $$ SELECT a, 'n' || a $$;
CREATE FUNCTION rpc.sum_all(VARIADIC nums int[]) RETURNS int
  LANGUAGE sql IMMUTABLE AS $$ SELECT sum(x)::int FROM unnest(nums) x $$;
CREATE FUNCTION rpc.series(n int) RETURNS SETOF int
  LANGUAGE sql IMMUTABLE AS $$ SELECT generate_series(1, n) $$;
CREATE FUNCTION rpc.join_words(words text[], sep text DEFAULT ' ') RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT array_to_string(words, sep) $$;
CREATE FUNCTION rpc.meta_keys(m jsonb) RETURNS SETOF text
  LANGUAGE sql IMMUTABLE AS $$ SELECT jsonb_object_keys(m) ORDER BY 1 $$;
`

var (
	rpcCacheOnce sync.Once
	rpcCache     *schema.Cache
	rpcCacheErr  error
)

// loadRPCCache creates the rpc schema once per test binary and loads a
// cache exposing it; the schema is dropped when the package's database is.
func loadRPCCache(t testing.TB) *schema.Cache {
	t.Helper()
	rpcCacheOnce.Do(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, testConnString)
		if err != nil {
			rpcCacheErr = fmt.Errorf("connect: %w", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, rpcFixtureSQL); err != nil {
			rpcCacheErr = fmt.Errorf("rpc fixture: %w", err)
			return
		}
		rpcCache, rpcCacheErr = schema.Load(ctx, conn, []string{"rpc", "public"})
	})
	if rpcCacheErr != nil {
		t.Fatal(rpcCacheErr)
	}
	return rpcCache
}

// rpcCase is one testdata/rpc/*.txt file:
//
//	POST /rpc/add?select=…          request line
//	Content-Type: …                 optional header lines (Prefer, Accept,
//	                                Content-Profile/Accept-Profile: the
//	                                schema, default rpc)
//	                                blank line
//	{"a": 1}                        body (until ----)
//	----
//	<SQL> / args: […]  or  error: <status> <JSON>
//	---- result
//	total=… page=…                  the executed row, as for testdata/*.txt
//	<body>
type rpcCase struct {
	goldenRequest
	kind BodyKind
	body string
}

func parseRPCCase(t *testing.T, input string) rpcCase {
	t.Helper()
	head, body, _ := strings.Cut(input, "\n\n")
	rc := rpcCase{goldenRequest: parseGoldenRequest(t, head), body: strings.TrimSuffix(body, "\n")}
	if v, ok := rc.takeExtra("content-type"); ok {
		switch v {
		case "application/x-www-form-urlencoded":
			rc.kind = BodyForm
		case "text/plain":
			rc.kind = BodyText
		case "application/octet-stream":
			rc.kind = BodyBinary
		case "application/json":
		default:
			t.Fatalf("unsupported content type %q", v)
		}
	}
	rc.noMoreExtras(t)
	return rc
}

func buildRPC(t *testing.T, c *schema.Cache, rc rpcCase) (*Query, error) {
	t.Helper()
	req, err := pgrest.ParseRequest(rc.method, rc.path, rc.query, rc.headers)
	if err != nil {
		return nil, err
	}
	opts := Options{Schema: "rpc"}
	if req.Schema != "" {
		opts.Schema = req.Schema
	}
	if rc.method == "POST" {
		return Call(req, CallBody{Kind: rc.kind, Raw: []byte(rc.body)}, c, opts)
	}
	return Read(req, c, opts)
}

// executeCall runs q as authenticated in a transaction that is READ ONLY
// unless the function is volatile, and always rolled back.
func executeCall(t *testing.T, q *Query) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testConnString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	mode := pgx.ReadOnly
	if q.Function != nil && q.Function.Volatility == schema.Volatile {
		mode = pgx.ReadWrite
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: mode})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	head, body, _, ok := runMainRow(t, tx, q)
	if !ok {
		return head
	}
	return head + "\n" + body
}

// TestRPCGolden checks the statement of every RPC shape, and runs it.
func TestRPCGolden(t *testing.T) {
	c := loadRPCCache(t)
	runGoldenFiles(t, "testdata/rpc/*.txt", 20, func(t *testing.T, input string) (string, string) {
		q, err := buildRPC(t, c, parseRPCCase(t, input))
		if err != nil {
			return renderError(err), ""
		}
		assertQuoted(t, q.SQL)
		return renderQuery(q), executeCall(t, q)
	})
}

func TestJSONKeys(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		want      []string
		wantArray bool
		wantErr   bool
	}{
		{name: "object", in: `{"b":1,"a":2}`, want: []string{"a", "b"}},
		{name: "empty object", in: `{}`, want: []string{}},
		{name: "array union", in: `[{"a":1},{"b":2},{"a":3}]`, want: []string{"a", "b"}, wantArray: true},
		{name: "array of scalars", in: `[1,2]`, want: nil, wantArray: true},
		{name: "scalar", in: `42`, want: nil},
		{name: "string", in: `"x"`, want: nil},
		{name: "broken object", in: `{"a":`, wantErr: true},
		{name: "broken array", in: `[1,`, wantErr: true},
		{name: "garbage", in: `nope`, wantErr: true},
		{name: "trailing garbage", in: `{} x`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, array, err := jsonKeys([]byte(tt.in))
			if tt.wantErr {
				var re *rowgate.Error
				if !errors.As(err, &re) || re.Code != rowgate.CodeBody || re.Message != "Empty or invalid json" {
					t.Fatalf("err = %v, want PGRST102", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sortStrings(keys)
			if strings.Join(keys, ",") != strings.Join(tt.want, ",") || array != tt.wantArray {
				t.Errorf("jsonKeys = %v, %v; want %v, %v", keys, array, tt.want, tt.wantArray)
			}
		})
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestCallVolatility checks that the chosen overload's volatility is
// reported, since the gateway picks the transaction mode from it.
func TestCallVolatility(t *testing.T) {
	c := loadRPCCache(t)
	tests := []struct {
		fn, body string
		want     schema.Volatility
	}{
		{"noop", `{}`, schema.Volatile},
		{"tasks_of", `{"p":1}`, schema.Stable},
		{"add", `{"a":1}`, schema.Immutable},
	}
	for _, tt := range tests {
		t.Run(tt.fn, func(t *testing.T) {
			req, err := pgrest.ParseRequest("POST", "/rpc/"+tt.fn, "", pgrest.Headers{})
			if err != nil {
				t.Fatal(err)
			}
			q, err := Call(req, CallBody{Raw: []byte(tt.body)}, c, Options{Schema: "rpc"})
			if err != nil {
				t.Fatal(err)
			}
			if q.Function == nil || q.Function.Volatility != tt.want {
				t.Errorf("volatility = %v, want %s", q.Function, tt.want)
			}
		})
	}
}

func TestCallRefusesNonRPC(t *testing.T) {
	req, err := pgrest.ParseRequest("POST", "/tasks", "", pgrest.Headers{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Call(req, CallBody{}, testCache, Options{}); err == nil {
		t.Fatal("Call on a table succeeded")
	}
}

// FuzzCall feeds arbitrary bodies and query strings to Call: it must never
// panic, and whatever it builds must keep request text out of the SQL.
func FuzzCall(f *testing.F) {
	f.Add("add", "", `{"a":1,"b":2}`, 0)
	f.Add("echo_json", "", `[1,{"x":"y"}]`, 0)
	f.Add("tasks_of", "select=id,projects(name)&order=id.desc", `{"p":"1"}`, 0)
	f.Add("sum_all", "", `{"nums":[1,2,3]}`, 0)
	f.Add("add", "", `a=1&b=2`, 1)
	f.Add("shout", "", `hello`, 2)
	f.Add("over", "columns=x", `{"x":1,"\"; drop":2}`, 0)
	f.Fuzz(func(t *testing.T, fn, query, body string, kind int) {
		c := loadRPCCache(t)
		req, err := pgrest.ParseRequest("POST", "/rpc/"+fn, query, pgrest.Headers{})
		if err != nil {
			return
		}
		k := BodyKind(kind)
		if k < BodyJSON || k > BodyBinary {
			k = BodyJSON
		}
		q, err := Call(req, CallBody{Kind: k, Raw: []byte(body)}, c, Options{Schema: "rpc", MaxRows: 10})
		if err != nil {
			var re *rowgate.Error
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *rowgate.Error", err)
			}
			return
		}
		for _, a := range q.Args {
			if _, ok := a.(string); !ok {
				t.Fatalf("non-string argument %T", a)
			}
		}
		assertQuoted(t, q.SQL)
	})
}

func BenchmarkCall(b *testing.B) {
	c := loadRPCCache(b)
	req, err := pgrest.ParseRequest("POST", "/rpc/tasks_of", "select=id,title&order=id.desc&limit=20", pgrest.Headers{})
	if err != nil {
		b.Fatal(err)
	}
	body := CallBody{Raw: []byte(`{"p": 1}`)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Call(req, body, c, Options{Schema: "rpc", MaxRows: 1000}); err != nil {
			b.Fatal(err)
		}
	}
}
