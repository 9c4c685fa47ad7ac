package localdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// requiredBinaries are the PostgreSQL server programs a bin directory must
// contain for [FindBinaries] to accept it.
var requiredBinaries = []string{"postgres", "initdb", "pg_ctl"}

// ErrBinariesNotFound is returned (wrapped) by [FindBinaries] when no
// PostgreSQL server installation can be located.
var ErrBinariesNotFound = errors.New("PostgreSQL server binaries (postgres, initdb, pg_ctl) not found")

// installHint explains how to install the server binaries.
const installHint = `rowgate dev runs a local PostgreSQL server and needs its programs installed:
  Debian/Ubuntu:  sudo apt-get install postgresql
  Fedora/RHEL:    sudo dnf install postgresql-server
  Alpine:         apk add postgresql
  macOS:          brew install postgresql@17
Or pass --db-url to use an existing database instead.`

// FindBinaries returns the directory holding the PostgreSQL server programs
// postgres, initdb and pg_ctl. It looks, in order, at the postgres found in
// PATH, at `pg_config --bindir`, and at /usr/lib/postgresql/*/bin (newest
// major version first), and accepts the first directory holding all three.
// Symbolic links are resolved, so a PATH entry such as /usr/local/bin/postgres
// pointing into /usr/lib/postgresql/15/bin yields the latter.
//
// When nothing is found the error wraps [ErrBinariesNotFound] and says how to
// install PostgreSQL.
func FindBinaries() (bindir string, err error) {
	return findBinaries(os.Getenv("PATH"), "/usr/lib/postgresql")
}

// findBinaries is FindBinaries with the search inputs injectable for tests.
func findBinaries(pathEnv, debianRoot string) (string, error) {
	var candidates []string
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, "postgres")
		if isExecutable(p) {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				candidates = append(candidates, filepath.Dir(real))
			}
			candidates = append(candidates, dir)
		}
	}
	if d := pgConfigBindir(pathEnv); d != "" {
		candidates = append(candidates, d)
	}
	candidates = append(candidates, debianBindirs(debianRoot)...)

	for _, dir := range candidates {
		if hasAll(dir) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%w\n%s", ErrBinariesNotFound, installHint)
}

// pgConfigBindir asks the pg_config found in pathEnv for its bin directory.
func pgConfigBindir(pathEnv string) string {
	var pgConfig string
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			continue
		}
		if p := filepath.Join(dir, "pg_config"); isExecutable(p) {
			pgConfig = p
			break
		}
	}
	if pgConfig == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, pgConfig, "--bindir").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// debianBindirs lists root/<major>/bin, newest major version first.
func debianBindirs(root string) []string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	type ver struct {
		dir   string
		major float64
	}
	var vs []ver
	for _, e := range entries {
		m, err := strconv.ParseFloat(e.Name(), 64)
		if err != nil {
			continue
		}
		vs = append(vs, ver{filepath.Join(root, e.Name(), "bin"), m})
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].major > vs[j].major })
	dirs := make([]string, len(vs))
	for i, v := range vs {
		dirs[i] = v.dir
	}
	return dirs
}

func hasAll(dir string) bool {
	for _, name := range requiredBinaries {
		if !isExecutable(filepath.Join(dir, name)) {
			return false
		}
	}
	return true
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
