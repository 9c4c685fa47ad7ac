package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rowgate/rowgate/config"
	"github.com/rowgate/rowgate/internal/pgtest"
	"github.com/rowgate/rowgate/internal/testenv"
)

// devProject is a copy of examples/todos on free ports.
type devProject struct {
	dir     string
	base    string // API base URL
	dbURL   string // superuser URL of the dev cluster
	dataDir string
}

func newDevProject(t *testing.T) devProject {
	t.Helper()
	dir := reachableTempDir(t)
	copyTree(t, "../examples/todos", dir)
	ports := freePorts(t, 2)
	cfgPath := config.Path(dir)
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for old, port := range map[string]int{"port = 54321": ports[0], "port = 54322": ports[1]} {
		if !strings.Contains(s, old) {
			t.Fatalf("examples/todos config.toml has no %q", old)
		}
		s = strings.Replace(s, old, fmt.Sprintf("port = %d", port), 1)
	}
	if err := os.WriteFile(cfgPath, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return devProject{
		dir:     dir,
		base:    fmt.Sprintf("http://127.0.0.1:%d", ports[0]),
		dbURL:   fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", ports[1]),
		dataDir: filepath.Join(dir, "supabase", ".rowgate", "db", "pgdata"),
	}
}

// runningDev is `rowgate dev` running in a goroutine.
type runningDev struct {
	cancel         context.CancelFunc
	done           chan struct{}
	code           int
	stdout, stderr syncBuffer
	startup        time.Duration
}

// startDev runs `rowgate dev --workdir p.dir extra…` and waits for /health.
func startDev(t *testing.T, p devProject, extra ...string) *runningDev {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &runningDev{cancel: cancel, done: make(chan struct{})}
	t.Cleanup(func() {
		cancel()
		<-d.done
	})
	began := time.Now()
	go func() {
		defer close(d.done)
		d.code = Run(ctx, append([]string{"dev", "--workdir", p.dir}, extra...), &d.stdout, &d.stderr)
	}()
	waitHealthy(t, p.base, 60*time.Second, d.done, func() string { return d.stdout.String() + d.stderr.String() })
	d.startup = time.Since(began)
	return d
}

// stop cancels the context, as SIGINT does through signal.NotifyContext, and
// checks that rowgate exits 0 leaving no PostgreSQL process behind.
func (d *runningDev) stop(t *testing.T, p devProject) {
	t.Helper()
	pid := postmasterPid(t, p.dataDir)
	if pid == 0 {
		t.Fatalf("no postmaster.pid in %s while dev runs", p.dataDir)
	}
	if procs := postgresProcesses(t, p.dataDir, pid); len(procs) == 0 {
		t.Fatalf("found no postgres process for %s while dev runs (postmaster %d); the check below would prove nothing", p.dataDir, pid)
	}
	d.cancel()
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		t.Fatal("rowgate dev did not stop within 30 s of cancellation")
	}
	if d.code != 0 {
		t.Fatalf("rowgate dev exit %d, want 0; stderr:\n%s", d.code, d.stderr.String())
	}
	assertNoPostgres(t, p.dataDir, pid)
}

func assertNoPostgres(t *testing.T, dataDir string, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postmaster %d still exists after rowgate stopped (kill 0: %v)", pid, err)
	}
	if procs := postgresProcesses(t, dataDir, pid); len(procs) != 0 {
		t.Errorf("postgres processes left for %s: %v", dataDir, procs)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("postmaster.pid still present after shutdown (stat: %v)", err)
	}
}

func todoCount(t *testing.T, dbURL string) (n int, titles []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to dev database: %v", err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `select title from public.todos order by id`)
	if err != nil {
		t.Fatal(err)
	}
	titles, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return len(titles), titles
}

