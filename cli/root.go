package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/rowgate/rowgate/config"
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
		newDoctorCmd(),
		newLintCmd(),
	)
	return root
}

// loadConfig reads <workdir>/supabase/config.toml with the process
// environment, printing the CLI's warnings (such as an unset env() value) on
// w, the command's standard error, rather than the process's.
func loadConfig(workdir string, w io.Writer) (*config.Config, error) {
	return config.LoadOptions(workdir, config.Options{Getenv: os.LookupEnv, Warnings: w})
}

// groupArgs makes a command that only groups subcommands refuse anything
// else: without it cobra prints the help and exits 0 for "rowgate db bogus".
func groupArgs(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	return cmd
}
