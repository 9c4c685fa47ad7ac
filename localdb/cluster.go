package localdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Names of the files a cluster keeps in [Options.Dir].
const (
	lockFileName = "rowgate.lock"
	logFileName  = "postgres.log"
	dataDirName  = "pgdata"
)

// defaultStartTimeout bounds Start when its context has no deadline.
const defaultStartTimeout = 60 * time.Second

// maxSocketPath is a conservative bound on a unix socket path (sun_path is
// 104 bytes on macOS, 108 on Linux).
const maxSocketPath = 100

// Options configures a [Cluster].
type Options struct {
	// Dir is the cluster folder, e.g. <workdir>/supabase/.rowgate/db. It is
	// created if missing. Required.
	Dir string
	// Port is the TCP port on 127.0.0.1. Zero picks a free port at each Start.
	Port int
	// Logger receives lifecycle messages (never credentials). Nil discards them.
	Logger *slog.Logger
	// BinDir is the directory holding postgres and initdb. Empty means
	// [FindBinaries].
	BinDir string
	// UnsafeNoFsync turns off fsync, full_page_writes and synchronous_commit
	// and makes initdb skip syncing. A crash of the machine can then corrupt
	// the cluster. It exists for throwaway test clusters and MUST NOT be used
	// for `rowgate dev`.
	UnsafeNoFsync bool
	// Settings are extra server settings, passed as `-c name=value`.
	Settings map[string]string
}

// Cluster is a local PostgreSQL server living in one folder. Its methods are
// safe for concurrent use.
type Cluster struct {
	dir      string // absolute Options.Dir
	bindir   string
	logger   *slog.Logger
	opts     Options
	mu       sync.Mutex
	lock     *os.File // held while started
	cmd      *exec.Cmd
	done     chan struct{} // closed when cmd has exited
	waitErr  error         // valid after done is closed
	port     int
	dataDir  string
	runAs    *runAsUser
	runAsSet bool
}

// Open prepares a cluster in opts.Dir without starting anything. It fails
// when opts.Dir is empty or the PostgreSQL binaries cannot be found.
func Open(opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("localdb: options: Dir is required")
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("localdb: options: invalid port %d", opts.Port)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("localdb: resolve dir: %w", err)
	}
	bindir := opts.BinDir
	if bindir == "" {
		if bindir, err = FindBinaries(); err != nil {
			return nil, fmt.Errorf("localdb: %w", err)
		}
	} else if !hasAll(bindir) {
		return nil, fmt.Errorf("localdb: %s does not contain %s: %w", bindir,
			strings.Join(requiredBinaries, ", "), ErrBinariesNotFound)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Cluster{dir: dir, bindir: bindir, logger: logger, opts: opts, port: opts.Port}, nil
}

// Dir returns the absolute cluster folder.
func (c *Cluster) Dir() string { return c.dir }

// BinDir returns the directory of the PostgreSQL programs in use.
func (c *Cluster) BinDir() string { return c.bindir }

// Port returns the TCP port of the server (the chosen one once started).
func (c *Cluster) Port() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.port
}

// DataDir returns the PostgreSQL data directory. It is <Dir>/pgdata unless
// that is unreachable for the unprivileged user the server runs as (see the
// package documentation); it is known once Start has run.
func (c *Cluster) DataDir() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dataDir
}

// LogPath returns the file receiving the server's log output.
func (c *Cluster) LogPath() string { return filepath.Join(c.dir, logFileName) }

// Pid returns the process id of the running server, or 0.
func (c *Cluster) Pid() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil || c.cmd.Process == nil {
		return 0
	}
	return c.cmd.Process.Pid
}

