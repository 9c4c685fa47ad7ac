package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rowgate/rowgate/internal/pgtest"
)

// binDir holds the rowgate binary built for the subprocess tests; it is
// created by TestMain and removed after the tests.
var (
	binDir    string
	buildOnce sync.Once
	buildErr  error
)

func TestMain(m *testing.M) {
	pgtest.MainWith(m, func(string) (func(), error) {
		d, err := os.MkdirTemp("", "rowgate-cli-bin-")
		if err != nil {
			return nil, fmt.Errorf("create binary dir: %w", err)
		}
		// The unprivileged subprocess test runs the binary as another user.
		if err := os.Chmod(d, 0o755); err != nil {
			os.RemoveAll(d)
			return nil, fmt.Errorf("chmod binary dir: %w", err)
		}
		binDir = d
		return func() { os.RemoveAll(d) }, nil
	})
}

// rowgateBinary builds cmd/rowgate once per test binary (only the tests that
// run it as a subprocess pay for the build) and returns its path.
func rowgateBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		cmd := exec.Command(goTool, "build", "-o", filepath.Join(binDir, "rowgate"), "../cmd/rowgate")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "rowgate")
}

// syncBuffer is a bytes.Buffer safe for a command writing in one goroutine
// while the test reads in another.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// run calls Run with fresh buffers.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code = Run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

// freePorts returns n distinct free loopback TCP ports. They are released
// before returning, so a port may in principle be taken by someone else
// before it is used; the listeners are held together so the n are distinct.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("find free port: %v", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// writeConfig writes workdir/supabase/config.toml.
func writeConfig(t *testing.T, workdir, content string) {
	t.Helper()
	dir := filepath.Join(workdir, "supabase")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// minimalConfig is a config.toml with the given API and database ports.
func minimalConfig(apiPort, dbPort int) string {
	return fmt.Sprintf("[api]\nport = %d\nschemas = [\"public\"]\n\n[db]\nport = %d\n\n[auth]\nenabled = true\n", apiPort, dbPort)
}

// reachableTempDir is t.TempDir() made searchable by every user, so a
// PostgreSQL server running as another user (as root, localdb runs it as
// "postgres") can use a cluster folder inside it.
func reachableTempDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	for _, p := range []string{filepath.Dir(d), d} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// copyTree copies the regular files and folders under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == ".rowgate" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

// waitHealthy polls GET base/health until it answers 200 or the deadline
// passes; done, when it is closed, means the server exited early.
func waitHealthy(t *testing.T, base string, deadline time.Duration, done <-chan struct{}, logs func() string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	end := time.Now().Add(deadline)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var last string
	for time.Now().Before(end) {
		resp, err := client.Get(base + "/health")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = fmt.Sprintf("status %d: %s", resp.StatusCode, b)
		} else {
			last = err.Error()
		}
		select {
		case <-done:
			t.Fatalf("server exited before it was healthy; last health answer: %s\nlogs:\n%s", last, logs())
		case <-tick.C:
		}
	}
	t.Fatalf("%s/health not 200 within %s; last answer: %s\nlogs:\n%s", base, deadline, last, logs())
}

// get sends a GET with optional headers and returns the status and body.
func get(t *testing.T, url string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// decodeJWT returns a compact JWS's header and claims without verifying it.
func decodeJWT(t *testing.T, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3: %q", len(parts), tok)
	}
	dec := func(s string) map[string]any {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("decode token part: %v", err)
		}
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatalf("decode token part: %v", err)
		}
		return m
	}
	return dec(parts[0]), dec(parts[1])
}

// numClaim reads a numeric claim as int64.
func numClaim(t *testing.T, claims map[string]any, name string) int64 {
	t.Helper()
	n, ok := claims[name].(json.Number)
	if !ok {
		t.Fatalf("claim %s = %v (%T), want a number", name, claims[name], claims[name])
	}
	v, err := n.Int64()
	if err != nil {
		t.Fatalf("claim %s: %v", name, err)
	}
	return v
}

// postmasterPid reads the server pid from a data directory's
// postmaster.pid, or 0 if there is none.
func postmasterPid(t *testing.T, dataDir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		t.Fatalf("parse postmaster.pid: %v", err)
	}
	return pid
}

// postgresProcesses lists the pids of live processes whose command line
// mentions dataDir: the postmaster (postgres -D dataDir) and, since
// PostgreSQL children inherit the postmaster's argv until they retitle
// themselves, any child that has not done so yet. Children that did retitle
// are found through their parent pid.
func postgresProcesses(t *testing.T, dataDir string, postmaster int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("read /proc: %v", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue // exited meanwhile
		}
		if bytes.Contains(cmdline, []byte(dataDir)) {
			pids = append(pids, pid)
			continue
		}
		if postmaster > 0 && parentPid(e.Name()) == postmaster {
			pids = append(pids, pid)
		}
	}
	return pids
}

// parentPid reads the parent pid of /proc/<pid>, or 0.
func parentPid(pid string) int {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0
	}
	// The command name is in parentheses and may contain spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	pp, _ := strconv.Atoi(f[1])
	return pp
}

// compactJSON re-encodes a JSON document without insignificant space.
func compactJSON(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("not JSON: %q: %v", s, err)
	}
	return b.String()
}

// proc is a started subprocess of a test; it is killed when the test ends
// unless the test stopped it.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, valid once done is closed
}

func startProc(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// stop sends sig and waits up to limit for the process to exit, returning
// its exit error.
func (p *proc) stop(t *testing.T, sig os.Signal, limit time.Duration) error {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(limit):
		t.Fatalf("%s did not exit within %s of %v", p.cmd.Path, limit, sig)
	}
	return p.err
}
