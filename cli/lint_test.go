package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runLintCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := newLintCmd()
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	var ee exitError
	switch {
	case err == nil:
		return 0, out.String(), errb.String()
	case errors.As(err, &ee):
		return ee.code, out.String(), errb.String()
	}
	t.Fatalf("unexpected error: %v", err)
	return -1, "", ""
}

func TestLintCommand(t *testing.T) {
	corpus := filepath.Join("..", "lint", "testdata", "lint")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"clean", []string{"--workdir", filepath.Join(corpus, "negative-template-word")}, 0, "no findings"},
		{"findings", []string{"--workdir", filepath.Join(corpus, "require-cjs")}, 1, "server.cjs:10:23: error [clerk-jwt-template]"},
		{"sarif", []string{"--format", "sarif", "--workdir", filepath.Join(corpus, "require-cjs")}, 1, `"version": "2.1.0"`},
		{"bad format", []string{"--format", "xml"}, 2, ""},
		{"unknown flag", []string{"--nope"}, 2, ""},
		{"fix without domain", []string{"--fix"}, 2, ""},
		{"missing path", []string{"does-not-exist"}, 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := runLintCmd(t, tc.args...)
			if code != tc.wantCode || !strings.Contains(out, tc.want) {
				t.Errorf("code %d, want %d; output:\n%s", code, tc.wantCode, out)
			}
		})
	}
}

func TestLintFix(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "supabase"), 0o755); err != nil {
		t.Fatal(err)
	}
	src := "[auth]\nenabled = true\n\n# Clerk below\n[auth.third_party.clerk]\nenabled = false\n"
	if err := os.WriteFile(filepath.Join(dir, "supabase", "config.toml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"dependencies":{"@clerk/nextjs":"6","@supabase/supabase-js":"2"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runLintCmd(t, "--workdir", dir); code != 1 || !strings.Contains(out, "clerk-not-trusted") {
		t.Fatalf("before fix: code %d\n%s", code, out)
	}
	if code, _, _ := runLintCmd(t, "--workdir", dir, "--fix", "--clerk-domain", "https://bad"); code != 2 {
		t.Fatalf("bad domain: code %d, want 2", code)
	}
	if code, out, errOut := runLintCmd(t, "--workdir", dir, "--fix", "--clerk-domain", "app.clerk.accounts.dev"); code != 0 {
		t.Fatalf("after fix: code %d\n%s\n%s", code, out, errOut)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "supabase", "config.toml"))
	if !strings.Contains(string(got), "# Clerk below") || !strings.Contains(string(got), "domain = \"app.clerk.accounts.dev\"") {
		t.Errorf("fixed file:\n%s", got)
	}
}
