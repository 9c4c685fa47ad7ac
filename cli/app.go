package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/auth/jwks"
	"github.com/rowgate/rowgate/config"
	"github.com/rowgate/rowgate/gateway"
	"github.com/rowgate/rowgate/pgexec"
	"github.com/rowgate/rowgate/schema"
)

// appOptions are the parts of a running server that do not come from
// config.toml.
type appOptions struct {
	DBURL string
	// ExtraIssuers are trusted in addition to the configured ones (the dev
	// issuer in `rowgate dev`).
	ExtraIssuers []config.TrustedIssuer
	// Mounts are extra HTTP handlers by path prefix.
	Mounts map[string]http.Handler
	Logger *slog.Logger
	// DBPool overrides [rowgate] db_pool when positive.
	DBPool int
}

// app is a wired rowgate server.
type app struct {
	cfg      *config.Config
	log      *slog.Logger
	sets     []*jwks.Set
	verifier *auth.Verifier
	pool     *pgexec.Pool
	schema   *schema.Holder
	server   *gateway.Server
	dbURL    string
}

// newApp wires the server from the configuration. It does not wait for the
// database or the issuers: both are reached in the background, and /health
// reports what is not usable yet.
func newApp(ctx context.Context, cfg *config.Config, o appOptions) (*app, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	a := &app{cfg: cfg, log: log, schema: &schema.Holder{}, dbURL: o.DBURL}

	issuers := append(cfg.TrustedIssuers(), o.ExtraIssuers...)
	cacheSize := cfg.Rowgate.JWTCacheSize
	if cacheSize == 0 {
		cacheSize = -1 // [rowgate] jwt_cache_size = 0 turns the cache off
	}
	var err error
	a.verifier, a.sets, err = buildVerifier(cfg, issuers, log, cacheSize)
	if err != nil {
		return nil, err
	}
	statuses := make([]gateway.IssuerStatus, len(issuers))
	for i, ti := range issuers {
		statuses[i] = gateway.IssuerStatus{Name: ti.Name, Status: a.sets[i].Status}
	}
	_, projectJWKS, err := loadSigningKeys(cfg)
	if err != nil {
		return nil, err
	}

	if o.DBURL == "" {
		return nil, fmt.Errorf("no database URL: pass --db-url or set ROWGATE_DB_URL or DATABASE_URL")
	}
	poolSize := cfg.Rowgate.DBPool
	if o.DBPool > 0 {
		poolSize = o.DBPool
	}
	a.pool, err = pgexec.Open(ctx, o.DBURL, pgexec.Options{MaxConns: int32(poolSize)})
	if err != nil {
		return nil, err
	}

	a.server = gateway.New(gateway.Options{
		Verifier:        a.verifier,
		Issuers:         statuses,
		DB:              a.pool,
		Schema:          a.schema,
		Schemas:         cfg.API.Schemas,
		ExtraSearchPath: cfg.API.ExtraSearchPath,
		MaxRows:         int64(cfg.API.MaxRows),
		TxEnd:           cfg.Rowgate.TxEnd,
		ProjectJWKS:     projectJWKS,
		Mounts:          o.Mounts,
		Logger:          log,
	})
	return a, nil
}

// loadSigningKeys reads [auth] signing_keys_path: a JSON array of private
// JWKs as `supabase gen signing-key` writes it. It returns the public keys
// as a key source and as the JWKS document served to clients.
func loadSigningKeys(cfg *config.Config) (*jwks.Set, []byte, error) {
	path := cfg.ResolvePath(cfg.Auth.SigningKeysPath)
	if path == "" {
		return nil, nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read auth.signing_keys_path: %w", err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("parse auth.signing_keys_path %s: %w", path, err)
	}
	var keys []jwks.Key
	var public []jose.JSONWebKey
	for i, r := range raw {
		pub, err := publicJWK(r)
		if err != nil {
			return nil, nil, fmt.Errorf("auth.signing_keys_path %s: key %d: %w", path, i, err)
		}
		k, err := jwks.KeyFromJWK(pub)
		if err != nil {
			return nil, nil, fmt.Errorf("auth.signing_keys_path %s: key %d: %w", path, i, err)
		}
		keys = append(keys, k)
		public = append(public, jose.JSONWebKey{Key: k.Public, KeyID: k.KID, Algorithm: k.Alg, Use: "sig"})
	}
	doc, err := json.Marshal(map[string]any{"keys": public})
	if err != nil {
		return nil, nil, err
	}
	return jwks.NewStatic(keys), doc, nil
}

// publicJWK drops the private members of a JWK: the signing keys file
// holds private keys, and only their public halves verify tokens or may be
// published.
func publicJWK(raw json.RawMessage) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("malformed JWK: %w", err)
	}
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
		delete(m, private)
	}
	// key_ops of a private key name "sign"; the public half verifies.
	delete(m, "key_ops")
	return json.Marshal(m)
}

// run starts the background work (key sets, schema cache and its reloads)
// and serves HTTP on listen until ctx is done.
func (a *app) run(ctx context.Context, listen string, ready func(net.Addr)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go a.keepSchema(ctx)
	return a.server.ListenAndServe(ctx, listen, func(addr net.Addr) {
		// Fetch keys only once the listener is open: the dev issuer is
		// served by this very server, and a first fetch refused before it
		// listens would wait out the retry backoff (seconds of 503 health).
		for _, s := range a.sets {
			s.Start(ctx)
		}
		if ready != nil {
			ready(addr)
		}
	})
}

// keepSchema loads the schema cache, reloads it on NOTIFY pgrst and on
// SIGHUP, and retries while the database is unreachable.
func (a *app) keepSchema(ctx context.Context) {
	reload := func() {
		c, err := schema.Load(ctx, a.pool.PGX(), a.cfg.API.Schemas)
		if err != nil {
			a.log.Warn("schema cache load failed", "err", err)
			return
		}
		a.schema.Store(c)
		if err := a.pool.LoadRoleSettings(ctx); err != nil {
			a.log.Warn("role settings load failed", "err", err)
		}
		a.log.Info("schema cache loaded")
	}
	for a.schema.Load() == nil && ctx.Err() == nil {
		reload()
		if a.schema.Load() != nil {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go schema.ListenAndReload(ctx, a.dbURL, a.cfg.API.Schemas, func(c *schema.Cache, err error) {
		if err != nil {
			if ctx.Err() == nil { // not merely shutting down
				a.log.Warn("schema reload failed", "err", err)
			}
			return
		}
		a.schema.Store(c)
		_ = a.pool.LoadRoleSettings(ctx)
		a.log.Info("schema cache reloaded (NOTIFY pgrst)")
	})
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			reload()
		}
	}
}

func (a *app) close() {
	for _, s := range a.sets {
		s.Close()
	}
	if a.pool != nil {
		a.pool.Close()
	}
}
