package localdb

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// AlreadyRunningError is returned by [Cluster.Start] and [Cluster.Reset] when
// another Cluster (in this or another process) holds the cluster folder.
type AlreadyRunningError struct {
	Dir string // the cluster folder
	Pid int    // the holder's process id; 0 if unknown
}

// Error implements the error interface.
func (e *AlreadyRunningError) Error() string {
	if e.Pid == 0 {
		return fmt.Sprintf("rowgate dev is already running for %s (pid unknown)", e.Dir)
	}
	return fmt.Sprintf("rowgate dev is already running for %s (pid %d)", e.Dir, e.Pid)
}

// acquireLock takes an exclusive, non-blocking flock on path and records our
// pid in it. The kernel drops the lock when the process dies, so a crash never
// leaves the folder locked.
func acquireLock(path, dir string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("localdb: open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			b, _ := os.ReadFile(path)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			return nil, &AlreadyRunningError{Dir: dir, Pid: pid}
		}
		return nil, fmt.Errorf("localdb: lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err != nil {
		releaseLock(f)
		return nil, fmt.Errorf("localdb: write lock file: %w", err)
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		releaseLock(f)
		return nil, fmt.Errorf("localdb: write lock file: %w", err)
	}
	return f, nil
}

// releaseLock unlocks and closes a lock taken by acquireLock. The file stays:
// removing it would race with a process that has just opened it.
func releaseLock(f *os.File) {
	if f == nil {
		return
	}
	_ = f.Truncate(0)
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	_ = f.Close()
}
