package sqlgen

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/pgrest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the current output")

// goldenCase is one testdata/*.txt file:
//
//	GET /tasks?select=id&id=eq.1      request line
//	Prefer: count=exact               optional header lines (also X-Max-Rows)
//	----
//	<SQL>                             generated SQL
//	args: ["1"]                       its arguments as JSON
//	---- result
//	total=null page=1                 the executed row (as role authenticated)
//	[{"id": 1}]                       and its body
//
// For requests Read refuses, the part after ---- is "error: <status>
// <error JSON>" and there is no result section. A statement PostgreSQL
// refuses has "error <SQLSTATE>: <message>" as its result.
type goldenCase struct {
	goldenRequest
	opts Options
}

// goldenRequest is the head every golden suite shares: the request line
// and header lines. PostgREST's request headers fill headers; any other line
// (Content-Type, X-Max-Rows, body:) lands in extra under its lower-cased
// name, for the suite that knows it.
type goldenRequest struct {
	method, path, query string
	headers             pgrest.Headers
	extra               map[string]string
}

func parseGoldenRequest(t *testing.T, head string) goldenRequest {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(head), "\n")
	var gr goldenRequest
	method, target, ok := strings.Cut(strings.TrimSpace(lines[0]), " ")
	if !ok {
		t.Fatalf("bad request line %q", lines[0])
	}
	gr.method = method
	gr.path, gr.query, _ = strings.Cut(target, "?")
	gr.extra = map[string]string{}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("bad header line %q", l)
		}
		v = strings.TrimSpace(v)
		switch name := strings.ToLower(strings.TrimSpace(k)); name {
		case "prefer":
			gr.headers.Prefer = append(gr.headers.Prefer, v)
		case "accept":
			gr.headers.Accept = v
		case "range":
			gr.headers.Range = v
		case "accept-profile":
			gr.headers.AcceptProfile = v
		case "content-profile":
			gr.headers.ContentProfile = v
		default:
			gr.extra[name] = v
		}
	}
	return gr
}

// takeExtra removes and returns the extra line name; any line left over
// after a suite has taken what it knows is a mistake in the file.
func (gr *goldenRequest) takeExtra(name string) (string, bool) {
	v, ok := gr.extra[name]
	delete(gr.extra, name)
	return v, ok
}

func (gr *goldenRequest) noMoreExtras(t *testing.T) {
	t.Helper()
	for k := range gr.extra {
		t.Fatalf("unknown header %q", k)
	}
}

func parseGoldenInput(t *testing.T, input string) goldenCase {
	t.Helper()
	gc := goldenCase{goldenRequest: parseGoldenRequest(t, input)}
	if v, ok := gc.takeExtra("x-max-rows"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("bad X-Max-Rows %q", v)
		}
		gc.opts.MaxRows = n
	}
	gc.noMoreExtras(t)
	return gc
}

func buildGolden(t *testing.T, gc goldenCase) (*Query, error) {
	t.Helper()
	req, err := pgrest.ParseRequest(gc.method, gc.path, gc.query, gc.headers)
	if err != nil {
		return nil, err
	}
	return Read(req, testCache, gc.opts)
}

func renderError(err error) string {
	var re *rowgate.Error
	if !errors.As(err, &re) {
		return "error: " + err.Error()
	}
	b, _ := json.Marshal(re)
	return fmt.Sprintf("error: %d %s", re.Status, b)
}

func renderQuery(q *Query) string {
	args, _ := json.Marshal(q.Args)
	out := q.SQL + "\nargs: " + string(args)
	if q.Explain != nil {
		eargs, _ := json.Marshal(q.Explain.Args)
		out += "\nexplain: " + q.Explain.SQL + "\nexplain args: " + string(eargs)
	}
	return out
}

