package main

import (
	"os/exec"
	"syscall"
)

// setPdeathsig makes the kernel kill the child if this process dies, so an
// interrupted benchmark leaves no rowgate behind.
func setPdeathsig(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
