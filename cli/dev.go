package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/config"
	"github.com/rowgate/rowgate/dbsetup"
	"github.com/rowgate/rowgate/devissuer"
	"github.com/rowgate/rowgate/localdb"
)

type devFlags struct {
	workdir string
	reset   bool
	logJSON bool
}

func newDevCmd() *cobra.Command {
	var f devFlags
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run rowgate on its embedded default: a private PostgreSQL, migrations and a dev issuer",
		Long: `Run everything a project needs on one machine, offline:

  - a private PostgreSQL cluster under supabase/.rowgate/ (created on first
    run; the server binaries must be installed, e.g. apt-get install postgresql),
    listening on 127.0.0.1:[db].port;
  - the Supabase baseline (roles, auth.jwt(), default privileges), then
    supabase/migrations/*.sql not yet applied, then supabase/seed.sql on a
    fresh database;
  - a Clerk-shaped dev issuer, trusted by the server, whose tokens
    "rowgate token" prints;
  - the Data API on 127.0.0.1:[api].port.

Ctrl-C stops everything.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDev(cmd.Context(), f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&f.workdir, "workdir", ".", "project directory containing supabase/config.toml")
	cmd.Flags().BoolVar(&f.reset, "reset", false, "start from an empty database (deletes supabase/.rowgate/db)")
	cmd.Flags().BoolVar(&f.logJSON, "log-json", false, "write logs as JSON")
	return cmd
}

// stateDir is where `rowgate dev` keeps its cluster and dev issuer key.
func stateDir(workdir string) string {
	return filepath.Join(workdir, "supabase", ".rowgate")
}

// devIssuerURL is the dev issuer's URL: it is served by the API server
// itself, under /dev-issuer, so tokens minted by `rowgate token` name it.
func devIssuerURL(cfg *config.Config) string {
	return fmt.Sprintf("http://127.0.0.1:%d/dev-issuer", cfg.API.Port)
}

func runDev(ctx context.Context, f devFlags, stdout, stderr io.Writer) error {
	start := time.Now()
	cfg, err := loadConfig(f.workdir, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, f.logJSON)
	state := stateDir(f.workdir)
	if err := os.MkdirAll(state, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", state, err)
	}
	cluster, err := localdb.Open(localdb.Options{Dir: filepath.Join(state, "db"), Port: cfg.DB.Port, Logger: log})
	if err != nil {
		return err
	}
	if f.reset {
		if err := cluster.Reset(); err != nil {
			return err
		}
	}
	if err := cluster.Start(ctx); err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
		defer cancel()
		if err := cluster.Stop(stopCtx); err != nil {
			log.Warn("stopping postgres", "err", err)
		}
	}()

	if err := prepareDevDB(ctx, cluster.URL("postgres"), f.workdir, stdout); err != nil {
		return err
	}

	iss, err := devissuer.Open(state)
	if err != nil {
		return err
	}
	issuerURL := devIssuerURL(cfg)
	dev := config.TrustedIssuer{
		Name:         "dev",
		Provider:     "clerk",
		Issuer:       issuerURL,
		JWKSURL:      issuerURL + "/.well-known/jwks.json",
		AllowedRoles: []string{"anon", "authenticated"},
		DefaultRole:  "authenticated",
	}
	appDBURL := authenticatorURL(cluster.URL("postgres"))
	a, err := newApp(ctx, cfg, appOptions{
		DBURL:        appDBURL,
		ExtraIssuers: []config.TrustedIssuer{dev},
		Mounts:       map[string]http.Handler{"/dev-issuer": iss.Handler(issuerURL)},
		Logger:       log,
	})
	if err != nil {
		return err
	}
	defer a.close()
	listen := fmt.Sprintf("127.0.0.1:%d", cfg.API.Port)
	return a.run(ctx, listen, func(addr net.Addr) {
		anon, service := auth.LegacyKeys([]byte(cfg.Auth.JWTSecret))
		w := func(k, v string) { fmt.Fprintf(stdout, "  %-18s %s\n", k, v) }
		fmt.Fprintf(stdout, "rowgate dev is running (ready in %s). Ctrl-C stops it.\n\n", time.Since(start).Round(time.Millisecond))
		w("API URL", "http://"+addr.String())
		w("REST URL", "http://"+addr.String()+"/rest/v1")
		w("DB URL", cluster.URL("postgres"))
		w("Publishable key", cfg.Auth.PublishableKey)
		w("Secret key", cfg.Auth.SecretKey)
		w("anon key", anon)
		w("service_role key", service)
		w("Dev issuer", issuerURL)
		for _, ti := range cfg.TrustedIssuers() {
			w("Trusted issuer", ti.Issuer)
		}
		fmt.Fprintf(stdout, "\nA user token for curl or supabase-js:\n  rowgate token --workdir %s --sub user_123\n\n", f.workdir)
	})
}

// prepareDevDB installs the baseline, applies new migrations and, on a fresh
// database, the seed.
func prepareDevDB(ctx context.Context, superURL, workdir string, stdout io.Writer) error {
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return fmt.Errorf("connect to dev database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := dbsetup.Bootstrap(ctx, conn); err != nil {
		return err
	}
	var applied int
	if err := conn.QueryRow(ctx, `select count(*) from supabase_migrations.schema_migrations`).Scan(&applied); err != nil {
		return fmt.Errorf("read migration history: %w", err)
	}
	fresh := applied == 0
	names, err := dbsetup.Migrate(ctx, conn, filepath.Join(workdir, "supabase", "migrations"))
	for _, n := range names {
		fmt.Fprintln(stdout, "applied migration", n)
	}
	if err != nil {
		return err
	}
	if fresh {
		seed := filepath.Join(workdir, "supabase", "seed.sql")
		if _, err := os.Stat(seed); err == nil {
			if err := dbsetup.Seed(ctx, conn, seed); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "applied supabase/seed.sql")
		}
	}
	return nil
}

// authenticatorURL logs in as the authenticator role instead of the
// superuser: the dev cluster trusts loopback connections.
func authenticatorURL(superURL string) string {
	cfg, err := pgx.ParseConfig(superURL)
	if err != nil {
		return superURL
	}
	return fmt.Sprintf("postgres://authenticator@%s:%d/%s?sslmode=disable", cfg.Host, cfg.Port, cfg.Database)
}
