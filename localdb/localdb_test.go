package localdb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// helperEnv makes the test binary act as a "rowgate dev" stand-in: start a
// cluster in the named folder, print its pid and block until killed.
const helperEnv = "LOCALDB_TEST_HELPER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(helperMain(dir))
	}
	os.Exit(m.Run())
}

func helperMain(dir string) int {
	c, err := Open(Options{Dir: dir, UnsafeNoFsync: true})
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	if err := c.Start(context.Background()); err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	fmt.Printf("READY %d\n", c.Pid())
	_, _ = io.Copy(io.Discard, os.Stdin) // block until killed
	return 0
}

// clusterDir returns a fresh cluster folder that the server user can reach
// even when the tests run as root (t.TempDir makes mode-0700 folders).
func clusterDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(reachableTempDir(t), "db")
}

// reachableTempDir is t.TempDir with it and its per-test parent made
// searchable by other users.
func reachableTempDir(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	for p := base; p != os.TempDir() && p != filepath.Dir(p) && strings.HasPrefix(p, os.TempDir()); p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return base
}

func openCluster(t *testing.T, dir string) *Cluster {
	t.Helper()
	c, err := Open(Options{Dir: dir, UnsafeNoFsync: true, Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Errorf("cleanup stop: %v", err)
		}
	})
	return c
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func startCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// childPids lists the processes whose parent is pid (Linux /proc).
func childPids(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var kids []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the parenthesised command: state ppid ...
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		f := strings.Fields(rest)
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			kids = append(kids, p)
		}
	}
	return kids
}

// waitGone polls until none of pids is a live postgres process; used only
// where we wait on an external process to exit.
func waitGone(t *testing.T, pids []int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		var alive []int
		for _, p := range pids {
			if processAlive(p) && isPostgres(p) {
				alive = append(alive, p)
			}
		}
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres processes still running: %v", alive)
		}
		<-tick.C
	}
}

func connectAndQuery(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	defer conn.Close(ctx)
	var user string
	if err := conn.QueryRow(ctx, "SELECT current_user").Scan(&user); err != nil {
		t.Fatal(err)
	}
	return user
}

func TestClusterLifecycle(t *testing.T) {
	ctx := startCtx(t)
	dir := clusterDir(t)
	c := openCluster(t, dir)

	t0 := time.Now()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	firstStart := time.Since(t0)
	if got, want := c.DataDir(), filepath.Join(dir, dataDirName); got != want {
		t.Errorf("DataDir = %s, want %s", got, want)
	}
	wantURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/app?sslmode=disable", c.Port())
	if got := c.URL("app"); got != wantURL {
		t.Errorf("URL = %s, want %s", got, wantURL)
	}
	if user := connectAndQuery(t, ctx, c.URL("postgres")); user != "postgres" {
		t.Errorf("current_user = %q, want postgres", user)
	}
	if err := c.Start(ctx); err == nil {
		t.Error("second Start on a started cluster succeeded")
	}
	if err := c.Reset(); err == nil {
		t.Error("Reset of a running cluster succeeded")
	}

	done := c.Done()
	select {
	case <-done:
		t.Fatal("Done closed while the server runs")
	default:
	}
	pid := c.Pid()
	kids := childPids(t, pid)
	if len(kids) == 0 {
		t.Errorf("postmaster %d has no child processes", pid)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	default:
		t.Error("Done not closed after Stop")
	}
	if processAlive(pid) {
		t.Errorf("postmaster %d still alive after Stop", pid)
	}
	for _, k := range kids {
		if processAlive(k) && isPostgres(k) {
			t.Errorf("postgres child %d still alive after Stop", k)
		}
	}
	if c.Pid() != 0 {
		t.Errorf("Pid after Stop = %d, want 0", c.Pid())
	}
	if err := c.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}

	t0 = time.Now()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	restart := time.Since(t0)
	connectAndQuery(t, ctx, c.URL("postgres"))
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("first start (initdb + start): %v; restart: %v", firstStart.Round(time.Millisecond), restart.Round(time.Millisecond))

	// A busy port makes the server exit; Start says so, shows the server's
	// log, and leaves the folder unlocked.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy, err := Open(Options{Dir: dir, Port: l.Addr().(*net.TCPAddr).Port, UnsafeNoFsync: true})
	if err != nil {
		t.Fatal(err)
	}
	err = busy.Start(ctx)
	if err == nil {
		busy.Stop(ctx)
		t.Fatal("Start on a busy port succeeded")
	}
	if !strings.Contains(err.Error(), "exited during startup") || !strings.Contains(err.Error(), "postgres log") {
		t.Errorf("busy-port error lacks cause or log: %v", err)
	}
	if busy.Pid() != 0 {
		t.Errorf("Pid after failed Start = %d", busy.Pid())
	}

	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, dataDirName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data dir after Reset: %v, want not exist", err)
	}
}