// execute runs q as PostgREST would (role authenticated, read-only
// transaction) and renders the result row.
func execute(t *testing.T, q *Query) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testConnString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	head, body, total, ok := runMainRow(t, tx, q)
	if !ok {
		return head
	}
	if q.Explain != nil {
		// The planner's estimate, and the total Content-Range would show.
		var plan []byte
		if err := tx.QueryRow(ctx, q.Explain.SQL, q.Explain.Args...).Scan(&plan); err != nil {
			t.Fatalf("explain: %v\nSQL: %s", err, q.Explain.SQL)
		}
		rows, err := PlanRows(plan)
		if err != nil {
			t.Fatal(err)
		}
		reported := "null"
		if r := q.Total(total, &rows); r != nil {
			reported = strconv.FormatInt(*r, 10)
		}
		head += fmt.Sprintf(" plan_rows=%d reported=%s", rows, reported)
	}
	return head + "\n" + body
}

// runMainRow runs q's statement in tx as role authenticated and renders
// the result row's head ("total=… page=…") and body. When PostgreSQL
// refuses the statement, head is "error <SQLSTATE>: <message>" and ok is
// false.
func runMainRow(t *testing.T, tx pgx.Tx, q *Query) (head, body string, total *int64, ok bool) {
	t.Helper()
	ctx := context.Background()
	if _, err := tx.Exec(ctx, "SELECT set_config('role', 'authenticated', true), set_config('search_path', 'public', true)"); err != nil {
		t.Fatal(err)
	}
	var (
		page         int64
		hdrs, status *string
	)
	err := tx.QueryRow(ctx, q.SQL, q.Args...).Scan(&total, &page, &body, &hdrs, &status)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Sprintf("error %s: %s", pgErr.Code, pgErr.Message), "", nil, false
	}
	if err != nil {
		t.Fatalf("execute: %v\nSQL: %s", err, q.SQL)
	}
	ts := "null"
	if total != nil {
		ts = strconv.FormatInt(*total, 10)
	}
	return fmt.Sprintf("total=%s page=%d", ts, page), body, total, true
}

// sameResult compares rendered results, JSON bodies semantically.
func sameResult(got, want string) bool {
	if got == want {
		return true
	}
	gh, gb, _ := strings.Cut(got, "\n")
	wh, wb, _ := strings.Cut(want, "\n")
	if gh != wh {
		return false
	}
	var gv, wv any
	if json.Unmarshal([]byte(gb), &gv) != nil || json.Unmarshal([]byte(wb), &wv) != nil {
		return false
	}
	return reflect.DeepEqual(gv, wv)
}

// runGoldenFiles is the one driver of every golden suite: for each file
// matching glob it splits the input (above "----") from the expected
// output and the expected executed result (below "---- result"), calls run
// on the input, and compares — or rewrites the file with -update.
func runGoldenFiles(t *testing.T, glob string, min int, run func(t *testing.T, input string) (out, result string)) {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < min {
		t.Errorf("only %d golden files match %s, want at least %d", len(files), glob, min)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.ReplaceAll(string(raw), "\r\n", "\n")
			input, rest, ok := strings.Cut(text, "\n----\n")
			if !ok {
				input, rest = strings.TrimSuffix(strings.TrimSuffix(text, "\n"), "\n----"), ""
			}
			wantOut, wantResult, hasResult := strings.Cut(rest, "\n---- result\n")
			wantOut, wantResult = strings.TrimSpace(wantOut), strings.TrimSpace(wantResult)

			gotOut, gotResult := run(t, input)
			gotResult = strings.TrimSpace(gotResult)
			if *update {
				out := strings.TrimRight(input, "\n") + "\n----\n" + gotOut + "\n"
				if gotResult != "" {
					out += "---- result\n" + gotResult + "\n"
				}
				if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if gotOut != wantOut {
				t.Errorf("output mismatch\n got: %s\nwant: %s", gotOut, wantOut)
			}
			if hasResult != (gotResult != "") || (hasResult && !sameResult(gotResult, wantResult)) {
				t.Errorf("result mismatch\n got: %s\nwant: %s", gotResult, wantResult)
			}
		})
	}
}

func TestGolden(t *testing.T) {
	runGoldenFiles(t, "testdata/*.txt", 40, func(t *testing.T, input string) (string, string) {
		q, err := buildGolden(t, parseGoldenInput(t, input))
		if err != nil {
			return renderError(err), ""
		}
		assertQuoted(t, q.SQL)
		return renderQuery(q), execute(t, q)
	})
}
