package sqlgen

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/pgrest"
)

// TestValidCastRefusesDollarQuoting: a cast is the one piece of request
// text spliced into SQL unquoted. "$" after a space opens a dollar-quoted
// string ($$ or $tag$) that swallows the statement up to the next tag; two
// casts (or a cast and a quoted alias holding the closing tag) could then
// put arbitrary text in the statement. The CAST(… AS …) wrapper kept that
// from parsing, but the error echoed the generated SQL and the primitive is
// not needed: type names do not contain "$".
func TestValidCastRefusesDollarQuoting(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"text $$", false},
		{"$$", false},
		{"text $q$", false},
		{"$q$", false},
		{"int4 $1", false},
		{"text$", false},
		{"a$b", false},
		{"text)", false},
		{"text'", false},
		{`text"`, false},
		{"text\x00", false},
		{"text\tx", false},
		{"text/*", false},
		{"tëxt", false},
		{strings.Repeat("a", 129), false},
		{"double precision", true},
		{"timestamp with time zone", true},
		{"character varying", true},
		{"text[]", true},
		{"int4[][]", true},
		{"_int4", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := validCast(tt.in); got != tt.want {
				t.Fatalf("validCast(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// runReadOnly executes q on the fixture database in a read-only
// transaction, as the executor sends it (text parameters of unknown type).
func runReadOnly(t *testing.T, q *Query) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testConnString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	args := append([]any{pgx.QueryExecModeExec}, q.Args...)
	rows, err := tx.Query(ctx, q.SQL, args...)
	if err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

// TestHostileReadsStayOutOfSQLText builds reads from hostile query strings
// and checks that the hostile text reaches the statement only as a bind
// parameter or as one double-quoted identifier, and that the statement
// still parses (no 42601) when PostgreSQL runs it.
func TestHostileReadsStayOutOfSQLText(t *testing.T) {
	const evil = `x');drop table tasks;--`
	tests := []struct {
		name  string
		query string
		// inSQL is the only form in which the hostile text may appear in
		// the SQL ("" = not at all); inArgs requires it among the args.
		inSQL  string
		inArgs bool
	}{
		{"alias", `select="x\')%3Bdrop table tasks%3B--":title`, `"x');drop table tasks;--"`, false},
		{"alias with double quote", `select="a\"b":title`, `"a""b"`, false},
		{"json key in select", `select=meta->>"x')%3Bdrop table tasks%3B--"`, `"x');drop table tasks;--"`, true},
		{"json key in filter", `meta->>"x')%3Bdrop table tasks%3B--"=eq.1`, "", true},
		{"json key in order", `order=meta->>"x')%3Bdrop table tasks%3B--".desc`, "", true},
		{"eq value", `title=eq.x')%3Bdrop table tasks%3B--`, "", true},
		{"like value", `title=like.*x')%3Bdrop table tasks%3B--*`, "", false},
		{"in values", `title=in.("x')%3Bdrop table tasks%3B--",b)`, "", false},
		{"fts language and value", `search=fts(english).x')%3Bdrop table tasks%3B--`, "", true},
		{"or tree value", `or=(title.eq."x')%3Bdrop table tasks%3B--",id.eq.1)`, "", true},
		{"huge limit and offset", "limit=9223372036854775807&offset=9223372036854775807", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := pgrest.ParseRequest(http.MethodGet, "/tasks", tt.query, pgrest.Headers{})
			if err != nil {
				t.Fatal(err)
			}
			q, err := Read(req, testCache, Options{})
			if err != nil {
				t.Fatal(err)
			}
			rest := q.SQL
			if tt.inSQL != "" {
				if !strings.Contains(rest, tt.inSQL) {
					t.Fatalf("SQL lacks %s:\n%s", tt.inSQL, q.SQL)
				}
				rest = strings.ReplaceAll(rest, tt.inSQL, "")
			}
			if strings.Contains(rest, "drop table") || strings.Contains(rest, `a"b`) {
				t.Fatalf("hostile text in SQL:\n%s", q.SQL)
			}
			if tt.inArgs {
				found := false
				for _, a := range q.Args {
					found = found || a == evil
				}
				if !found {
					t.Fatalf("%q not among args %q", evil, q.Args)
				}
			}
			if err := runReadOnly(t, q); err != nil {
				var pe *pgconn.PgError
				if !errors.As(err, &pe) || (pe.Code == "42601" && !strings.Contains(pe.Message, "in tsquery")) {
					t.Fatalf("statement failed: %v\n%s", err, q.SQL)
				}
				// Type errors (e.g. a text key on a tsvector) are fine: the
				// point is that the input did not change the statement.
				t.Logf("statement error %s: %s", pe.Code, pe.Message)
			}
		})
	}
}

// TestDollarCastRefusedBeforeSQL: with "$" allowed, select=title::text $$
// reached PostgreSQL and the 42601 error echoed the rest of the generated
// statement ("unterminated dollar-quoted string at or near …") to the
// client.
func TestDollarCastRefusedBeforeSQL(t *testing.T) {
	for _, sel := range []string{"title::text $$", "id::text $q$,title::$q$", "title::int4 $1"} {
		t.Run(sel, func(t *testing.T) {
			req, err := pgrest.ParseRequest(http.MethodGet, "/tasks", "select="+sel, pgrest.Headers{})
			if err != nil {
				t.Fatal(err)
			}
			q, err := Read(req, testCache, Options{})
			var re *rowgate.Error
			if !errors.As(err, &re) || re.Code != rowgate.CodeParse || re.Status != http.StatusBadRequest {
				if q != nil {
					t.Fatalf("err = %v; SQL sent would be:\n%s", err, q.SQL)
				}
				t.Fatalf("err = %v, want 400 PGRST100", err)
			}
		})
	}
}

// TestRPCArrayBodyKeysAreLinear: the keys of a JSON array body for POST
// /rpc are collected before any function is looked up, by an anonymous
// client. jsonKeys deduplicates the union of the elements' keys with
// slices.Contains, so one element with n keys costs n²/2 string
// comparisons: 100 000 keys (1.2 MB, well under the 32 MiB RPC body limit)
// take tens of seconds of CPU. The fix (sqlgen/rpc.go, jsonKeys) is a map
// for the union.
func TestRPCArrayBodyKeysAreLinear(t *testing.T) {
	const n = 100000
	var b strings.Builder
	b.WriteString("[{")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d":0`, i)
	}
	b.WriteString("}]")
	done := make(chan int, 1)
	go func() {
		keys, _, err := jsonKeys([]byte(b.String()))
		if err != nil {
			done <- -1
			return
		}
		done <- len(keys)
	}()
	select {
	case got := <-done:
		if got != n {
			t.Fatalf("%d keys, want %d", got, n)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("jsonKeys of a %d-byte array body did not finish within 5s: key union is quadratic", b.Len())
	}
}
