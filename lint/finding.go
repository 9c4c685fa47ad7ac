package lint

import (
	"cmp"
	"slices"
)

// Severity of a finding, as SARIF levels name them.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Rule ids.
const (
	RuleJWTTemplate         = "clerk-jwt-template"
	RuleTemplateHeader      = "template-token-header"
	RuleClerkNotTrusted     = "clerk-not-trusted"
	RuleConfigInvalid       = "config-invalid"
	RuleClientNoAccessToken = "client-without-access-token"
	RuleAuthUIDNonUUID      = "auth-uid-non-uuid"
	RuleRequestingUserID    = "requesting-user-id"
	RuleJWTSecret           = "committed-jwt-secret"
	RuleSecretKey           = "committed-secret-key"
	RuleServiceRoleJWT      = "committed-service-role-jwt"
)

// Rule describes one check: its id, severity and the why and fix texts
// shared by all its findings.
type Rule struct {
	ID       string
	Severity string
	// Title is a one-line summary.
	Title string
	// Why explains the problem; Fix tells what to change.
	Why, Fix string
}

// Rules lists every rule lint applies, in a stable order.
var Rules = []Rule{
	{
		ID: RuleJWTTemplate, Severity: SeverityError,
		Title: "Clerk token fetched from the deprecated \"supabase\" JWT template",
		Why:   "The JWT-template integration was deprecated on 1 April 2025: it needs the Supabase JWT secret copied into Clerk (HS256), which makes rotation painful and leaks the power to mint any role; rowgate refuses such tokens unless [rowgate] allow_jwt_templates = true.",
		Fix:   "Call getToken() without a template (the Clerk session token) and pass it through createClient's accessToken option; enable [auth.third_party.clerk] (rowgate lint --fix --clerk-domain …) and turn on Clerk's Supabase integration so session tokens carry role=authenticated.",
	},
	{
		ID: RuleTemplateHeader, Severity: SeverityError,
		Title: "Authorization header built from a JWT-template token",
		Why:   "A hand-made Authorization header (global.headers.Authorization or a custom fetch) freezes one token per client and carries the deprecated template token; Clerk tokens live 60 s, so the header goes stale.",
		Fix:   "Remove the header and the custom fetch; give createClient accessToken: async () => (await getToken()) ?? null, which supabase-js calls before every request.",
	},
	{
		ID: RuleClerkNotTrusted, Severity: SeverityError,
		Title: "Clerk is used but not trusted in supabase/config.toml",
		Why:   "Without an enabled [auth.third_party.clerk] (or a [rowgate.issuers.*] entry for the Clerk issuer) rowgate has no key to verify Clerk session tokens and answers 401 PGRST301.",
		Fix:   "Enable [auth.third_party.clerk] with your Clerk Frontend API domain: rowgate lint --fix --clerk-domain <your-app>.clerk.accounts.dev.",
	},
	{
		ID: RuleConfigInvalid, Severity: SeverityError,
		Title: "supabase/config.toml is invalid",
		Why:   "The Supabase CLI and rowgate refuse to start with this configuration.",
		Fix:   "Correct the value the message names; rowgate config check shows the resolved configuration.",
	},
	{
		ID: RuleClientNoAccessToken, Severity: SeverityWarning,
		Title: "createClient without the accessToken option in a Clerk project",
		Why:   "Without accessToken, supabase-js sends the anon key (or a fixed header) instead of the signed-in user's Clerk token, so requests run as anon and RLS sees no user.",
		Fix:   "Pass accessToken: async () => (await getToken()) ?? null (server: auth().getToken()) as the third argument's option.",
	},
	{
		ID: RuleAuthUIDNonUUID, Severity: SeverityError,
		Title: "auth.uid() used with non-UUID subjects",
		Why:   "auth.uid() casts the sub claim to uuid; Clerk (user_…), Firebase, Auth0 and WorkOS subjects are not UUIDs, so the cast fails with \"invalid input syntax for type uuid\" or the policy never matches.",
		Fix:   "Use (auth.jwt()->>'sub') and text columns, e.g. using ((select auth.jwt()->>'sub') = user_id) and default (auth.jwt()->>'sub').",
	},
	{
		ID: RuleRequestingUserID, Severity: SeverityWarning,
		Title: "requesting_user_id() helper from the old Clerk guide",
		Why:   "The helper reads request.jwt.claims by hand for the deprecated JWT-template integration; auth.jwt() is the supported accessor and works with rowgate and Supabase alike.",
		Fix:   "Replace requesting_user_id() with (auth.jwt()->>'sub') in policies and defaults, then drop the function.",
	},
	{
		ID: RuleJWTSecret, Severity: SeverityError,
		Title: "Supabase JWT secret committed",
		Why:   "Anyone with the JWT secret can mint a service_role token and bypass every RLS policy.",
		Fix:   "Rotate the secret, remove it from the repository and read it from the environment: jwt_secret = \"env(SUPABASE_AUTH_JWT_SECRET)\".",
	},
	{
		ID: RuleSecretKey, Severity: SeverityError,
		Title: "Supabase secret API key (sb_secret_…) committed",
		Why:   "A secret key acts as service_role and bypasses RLS.",
		Fix:   "Revoke the key in the dashboard, remove it from the repository and load it from the environment on the server only.",
	},
	{
		ID: RuleServiceRoleJWT, Severity: SeverityError,
		Title: "service_role JWT committed",
		Why:   "A service_role token bypasses every RLS policy until it expires (legacy keys live 10 years).",
		Fix:   "Rotate the JWT secret (which revokes the key), remove it from the repository and load the key from the environment on the server only.",
	},
}

// ruleByID returns the rule with id; it panics on an unknown id, which is
// a programming error caught by tests.
func ruleByID(id string) Rule {
	for _, r := range Rules {
		if r.ID == id {
			return r
		}
	}
	panic("lint: unknown rule " + id)
}

// Finding is one problem at one place.
type Finding struct {
	// Rule is the rule id, e.g. "clerk-jwt-template".
	Rule string `json:"rule"`
	// Severity is "error" or "warning".
	Severity string `json:"severity"`
	// File is the path, slash-separated, relative to the scanned root.
	File string `json:"file"`
	// Line and Col are 1-based; Col counts characters.
	Line int `json:"line"`
	Col  int `json:"col"`
	// What describes this occurrence; Why and Fix come from the rule.
	What string `json:"what"`
	Why  string `json:"why"`
	Fix  string `json:"fix"`
}

func newFinding(rule, file string, line, col int, what string) Finding {
	r := ruleByID(rule)
	return Finding{Rule: rule, Severity: r.Severity, File: file, Line: line, Col: col, What: what, Why: r.Why, Fix: r.Fix}
}

func sortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col), cmp.Compare(a.Rule, b.Rule))
	})
}
