package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/auth/jwks"
	"github.com/rowgate/rowgate/pgexec"
	"github.com/rowgate/rowgate/schema"
)

// Options configures a Server. The cli package fills it from
// supabase/config.toml; nothing here reads configuration itself.
type Options struct {
	// Verifier resolves every request's identity.
	Verifier *auth.Verifier
	// Issuers reports the key sets of the trusted issuers, for /health.
	Issuers []IssuerStatus
	// DB runs the requests' transactions.
	DB *pgexec.Pool
	// Schema holds the current schema cache.
	Schema *schema.Holder
	// Schemas are the exposed schemas ([api] schemas); the first is the
	// default.
	Schemas []string
	// ExtraSearchPath is appended to the request's schema ([api]
	// extra_search_path).
	ExtraSearchPath []string
	// MaxRows caps every result ([api] max_rows); 0 means no cap.
	MaxRows int64
	// TxEnd is PostgREST's db-tx-end: commit, commit-allow-override,
	// rollback or rollback-allow-override.
	TxEnd string
	// ProjectJWKS is the public JWKS of the project's signing keys, served
	// at /auth/v1/.well-known/jwks.json.
	ProjectJWKS []byte
	// Mounts are extra handlers by path prefix (the dev issuer under
	// /dev-issuer in `rowgate dev`).
	Mounts map[string]http.Handler
	// Registry receives the metrics; nil means a fresh registry.
	Registry *prometheus.Registry
	Logger   *slog.Logger
}

// MaxHeaderBytes caps request headers; larger requests (such as a 1 MiB
// token) are refused by net/http with 431 before any parsing.
const MaxHeaderBytes = 64 << 10

// IssuerStatus names a trusted issuer and reports its key set's state.
type IssuerStatus struct {
	Name   string
	Status func() jwks.Status
}

// Server is the HTTP handler for the whole API.
type Server struct {
	opts    Options
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *metrics
}

// New builds a Server.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.TxEnd == "" {
		opts.TxEnd = "commit"
	}
	s := &Server{opts: opts, log: opts.Logger, mux: http.NewServeMux()}
	s.metrics = newMetrics(opts.Registry, opts.DB)
	s.handle("GET /health", "health", s.health)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{}))
	s.handle("GET /auth/v1/.well-known/jwks.json", "jwks", s.projectJWKS)
	s.handle("/auth/v1/", "auth", s.authNotServed)
	s.handle("/rest/v1/", "rest", s.rest)
	s.handle("/rest/v1", "rest", s.rest)
	for prefix, h := range opts.Mounts {
		prefix = strings.TrimSuffix(prefix, "/")
		s.mux.Handle(prefix+"/", http.StripPrefix(prefix, h))
	}
	s.handle("/", "other", func(w http.ResponseWriter, r *http.Request) error {
		return rowgate.Errorf(http.StatusNotFound, rowgate.CodeInvalidPath, "Invalid path specified in request URL")
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); origin != "" {
		if cors(w, r, origin) {
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// handlerFunc is the shape of every handler: errors are rendered in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// anonKey marks, per request, whether the resolved role is the anonymous
// one; writeError needs it for 42501.
type anonKey struct{}

func (s *Server) handle(pattern, route string, h handlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := &statusWriter{ResponseWriter: w}
		anon := new(bool)
		*anon = true
		r = r.WithContext(context.WithValue(r.Context(), anonKey{}, anon))
		defer func() {
			if p := recover(); p != nil {
				s.log.ErrorContext(r.Context(), "panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
				if rw.status == 0 {
					writeError(rw, r, s.log, errors.New("panic"), *anon)
				}
			}
			s.metrics.observe(route, r.Method, rw.status, time.Since(start))
		}()
		if err := h(rw, r); err != nil {
			if rw.status != 0 {
				// Headers are out; nothing sensible can be sent.
				s.log.WarnContext(r.Context(), "error after response started", "path", r.URL.Path, "err", err)
				return
			}
			writeError(rw, r, s.log, err, *anon)
		}
	})
}

func setAnon(r *http.Request, anon bool) {
	if p, ok := r.Context().Value(anonKey{}).(*bool); ok {
		*p = anon
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// cors answers as PostgREST does (data-api.md §1.0). It reports whether the
// request was a preflight that is now fully answered.
func cors(w http.ResponseWriter, r *http.Request, origin string) bool {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Expose-Headers", "Content-Encoding, Content-Location, Content-Range, Content-Type, Date, Location, Server, Transfer-Encoding, Range-Unit")
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE, OPTIONS, HEAD")
		allowed := "Authorization"
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			allowed += ", " + req
		}
		h.Set("Access-Control-Allow-Headers", allowed)
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusOK)
		return true
	}
	return false
}

func (s *Server) projectJWKS(w http.ResponseWriter, r *http.Request) error {
	body := s.opts.ProjectJWKS
	if len(body) == 0 {
		body = []byte(`{"keys":[]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=600")
	_, err := w.Write(body)
	return err
}

// authNotServed answers Supabase Auth (GoTrue) paths: rowgate admits users of
// third-party providers and does not run Supabase Auth.
func (s *Server) authNotServed(w http.ResponseWriter, r *http.Request) error {
	return rowgate.Errorf(http.StatusNotFound, "not_found", "Supabase Auth endpoints are not served by rowgate; users sign in with the third-party provider (see [auth.third_party] in supabase/config.toml)")
}

// health reports whether the database and every trusted issuer's keys are
// usable: 200 when all are, else 503 naming what is not.
func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	type issuer struct {
		Name      string    `json:"name"`
		Issuer    string    `json:"issuer"`
		Ready     bool      `json:"ready"`
		Keys      int       `json:"keys"`
		Stale     bool      `json:"stale,omitempty"`
		LastFetch time.Time `json:"last_fetch,omitzero"`
		LastError string    `json:"last_error,omitempty"`
	}
	out := struct {
		Status   string   `json:"status"`
		Database string   `json:"database"`
		Schema   string   `json:"schema_cache"`
		Issuers  []issuer `json:"issuers"`
		Problems []string `json:"problems,omitempty"`
	}{Status: "ok", Database: "ok", Schema: "ok", Issuers: []issuer{}}
	if s.opts.DB == nil {
		out.Database = "not configured"
		out.Problems = append(out.Problems, "database: not configured")
	} else if err := s.opts.DB.Ping(r.Context()); err != nil {
		out.Database = "unreachable"
		out.Problems = append(out.Problems, "database: unreachable")
	}
	if s.opts.Schema == nil || s.opts.Schema.Load() == nil {
		out.Schema = "not loaded"
		out.Problems = append(out.Problems, "schema cache: not loaded")
	}
	for _, is := range s.opts.Issuers {
		st := is.Status()
		ready := st.Ready && !st.Stale
		out.Issuers = append(out.Issuers, issuer{Name: is.Name, Issuer: st.Issuer, Ready: ready, Keys: st.Keys, Stale: st.Stale, LastFetch: st.LastFetch, LastError: st.LastError})
		if !ready {
			out.Problems = append(out.Problems, "issuer "+is.Name+": no usable keys")
		}
	}
	status := http.StatusOK
	if len(out.Problems) > 0 {
		out.Status = "unavailable"
		status = http.StatusServiceUnavailable
	}
	body, err := json.Marshal(out)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

// ListenAndServe serves on addr until ctx is done, then shuts down
// gracefully, giving in-flight requests up to 10 s. ready, if not nil,
// receives the bound address once the listener is open.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln, ready)
}

// Serve is ListenAndServe on an existing listener.
func (s *Server) Serve(ctx context.Context, ln net.Listener, ready func(net.Addr)) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
