package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/rowgate/rowgate/config"
	"github.com/rowgate/rowgate/lint"
)

type lintFlags struct {
	format      string
	fix         bool
	clerkDomain string
	workdir     string
}

func newLintCmd() *cobra.Command {
	var f lintFlags
	cmd := &cobra.Command{
		Use:   "lint [PATH...]",
		Short: "Find the deprecated Clerk JWT-template pattern and other third-party-auth mistakes",
		Long: `Scan a project (JS/TS/JSX/TSX/Vue/Svelte sources, package.json,
supabase/config.toml, SQL migrations, .env files) for the deprecated Clerk
JWT-template integration and related mistakes: getToken({ template: 'supabase' }),
Authorization headers built from such tokens, Clerk used but not trusted in
config.toml, createClient without the accessToken option, auth.uid() with
non-UUID subjects, requesting_user_id() helpers and committed secrets (masked).

Each finding prints file:line:col, what is wrong, why, and the fix.
--fix enables [auth.third_party.clerk] in supabase/config.toml with the domain
given by --clerk-domain, editing the file in place and keeping its comments.

Exit codes: 0 no findings, 1 findings, 2 usage error.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLint(cmd, f, args)
		},
	}
	cmd.Flags().StringVar(&f.format, "format", "text", "output format: text, json or sarif")
	cmd.Flags().BoolVar(&f.fix, "fix", false, "enable [auth.third_party.clerk] in supabase/config.toml (needs --clerk-domain)")
	cmd.Flags().StringVar(&f.clerkDomain, "clerk-domain", "", "Clerk Frontend API domain for --fix, e.g. example.clerk.accounts.dev")
	cmd.Flags().StringVar(&f.workdir, "workdir", ".", "project directory: PATHs are relative to it and --fix edits its supabase/config.toml")
	// Flag errors are usage errors: exit 2.
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		fmt.Fprintln(c.ErrOrStderr(), "rowgate lint:", err)
		return exitError{2}
	})
	return cmd
}

func runLint(cmd *cobra.Command, f lintFlags, args []string) error {
	stderr := cmd.ErrOrStderr()
	usage := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "rowgate lint: "+format+"\n", a...)
		return exitError{2}
	}
	switch f.format {
	case "text", "json", "sarif":
	default:
		return usage("unknown --format %q (want text, json or sarif)", f.format)
	}
	if f.fix && f.clerkDomain == "" {
		return usage("--fix needs --clerk-domain (your Clerk Frontend API host, e.g. example.clerk.accounts.dev)")
	}
	if !f.fix && f.clerkDomain != "" {
		return usage("--clerk-domain is only used with --fix")
	}
	if f.fix {
		path := config.Path(f.workdir)
		src, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return usage("--fix: %s does not exist (run supabase init first)", path)
		}
		if err != nil {
			return fmt.Errorf("lint --fix: %w", err)
		}
		out, err := lint.FixClerk(src, f.clerkDomain, os.LookupEnv)
		if err != nil {
			var ve *config.ValidationError
			if errors.As(err, &ve) || errors.Is(err, lint.ErrOtherProvider) {
				return usage("--fix: %v", err)
			}
			return fmt.Errorf("lint --fix: %w", err)
		}
		if string(out) != string(src) {
			if err := writeFileKeepMode(path, out); err != nil {
				return fmt.Errorf("lint --fix: %w", err)
			}
			fmt.Fprintf(stderr, "fixed %s: [auth.third_party.clerk] enabled with domain %s\n", filepath.ToSlash(path), f.clerkDomain)
		}
	}
	rep, err := lint.Scan(args, lint.Options{Dir: f.workdir, Getenv: os.LookupEnv})
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return usage("%v", err)
		}
		return err
	}
	w := cmd.OutOrStdout()
	switch f.format {
	case "json":
		err = lint.WriteJSON(w, rep)
	case "sarif":
		err = lint.WriteSARIF(w, rep, "")
	default:
		err = lint.WriteText(w, rep)
	}
	if err != nil {
		return err
	}
	if len(rep.Findings) > 0 {
		return exitError{1}
	}
	return nil
}

// writeFileKeepMode replaces path's content, keeping its permissions.
func writeFileKeepMode(path string, data []byte) error {
	mode := fs.FileMode(0o644)
	if info, err := os.Stat(path); err == nil {
		mode = info.Mode().Perm()
	}
	tmp := path + ".rowgate-fix"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
