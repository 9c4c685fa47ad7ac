package doctor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rowgate/rowgate/auth/jwks"
	"github.com/rowgate/rowgate/config"
)

// Verdict is the outcome of one check.
type Verdict string

// Verdicts, from best to worst.
const (
	Pass Verdict = "pass"
	Warn Verdict = "warn"
	Fail Verdict = "fail"
)

// Check is one line of the checklist.
type Check struct {
	Verdict Verdict
	// Name says what was checked, e.g. "issuer clerk: JWKS".
	Name string
	// Detail explains the verdict and, for warn and fail, the fix.
	Detail string
}

// Report is the checklist.
type Report struct {
	Checks []Check
}

func (r *Report) add(v Verdict, name, format string, args ...any) {
	r.Checks = append(r.Checks, Check{Verdict: v, Name: name, Detail: fmt.Sprintf(format, args...)})
}

// Failed reports whether any check failed (exit code 1).
func (r *Report) Failed() bool {
	return slices.ContainsFunc(r.Checks, func(c Check) bool { return c.Verdict == Fail })
}

// WriteText writes one "[pass] name: detail" line per check and a summary.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	n := map[Verdict]int{}
	for _, c := range r.Checks {
		n[c.Verdict]++
		fmt.Fprintf(&b, "[%s] %s: %s\n", c.Verdict, c.Name, c.Detail)
	}
	fmt.Fprintf(&b, "%d passed, %d warnings, %d failed\n", n[Pass], n[Warn], n[Fail])
	_, err := io.WriteString(w, b.String())
	return err
}