// Done returns a channel that is closed when the running server exits, be
// it through Stop or on its own (a crash, or an operator's kill). It returns
// nil, which blocks forever, when the cluster is not started.
func (c *Cluster) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// URL returns the connection URL of database db as the superuser postgres:
// postgres://postgres@127.0.0.1:<port>/<db>?sslmode=disable.
func (c *Cluster) URL(db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port())),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Start initialises the data directory on first use (initdb), then starts
// the server and waits until it accepts connections, for at most ctx's
// deadline or 60 seconds.
//
// Only one process may run a cluster folder at a time: if another holds it,
// Start fails with "rowgate dev is already running for <dir> (pid N)". A
// postmaster.pid left behind by a crashed server is removed.
func (c *Cluster) Start(ctx context.Context) (err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil {
		return fmt.Errorf("localdb: cluster %s is already started", c.dir)
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return fmt.Errorf("localdb: create cluster dir: %w", err)
	}
	lock, err := acquireLock(filepath.Join(c.dir, lockFileName), c.dir)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			releaseLock(lock)
		}
	}()

	if !c.runAsSet {
		if c.runAs, err = resolveRunAs(c.logger); err != nil {
			return err
		}
		c.runAsSet = true
	}
	if c.dataDir, err = c.chooseDataDir(); err != nil {
		return err
	}
	logFile, err := os.OpenFile(c.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("localdb: open log: %w", err)
	}
	defer logFile.Close() // the child keeps its own descriptor

	started := time.Now()
	if _, statErr := os.Stat(filepath.Join(c.dataDir, "PG_VERSION")); statErr != nil {
		if err := c.initdb(ctx, logFile); err != nil {
			return err
		}
		c.logger.Info("initialised PostgreSQL data directory", "dir", c.dataDir, "took", time.Since(started).Round(time.Millisecond))
	}
	if err := removeStalePid(c.dataDir, c.logger); err != nil {
		return err
	}
	port := c.opts.Port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return err
		}
	}
	c.port = port

	cmd := exec.Command(filepath.Join(c.bindir, "postgres"), c.serverArgs()...)
	cmd.Dir = filepath.Dir(c.dataDir)
	cmd.Env = serverEnv()
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr(c.runAs)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("localdb: start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() {
		c.waitErr = cmd.Wait()
		close(done)
	}()
	c.cmd, c.done, c.lock = cmd, done, lock

	if err := c.waitReady(ctx, done); err != nil {
		c.kill()
		c.cmd, c.done, c.lock = nil, nil, nil
		return fmt.Errorf("%w%s", err, c.logTail())
	}
	c.logger.Info("PostgreSQL started", "port", port, "pid", cmd.Process.Pid, "took", time.Since(started).Round(time.Millisecond))
	return nil
}

// Stop shuts the server down in "fast" mode (SIGINT: clients are
// disconnected, transactions rolled back) and waits for it and all its
// children to exit. If ctx ends first the server is killed (SIGQUIT, then
// SIGKILL) and ctx's error returned. Stopping a stopped cluster is a no-op.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return nil
	}
	defer func() {
		releaseLock(c.lock)
		c.cmd, c.done, c.lock = nil, nil, nil
	}()
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
		c.logger.Info("PostgreSQL stopped", "dir", c.dir)
		return nil
	case <-ctx.Done():
		c.kill()
		return fmt.Errorf("localdb: stop: %w", ctx.Err())
	}
}

// kill ends the server immediately (SIGQUIT, then SIGKILL) and waits.
// c.mu must be held.
func (c *Cluster) kill() {
	_ = c.cmd.Process.Signal(syscall.SIGQUIT)
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-c.done:
		return
	case <-t.C:
	}
	_ = c.cmd.Process.Kill()
	<-c.done
}

// Reset deletes the cluster's data directory (and its log) so the next Start
// runs initdb again. It fails while the cluster is running, here or in
// another process.
func (c *Cluster) Reset() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil {
		return fmt.Errorf("localdb: reset %s: stop the cluster first", c.dir)
	}
	if _, err := os.Stat(c.dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	lock, err := acquireLock(filepath.Join(c.dir, lockFileName), c.dir)
	if err != nil {
		return err
	}
	defer releaseLock(lock)
	for _, p := range []string{
		filepath.Join(c.dir, dataDirName),
		filepath.Join(c.dir, dataDirName+".init"),
		filepath.Dir(fallbackDataDir(c.dir)),
		c.LogPath(),
	} {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("localdb: reset: %w", err)
		}
	}
	c.dataDir = ""
	return nil
}

// serverArgs builds the postgres command line.
func (c *Cluster) serverArgs() []string {
	socketDir := c.dataDir
	if len(filepath.Join(socketDir, ".s.PGSQL.65535")) > maxSocketPath {
		c.logger.Warn("cluster path too long for a unix socket; listening on TCP only", "dir", c.dataDir)
		socketDir = ""
	}
	args := []string{
		"-D", c.dataDir,
		"-p", strconv.Itoa(c.port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + socketDir,
		"-c", "logging_collector=off",
	}
	if c.opts.UnsafeNoFsync {
		args = append(args, "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off")
	}
	keys := make([]string, 0, len(c.opts.Settings))
	for k := range c.opts.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-c", k+"="+c.opts.Settings[k])
	}
	return args
}

// hbaConf allows password-less connections over loopback TCP and the unix
// socket only; listen_addresses restricts the server to 127.0.0.1 as well.
const hbaConf = `# Written by rowgate: trust on loopback and the unix socket only.
# TYPE  DATABASE     USER  ADDRESS        METHOD
local   all          all                  trust
host    all          all   127.0.0.1/32   trust
host    all          all   ::1/128        trust
local   replication  all                  trust
host    replication  all   127.0.0.1/32   trust
`

