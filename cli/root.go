package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// exitError carries a process exit code without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Run executes the rowgate command line with args (without the program
// name) and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintln(stderr, "rowgate:", err)
	return 1
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "rowgate",
		Short: "A Supabase-compatible Data API that admits third-party auth tokens by their issuer's public keys",
		Long: `rowgate serves a Supabase-compatible Data API (PostgREST semantics under
/rest/v1) in front of PostgreSQL. It admits users signed in with a
third-party auth provider (Clerk, Firebase Auth, Auth0, AWS Cognito, WorkOS or
any OIDC issuer) by verifying their session tokens with the provider's public
keys, so the project's JWT secret never leaves the server.

Configuration is read from supabase/config.toml in the work directory, the
same file the Supabase CLI uses.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newServeCmd(),
		newDevCmd(),
		newTokenCmd(),
		newConfigCmd(),
		newDBCmd(),
	)
	return root
}
