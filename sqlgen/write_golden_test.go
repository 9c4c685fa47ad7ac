package sqlgen

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rowgate/rowgate/pgrest"
)

// writeCase is one testdata/write/*.txt file. Like the read goldens, plus
// a Content-Type header line and a one-line body:
//
//	POST /tags?select=id,name          request line
//	Prefer: return=representation      optional header lines
//	body: {"id": 10, "name": "x"}      optional body (one line)
//	----
//	<SQL>
//	args: [...]
//	---- result
//	total=null page=1 inserted=null location=null
//	[{"id":10,"name":"x"}]
//
// The statement runs as role authenticated (granted write privileges
// inside the transaction) and is rolled back, so every file sees the
// fixture data unchanged.
type writeCase struct {
	goldenRequest
	contentType string
	body        string
	hasBody     bool
}

func parseWriteInput(t *testing.T, input string) writeCase {
	t.Helper()
	wc := writeCase{goldenRequest: parseGoldenRequest(t, input)}
	wc.contentType, _ = wc.takeExtra("content-type")
	if b, ok := wc.takeExtra("body"); ok {
		wc.body, wc.hasBody = strings.ReplaceAll(b, `\n`, "\n"), true
	}
	wc.noMoreExtras(t)
	return wc
}

func buildWrite(t *testing.T, wc writeCase) (*Mutation, error) {
	t.Helper()
	req, err := pgrest.ParseRequest(wc.method, wc.path, wc.query, wc.headers)
	if err != nil {
		return nil, err
	}
	var body *pgrest.Payload
	if wc.hasBody {
		mt, err := pgrest.ParseContentType(wc.contentType)
		if err != nil {
			return nil, err
		}
		body, err = pgrest.ParseBody(mt, []byte(wc.body), req.Columns)
		if err != nil {
			return nil, err
		}
	}
	return Write(req, body, testCache, Options{})
}

// executeWrite runs m in a transaction that is rolled back.
func executeWrite(t *testing.T, m *Mutation) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testConnString)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, s := range []string{
		"GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO authenticated",
		"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO authenticated",
		"SELECT set_config('role', 'authenticated', true), set_config('search_path', 'public', true)",
	} {
		if _, err := tx.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	var (
		total             *int64
		page              int64
		body              string
		hdrs, status, loc *string
		inserted          *int32
	)
	err = tx.QueryRow(ctx, m.SQL, m.Args...).Scan(&total, &page, &body, &hdrs, &status, &inserted, &loc)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Sprintf("error %s: %s", pgErr.Code, pgErr.Message)
	}
	if err != nil {
		t.Fatalf("execute: %v\nSQL: %s", err, m.SQL)
	}
	ts, is, ls := "null", "null", "null"
	if total != nil {
		ts = strconv.FormatInt(*total, 10)
	}
	if inserted != nil {
		is = strconv.Itoa(int(*inserted))
	}
	if loc != nil {
		ls = *loc
	}
	return fmt.Sprintf("total=%s page=%d inserted=%s location=%s\n%s", ts, page, is, ls, body)
}

func TestWriteGolden(t *testing.T) {
	runGoldenFiles(t, "testdata/write/*.txt", 25, func(t *testing.T, input string) (string, string) {
		m, err := buildWrite(t, parseWriteInput(t, input))
		if err != nil {
			return renderError(err), ""
		}
		return renderQuery(&m.Query), executeWrite(t, m)
	})
}
