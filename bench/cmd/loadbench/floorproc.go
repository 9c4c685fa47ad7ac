package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The HTTP floor runs in a process of its own, as rowgate does, so the two
// pay the same cross-process costs (scheduling, loopback between processes)
// and the ratio measures rowgate's own work. loadbench starts itself with
// -serve-floor and a spec file; the child prints its URL on stdout and
// serves until its standard input closes.

// floorSpec is everything the floor process needs.
type floorSpec struct {
	DBURL   string           `json:"db_url"`
	Pool    int              `json:"pool"`
	Queries []floorQuerySpec `json:"queries"`
	IDs     []floorIDSpec    `json:"ids"`
	AnonFor map[string]bool  `json:"anon_for"`
}

type floorQuerySpec struct {
	Scenario string `json:"scenario"`
	Path     string `json:"path"`
	SQL      string `json:"sql"`
	Args     []any  `json:"args"`
	KeyIdx   int    `json:"key_idx"`
}

type floorIDSpec struct{ Role, Sub, Claims string }

// floorProc is a running floor process.
type floorProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
}

func (p *floorProc) pid() int { return p.cmd.Process.Pid }

func (p *floorProc) close() {
	_ = p.stdin.Close()
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// startFloorProcess writes the spec next to the run's files and starts the
// floor process.
func startFloorProcess(specPath string, spec *floorSpec) (*floorProc, error) {
	raw, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(specPath, raw, 0o600); err != nil {
		return nil, fmt.Errorf("write floor spec: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	cmd := exec.Command(self, "-serve-floor", specPath)
	cmd.Stderr = os.Stderr
	setPdeathsig(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start floor process: %w", err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "FLOOR ")
	if err != nil || !ok {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("floor process did not start (%q): %v", line, err)
	}
	return &floorProc{cmd: cmd, stdin: stdin, url: url}, nil
}

// serveFloor is the child's main: serve the floor until stdin closes.
func serveFloor(specPath string) error {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	var spec floorSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("read floor spec: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	pcfg, err := pgxpool.ParseConfig(spec.DBURL)
	if err != nil {
		return err
	}
	pcfg.MaxConns = int32(spec.Pool)
	pcfg.ConnConfig.RuntimeParams["application_name"] = "loadbench-http-floor"
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	queries := map[string]*floorQuery{}
	for _, q := range spec.Queries {
		queries[q.Scenario] = &floorQuery{scenario: q.Scenario, path: q.Path, sql: q.SQL, args: q.Args, keyIdx: q.KeyIdx}
	}
	ids := make([]*floorIdentity, len(spec.IDs))
	for i, id := range spec.IDs {
		ids[i] = &floorIdentity{role: id.Role, sub: id.Sub, claims: id.Claims}
	}
	fs, err := startFloorServer(pool, queries, ids, spec.AnonFor)
	if err != nil {
		return err
	}
	defer fs.close()
	fmt.Println("FLOOR " + fs.url)
	// Serve until the parent closes our standard input (or dies).
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return nil
}

// floorSpecFor builds the spec from the parent's prepared queries and
// identities.
func floorSpecFor(dbURL string, pool int, queries map[string]*floorQuery, ids []*floorIdentity, anonFor map[string]bool) *floorSpec {
	spec := &floorSpec{DBURL: dbURL, Pool: pool, AnonFor: anonFor}
	for _, q := range queries {
		spec.Queries = append(spec.Queries, floorQuerySpec{Scenario: q.scenario, Path: q.path, SQL: q.sql, Args: q.args, KeyIdx: q.keyIdx})
	}
	for _, id := range ids {
		spec.IDs = append(spec.IDs, floorIDSpec{Role: id.role, Sub: id.sub, Claims: id.claims})
	}
	return spec
}
