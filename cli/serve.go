package cli

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"github.com/spf13/cobra"
)

type serveFlags struct {
	workdir string
	dbURL   string
	listen  string
	pprof   string
	logJSON bool
	dbPool  int
}

func newServeCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the Data API in front of an existing PostgreSQL database",
		Long: `Serve the Data API (/rest/v1), /health and /metrics in front of an existing
PostgreSQL database. The database URL comes from --db-url, else ROWGATE_DB_URL,
else DATABASE_URL; it should log in as the authenticator role (LOGIN NOINHERIT,
granted anon, authenticated and service_role), which "rowgate db bootstrap"
creates. Trusted issuers and keys come from supabase/config.toml in --workdir.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(f.workdir, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			dbURL := firstNonEmpty(f.dbURL, os.Getenv("ROWGATE_DB_URL"), os.Getenv("DATABASE_URL"))
			log := newLogger(cmd.ErrOrStderr(), f.logJSON)
			a, err := newApp(cmd.Context(), cfg, appOptions{DBURL: dbURL, Logger: log, DBPool: f.dbPool})
			if err != nil {
				return err
			}
			defer a.close()
			if f.pprof != "" {
				if err := startPprof(f.pprof, log); err != nil {
					return err
				}
			}
			listen := f.listen
			if listen == "" {
				listen = fmt.Sprintf("127.0.0.1:%d", cfg.API.Port)
			}
			return a.run(cmd.Context(), listen, func(addr net.Addr) {
				log.Info("rowgate listening", "addr", addr.String())
			})
		},
	}
	cmd.Flags().StringVar(&f.workdir, "workdir", ".", "project directory containing supabase/config.toml")
	cmd.Flags().StringVar(&f.dbURL, "db-url", "", "PostgreSQL URL (default $ROWGATE_DB_URL, then $DATABASE_URL)")
	cmd.Flags().StringVar(&f.listen, "listen", "", "address to listen on (default 127.0.0.1:[api].port)")
	cmd.Flags().StringVar(&f.pprof, "pprof", "", "serve net/http/pprof on this address (off by default; bind to loopback)")
	cmd.Flags().BoolVar(&f.logJSON, "log-json", false, "write logs as JSON")
	cmd.Flags().IntVar(&f.dbPool, "db-pool", 0, "connection pool size (default [rowgate] db_pool, 10)")
	return cmd
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func newLogger(w interface{ Write([]byte) (int, error) }, asJSON bool) *slog.Logger {
	if asJSON {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// startPprof serves the profiling endpoints on their own listener, never on
// the API's.
func startPprof(addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("pprof listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	log.Info("pprof listening", "addr", ln.Addr().String())
	return nil
}
