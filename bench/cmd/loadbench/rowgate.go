package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// publishableKey is the Supabase CLI's default publishable key, which
// rowgate accepts as the apikey unless config.toml sets another.
const publishableKey = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH"

// configTOML is the supabase/config.toml rowgate serves the benchmark with.
func configTOML(issuerURL string, pool int) string {
	return fmt.Sprintf(`# Written by rowgate's load benchmark.
project_id = "bench"

[api]
enabled = true
port = 54321
schemas = ["public"]
extra_search_path = ["public", "extensions"]
max_rows = 1000

[db]
port = 54322
major_version = 15

[auth]
enabled = true

[rowgate]
db_pool = %d

[rowgate.issuers.bench]
issuer = %q
jwks_url = %q
allowed_roles = ["anon", "authenticated"]
`, pool, issuerURL, issuerURL+"/jwks.json")
}

// buildRowgate compiles ./cmd/rowgate of the module at root in release mode
// into out.
func buildRowgate(ctx context.Context, root, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./cmd/rowgate")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/rowgate: %w\n%s", err, stderr.String())
	}
	return nil
}

// rowgateProc is the running rowgate child process.
type rowgateProc struct {
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	addr    string // host:port of the API
	logPath string
}

// startRowgate runs `rowgate serve` with stdout and stderr in logPath.
func startRowgate(bin, workdir, dbURL string, pool int, logPath string) (*rowgateProc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create rowgate log: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "serve", "--workdir", workdir, "--db-url", dbURL,
		"--listen", addr, "--db-pool", strconv.Itoa(pool))
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	setPdeathsig(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start rowgate: %w", err)
	}
	p := &rowgateProc{cmd: cmd, done: make(chan struct{}), addr: addr, logPath: logPath}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// pid returns the child's process id.
func (p *rowgateProc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended.
func (p *rowgateProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, waits up to 10 s, then kills.
func (p *rowgateProc) stop() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// logTail returns the last lines of rowgate's log, for error messages.
func (p *rowgateProc) logTail(n int) string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find free port: %w", err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr, nil
}

// procStats is a snapshot of a process's resource use from /proc.
type procStats struct {
	CPUSeconds float64 // utime + stime
	HWMBytes   int64   // VmHWM: peak resident set size
	RSSBytes   int64   // VmRSS: current resident set size
}

// clockTicks is USER_HZ, which Linux fixes at 100 for /proc/<pid>/stat.
const clockTicks = 100

// readProcStats reads /proc/<pid>/stat and /proc/<pid>/status.
func readProcStats(pid int) (procStats, error) {
	var s procStats
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return s, fmt.Errorf("read proc stat: %w", err)
	}
	// The command name (field 2) may contain spaces; fields after its
	// closing parenthesis are space-separated, utime and stime being the
	// 14th and 15th fields of the line.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, fmt.Errorf("parse proc stat: no command name")
	}
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 13 {
		return s, fmt.Errorf("parse proc stat: %d fields", len(fields))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return s, fmt.Errorf("parse proc stat: utime %q stime %q", fields[11], fields[12])
	}
	s.CPUSeconds = float64(utime+stime) / clockTicks

	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return s, fmt.Errorf("read proc status: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch name {
		case "VmHWM":
			dst = &s.HWMBytes
		case "VmRSS":
			dst = &s.RSSBytes
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return s, fmt.Errorf("parse proc status %s: %w", name, err)
		}
		*dst = kb * 1024
	}
	return s, sc.Err()
}

// resetPeakRSS sets VmHWM back to the current RSS (writing 5 to
// /proc/<pid>/clear_refs), so the next reading is the peak of one cell.
func resetPeakRSS(pid int) error {
	err := os.WriteFile(filepath.Join("/proc", strconv.Itoa(pid), "clear_refs"), []byte("5"), 0)
	if err != nil {
		return fmt.Errorf("reset peak rss: %w", err)
	}
	return nil
}