// initdb creates the data directory in a scratch folder and renames it into
// place, so an interrupted initdb never leaves a half-made cluster behind.
func (c *Cluster) initdb(ctx context.Context, logFile *os.File) error {
	tmp := c.dataDir + ".init"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("localdb: initdb: clear %s: %w", tmp, err)
	}
	if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
		return fmt.Errorf("localdb: initdb: %w", err)
	}
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return fmt.Errorf("localdb: initdb: %w", err)
	}
	if err := c.chown(tmp); err != nil {
		return err
	}
	var lastErr error
	// C.UTF-8 gives Unicode-aware upper()/lower(); not every system has it.
	for _, locale := range []string{"C.UTF-8", "C"} {
		args := []string{"-D", tmp, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=" + locale}
		if c.opts.UnsafeNoFsync {
			args = append(args, "--no-sync")
		}
		cmd := exec.CommandContext(ctx, filepath.Join(c.bindir, "initdb"), args...)
		cmd.Dir = filepath.Dir(tmp)
		cmd.Env = serverEnv()
		var out bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = &out
		cmd.SysProcAttr = sysProcAttr(c.runAs)
		err := cmd.Run()
		_, _ = logFile.Write(out.Bytes())
		if err == nil {
			lastErr = nil
			break
		}
		lastErr = fmt.Errorf("localdb: initdb: %w\n%s", err, strings.TrimSpace(out.String()))
		if ctx.Err() != nil {
			break
		}
		// initdb refuses a non-empty directory; start the next attempt clean.
		if err := clearDir(tmp); err != nil {
			return fmt.Errorf("localdb: initdb: %w", err)
		}
	}
	if lastErr != nil {
		return lastErr
	}
	hba := filepath.Join(tmp, "pg_hba.conf")
	if err := os.WriteFile(hba, []byte(hbaConf), 0o600); err != nil {
		return fmt.Errorf("localdb: write pg_hba.conf: %w", err)
	}
	if err := c.chown(hba); err != nil {
		return err
	}
	if err := os.Rename(tmp, c.dataDir); err != nil {
		return fmt.Errorf("localdb: initdb: %w", err)
	}
	return nil
}

// waitReady polls until the server accepts connections and reports our data
// directory (so a different server already bound to the port is not
// mistaken for ours), the server exits, or the deadline passes.
func (c *Cluster) waitReady(ctx context.Context, done <-chan struct{}) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultStartTimeout)
		defer cancel()
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	connURL := c.urlLocked("postgres") + "&connect_timeout=2"
	var lastErr error
	for {
		select {
		case <-done:
			return fmt.Errorf("localdb: postgres exited during startup: %v", c.waitErr)
		default:
		}
		dir, err := queryDataDir(ctx, connURL)
		if err == nil {
			if filepath.Clean(dir) != filepath.Clean(c.dataDir) {
				return fmt.Errorf("localdb: port %d is served by another PostgreSQL (data directory %s)", c.port, dir)
			}
			return nil
		}
		lastErr = err
		select {
		case <-done:
			return fmt.Errorf("localdb: postgres exited during startup: %v", c.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("localdb: postgres did not accept connections in time: %w (last error: %v)", ctx.Err(), lastErr)
		case <-tick.C:
		}
	}
}

func queryDataDir(ctx context.Context, connURL string) (string, error) {
	conn, err := pgx.Connect(ctx, connURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	var dir string
	err = conn.QueryRow(ctx, "SELECT current_setting('data_directory')").Scan(&dir)
	return dir, err
}

// urlLocked is URL for callers holding c.mu.
func (c *Cluster) urlLocked(db string) string {
	return fmt.Sprintf("postgres://postgres@%s/%s?sslmode=disable", net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)), url.PathEscape(db))
}

// logTail returns the last lines of the server log, for error messages.
func (c *Cluster) logTail() string {
	b, err := os.ReadFile(c.LogPath())
	if err != nil || len(b) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return "\npostgres log (" + c.LogPath() + "):\n" + strings.Join(lines, "\n")
}

// removeStalePid deletes a postmaster.pid whose process is gone or is not a
// PostgreSQL server (its pid was reused after a crash). PostgreSQL itself
// only handles the first case. A live server is reported as an error.
func removeStalePid(dataDir string, logger *slog.Logger) error {
	path := filepath.Join(dataDir, "postmaster.pid")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("localdb: read postmaster.pid: %w", err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, convErr := strconv.Atoi(strings.TrimSpace(first))
	if convErr == nil && pid > 0 && processAlive(pid) && isPostgres(pid) {
		return fmt.Errorf("localdb: a PostgreSQL server (pid %d) is still running on %s; stop it (kill -INT %d) and retry", pid, dataDir, pid)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("localdb: remove stale postmaster.pid: %w", err)
	}
	logger.Warn("removed stale postmaster.pid left by a crashed server", "pid", pid, "dir", dataDir)
	return nil
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// isPostgres reports whether pid runs a PostgreSQL server. Where /proc is
// unavailable it assumes so, which errs on the side of not deleting a live
// server's lock file.
func isPostgres(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return true
	}
	comm := strings.TrimSpace(string(b))
	return comm == "postgres" || comm == "postmaster"
}

// serverEnv is our environment without PG* variables, which could point the
// server programs elsewhere.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("localdb: find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func clearDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