// Options configure Run.
type Options struct {
	// Config is the loaded configuration; nil when loading failed, with
	// the error in ConfigErr.
	Config    *config.Config
	ConfigErr error
	// DBURL is the database to inspect; "" skips the database checks with a
	// warning.
	DBURL string
	// HTTPClient fetches discovery documents and key sets; nil uses the jwks
	// package's hardened default.
	HTTPClient *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// MaxClockSkewWarn is the clock difference from an issuer above which
// doctor warns; above the configured skew ([rowgate] clock_skew) it fails.
const MaxClockSkewWarn = 5 * time.Second

// Run performs every check.
func Run(ctx context.Context, o Options) *Report {
	if o.Now == nil {
		o.Now = time.Now
	}
	r := &Report{}
	if o.Config == nil {
		msg := "no configuration"
		if o.ConfigErr != nil {
			msg = o.ConfigErr.Error()
		}
		r.add(Fail, "config", "%s", msg)
	} else {
		r.add(Pass, "config", "supabase/config.toml is valid")
		for _, w := range o.Config.Warnings {
			r.add(Warn, "config", "%s", w)
		}
		issuers := o.Config.TrustedIssuers()
		if len(issuers) == 0 {
			r.add(Warn, "issuers", "no third-party issuer is trusted: only project keys are accepted")
		}
		for _, ti := range issuers {
			checkIssuer(ctx, r, o, ti)
		}
	}
	checkDatabase(ctx, r, o)
	return r
}

// checkIssuer fetches an issuer's key set the way the server does and
// compares the issuer's clock with ours.
func checkIssuer(ctx context.Context, r *Report, o Options, ti config.TrustedIssuer) {
	name := "issuer " + ti.Name
	set, err := jwks.New(jwks.Options{Issuer: ti.Issuer, JWKSURL: ti.JWKSURL, HTTPClient: o.HTTPClient, Now: o.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		r.add(Fail, name, "%s: %v", ti.Issuer, err)
		return
	}
	defer set.Close()
	if ti.JWKSURL == "" {
		checkDiscovery(ctx, r, o, name, ti)
	}
	if err := set.FetchNow(ctx); err != nil {
		r.add(Fail, name+": JWKS", "%v", err)
		return
	}
	st := set.Status()
	r.add(Pass, name+": JWKS", "%s: %d keys, algorithms %s, kids %s",
		st.Source, st.Keys, strings.Join(st.Algs, ", "), strings.Join(st.KIDs, ", "))
	if st.Source != "" && st.Source != "static" {
		if body, _, err := get(ctx, o, st.Source); err == nil {
			if _, dropped, err := jwks.Parse(body); err == nil {
				for _, d := range dropped {
					r.add(Warn, name+": JWKS", "key skipped: %s", d)
				}
			}
		}
	}
}

// checkDiscovery fetches the OIDC discovery document and checks the clock
// against its Date header.
func checkDiscovery(ctx context.Context, r *Report, o Options, name string, ti config.TrustedIssuer) {
	_, hdr, err := get(ctx, o, ti.DiscoveryURL)
	if err != nil {
		r.add(Fail, name+": discovery", "%s: %v", ti.DiscoveryURL, err)
		return
	}
	r.add(Pass, name+": discovery", "%s reachable", ti.DiscoveryURL)
	date, err := http.ParseTime(hdr.Get("Date"))
	if err != nil {
		r.add(Warn, name+": clock", "the issuer sent no usable Date header; clock skew not measured")
		return
	}
	skew := o.Now().Sub(date)
	abs := skew.Abs().Truncate(time.Second)
	allowed := config.DefaultClockSkew
	if o.Config != nil && o.Config.Rowgate.ClockSkew > 0 {
		allowed = o.Config.Rowgate.ClockSkew
	}
	switch {
	case abs > allowed:
		r.add(Fail, name+": clock", "local clock differs from the issuer's by %s (more than the allowed skew %s): fresh tokens will be refused as not yet valid or expired; sync the clock (NTP)", abs, allowed)
	case abs > MaxClockSkewWarn:
		r.add(Warn, name+": clock", "local clock differs from the issuer's by %s (allowed %s); sync the clock (NTP)", abs, allowed)
	default:
		r.add(Pass, name+": clock", "within %s of the issuer's clock", MaxClockSkewWarn)
	}
}

func get(ctx context.Context, o Options, url string) ([]byte, http.Header, error) {
	c := o.HTTPClient
	if c == nil {
		c = &http.Client{Timeout: jwks.DefaultTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, jwks.MaxBodySize))
	if err != nil {
		return nil, nil, fmt.Errorf("read: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, resp.Header, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return body, resp.Header, nil
}

// nonUUIDProviders issue subjects that are not UUIDs.
var nonUUIDProviders = []string{config.ProviderClerk, config.ProviderFirebase, config.ProviderAuth0, config.ProviderWorkOS}

func checkDatabase(ctx context.Context, r *Report, o Options) {
	if o.DBURL == "" {
		r.add(Warn, "database", "no database URL (--db-url, ROWGATE_DB_URL or DATABASE_URL): database checks skipped")
		return
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, o.DBURL)
	if err != nil {
		r.add(Fail, "database", "not reachable: %v", err)
		return
	}
	defer conn.Close(context.Background())
	var version string
	if err := conn.QueryRow(cctx, "SHOW server_version").Scan(&version); err != nil {
		r.add(Fail, "database", "query failed: %v", err)
		return
	}
	r.add(Pass, "database", "reachable (PostgreSQL %s)", version)

	var missing []string
	for _, role := range []string{"anon", "authenticated", "service_role", "authenticator"} {
		var ok bool
		if err := conn.QueryRow(cctx, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1)", role).Scan(&ok); err != nil {
			r.add(Fail, "database roles", "query failed: %v", err)
			return
		}
		if !ok {
			missing = append(missing, role)
		}
	}
	if len(missing) > 0 {
		r.add(Fail, "database roles", "missing %s: run rowgate db bootstrap", strings.Join(missing, ", "))
	} else {
		r.add(Pass, "database roles", "anon, authenticated, service_role and authenticator exist")
	}

	var hasJWT bool
	if err := conn.QueryRow(cctx, `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = 'auth' AND p.proname = 'jwt' AND p.pronargs = 0)`).Scan(&hasJWT); err == nil {
		if hasJWT {
			r.add(Pass, "auth.jwt()", "present")
		} else {
			r.add(Fail, "auth.jwt()", "missing: RLS policies cannot read the token's claims; run rowgate db bootstrap")
		}
	}

	var inherit, super bool
	err = conn.QueryRow(cctx, "SELECT rolinherit, rolsuper FROM pg_catalog.pg_roles WHERE rolname = 'authenticator'").Scan(&inherit, &super)
	switch {
	case err == pgx.ErrNoRows:
	case err != nil:
		r.add(Fail, "authenticator", "query failed: %v", err)
	case super:
		r.add(Fail, "authenticator", "is a superuser: every request would bypass RLS; ALTER ROLE authenticator NOSUPERUSER")
	case inherit:
		r.add(Fail, "authenticator", "has INHERIT: it holds the privileges of the roles it may switch to; ALTER ROLE authenticator NOINHERIT")
	default:
		r.add(Pass, "authenticator", "NOINHERIT and not a superuser")
	}

	schemas := []string{"public"}
	if o.Config != nil && len(o.Config.API.Schemas) > 0 {
		schemas = o.Config.API.Schemas
	}
	checkRLS(cctx, r, conn, schemas)
	checkPolicies(cctx, r, conn, o)
}

// checkRLS fails every table anon or authenticated can reach without row
// level security.
func checkRLS(ctx context.Context, r *Report, conn *pgx.Conn, schemas []string) {
	rows, err := conn.Query(ctx, `
SELECT n.nspname, c.relname, c.relrowsecurity,
       array_remove(ARRAY[
         CASE WHEN has_table_privilege('anon', c.oid, 'SELECT,INSERT,UPDATE,DELETE') THEN 'anon' END,
         CASE WHEN has_table_privilege('authenticated', c.oid, 'SELECT,INSERT,UPDATE,DELETE') THEN 'authenticated' END], NULL)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1)
  AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'anon')
  AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authenticated')
ORDER BY 1, 2`, schemas)
	if err != nil {
		r.add(Fail, "rls", "query failed: %v", err)
		return
	}
	defer rows.Close()
	exposed, bad := 0, 0
	for rows.Next() {
		var schema, table string
		var rls bool
		var roles []string
		if err := rows.Scan(&schema, &table, &rls, &roles); err != nil {
			r.add(Fail, "rls", "scan: %v", err)
			return
		}
		if len(roles) == 0 {
			continue
		}
		exposed++
		if !rls {
			bad++
			r.add(Fail, "rls "+schema+"."+table, "row level security is disabled but %s may use the table: ALTER TABLE %s.%s ENABLE ROW LEVEL SECURITY and add policies",
				strings.Join(roles, " and "), pgx.Identifier{schema}.Sanitize(), pgx.Identifier{table}.Sanitize())
		}
	}
	if err := rows.Err(); err != nil {
		r.add(Fail, "rls", "query failed: %v", err)
		return
	}
	if bad == 0 {
		r.add(Pass, "rls", "all %d tables exposed to anon/authenticated in %s have row level security", exposed, strings.Join(schemas, ", "))
	}
}

// checkPolicies flags policies calling auth.uid() when a trusted issuer's
// subjects are not UUIDs.
func checkPolicies(ctx context.Context, r *Report, conn *pgx.Conn, o Options) {
	if o.Config == nil {
		return
	}
	var nonUUID []string
	for _, ti := range o.Config.TrustedIssuers() {
		if slices.Contains(nonUUIDProviders, ti.Provider) {
			nonUUID = append(nonUUID, ti.Name)
		}
	}
	if len(nonUUID) == 0 {
		return
	}
	rows, err := conn.Query(ctx, `
SELECT schemaname, tablename, policyname FROM pg_catalog.pg_policies
WHERE coalesce(qual, '') ~* 'auth\.uid\(\)' OR coalesce(with_check, '') ~* 'auth\.uid\(\)'
ORDER BY 1, 2, 3`)
	if err != nil {
		r.add(Fail, "policies", "query failed: %v", err)
		return
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var schema, table, policy string
		if err := rows.Scan(&schema, &table, &policy); err != nil {
			r.add(Fail, "policies", "scan: %v", err)
			return
		}
		n++
		r.add(Fail, "policy "+schema+"."+table+" \""+policy+"\"",
			"calls auth.uid(), but %s subjects are not UUIDs: use (auth.jwt()->>'sub') and a text column instead",
			strings.Join(nonUUID, ", "))
	}
	if rows.Err() == nil && n == 0 {
		r.add(Pass, "policies", "no policy calls auth.uid() (issuer %s has non-UUID subjects)", strings.Join(nonUUID, ", "))
	}
}
