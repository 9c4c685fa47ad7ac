package localdb

import "syscall"

// sysProcAttr runs a server program as u (nil: as ourselves) and asks the
// kernel to send it SIGTERM when rowgate dies, so a crashed or killed rowgate
// never leaves an orphaned server behind.
func sysProcAttr(u *runAsUser) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if u != nil {
		// Groups is empty, so root's supplementary groups are dropped.
		attr.Credential = &syscall.Credential{Uid: u.uid, Gid: u.gid}
	}
	return attr
}
