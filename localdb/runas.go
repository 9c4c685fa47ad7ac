package localdb

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// fallbackRoot holds data directories that the unprivileged server user
// could not reach in their cluster folder (see chooseDataDir).
var fallbackRoot = "/var/lib/rowgate/clusters" // a variable so tests can redirect it

// runAsUser is the unprivileged account the server runs as when rowgate runs
// as root.
type runAsUser struct {
	name     string
	uid, gid uint32
}

// resolveRunAs returns nil when we are not root (the server runs as us).
// As root it returns the "postgres" user, else the "rowgate" user, creating
// the latter as a system account if needed.
func resolveRunAs(logger *slog.Logger) (*runAsUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "rowgate"} {
		if u, err := lookupUser(name); err == nil {
			return u, nil
		}
	}
	out, err := exec.Command("useradd", "--system", "--no-create-home", "--user-group",
		"--shell", "/usr/sbin/nologin", "rowgate").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("localdb: PostgreSQL refuses to run as root and there is no \"postgres\" user; "+
			"creating the system user \"rowgate\" failed (create it, or run rowgate as an ordinary user): %w: %s",
			err, strings.TrimSpace(string(out)))
	}
	u, err := lookupUser("rowgate")
	if err != nil {
		return nil, fmt.Errorf("localdb: look up created user rowgate: %w", err)
	}
	logger.Info("created system user to run PostgreSQL", "user", "rowgate")
	return u, nil
}

func lookupUser(name string) (*runAsUser, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, err
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse uid of %s: %w", name, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse gid of %s: %w", name, err)
	}
	return &runAsUser{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
}

// chown gives path to the server user when running as root.
func (c *Cluster) chown(path string) error {
	if c.runAs == nil {
		return nil
	}
	if err := os.Chown(path, int(c.runAs.uid), int(c.runAs.gid)); err != nil {
		return fmt.Errorf("localdb: chown %s to %s: %w", path, c.runAs.name, err)
	}
	return nil
}

// chooseDataDir returns <Dir>/pgdata, unless the server user cannot reach
// it: as root, a project under a mode-0700 home such as /root is invisible
// to the "postgres" user. The data directory then goes to
// /var/lib/rowgate/clusters/<hash of Dir>/pgdata.
func (c *Cluster) chooseDataDir() (string, error) {
	preferred := filepath.Join(c.dir, dataDirName)
	if c.runAs == nil {
		return preferred, nil
	}
	blocked := firstUnsearchable(c.dir, c.runAs)
	if blocked == "" {
		return preferred, nil
	}
	fallback := fallbackDataDir(c.dir)
	if err := os.MkdirAll(filepath.Dir(fallback), 0o755); err != nil {
		return "", c.unreachableError(blocked, err)
	}
	if b := firstUnsearchable(filepath.Dir(fallback), c.runAs); b != "" {
		return "", c.unreachableError(blocked, fmt.Errorf("fallback %s is not searchable either (blocked at %s)", fallback, b))
	}
	c.logger.Warn("cluster folder is not reachable by the PostgreSQL user; keeping the data directory elsewhere",
		"user", c.runAs.name, "blocked_at", blocked, "data_dir", fallback)
	return fallback, nil
}

func (c *Cluster) unreachableError(blocked string, cause error) error {
	return fmt.Errorf("localdb: PostgreSQL refuses to run as root, so it runs as user %q, which cannot enter %s "+
		"(needed for %s); run rowgate as an ordinary user, move the project, or `chmod o+x %s`: %w",
		c.runAs.name, blocked, c.dir, blocked, cause)
}

// fallbackDataDir is the data directory used when the cluster folder is not
// reachable by the server user. It is stable for a given folder.
func fallbackDataDir(dir string) string {
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(fallbackRoot, hex.EncodeToString(sum[:8]), dataDirName)
}

// firstUnsearchable returns the first existing directory on the way from /
// to dir that u may not search (enter), or "" if all are searchable.
// Components that do not exist yet are created by root with mode 0755 and so
// are fine.
func firstUnsearchable(dir string, u *runAsUser) string {
	var chain []string
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		chain = append(chain, p)
		if p == filepath.Dir(p) {
			break
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		fi, err := os.Stat(chain[i])
		if err != nil {
			continue
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			continue
		}
		mode := fi.Mode().Perm()
		var canSearch bool
		switch {
		case st.Uid == u.uid:
			canSearch = mode&0o100 != 0
		case st.Gid == u.gid:
			canSearch = mode&0o010 != 0
		default:
			canSearch = mode&0o001 != 0
		}
		if !canSearch {
			return chain[i]
		}
	}
	return ""
}
