package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/rowgate/rowgate/dbsetup"
)

func newDBCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Prepare a PostgreSQL database for rowgate",
	}
	cmd.AddCommand(newDBBootstrapCmd(), newDBMigrateCmd())
	return groupArgs(cmd)
}

func newDBBootstrapCmd() *cobra.Command {
	var dbURL string
	cmd := &cobra.Command{
		Use:   "bootstrap",
		Short: "Install the Supabase baseline (roles, auth.jwt(), default privileges, reload triggers)",
		Long: `Install the Supabase baseline in a database, idempotently: the roles anon,
authenticated, service_role (BYPASSRLS) and authenticator (LOGIN NOINHERIT,
granted the three), the schemas auth and extensions, auth.jwt(), auth.uid()
and auth.role() with Supabase's definitions, Supabase's default privileges in
public, and event triggers that send NOTIFY pgrst, 'reload schema' on DDL.
Needs a superuser connection.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			conn, err := connect(cmd, dbURL)
			if err != nil {
				return err
			}
			defer conn.Close(cmd.Context())
			if err := dbsetup.Bootstrap(cmd.Context(), conn); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "bootstrap: done")
			return nil
		},
	}
	cmd.Flags().StringVar(&dbURL, "db-url", "", "PostgreSQL URL of a superuser (default $ROWGATE_DB_URL, then $DATABASE_URL)")
	return cmd
}

func newDBMigrateCmd() *cobra.Command {
	var dbURL, workdir string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply supabase/migrations/*.sql that have not been applied yet",
		Long: `Apply supabase/migrations/*.sql in file-name order, each once and in its own
transaction, recording them in supabase_migrations.schema_migrations as the
Supabase CLI does.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			conn, err := connect(cmd, dbURL)
			if err != nil {
				return err
			}
			defer conn.Close(cmd.Context())
			applied, err := dbsetup.Migrate(cmd.Context(), conn, filepath.Join(workdir, "supabase", "migrations"))
			for _, name := range applied {
				fmt.Fprintln(cmd.OutOrStdout(), "applied", name)
			}
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "migrate: database is up to date")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dbURL, "db-url", "", "PostgreSQL URL (default $ROWGATE_DB_URL, then $DATABASE_URL)")
	cmd.Flags().StringVar(&workdir, "workdir", ".", "project directory containing supabase/migrations")
	return cmd
}

func connect(cmd *cobra.Command, dbURL string) (*pgx.Conn, error) {
	dbURL = firstNonEmpty(dbURL, os.Getenv("ROWGATE_DB_URL"), os.Getenv("DATABASE_URL"))
	if dbURL == "" {
		return nil, fmt.Errorf("no database URL: pass --db-url or set ROWGATE_DB_URL or DATABASE_URL")
	}
	conn, err := pgx.Connect(cmd.Context(), dbURL)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return conn, nil
}