func TestSecondClusterOnSameDirRefused(t *testing.T) {
	ctx := startCtx(t)
	dir := clusterDir(t)
	c1 := openCluster(t, dir)
	if err := c1.Start(ctx); err != nil {
		t.Fatal(err)
	}
	c2 := openCluster(t, dir)
	want := fmt.Sprintf("rowgate dev is already running for %s (pid %d)", dir, os.Getpid())
	for name, op := range map[string]func() error{
		"start": func() error { return c2.Start(ctx) },
		"reset": c2.Reset,
	} {
		t.Run(name, func(t *testing.T) {
			err := op()
			var are *AlreadyRunningError
			if !errors.As(err, &are) {
				t.Fatalf("err = %v, want *AlreadyRunningError", err)
			}
			if err.Error() != want {
				t.Errorf("err = %q, want %q", err, want)
			}
		})
	}
	// The first cluster is unaffected.
	connectAndQuery(t, ctx, c1.URL("postgres"))
	if err := c1.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c2.Start(ctx); err != nil {
		t.Fatalf("start after the holder stopped: %v", err)
	}
}

func TestStalePostmasterPidRecovered(t *testing.T) {
	ctx := startCtx(t)
	c := openCluster(t, clusterDir(t))
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	// A process that has exited: its pid is free.
	exited := exec.Command("true")
	if err := exited.Run(); err != nil {
		t.Fatal(err)
	}
	// A live process that is not PostgreSQL: a reused pid, which PostgreSQL
	// alone would refuse to start over.
	live := exec.Command("sleep", "300")
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = live.Process.Kill()
		_ = live.Wait()
	})

	tests := []struct {
		name string
		pid  int
	}{
		{"dead pid", exited.Process.Pid},
		{"pid reused by another program", live.Process.Pid},
		{"garbage", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := fmt.Sprintf("%d\n%s\n1700000000\n%d\n%s\n127.0.0.1\n  5432001  1\nready   \n", tt.pid, c.DataDir(), c.Port(), c.DataDir())
			if tt.pid < 0 {
				content = "not a pid\n"
			}
			pidFile := filepath.Join(c.DataDir(), "postmaster.pid")
			if err := os.WriteFile(pidFile, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := c.chown(pidFile); err != nil {
				t.Fatal(err)
			}
			if err := c.Start(ctx); err != nil {
				t.Fatalf("start over stale postmaster.pid: %v", err)
			}
			connectAndQuery(t, ctx, c.URL("postgres"))
			if err := c.Stop(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}

	t.Run("live server refused", func(t *testing.T) {
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer c.Stop(ctx)
		err := removeStalePid(c.DataDir(), slog.New(slog.DiscardHandler))
		if err == nil || !strings.Contains(err.Error(), "is still running") {
			t.Fatalf("removeStalePid over a live server: %v", err)
		}
		if _, err := os.Stat(filepath.Join(c.DataDir(), "postmaster.pid")); err != nil {
			t.Errorf("live server's postmaster.pid: %v", err)
		}
	})
}

// TestParentInterruptedLeavesNoServer runs a stand-in for `rowgate dev` in a
// child process, interrupts it with SIGINT and checks that its PostgreSQL
// server goes away and the folder can be started again.
func TestParentInterruptedLeavesNoServer(t *testing.T) {
	ctx := startCtx(t)
	dir := clusterDir(t)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = testWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read helper output: %v", err)
	}
	var pgPid int
	if _, err := fmt.Sscanf(line, "READY %d", &pgPid); err != nil {
		t.Fatalf("helper said %q", line)
	}
	kids := childPids(t, pgPid)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Error("helper exited cleanly; expected death by SIGINT")
	}
	waitGone(t, append(kids, pgPid))

	c := openCluster(t, dir)
	if err := c.Start(ctx); err != nil {
		t.Fatalf("restart after the parent died: %v", err)
	}
	connectAndQuery(t, ctx, c.URL("postgres"))
}

