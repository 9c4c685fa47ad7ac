package client

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestDeps fails if the package (not its tests) imports anything outside
// the standard library: the client must be usable by any Go program
// without pulling in rowgate's server dependencies.
func TestDeps(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	const self = "github.com/rowgate/rowgate/client"
	out, err := exec.Command(goCmd, "list", "-deps",
		"-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", self).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	var found []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" && line != self {
			found = append(found, line)
		}
	}
	if len(found) > 0 {
		t.Fatalf("client depends on non-standard packages: %v", found)
	}
	if !strings.Contains(string(out), self) {
		t.Fatalf("go list output %q does not name the package itself", out)
	}
}
