package cli

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rowgate/rowgate/config"
	"github.com/rowgate/rowgate/doctor"
)

type doctorFlags struct {
	workdir string
	dbURL   string
}

func newDoctorCmd() *cobra.Command {
	var f doctorFlags
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check configuration, issuers, clock and database; exit 1 on any failure",
		Long: `Print a checklist with pass/warn/fail per line: supabase/config.toml is valid
(the Supabase CLI's messages); each trusted issuer's discovery document and key
set are reachable (key count, algorithms, kids); the clock agrees with each
issuer's Date header; the database is reachable, has the Supabase roles and
auth.jwt(), authenticator is NOINHERIT and not a superuser; every table anon or
authenticated can use has row level security; no policy calls auth.uid() while
an issuer with non-UUID subjects is trusted. Exits 1 when a check fails.

"rowgate doctor token" explains why a token is accepted or refused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.LoadOptions(f.workdir, config.Options{Getenv: os.LookupEnv})
			rep := doctor.Run(cmd.Context(), doctor.Options{
				Config:    cfg,
				ConfigErr: err,
				DBURL:     firstNonEmpty(f.dbURL, os.Getenv("ROWGATE_DB_URL"), os.Getenv("DATABASE_URL")),
			})
			if err := rep.WriteText(cmd.OutOrStdout()); err != nil {
				return err
			}
			if rep.Failed() {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&f.workdir, "workdir", ".", "project directory containing supabase/config.toml")
	cmd.Flags().StringVar(&f.dbURL, "db-url", "", "PostgreSQL URL (default $ROWGATE_DB_URL, then $DATABASE_URL)")
	cmd.AddCommand(newDoctorTokenCmd())
	return cmd
}

func newDoctorTokenCmd() *cobra.Command {
	var workdir string
	cmd := &cobra.Command{
		Use:   "token [--workdir DIR] <jwt | ->",
		Short: "Decode a token and walk rowgate's verification steps for it",
		Long: `Decode the token's header and claims (the signature is never printed) and run
the server's own verification step by step: issuer trusted, kid known (after a
refresh), algorithm allowed, signature, time claims with skew, audience and role
mapping. Pass "-" to read the token from standard input. Exits 1 when the token
would be refused.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			token := args[0]
			if token == "-" {
				data, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 64<<10))
				if err != nil {
					return fmt.Errorf("read token: %w", err)
				}
				token = strings.TrimSpace(string(data))
			}
			cfg, err := config.LoadOptions(workdir, config.Options{Getenv: os.LookupEnv})
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return exitError{1}
			}
			var logs bytes.Buffer
			v, sets, err := buildVerifier(cfg, cfg.TrustedIssuers(), slog.New(slog.NewTextHandler(&logs, nil)), -1)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, s := range sets {
				defer s.Close()
				if err := s.FetchNow(cmd.Context()); err != nil {
					st := s.Status()
					fmt.Fprintf(out, "[warn] keys %s: %v\n", st.Issuer, err)
				}
			}
			ok, err := doctor.ExplainToken(cmd.Context(), out, v, token)
			if err != nil {
				return err
			}
			if !ok {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&workdir, "workdir", ".", "project directory containing supabase/config.toml")
	return cmd
}