func TestFindBinaries(t *testing.T) {
	fakeInstall := func(t *testing.T, dir string, names ...string) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	all := []string{"postgres", "initdb", "pg_ctl"}

	t.Run("debian layout newest first", func(t *testing.T) {
		root := t.TempDir()
		fakeInstall(t, filepath.Join(root, "14", "bin"), all...)
		fakeInstall(t, filepath.Join(root, "16", "bin"), all...)
		fakeInstall(t, filepath.Join(root, "9.6", "bin"), all...)
		fakeInstall(t, filepath.Join(root, "17", "bin"), "postgres") // incomplete
		got, err := findBinaries("", root)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(root, "16", "bin"); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("PATH symlink resolved", func(t *testing.T) {
		real := filepath.Join(t.TempDir(), "pg", "bin")
		fakeInstall(t, real, all...)
		linkDir := t.TempDir()
		if err := os.Symlink(filepath.Join(real, "postgres"), filepath.Join(linkDir, "postgres")); err != nil {
			t.Fatal(err)
		}
		got, err := findBinaries(linkDir, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if got != real {
			t.Errorf("got %s, want %s", got, real)
		}
	})
	t.Run("PATH wins over debian layout", func(t *testing.T) {
		pathDir := t.TempDir()
		fakeInstall(t, pathDir, all...)
		root := t.TempDir()
		fakeInstall(t, filepath.Join(root, "16", "bin"), all...)
		got, err := findBinaries(pathDir, root)
		if err != nil {
			t.Fatal(err)
		}
		if got != pathDir {
			t.Errorf("got %s, want %s", got, pathDir)
		}
	})
	t.Run("none", func(t *testing.T) {
		_, err := findBinaries(t.TempDir(), t.TempDir())
		if !errors.Is(err, ErrBinariesNotFound) {
			t.Fatalf("err = %v, want ErrBinariesNotFound", err)
		}
		for _, want := range []string{"apt-get install postgresql", "brew install"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})
	t.Run("real installation", func(t *testing.T) {
		dir, err := FindBinaries()
		if err != nil {
			t.Fatal(err)
		}
		if !hasAll(dir) {
			t.Errorf("FindBinaries returned %s without the server programs", dir)
		}
	})
}

func TestFirstUnsearchable(t *testing.T) {
	base := reachableTempDir(t)
	mk := func(rel string, mode os.FileMode) string {
		p := filepath.Join(base, rel)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	open := mk("open", 0o755)
	closed := mk("closed", 0o700)
	mk("closed/inner", 0o755)
	groupOnly := mk("grp", 0o710)

	var st syscall.Stat_t
	if err := syscall.Stat(groupOnly, &st); err != nil {
		t.Fatal(err)
	}
	stranger := &runAsUser{name: "stranger", uid: 54321, gid: 54321}
	groupMember := &runAsUser{name: "member", uid: 54321, gid: st.Gid}
	owner := &runAsUser{name: "owner", uid: st.Uid, gid: 54321}

	// Ancestors of the test's temp dir must be searchable by a stranger for
	// the cases below to be meaningful.
	if b := firstUnsearchable(base, stranger); b != "" {
		t.Fatalf("temp dir ancestor %s is not searchable", b)
	}
	tests := []struct {
		name string
		dir  string
		user *runAsUser
		want string
	}{
		{"open", filepath.Join(open, "db"), stranger, ""},
		{"closed parent", filepath.Join(closed, "inner", "db"), stranger, closed},
		{"closed but owner", filepath.Join(closed, "inner", "db"), owner, ""},
		{"group search bit, member", filepath.Join(groupOnly, "db"), groupMember, ""},
		{"group search bit, stranger", filepath.Join(groupOnly, "db"), stranger, groupOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := firstUnsearchable(tt.dir, tt.user); got != tt.want {
				t.Errorf("firstUnsearchable = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestChooseDataDirFallback(t *testing.T) {
	base := reachableTempDir(t)
	saved := fallbackRoot
	fallbackRoot = filepath.Join(base, "fallback")
	t.Cleanup(func() { fallbackRoot = saved })

	closed := filepath.Join(base, "home")
	if err := os.Mkdir(closed, 0o700); err != nil {
		t.Fatal(err)
	}
	stranger := &runAsUser{name: "stranger", uid: 54321, gid: 54321}
	tests := []struct {
		name  string
		dir   string
		runAs *runAsUser
		want  string
	}{
		{"not root", filepath.Join(closed, "proj", "db"), nil, filepath.Join(closed, "proj", "db", dataDirName)},
		{"reachable", filepath.Join(base, "proj", "db"), stranger, filepath.Join(base, "proj", "db", dataDirName)},
		{"under closed home", filepath.Join(closed, "proj", "db"), stranger, fallbackDataDir(filepath.Join(closed, "proj", "db"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Cluster{dir: tt.dir, runAs: tt.runAs, logger: slog.New(slog.DiscardHandler)}
			got, err := c.chooseDataDir()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("chooseDataDir = %s, want %s", got, tt.want)
			}
		})
	}
	if a, b := fallbackDataDir("/root/a/db"), fallbackDataDir("/root/b/db"); a == b || !strings.HasPrefix(a, fallbackRoot) {
		t.Errorf("fallback dirs not distinct or misplaced: %s, %s", a, b)
	}
}

func TestServerArgs(t *testing.T) {
	tests := []struct {
		name        string
		opts        Options
		want, avoid []string
	}{
		{
			name:  "safe defaults for rowgate dev",
			opts:  Options{},
			want:  []string{"listen_addresses=127.0.0.1", "unix_socket_directories=/d/pgdata", "-p"},
			avoid: []string{"fsync=off", "full_page_writes=off", "synchronous_commit=off"},
		},
		{
			name: "unsafe test mode",
			opts: Options{UnsafeNoFsync: true},
			want: []string{"fsync=off", "full_page_writes=off", "synchronous_commit=off"},
		},
		{
			name: "extra settings in name order",
			opts: Options{Settings: map[string]string{"work_mem": "8MB", "max_connections": "200"}},
			want: []string{"max_connections=200", "work_mem=8MB"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Cluster{opts: tt.opts, dataDir: "/d/pgdata", port: 5555, logger: slog.New(slog.DiscardHandler)}
			args := c.serverArgs()
			joined := strings.Join(args, " ")
			for _, w := range tt.want {
				if !slices.Contains(args, w) {
					t.Errorf("args %q lack %q", joined, w)
				}
			}
			for _, a := range tt.avoid {
				if strings.Contains(joined, a) {
					t.Errorf("args %q contain %q", joined, a)
				}
			}
			if i, j := slices.Index(args, "max_connections=200"), slices.Index(args, "work_mem=8MB"); i > j {
				t.Errorf("settings out of order: %q", joined)
			}
		})
	}
	t.Run("socket path too long", func(t *testing.T) {
		long := "/" + strings.Repeat("x", 120)
		c := &Cluster{dataDir: long, logger: slog.New(slog.DiscardHandler)}
		if args := c.serverArgs(); !slices.Contains(args, "unix_socket_directories=") {
			t.Errorf("long data dir still gets a socket: %q", args)
		}
	})
}
