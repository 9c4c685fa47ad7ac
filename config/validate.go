package config

import (
	"net"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// clerkDomainPattern is the CLI's check of auth.third_party.clerk.domain
// (host only, lower case, no scheme, port or path).
var clerkDomainPattern = regexp.MustCompile(`^(clerk([.][a-z0-9-]+){2,}|([a-z0-9-]+[.])+clerk[.]accounts[.]dev)$`)

// issuerNamePattern restricts [rowgate.issuers.<name>] names, which appear in
// logs and metric labels.
var issuerNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// TxEndValues are the accepted values of rowgate.tx_end (PostgREST's
// db-tx-end).
var TxEndValues = []string{"commit", "commit-allow-override", "rollback", "rollback-allow-override"}

// privilegedRoles may never be selected by a third-party token.
var privilegedRoles = []string{"service_role", "postgres", "supabase_admin", "authenticator"}

// IsPrivilegedRole reports whether rowgate refuses role for third-party
// issuers: service_role, postgres, supabase_admin, authenticator, and any
// role named supabase_* or pg_* (Supabase's internal and Postgres's
// predefined roles).
func IsPrivilegedRole(role string) bool {
	return slices.Contains(privilegedRoles, role) ||
		strings.HasPrefix(role, "supabase_") || strings.HasPrefix(role, "pg_")
}

func (c *Config) validate() error {
	if c.Auth.Enabled {
		if err := c.validateThirdParty(); err != nil {
			return err
		}
	}
	return c.validateRowgate()
}

// validateThirdParty mirrors the CLI's thirdParty.validate: providers in
// order firebase, auth0, cognito, clerk, workos; the first error wins; then
// more than one enabled provider is an error.
func (c *Config) validateThirdParty() error {
	tp := &c.Auth.ThirdParty
	enabled := 0
	if tp.Firebase.Enabled {
		enabled++
		if tp.Firebase.ProjectID == "" {
			return invalid("auth.third_party.firebase", "Invalid config: auth.third_party.firebase is enabled but without a project_id.")
		}
	}
	if tp.Auth0.Enabled {
		enabled++
		if tp.Auth0.Tenant == "" {
			return invalid("auth.third_party.auth0", "Invalid config: auth.third_party.auth0 is enabled but without a tenant.")
		}
	}
	if tp.Cognito.Enabled {
		enabled++
		if tp.Cognito.UserPoolID == "" {
			return invalid("auth.third_party.aws_cognito", "Invalid config: auth.third_party.cognito is enabled but without a user_pool_id.")
		}
		c.warnUnset(tp.Cognito.UserPoolID)
		if tp.Cognito.UserPoolRegion == "" {
			return invalid("auth.third_party.aws_cognito", "Invalid config: auth.third_party.cognito is enabled but without a user_pool_region.")
		}
		c.warnUnset(tp.Cognito.UserPoolRegion)
	}
	if tp.Clerk.Enabled {
		enabled++
		if tp.Clerk.Domain == "" {
			return invalid("auth.third_party.clerk", "Invalid config: auth.third_party.clerk is enabled but without a domain.")
		}
		c.warnUnset(tp.Clerk.Domain)
		if !clerkDomainPattern.MatchString(tp.Clerk.Domain) {
			return invalid("auth.third_party.clerk", "Invalid config: auth.third_party.clerk has invalid domain, it usually is like clerk.example.com or example.clerk.accounts.dev. Check https://clerk.com/setup/supabase on how to find the correct value.")
		}
	}
	if tp.WorkOS.Enabled {
		enabled++
		if tp.WorkOS.IssuerURL == "" {
			return invalid("auth.third_party.workos", "Invalid config: auth.third_party.workos is enabled but without a issuer_url.")
		}
	}
	if enabled > 1 {
		return invalid("auth.third_party", "Invalid config: Only one third_party provider allowed to be enabled at a time.")
	}
	return nil
}

// warnUnset is the CLI's assertEnvLoaded: a value still of the form
// env(NAME) is a warning, not an error.
func (c *Config) warnUnset(s string) {
	if name, ok := unsetEnv(s); ok {
		c.Warnings = append(c.Warnings, "WARN: environment variable is unset: "+name)
	}
}

// validateRowgate checks the [rowgate] table, and rowgate's own demands on
// the enabled third-party provider.
func (c *Config) validateRowgate() error {
	r := &c.Rowgate
	if !slices.Contains(TxEndValues, r.TxEnd) {
		return invalid("rowgate.tx_end", "Invalid config: rowgate.tx_end has invalid value %q, it must be one of commit, commit-allow-override, rollback or rollback-allow-override.", r.TxEnd)
	}
	for _, d := range []struct {
		key string
		neg bool
	}{
		{"clock_skew", r.ClockSkew < 0},
		{"max_staleness", r.MaxStaleness < 0},
		{"max_token_lifetime", r.MaxTokenLifetime < 0},
	} {
		if d.neg {
			return invalid("rowgate."+d.key, "Invalid config: rowgate.%s must not be negative.", d.key)
		}
	}
	if r.JWTCacheSize < 0 {
		return invalid("rowgate.jwt_cache_size", "Invalid config: rowgate.jwt_cache_size must not be negative.")
	}
	if r.DBPool < 1 || r.DBPool > 1000 {
		return invalid("rowgate.db_pool", "Invalid config: rowgate.db_pool must be between 1 and 1000.")
	}
	for _, p := range r.ThirdParty.all() {
		if err := validateOptions("rowgate.third_party."+p.name, p.opts.JWKSURL, p.opts.AllowedRoles, p.opts.DefaultRole); err != nil {
			return err
		}
	}
	if c.Auth.Enabled && c.Auth.ThirdParty.WorkOS.Enabled {
		if err := checkURL("auth.third_party.workos.issuer_url", c.Auth.ThirdParty.WorkOS.IssuerURL, false); err != nil {
			return err
		}
	}

	names := make([]string, 0, len(r.Issuers))
	for name := range r.Issuers {
		names = append(names, name)
	}
	sort.Strings(names)
	seenName := map[string]string{}
	seenIssuer := map[string]string{}
	if tp, ok := c.thirdPartyIssuer(); ok {
		seenIssuer[strings.TrimSuffix(tp.Issuer, "/")] = "auth.third_party." + tp.Name
	}
	for _, name := range names {
		iss := r.Issuers[name]
		key := "rowgate.issuers." + name
		if !issuerNamePattern.MatchString(name) {
			return invalid(key, "Invalid config: rowgate.issuers.%q has an invalid name, use only letters, digits, '-' and '_'.", name)
		}
		if prev, dup := seenName[strings.ToLower(name)]; dup {
			return invalid(key, "Invalid config: rowgate.issuers.%s and rowgate.issuers.%s differ only in case.", prev, name)
		}
		seenName[strings.ToLower(name)] = name
		if iss.Issuer == "" {
			return invalid(key, "Invalid config: %s is defined but without an issuer.", key)
		}
		if err := checkURL(key+".issuer", iss.Issuer, false); err != nil {
			return err
		}
		norm := strings.TrimSuffix(iss.Issuer, "/")
		if prev, dup := seenIssuer[norm]; dup {
			return invalid(key, "Invalid config: %s has the same issuer as %s: %q.", key, prev, iss.Issuer)
		}
		seenIssuer[norm] = key
		if err := validateOptions(key, iss.JWKSURL, iss.AllowedRoles, iss.DefaultRole); err != nil {
			return err
		}
	}
	return nil
}

func validateOptions(key, jwksURL string, allowed []string, defaultRole string) error {
	if jwksURL != "" {
		if err := checkURL(key+".jwks_url", jwksURL, true); err != nil {
			return err
		}
	}
	for _, role := range allowed {
		if role == "" {
			return invalid(key+".allowed_roles", "Invalid config: %s.allowed_roles contains an empty role.", key)
		}
		if IsPrivilegedRole(role) {
			return invalid(key+".allowed_roles", "Invalid config: %s.allowed_roles includes the privileged role %q; rowgate never lets third-party tokens use service_role, postgres, supabase_admin, authenticator or any supabase_* or pg_* role.", key, role)
		}
	}
	if IsPrivilegedRole(defaultRole) {
		return invalid(key+".default_role", "Invalid config: %s.default_role is the privileged role %q; rowgate never lets third-party tokens use service_role, postgres, supabase_admin, authenticator or any supabase_* or pg_* role.", key, defaultRole)
	}
	if !slices.Contains(allowed, defaultRole) {
		return invalid(key+".default_role", "Invalid config: %s.default_role %q is not in %s.allowed_roles.", key, defaultRole, key)
	}
	return nil
}

// checkURL demands an absolute https URL; http is accepted only for loopback
// hosts (127.0.0.0/8, ::1, localhost). An issuer may not carry a query.
func checkURL(key, raw string, allowQuery bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return invalid(key, "Invalid config: %s must be an absolute https URL, got %q.", key, raw)
	}
	if u.User != nil {
		return invalid(key, "Invalid config: %s must not contain credentials.", key)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") || (!allowQuery && (u.RawQuery != "" || u.ForceQuery)) {
		return invalid(key, "Invalid config: %s must not have a query or fragment, got %q.", key, raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
	}
	return invalid(key, "Invalid config: %s must be an https URL (http is allowed only for loopback hosts), got %q.", key, raw)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