func execDev(t *testing.T, dbURL, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to dev database: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

// userTodos fetches /rest/v1/todos as the dev issuer's user sub ("" for
// signed out) and returns the rows' user_id values.
func userTodos(t *testing.T, p devProject, sub string) []string {
	t.Helper()
	h := map[string]string{"apikey": config.DefaultPublishableKey}
	if sub != "" {
		code, tok, errOut := run(t, "token", "--workdir", p.dir, "--sub", sub)
		if code != 0 {
			t.Fatalf("rowgate token: exit %d, %s", code, errOut)
		}
		h["Authorization"] = "Bearer " + strings.TrimSpace(tok)
	}
	status, body := get(t, p.base+"/rest/v1/todos?select=user_id,title", h)
	if status != 200 {
		t.Fatalf("GET /rest/v1/todos as %q = %d %s", sub, status, body)
	}
	var rows []struct {
		UserID string `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(body), &rows); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	ids := []string{}
	for _, r := range rows {
		ids = append(ids, r.UserID)
	}
	return ids
}

// TestDevEndToEnd runs `rowgate dev` on a copy of examples/todos three
// times: a first run (initdb, baseline, migration, seed), a restart on the
// same folder over a stale postmaster.pid, and a --reset.
func TestDevEndToEnd(t *testing.T) {
	p := newDevProject(t)

	// First run.
	d := startDev(t, p)
	t.Logf("rowgate dev first run: healthy after %s", d.startup.Round(time.Millisecond))
	if d.startup > 15*time.Second {
		t.Errorf("first run took %s, promised under 15 s", d.startup)
	}
	out := d.stdout.String()
	for _, want := range []string{
		"applied migration 20250101000000_todos.sql",
		"applied supabase/seed.sql",
		"rowgate dev is running",
		"REST URL           " + p.base + "/rest/v1",
		"Publishable key    " + config.DefaultPublishableKey,
		"Dev issuer         " + p.base + "/dev-issuer",
		"DB URL             " + strings.TrimSuffix(p.dbURL, "?sslmode=disable"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dev output lacks %q:\n%s", want, out)
		}
	}

	if got := userTodos(t, p, "user_a"); len(got) != 2 || got[0] != "user_a" || got[1] != "user_a" {
		t.Errorf("user_a sees rows of %v, want exactly user_a's two rows", got)
	}
	if got := userTodos(t, p, "user_b"); len(got) != 1 || got[0] != "user_b" {
		t.Errorf("user_b sees rows of %v, want exactly user_b's row", got)
	}
	if got := userTodos(t, p, ""); len(got) != 0 {
		t.Errorf("signed out sees rows of %v, want none", got)
	}
	status, body := get(t, p.base+"/dev-issuer/.well-known/openid-configuration", nil)
	if status != 200 || !strings.Contains(body, `"issuer":"`+p.base+`/dev-issuer"`) {
		t.Errorf("dev issuer discovery = %d %s", status, body)
	}

	// A second dev on the same folder is refused while the first runs.
	code, _, errOut := run(t, "dev", "--workdir", p.dir)
	if code != 1 || !strings.Contains(errOut, "already running") {
		t.Errorf("second dev: exit %d, stderr %q; want 1 and \"already running\"", code, errOut)
	}
	if n, _ := todoCount(t, p.dbURL); n != 3 {
		t.Errorf("todos = %d after the refused second dev, want 3", n)
	}
	d.stop(t, p)

	// Restart after a crash left postmaster.pid behind, naming a live pid
	// that is not PostgreSQL (ours): the seed is not applied again, and
	// tokens minted before the restart stay valid.
	stale := fmt.Sprintf("%d\n%s\n", os.Getpid(), p.dataDir)
	if err := os.WriteFile(filepath.Join(p.dataDir, "postmaster.pid"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	code, tok, _ := run(t, "token", "--workdir", p.dir, "--sub", "user_a", "--ttl", "10m")
	if code != 0 {
		t.Fatal("rowgate token failed")
	}
	d = startDev(t, p)
	t.Logf("rowgate dev later run: healthy after %s", d.startup.Round(time.Millisecond))
	if d.startup > 3*time.Second {
		t.Errorf("later run took %s, promised under 3 s", d.startup)
	}
	if strings.Contains(d.stdout.String(), "applied") {
		t.Errorf("restart applied something again:\n%s", d.stdout.String())
	}
	if n, titles := todoCount(t, p.dbURL); n != 3 {
		t.Errorf("todos after restart = %d %v, want the 3 seeded rows once", n, titles)
	}
	status, body = get(t, p.base+"/rest/v1/todos?select=user_id", map[string]string{
		"apikey": config.DefaultPublishableKey, "Authorization": "Bearer " + strings.TrimSpace(tok)})
	if status != 200 || compactJSON(t, body) != `[{"user_id":"user_a"},{"user_id":"user_a"}]` {
		t.Errorf("token minted before the restart: %d %s", status, body)
	}
	execDev(t, p.dbURL, `insert into public.todos (user_id, title) values ('user_a', 'added by the test')`)
	d.stop(t, p)

	// --reset: an empty database again, seeded once.
	d = startDev(t, p, "--reset")
	t.Logf("rowgate dev --reset: healthy after %s", d.startup.Round(time.Millisecond))
	if !strings.Contains(d.stdout.String(), "applied supabase/seed.sql") {
		t.Errorf("--reset did not apply the seed:\n%s", d.stdout.String())
	}
	if n, titles := todoCount(t, p.dbURL); n != 3 {
		t.Errorf("todos after --reset = %d %v, want the 3 seeded rows", n, titles)
	}
	if got := userTodos(t, p, "user_a"); len(got) != 2 {
		t.Errorf("user_a sees %v after --reset, want 2 rows", got)
	}
	d.stop(t, p)
}

// TestDevSIGINT runs the real binary, as root and as an unprivileged user,
// and interrupts it as Ctrl-C does.
func TestDevSIGINT(t *testing.T) {
	bin := rowgateBinary(t)
	type runAs struct {
		name string
		cred *syscall.Credential
		// wantUID is the uid PostgreSQL must run as.
		wantUID int
	}
	cases := []runAs{}
	if os.Geteuid() == 0 {
		pgUID := -1
		if u, err := lookupUID("postgres"); err == nil {
			pgUID = u
		}
		cases = append(cases,
			runAs{name: "root", wantUID: pgUID},
			// nobody (65534) exists on every Debian/Ubuntu system.
			runAs{name: "unprivileged", cred: &syscall.Credential{Uid: 65534, Gid: 65534}, wantUID: 65534},
		)
	} else {
		cases = append(cases, runAs{name: "ordinary user", wantUID: os.Geteuid()})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newDevProject(t)
			if tc.cred != nil {
				chownTree(t, p.dir, int(tc.cred.Uid), int(tc.cred.Gid))
			}
			var stdout, stderr syncBuffer
			cmd := exec.Command(bin, "dev", "--workdir", p.dir)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			cmd.Env = append(os.Environ(), "HOME="+p.dir)
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: tc.cred}
			began := time.Now()
			pr := startProc(t, cmd)
			waitHealthy(t, p.base, 60*time.Second, pr.done, func() string { return stdout.String() + stderr.String() })
			t.Logf("%s: rowgate dev (binary, first run) healthy after %s", tc.name, time.Since(began).Round(time.Millisecond))

			if got := userTodos(t, p, "user_a"); len(got) != 2 {
				t.Errorf("user_a sees %v, want 2 rows", got)
			}
			pid := postmasterPid(t, p.dataDir)
			if pid == 0 {
				t.Fatalf("no postmaster.pid in %s", p.dataDir)
			}
			if tc.wantUID >= 0 {
				if uid := processUID(t, pid); uid != tc.wantUID {
					t.Errorf("postgres runs as uid %d, want %d", uid, tc.wantUID)
				}
			}
			if err := pr.stop(t, os.Interrupt, 30*time.Second); err != nil {
				t.Fatalf("rowgate dev after SIGINT: %v; stderr:\n%s", err, stderr.String())
			}
			assertNoPostgres(t, p.dataDir, pid)
		})
	}
}

func lookupUID(name string) (int, error) {
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 2 && f[0] == name {
			var uid int
			_, err := fmt.Sscan(f[2], &uid)
			return uid, err
		}
	}
	return 0, fmt.Errorf("no user %s", name)
}

// processUID reads the real uid of a process from /proc.
func processUID(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read status of %d: %v", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			var uid int
			if _, err := fmt.Sscan(rest, &uid); err != nil {
				t.Fatalf("parse %q: %v", line, err)
			}
			return uid
		}
	}
	t.Fatalf("no Uid line for %d", pid)
	return 0
}

func chownTree(t *testing.T, dir string, uid, gid int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		t.Fatalf("chown %s: %v", dir, err)
	}
}

// TestServeSIGTERM runs the real binary's serve command and stops it as a
// service manager does: SIGTERM must shut it down gracefully with exit 0.
func TestServeSIGTERM(t *testing.T) {
	bin := rowgateBinary(t)
	dbURL := pgtest.NewDB(t)
	dir := t.TempDir()
	port := freePorts(t, 1)[0]
	writeConfig(t, dir, minimalConfig(port, 54322))
	var stdout, stderr syncBuffer
	cmd := exec.Command(bin, "serve", "--workdir", dir, "--log-json")
	cmd.Env = append(os.Environ(), "ROWGATE_DB_URL=", "DATABASE_URL="+testenv.AsRole(t, dbURL, "authenticator"))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	pr := startProc(t, cmd)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHealthy(t, base, 30*time.Second, pr.done, stderr.String)
	if status, body := get(t, base+"/rest/v1/nope", map[string]string{"apikey": config.DefaultPublishableKey}); status != 404 || !strings.Contains(body, "PGRST205") {
		t.Errorf("GET unknown table = %d %s, want 404 PGRST205", status, body)
	}
	if err := pr.stop(t, syscall.SIGTERM, 20*time.Second); err != nil {
		t.Fatalf("serve after SIGTERM: %v; stderr:\n%s", err, stderr.String())
	}
	// --log-json: every log line is a JSON object.
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line is not JSON: %q", line)
		}
	}
}
