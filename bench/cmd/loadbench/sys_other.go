//go:build !linux

package main

import "os/exec"

// setPdeathsig is Linux-only; elsewhere the deferred stop has to suffice.
func setPdeathsig(*exec.Cmd) {}
