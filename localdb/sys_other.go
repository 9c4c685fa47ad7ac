//go:build !linux

package localdb

import "syscall"

// sysProcAttr runs a server program as u (nil: as ourselves). Outside Linux
// there is no parent-death signal; callers must Stop the cluster.
func sysProcAttr(u *runAsUser) *syscall.SysProcAttr {
	if u == nil {
		return nil
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: u.uid, Gid: u.gid}}
}
