package config

import (
	"slices"
	"sort"
)

// Provider names used in [TrustedIssuer.Provider].
const (
	ProviderFirebase = "firebase"
	ProviderAuth0    = "auth0"
	ProviderCognito  = "aws_cognito"
	ProviderClerk    = "clerk"
	ProviderWorkOS   = "workos"
	ProviderOIDC     = "oidc"
)

// DiscoverySuffix is appended to an issuer to find its OIDC discovery
// document, exactly as the CLI does (no slash handling).
const DiscoverySuffix = "/.well-known/openid-configuration"

// TrustedIssuer is one issuer whose tokens rowgate admits, fully resolved.
type TrustedIssuer struct {
	// Name is the provider name for [auth.third_party.*] ("clerk",
	// "firebase", "auth0", "aws_cognito", "workos") or "issuers.<name>".
	Name string
	// Provider is clerk, firebase, auth0, aws_cognito, workos or oidc.
	Provider string
	// Issuer is the expected iss claim.
	Issuer string
	// JWKSURL is the key set location; "" means use DiscoveryURL.
	JWKSURL string
	// DiscoveryURL is Issuer + "/.well-known/openid-configuration".
	DiscoveryURL string
	// AllowedRoles are the roles a token may select; never privileged ones.
	AllowedRoles []string
	// DefaultRole applies to tokens without a role claim.
	DefaultRole string
	// Audience, when set, must be in the token's aud. Firebase defaults to
	// the Firebase project id.
	Audience string
}

// IssuerURL returns the issuer the CLI derives: https://securetoken.google.com/<project_id>.
func (f Firebase) IssuerURL() string { return "https://securetoken.google.com/" + f.ProjectID }

// IssuerURL returns https://<tenant>.<tenant_region>.auth0.com, or
// https://<tenant>.auth0.com when no region is set (no trailing slash, as
// the CLI derives it).
func (a Auth0) IssuerURL() string {
	if a.TenantRegion != "" {
		return "https://" + a.Tenant + "." + a.TenantRegion + ".auth0.com"
	}
	return "https://" + a.Tenant + ".auth0.com"
}

// IssuerURL returns https://cognito-idp.<region>.amazonaws.com/<user_pool_id>.
func (c Cognito) IssuerURL() string {
	return "https://cognito-idp." + c.UserPoolRegion + ".amazonaws.com/" + c.UserPoolID
}

// IssuerURL returns https://<domain>.
func (c Clerk) IssuerURL() string { return "https://" + c.Domain }

// IssuerURL returns the issuer of the first enabled provider in the CLI's
// order (firebase, auth0, cognito, clerk, workos), or "" when none is
// enabled. WorkOS's issuer_url is used verbatim.
func (tp ThirdParty) IssuerURL() string {
	name, iss, _ := tp.enabled()
	if name == "" {
		return ""
	}
	return iss
}

// enabled returns the first enabled provider's name and issuer.
func (tp ThirdParty) enabled() (name, issuer, audience string) {
	switch {
	case tp.Firebase.Enabled:
		return ProviderFirebase, tp.Firebase.IssuerURL(), tp.Firebase.ProjectID
	case tp.Auth0.Enabled:
		return ProviderAuth0, tp.Auth0.IssuerURL(), ""
	case tp.Cognito.Enabled:
		return ProviderCognito, tp.Cognito.IssuerURL(), ""
	case tp.Clerk.Enabled:
		return ProviderClerk, tp.Clerk.IssuerURL(), ""
	case tp.WorkOS.Enabled:
		return ProviderWorkOS, tp.WorkOS.IssuerURL, ""
	}
	return "", "", ""
}

type namedOptions struct {
	name string
	opts *IssuerOptions
}

// all lists the provider tables in the CLI's order.
func (r *RowgateThirdParty) all() []namedOptions {
	return []namedOptions{
		{ProviderFirebase, &r.Firebase},
		{ProviderAuth0, &r.Auth0},
		{ProviderCognito, &r.Cognito},
		{ProviderClerk, &r.Clerk},
		{ProviderWorkOS, &r.WorkOS},
	}
}

func (r *RowgateThirdParty) get(name string) *IssuerOptions {
	for _, p := range r.all() {
		if p.name == name {
			return p.opts
		}
	}
	return nil
}

// thirdPartyIssuer resolves the enabled [auth.third_party.*] provider, if
// auth is enabled and a provider is.
func (c *Config) thirdPartyIssuer() (TrustedIssuer, bool) {
	if !c.Auth.Enabled {
		return TrustedIssuer{}, false
	}
	name, iss, aud := c.Auth.ThirdParty.enabled()
	if name == "" {
		return TrustedIssuer{}, false
	}
	o := c.Rowgate.ThirdParty.get(name)
	if o.Audience != "" {
		aud = o.Audience
	}
	return TrustedIssuer{
		Name:         name,
		Provider:     name,
		Issuer:       iss,
		JWKSURL:      o.JWKSURL,
		DiscoveryURL: iss + DiscoverySuffix,
		AllowedRoles: rolesOrDefault(o.AllowedRoles),
		DefaultRole:  roleOrDefault(o.DefaultRole),
		Audience:     aud,
	}, true
}

// TrustedIssuers returns every issuer rowgate trusts: the enabled
// [auth.third_party.*] provider (only when auth is enabled) first, then the
// [rowgate.issuers.*] entries sorted by name. The slices are copies.
func (c *Config) TrustedIssuers() []TrustedIssuer {
	var out []TrustedIssuer
	if tp, ok := c.thirdPartyIssuer(); ok {
		out = append(out, tp)
	}
	names := make([]string, 0, len(c.Rowgate.Issuers))
	for name := range c.Rowgate.Issuers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		iss := c.Rowgate.Issuers[name]
		out = append(out, TrustedIssuer{
			Name:         "issuers." + name,
			Provider:     ProviderOIDC,
			Issuer:       iss.Issuer,
			JWKSURL:      iss.JWKSURL,
			DiscoveryURL: iss.Issuer + DiscoverySuffix,
			AllowedRoles: rolesOrDefault(iss.AllowedRoles),
			DefaultRole:  roleOrDefault(iss.DefaultRole),
			Audience:     iss.Audience,
		})
	}
	return out
}

func rolesOrDefault(r []string) []string {
	if r == nil {
		return DefaultAllowedRoles()
	}
	return slices.Clone(r)
}

func roleOrDefault(r string) string {
	if r == "" {
		return DefaultRole
	}
	return r
}
