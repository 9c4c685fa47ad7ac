package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rowgate/rowgate/pgrest"
	"github.com/rowgate/rowgate/schema"
	"github.com/rowgate/rowgate/sqlgen"
)

// settingsSQL is rowgate's per-request set_config statement (package pgexec)
// for a role without ALTER ROLE … SET settings and without Prefer: timezone.
const settingsSQL = "select set_config('search_path', $1, true), set_config('role', $2, true), " +
	"set_config('request.jwt.claims', $3, true), set_config('request.jwt.claim.sub', $4, true), " +
	"set_config('request.jwt.claim.role', $5, true), set_config('request.method', $6, true), " +
	"set_config('request.path', $7, true), set_config('request.headers', $8, true), " +
	"set_config('request.cookies', $9, true)"

// searchPath is the search_path rowgate sets for [api] schemas = ["public"]
// and extra_search_path = ["public", "extensions"].
const searchPath = `"public", "extensions"`

// floorHeaders stands in for request.headers: rowgate sends the request's
// headers minus credentials; the floors send a fixed document of similar size.
const floorHeaders = `{"accept-encoding":"gzip","user-agent":"Go-http-client/1.1","x-vegeta-seq":"0"}`

// keySentinel is put where a scenario's key goes, to find which bind
// argument of the generated statement carries it.
const keySentinel = "987654321"

// floorQuery is the SQL a floor replays for one GET scenario.
type floorQuery struct {
	scenario string
	path     string // request.path, e.g. /items
	sql      string
	args     []any // bind arguments with the key as keySentinel
	keyIdx   int   // index of the key in args; -1 when the query has no key
}

// buildFloorQueries generates, with rowgate's own packages (pgrest →
// sqlgen, schema cache loaded from the database), the main statement of
// every floor scenario, exactly as rowgate's read path builds it.
func buildFloorQueries(ctx context.Context, dbURL string, scens []*scenario) (map[string]*floorQuery, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("connect for schema cache: %w", err)
	}
	defer conn.Close(ctx)
	cache, err := schema.Load(ctx, conn, []string{"public"})
	if err != nil {
		return nil, fmt.Errorf("load schema cache: %w", err)
	}
	out := map[string]*floorQuery{}
	for _, sc := range scens {
		if !sc.floorable() {
			continue
		}
		query := strings.ReplaceAll(sc.query, "{key}", keySentinel)
		req, err := pgrest.ParseRequest(http.MethodGet, sc.path, query, pgrest.Headers{})
		if err != nil {
			return nil, fmt.Errorf("%s: parse request: %w", sc.name, err)
		}
		q, err := sqlgen.Read(req, cache, sqlgen.Options{Schema: "public", MaxRows: 1000})
		if err != nil {
			return nil, fmt.Errorf("%s: generate sql: %w", sc.name, err)
		}
		fq := &floorQuery{scenario: sc.name, path: sc.path, sql: q.SQL, args: q.Args, keyIdx: -1}
		for i, a := range q.Args {
			if s, ok := a.(string); ok && strings.Contains(s, keySentinel) {
				if s != keySentinel {
					return nil, fmt.Errorf("%s: key argument %q is not the bare key", sc.name, s)
				}
				fq.keyIdx = i
			}
		}
		if sc.key != nil && fq.keyIdx < 0 {
			return nil, fmt.Errorf("%s: key not found among the bind arguments", sc.name)
		}
		out[sc.name] = fq
	}
	return out, nil
}

// floorIdentity is the role and claims a floor request runs with: fixed per
// user, prepared before the run (no token is parsed or verified).
type floorIdentity struct {
	role   string
	sub    string
	claims string
}

// runFloorTx sends rowgate's per-request transaction for fq in one
// pipelined round trip (begin read only; set_config; main; commit) and
// returns the body column.
func runFloorTx(ctx context.Context, pool *pgxpool.Pool, fq *floorQuery, id *floorIdentity, key string) (string, error) {
	args := fq.args
	if fq.keyIdx >= 0 {
		args = make([]any, len(fq.args))
		copy(args, fq.args)
		args[fq.keyIdx] = key
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return "", fmt.Errorf("acquire: %w", err)
	}
	defer conn.Release()
	b := &pgx.Batch{}
	b.Queue("begin isolation level read committed read only")
	b.Queue(settingsSQL, searchPath, id.role, id.claims, id.sub, id.role, http.MethodGet, fq.path, floorHeaders, "{}")
	b.Queue(fq.sql, args...)
	b.Queue("commit")
	br := conn.SendBatch(ctx, b)
	var (
		total     *int64
		pageTotal int64
		body      string
		hdrs      *string
		status    *string
	)
	_, err = br.Exec()
	if err == nil {
		_, err = br.Exec()
	}
	if err == nil {
		err = br.QueryRow().Scan(&total, &pageTotal, &body, &hdrs, &status)
	}
	if err == nil {
		_, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if conn.Conn().PgConn().TxStatus() != 'I' {
			_, _ = conn.Exec(context.WithoutCancel(ctx), "rollback")
		}
		return "", fmt.Errorf("floor transaction: %w", err)
	}
	return body, nil
}

// floorServer is the HTTP floor: GET /floor/<scenario>?u=<user>&k=<key>
// answers with the body of the scenario's statement for that user and key.
type floorServer struct {
	pool    *pgxpool.Pool
	queries map[string]*floorQuery
	ids     []*floorIdentity // by user index
	anon    *floorIdentity
	anonFor map[string]bool // scenarios run as anon
	srv     *http.Server
	url     string
}

func startFloorServer(pool *pgxpool.Pool, queries map[string]*floorQuery, ids []*floorIdentity, anonFor map[string]bool) (*floorServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for http floor: %w", err)
	}
	fs := &floorServer{pool: pool, queries: queries, ids: ids, anonFor: anonFor,
		anon: &floorIdentity{role: "anon", claims: `{"role":"anon"}`}, url: "http://" + ln.Addr().String()}
	fs.srv = &http.Server{Handler: fs, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = fs.srv.Serve(ln) }()
	return fs, nil
}

func (fs *floorServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = fs.srv.Shutdown(ctx)
}

// ServeHTTP does the least a gateway must do: pick the statement, bind the
// key, run the pipelined transaction, write the body.
func (fs *floorServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/floor/")
	fq := fs.queries[name]
	if !ok || fq == nil {
		http.Error(w, "unknown floor", http.StatusNotFound)
		return
	}
	var user int
	var key string
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "u":
			user, _ = strconv.Atoi(v)
		case "k":
			key = v
		}
	}
	id := fs.anon
	if !fs.anonFor[name] {
		if user < 0 || user >= len(fs.ids) {
			http.Error(w, "bad user", http.StatusBadRequest)
			return
		}
		id = fs.ids[user]
	}
	body, err := runFloorTx(r.Context(), fs.pool, fq, id, key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write([]byte(body))
}
