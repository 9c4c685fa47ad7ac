package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const templatePath = "testdata/supabase-cli-2.117.0-init-config.toml"

func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func mustParse(t *testing.T, data string, env map[string]string) *Config {
	t.Helper()
	c, err := Parse([]byte(data), mapEnv(env))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func parseErr(t *testing.T, data string, env map[string]string) error {
	t.Helper()
	c, err := Parse([]byte(data), mapEnv(env))
	if err == nil {
		t.Fatalf("Parse succeeded, want error; config: %+v", c)
	}
	return err
}

func readTemplate(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestTemplateLoadsWithDefaults(t *testing.T) {
	c, err := Parse(readTemplate(t), nil)
	if err != nil {
		t.Fatalf("Parse template: %v", err)
	}
	want := Default()
	want.ProjectID = "sbproj"
	if !reflect.DeepEqual(c, want) {
		t.Errorf("template config differs from defaults:\n got %+v\nwant %+v", c, want)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"api.enabled", c.API.Enabled, true},
		{"api.port", c.API.Port, 54321},
		{"api.schemas", c.API.Schemas, []string{"public", "graphql_public"}},
		{"api.extra_search_path", c.API.ExtraSearchPath, []string{"public", "extensions"}},
		{"api.max_rows", c.API.MaxRows, 1000},
		{"db.port", c.DB.Port, 54322},
		{"db.major_version", c.DB.MajorVersion, 17},
		{"auth.enabled", c.Auth.Enabled, true},
		{"auth.jwt_secret", c.Auth.JWTSecret, "super-secret-jwt-token-with-at-least-32-characters-long"},
		{"auth.jwt_expiry", c.Auth.JWTExpiry, 3600},
		{"auth.signing_keys_path", c.Auth.SigningKeysPath, ""},
		{"auth.publishable_key", c.Auth.PublishableKey, "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH"},
		{"auth.secret_key", c.Auth.SecretKey, "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"},
		{"rowgate.allow_jwt_templates", c.Rowgate.AllowJWTTemplates, false},
		{"rowgate.tx_end", c.Rowgate.TxEnd, "commit"},
		{"rowgate.clock_skew", c.Rowgate.ClockSkew, 30 * time.Second},
		{"rowgate.max_staleness", c.Rowgate.MaxStaleness, 24 * time.Hour},
		{"rowgate.max_token_lifetime", c.Rowgate.MaxTokenLifetime, 24 * time.Hour},
		{"rowgate.jwt_cache_size", c.Rowgate.JWTCacheSize, 1000},
		{"rowgate.third_party.clerk.allowed_roles", c.Rowgate.ThirdParty.Clerk.AllowedRoles, []string{"anon", "authenticated"}},
		{"rowgate.third_party.clerk.default_role", c.Rowgate.ThirdParty.Clerk.DefaultRole, "authenticated"},
		{"trusted issuers", len(c.TrustedIssuers()), 0},
		{"warnings", len(c.Warnings), 0},
		{"api url", c.APIURL(), "http://127.0.0.1:54321"},
	}
	for _, tc := range checks {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("got %#v, want %#v", tc.got, tc.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	t.Run("template", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "supabase"), 0o755); err != nil {
			t.Fatal(err)
		}
		data := append(readTemplate(t), []byte("\n[auth.signing_keys]\n")...)
		data = bytes.Replace(data, []byte("[auth]\nenabled = true\n"), []byte("[auth]\nenabled = true\nsigning_keys_path = \"./signing_keys.json\"\n"), 1)
		if err := os.WriteFile(filepath.Join(dir, "supabase", "config.toml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := LoadOptions(dir, Options{})
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if c.Dir != filepath.Join(dir, "supabase") {
			t.Errorf("Dir = %q", c.Dir)
		}
		if got, want := c.ResolvePath(c.Auth.SigningKeysPath), filepath.Join(dir, "supabase", "signing_keys.json"); got != want {
			t.Errorf("ResolvePath = %q, want %q", got, want)
		}
		if got := c.ResolvePath("/abs/keys.json"); got != "/abs/keys.json" {
			t.Errorf("ResolvePath(abs) = %q", got)
		}
	})
	t.Run("missing file names the path", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Load(dir)
		if err == nil {
			t.Fatal("Load succeeded without a file")
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error %v is not fs.ErrNotExist", err)
		}
		if want := filepath.Join(dir, "supabase", "config.toml"); !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	})
	t.Run("validation error text unchanged", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "supabase"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(Path(dir), []byte("[auth.third_party.clerk]\nenabled = true\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadOptions(dir, Options{})
		if err == nil || err.Error() != "Invalid config: auth.third_party.clerk is enabled but without a domain." {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("syntax error names the path", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "supabase"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(Path(dir), []byte("[api\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadOptions(dir, Options{})
		if err == nil || !strings.Contains(err.Error(), Path(dir)) {
			t.Errorf("err = %v, want it to name %s", err, Path(dir))
		}
	})
}

func TestThirdPartyCLIMessages(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want string
	}{
		{"firebase without project_id", "[auth.third_party.firebase]\nenabled = true\n",
			"Invalid config: auth.third_party.firebase is enabled but without a project_id."},
		{"auth0 without tenant", "[auth.third_party.auth0]\nenabled = true\ntenant_region = \"us\"\n",
			"Invalid config: auth.third_party.auth0 is enabled but without a tenant."},
		{"cognito without user_pool_id", "[auth.third_party.aws_cognito]\nenabled = true\nuser_pool_region = \"us-east-1\"\n",
			"Invalid config: auth.third_party.cognito is enabled but without a user_pool_id."},
		{"cognito without region", "[auth.third_party.aws_cognito]\nenabled = true\nuser_pool_id = \"us-east-1_abc\"\n",
			"Invalid config: auth.third_party.cognito is enabled but without a user_pool_region."},
		{"clerk without domain", "[auth.third_party.clerk]\nenabled = true\n",
			"Invalid config: auth.third_party.clerk is enabled but without a domain."},
		{"clerk bad domain", "[auth.third_party.clerk]\nenabled = true\ndomain = \"https://clerk.example.com\"\n",
			"Invalid config: auth.third_party.clerk has invalid domain, it usually is like clerk.example.com or example.clerk.accounts.dev. Check https://clerk.com/setup/supabase on how to find the correct value."},
		{"workos without issuer_url", "[auth.third_party.workos]\nenabled = true\n",
			"Invalid config: auth.third_party.workos is enabled but without a issuer_url."},
		{"two valid providers", "[auth.third_party.firebase]\nenabled = true\nproject_id = \"p\"\n[auth.third_party.clerk]\nenabled = true\ndomain = \"clerk.example.com\"\n",
			"Invalid config: Only one third_party provider allowed to be enabled at a time."},
		{"first error wins over count", "[auth.third_party.firebase]\nenabled = true\n[auth.third_party.clerk]\nenabled = true\n",
			"Invalid config: auth.third_party.firebase is enabled but without a project_id."},
		{"order: auth0 before clerk", "[auth.third_party.clerk]\nenabled = true\n[auth.third_party.auth0]\nenabled = true\n",
			"Invalid config: auth.third_party.auth0 is enabled but without a tenant."},
		{"order: cognito before workos", "[auth.third_party.workos]\nenabled = true\n[auth.third_party.aws_cognito]\nenabled = true\n",
			"Invalid config: auth.third_party.cognito is enabled but without a user_pool_id."},
		{"order: clerk before workos", "[auth.third_party.workos]\nenabled = true\n[auth.third_party.clerk]\nenabled = true\ndomain = \"Clerk.Example.com\"\n",
			"Invalid config: auth.third_party.clerk has invalid domain, it usually is like clerk.example.com or example.clerk.accounts.dev. Check https://clerk.com/setup/supabase on how to find the correct value."},
		{"all five valid", "[auth.third_party.firebase]\nenabled = true\nproject_id = \"p\"\n[auth.third_party.auth0]\nenabled = true\ntenant = \"t\"\n[auth.third_party.aws_cognito]\nenabled = true\nuser_pool_id = \"i\"\nuser_pool_region = \"r\"\n[auth.third_party.clerk]\nenabled = true\ndomain = \"clerk.example.com\"\n[auth.third_party.workos]\nenabled = true\nissuer_url = \"https://api.workos.com/user_management/client_1\"\n",
			"Invalid config: Only one third_party provider allowed to be enabled at a time."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := parseErr(t, tc.toml, nil)
			if err.Error() != tc.want {
				t.Errorf("error text:\n got %q\nwant %q", err.Error(), tc.want)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !strings.HasPrefix(ve.Key, "auth.third_party") {
				t.Errorf("error %T %v is not a ValidationError for auth.third_party", err, err)
			}
		})
	}
}

func TestThirdPartyOnlyWhenAuthEnabled(t *testing.T) {
	c := mustParse(t, "[auth]\nenabled = false\n[auth.third_party.clerk]\nenabled = true\n[auth.third_party.firebase]\nenabled = true\n", nil)
	if c.Auth.Enabled {
		t.Fatal("auth.enabled should be false")
	}
	if got := c.TrustedIssuers(); len(got) != 0 {
		t.Errorf("TrustedIssuers with auth disabled = %+v, want none", got)
	}
}

func TestClerkDomainPattern(t *testing.T) {
	tests := []struct {
		domain string
		ok     bool
	}{
		{"clerk.example.com", true},
		{"clerk.my-app.co.uk", true},
		{"well-hagfish-71.clerk.accounts.dev", true},
		{"foo.bar.clerk.accounts.dev", true},
		{"clerk.accounts.dev", true},
		{"clerk.example", false},
		{"Clerk.Example.com", false},
		{"https://clerk.example.com", false},
		{"clerk.example.com/", false},
		{"clerk.example.com:443", false},
		{"example.com", false},
		{"clerk.example.com\n", false},
	}
	for _, tc := range tests {
		t.Run(tc.domain, func(t *testing.T) {
			if got := clerkDomainPattern.MatchString(tc.domain); got != tc.ok {
				t.Errorf("regex match = %v, want %v", got, tc.ok)
			}
			_, err := Parse([]byte("[auth.third_party.clerk]\nenabled = true\ndomain = \""+strings.ReplaceAll(tc.domain, "\n", `\n`)+"\"\n"), nil)
			if (err == nil) != tc.ok {
				t.Errorf("Parse error = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestEnvFunction(t *testing.T) {
	t.Run("replaced when set", func(t *testing.T) {
		c := mustParse(t, "[auth]\njwt_secret = \"env(MY_SECRET)\"\n[auth.third_party.clerk]\nenabled = true\ndomain = \"env(CLERK_DOMAIN)\"\n[api]\nschemas = [\"env(S1)\", \"api\"]\n",
			map[string]string{"MY_SECRET": "0123456789abcdef0123456789abcdef", "CLERK_DOMAIN": "clerk.example.com", "S1": "public"})
		if c.Auth.JWTSecret != "0123456789abcdef0123456789abcdef" {
			t.Errorf("jwt_secret = %q", c.Auth.JWTSecret)
		}
		if c.Auth.ThirdParty.Clerk.Domain != "clerk.example.com" {
			t.Errorf("clerk domain = %q", c.Auth.ThirdParty.Clerk.Domain)
		}
		if !reflect.DeepEqual(c.API.Schemas, []string{"public", "api"}) {
			t.Errorf("schemas = %q", c.API.Schemas)
		}
		if len(c.Warnings) != 0 {
			t.Errorf("warnings = %q", c.Warnings)
		}
	})
	t.Run("kept when unset or empty", func(t *testing.T) {
		c := mustParse(t, "[auth]\njwt_secret = \"env(UNSET)\"\npublishable_key = \"env(EMPTY)\"\n", map[string]string{"EMPTY": ""})
		if c.Auth.JWTSecret != "env(UNSET)" || c.Auth.PublishableKey != "env(EMPTY)" {
			t.Errorf("got %q, %q", c.Auth.JWTSecret, c.Auth.PublishableKey)
		}
	})
	t.Run("rowgate issuers", func(t *testing.T) {
		c := mustParse(t, "[rowgate.issuers.corp]\nissuer = \"env(CORP_ISSUER)\"\naudience = \"env(CORP_AUD)\"\n",
			map[string]string{"CORP_ISSUER": "https://id.corp.example", "CORP_AUD": "rowgate"})
		got := c.TrustedIssuers()
		if len(got) != 1 || got[0].Issuer != "https://id.corp.example" || got[0].Audience != "rowgate" {
			t.Errorf("TrustedIssuers = %+v", got)
		}
	})
	t.Run("clerk unset warns then fails the regex", func(t *testing.T) {
		var buf bytes.Buffer
		_, err := ParseOptions([]byte("[auth.third_party.clerk]\nenabled = true\ndomain = \"env(CLERK_DOMAIN)\"\n"), Options{Warnings: &buf})
		if err == nil || !strings.Contains(err.Error(), "has invalid domain") {
			t.Errorf("err = %v", err)
		}
		// The CLI prints the warning, then fails the domain check.
		if want := "WARN: environment variable is unset: CLERK_DOMAIN\n"; buf.String() != want {
			t.Errorf("warnings = %q, want %q", buf.String(), want)
		}
	})
	t.Run("cognito unset warns, not fails", func(t *testing.T) {
		var buf bytes.Buffer
		c, err := ParseOptions([]byte("[auth.third_party.aws_cognito]\nenabled = true\nuser_pool_id = \"env(POOL_ID)\"\nuser_pool_region = \"env(POOL_REGION)\"\n"), Options{Warnings: &buf})
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		want := "WARN: environment variable is unset: POOL_ID\nWARN: environment variable is unset: POOL_REGION\n"
		if buf.String() != want {
			t.Errorf("warnings:\n got %q\nwant %q", buf.String(), want)
		}
		if len(c.Warnings) != 2 || c.Warnings[0] != "WARN: environment variable is unset: POOL_ID" {
			t.Errorf("Config.Warnings = %q", c.Warnings)
		}
	})
	t.Run("no warning for other providers", func(t *testing.T) {
		c := mustParse(t, "[auth.third_party.firebase]\nenabled = true\nproject_id = \"env(FB)\"\n", nil)
		if len(c.Warnings) != 0 {
			t.Errorf("warnings = %q", c.Warnings)
		}
	})
}

func TestSupabaseEnvOverrides(t *testing.T) {
	t.Run("values", func(t *testing.T) {
		c := mustParse(t, "[api]\nport = 1\n", map[string]string{
			"SUPABASE_API_PORT":                           "6000",
			"SUPABASE_API_SCHEMAS":                        "public,api",
			"SUPABASE_AUTH_THIRD_PARTY_CLERK_ENABLED":     "true",
			"SUPABASE_AUTH_THIRD_PARTY_CLERK_DOMAIN":      "clerk.example.com",
			"SUPABASE_ROWGATE_CLOCK_SKEW":                 "5s",
			"SUPABASE_ROWGATE_THIRD_PARTY_CLERK_AUDIENCE": "aud1",
			"SUPABASE_DB_MAJOR_VERSION":                   "",
		})
		if c.API.Port != 6000 {
			t.Errorf("api.port = %d", c.API.Port)
		}
		if !reflect.DeepEqual(c.API.Schemas, []string{"public", "api"}) {
			t.Errorf("api.schemas = %q", c.API.Schemas)
		}
		if c.DB.MajorVersion != 17 {
			t.Errorf("empty variable applied: db.major_version = %d", c.DB.MajorVersion)
		}
		if c.Rowgate.ClockSkew != 5*time.Second {
			t.Errorf("clock_skew = %v", c.Rowgate.ClockSkew)
		}
		iss := c.TrustedIssuers()
		if len(iss) != 1 || iss[0].Issuer != "https://clerk.example.com" || iss[0].Audience != "aud1" {
			t.Errorf("TrustedIssuers = %+v", iss)
		}
		if c.APIURL() != "http://127.0.0.1:6000" {
			t.Errorf("APIURL = %q", c.APIURL())
		}
	})
	t.Run("override then env()", func(t *testing.T) {
		c := mustParse(t, "", map[string]string{"SUPABASE_AUTH_JWT_SECRET": "env(REAL)", "REAL": "abcdefghijklmnopqrstuvwxyz0123456789"})
		if c.Auth.JWTSecret != "abcdefghijklmnopqrstuvwxyz0123456789" {
			t.Errorf("jwt_secret = %q", c.Auth.JWTSecret)
		}
	})
	t.Run("override validated", func(t *testing.T) {
		err := parseErr(t, "", map[string]string{"SUPABASE_AUTH_THIRD_PARTY_CLERK_ENABLED": "1"})
		if err.Error() != "Invalid config: auth.third_party.clerk is enabled but without a domain." {
			t.Errorf("err = %v", err)
		}
	})
	bad := []struct{ name, val string }{
		{"SUPABASE_API_PORT", "abc"},
		{"SUPABASE_AUTH_ENABLED", "yes please"},
		{"SUPABASE_ROWGATE_MAX_STALENESS", "1 day"},
		{"SUPABASE_ROWGATE_JWT_CACHE_SIZE", "1e3"},
	}
	for _, tc := range bad {
		t.Run("bad "+tc.name, func(t *testing.T) {
			err := parseErr(t, "", map[string]string{tc.name: tc.val})
			if !strings.Contains(err.Error(), tc.name) {
				t.Errorf("error %q does not name %s", err, tc.name)
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	if got := EnvName("auth.third_party.aws_cognito.user_pool_id"); got != "SUPABASE_AUTH_THIRD_PARTY_AWS_COGNITO_USER_POOL_ID" {
		t.Errorf("EnvName = %q", got)
	}
}

func TestRowgateTable(t *testing.T) {
	t.Run("values", func(t *testing.T) {
		c := mustParse(t, `
[rowgate]
allow_jwt_templates = true
tx_end = "rollback-allow-override"
clock_skew = "5s"
max_staleness = "1h"
max_token_lifetime = "0"
jwt_cache_size = 0
`, nil)
		r := c.Rowgate
		if !r.AllowJWTTemplates || r.TxEnd != "rollback-allow-override" || r.ClockSkew != 5*time.Second ||
			r.MaxStaleness != time.Hour || r.MaxTokenLifetime != 0 || r.JWTCacheSize != 0 {
			t.Errorf("rowgate = %+v", r)
		}
	})
	tests := []struct {
		name string
		toml string
		want string
	}{
		{"bad tx_end", "[rowgate]\ntx_end = \"abort\"\n",
			`Invalid config: rowgate.tx_end has invalid value "abort", it must be one of commit, commit-allow-override, rollback or rollback-allow-override.`},
		{"empty tx_end", "[rowgate]\ntx_end = \"\"\n",
			`Invalid config: rowgate.tx_end has invalid value "", it must be one of commit, commit-allow-override, rollback or rollback-allow-override.`},
		{"bad duration", "[rowgate]\nclock_skew = \"soon\"\n", "soon"},
		{"integer duration", "[rowgate]\nclock_skew = 30\n",
			`Invalid config: rowgate.clock_skew must be a duration string such as "30s", got the integer 30.`},
		{"negative duration", "[rowgate]\nmax_staleness = \"-1m\"\n", "Invalid config: rowgate.max_staleness must not be negative."},
		{"negative cache", "[rowgate]\njwt_cache_size = -1\n", "Invalid config: rowgate.jwt_cache_size must not be negative."},
		{"service_role allowed", "[rowgate.issuers.corp]\nissuer = \"https://id.example.com\"\nallowed_roles = [\"authenticated\", \"service_role\"]\n",
			`Invalid config: rowgate.issuers.corp.allowed_roles includes the privileged role "service_role"; rowgate never lets third-party tokens use service_role, postgres, supabase_admin, authenticator or any supabase_* or pg_* role.`},
		{"postgres default", "[rowgate.issuers.corp]\nissuer = \"https://id.example.com\"\ndefault_role = \"postgres\"\n",
			`Invalid config: rowgate.issuers.corp.default_role is the privileged role "postgres"; rowgate never lets third-party tokens use service_role, postgres, supabase_admin, authenticator or any supabase_* or pg_* role.`},
		{"authenticator on clerk", "[rowgate.third_party.clerk]\nallowed_roles = [\"authenticator\"]\n", `rowgate.third_party.clerk.allowed_roles includes the privileged role "authenticator"`},
		{"supabase_admin", "[rowgate.third_party.auth0]\nallowed_roles = [\"supabase_admin\"]\n", `privileged role "supabase_admin"`},
		{"pg_ role", "[rowgate.issuers.x]\nissuer = \"https://x.example\"\nallowed_roles = [\"pg_read_all_data\"]\n", `privileged role "pg_read_all_data"`},
		{"default not allowed", "[rowgate.issuers.corp]\nissuer = \"https://id.example.com\"\nallowed_roles = [\"anon\"]\n",
			`Invalid config: rowgate.issuers.corp.default_role "authenticated" is not in rowgate.issuers.corp.allowed_roles.`},
		{"empty allowed roles", "[rowgate.third_party.clerk]\nallowed_roles = []\n",
			`Invalid config: rowgate.third_party.clerk.default_role "authenticated" is not in rowgate.third_party.clerk.allowed_roles.`},
		{"empty role", "[rowgate.issuers.corp]\nissuer = \"https://id.example.com\"\nallowed_roles = [\"\", \"authenticated\"]\n",
			"Invalid config: rowgate.issuers.corp.allowed_roles contains an empty role."},
		{"missing issuer", "[rowgate.issuers.corp]\naudience = \"a\"\n",
			"Invalid config: rowgate.issuers.corp is defined but without an issuer."},
		{"http issuer", "[rowgate.issuers.corp]\nissuer = \"http://id.example.com\"\n",
			`Invalid config: rowgate.issuers.corp.issuer must be an https URL (http is allowed only for loopback hosts), got "http://id.example.com".`},
		{"http jwks", "[rowgate.issuers.corp]\nissuer = \"https://id.example.com\"\njwks_url = \"http://10.0.0.1/jwks\"\n",
			`Invalid config: rowgate.issuers.corp.jwks_url must be an https URL (http is allowed only for loopback hosts), got "http://10.0.0.1/jwks".`},
		{"http third-party jwks", "[rowgate.third_party.clerk]\njwks_url = \"http://clerk.example.com/.well-known/jwks.json\"\n",
			`Invalid config: rowgate.third_party.clerk.jwks_url must be an https URL (http is allowed only for loopback hosts), got "http://clerk.example.com/.well-known/jwks.json".`},
		{"ftp issuer", "[rowgate.issuers.corp]\nissuer = \"ftp://id.example.com\"\n", `rowgate.issuers.corp.issuer must be an https URL`},
		{"relative issuer", "[rowgate.issuers.corp]\nissuer = \"id.example.com\"\n",
			`Invalid config: rowgate.issuers.corp.issuer must be an absolute https URL, got "id.example.com".`},
		{"issuer with query", "[rowgate.issuers.corp]\nissuer = \"https://id.example.com/?a=b\"\n", `must not have a query or fragment`},
		{"issuer with credentials", "[rowgate.issuers.corp]\nissuer = \"https://u:p@id.example.com\"\n", "Invalid config: rowgate.issuers.corp.issuer must not contain credentials."},
		{"http workos", "[auth.third_party.workos]\nenabled = true\nissuer_url = \"http://api.workos.com/user_management/client_1\"\n",
			`Invalid config: auth.third_party.workos.issuer_url must be an https URL (http is allowed only for loopback hosts), got "http://api.workos.com/user_management/client_1".`},
		{"same issuer twice", "[rowgate.issuers.a]\nissuer = \"https://id.example.com\"\n[rowgate.issuers.b]\nissuer = \"https://id.example.com/\"\n",
			`Invalid config: rowgate.issuers.b has the same issuer as rowgate.issuers.a: "https://id.example.com/".`},
		{"same issuer as clerk", "[auth.third_party.clerk]\nenabled = true\ndomain = \"clerk.example.com\"\n[rowgate.issuers.c]\nissuer = \"https://clerk.example.com\"\n",
			`Invalid config: rowgate.issuers.c has the same issuer as auth.third_party.clerk: "https://clerk.example.com".`},
		{"names differ in case", "[rowgate.issuers.Corp]\nissuer = \"https://a.example\"\n[rowgate.issuers.corp]\nissuer = \"https://b.example\"\n",
			"Invalid config: rowgate.issuers.Corp and rowgate.issuers.corp differ only in case."},
		{"bad name", "[rowgate.issuers.\"a b\"]\nissuer = \"https://a.example\"\n",
			`Invalid config: rowgate.issuers."a b" has an invalid name, use only letters, digits, '-' and '_'.`},
		{"duplicate table", "[rowgate.issuers.a]\nissuer = \"https://a.example\"\n[rowgate.issuers.a]\nissuer = \"https://b.example\"\n", "decode config"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := parseErr(t, tc.toml, nil)
			if strings.HasPrefix(tc.want, "Invalid config:") {
				if err.Error() != tc.want {
					t.Errorf("error text:\n got %q\nwant %q", err.Error(), tc.want)
				}
			} else if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err.Error(), tc.want)
			}
		})
	}
	okTests := []struct{ name, toml string }{
		{"loopback http issuer", "[rowgate.issuers.dev]\nissuer = \"http://127.0.0.1:54321/dev-issuer\"\n"},
		{"localhost http issuer", "[rowgate.issuers.dev]\nissuer = \"http://localhost:8080\"\njwks_url = \"http://LOCALHOST:8080/jwks\"\n"},
		{"ipv6 loopback", "[rowgate.issuers.dev]\nissuer = \"http://[::1]:9000\"\n"},
		{"127/8", "[rowgate.issuers.dev]\nissuer = \"http://127.1.2.3\"\n"},
		{"loopback workos", "[auth.third_party.workos]\nenabled = true\nissuer_url = \"http://127.0.0.1:9999/user_management/client_1\"\n"},
		{"jwks with query", "[rowgate.issuers.dev]\nissuer = \"https://a.example\"\njwks_url = \"https://a.example/keys?v=2\"\n"},
		{"commit-allow-override", "[rowgate]\ntx_end = \"commit-allow-override\"\n"},
		{"rollback", "[rowgate]\ntx_end = \"rollback\"\n"},
		{"integer zero duration", "[rowgate]\nmax_token_lifetime = 0\n"},
		{"custom role", "[rowgate.issuers.x]\nissuer = \"https://x.example\"\nallowed_roles = [\"member\"]\ndefault_role = \"member\"\n"},
	}
	for _, tc := range okTests {
		t.Run("ok "+tc.name, func(t *testing.T) {
			mustParse(t, tc.toml, nil)
		})
	}
}

func TestTrustedIssuers(t *testing.T) {
	defRoles := []string{"anon", "authenticated"}
	tests := []struct {
		name string
		toml string
		want []TrustedIssuer
	}{
		{"firebase", "[auth.third_party.firebase]\nenabled = true\nproject_id = \"my-fb\"\n", []TrustedIssuer{{
			Name: "firebase", Provider: "firebase", Issuer: "https://securetoken.google.com/my-fb",
			DiscoveryURL: "https://securetoken.google.com/my-fb/.well-known/openid-configuration",
			AllowedRoles: defRoles, DefaultRole: "authenticated", Audience: "my-fb",
		}}},
		{"firebase audience override", "[auth.third_party.firebase]\nenabled = true\nproject_id = \"my-fb\"\n[rowgate.third_party.firebase]\naudience = \"other\"\n", []TrustedIssuer{{
			Name: "firebase", Provider: "firebase", Issuer: "https://securetoken.google.com/my-fb",
			DiscoveryURL: "https://securetoken.google.com/my-fb/.well-known/openid-configuration",
			AllowedRoles: defRoles, DefaultRole: "authenticated", Audience: "other",
		}}},
		{"auth0 with region", "[auth.third_party.auth0]\nenabled = true\ntenant = \"acme\"\ntenant_region = \"eu\"\n", []TrustedIssuer{{
			Name: "auth0", Provider: "auth0", Issuer: "https://acme.eu.auth0.com",
			DiscoveryURL: "https://acme.eu.auth0.com/.well-known/openid-configuration",
			AllowedRoles: defRoles, DefaultRole: "authenticated",
		}}},
		{"auth0 without region", "[auth.third_party.auth0]\nenabled = true\ntenant = \"acme\"\n", []TrustedIssuer{{
			Name: "auth0", Provider: "auth0", Issuer: "https://acme.auth0.com",
			DiscoveryURL: "https://acme.auth0.com/.well-known/openid-configuration",
			AllowedRoles: defRoles, DefaultRole: "authenticated",
		}}},
		{"cognito", "[auth.third_party.aws_cognito]\nenabled = true\nuser_pool_id = \"us-east-1_AbC\"\nuser_pool_region = \"us-east-1\"\n", []TrustedIssuer{{
			Name: "aws_cognito", Provider: "aws_cognito", Issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC",
			DiscoveryURL: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC/.well-known/openid-configuration",
			AllowedRoles: defRoles, DefaultRole: "authenticated",
		}}},
		{"clerk tuned", "[auth.third_party.clerk]\nenabled = true\ndomain = \"well-hagfish-71.clerk.accounts.dev\"\n[rowgate.third_party.clerk]\njwks_url = \"https://well-hagfish-71.clerk.accounts.dev/.well-known/jwks.json\"\nallowed_roles = [\"authenticated\"]\n", []TrustedIssuer{{
			Name: "clerk", Provider: "clerk", Issuer: "https://well-hagfish-71.clerk.accounts.dev",
			JWKSURL:      "https://well-hagfish-71.clerk.accounts.dev/.well-known/jwks.json",
			DiscoveryURL: "https://well-hagfish-71.clerk.accounts.dev/.well-known/openid-configuration",
			AllowedRoles: []string{"authenticated"}, DefaultRole: "authenticated",
		}}},
		{"workos verbatim", "[auth.third_party.workos]\nenabled = true\nissuer_url = \"https://api.workos.com/user_management/client_01H\"\n", []TrustedIssuer{{
			Name: "workos", Provider: "workos", Issuer: "https://api.workos.com/user_management/client_01H",
			DiscoveryURL: "https://api.workos.com/user_management/client_01H/.well-known/openid-configuration",
			AllowedRoles: defRoles, DefaultRole: "authenticated",
		}}},
		{"clerk plus issuers sorted", "[auth.third_party.clerk]\nenabled = true\ndomain = \"clerk.example.com\"\n[rowgate.issuers.zeta]\nissuer = \"https://z.example\"\naudience = \"api\"\n[rowgate.issuers.alpha]\nissuer = \"http://127.0.0.1:54321/dev-issuer\"\njwks_url = \"http://127.0.0.1:54321/dev-issuer/.well-known/jwks.json\"\nallowed_roles = [\"anon\", \"authenticated\", \"member\"]\ndefault_role = \"member\"\n", []TrustedIssuer{
			{Name: "clerk", Provider: "clerk", Issuer: "https://clerk.example.com", DiscoveryURL: "https://clerk.example.com/.well-known/openid-configuration", AllowedRoles: defRoles, DefaultRole: "authenticated"},
			{Name: "issuers.alpha", Provider: "oidc", Issuer: "http://127.0.0.1:54321/dev-issuer",
				JWKSURL:      "http://127.0.0.1:54321/dev-issuer/.well-known/jwks.json",
				DiscoveryURL: "http://127.0.0.1:54321/dev-issuer/.well-known/openid-configuration",
				AllowedRoles: []string{"anon", "authenticated", "member"}, DefaultRole: "member"},
			{Name: "issuers.zeta", Provider: "oidc", Issuer: "https://z.example", DiscoveryURL: "https://z.example/.well-known/openid-configuration", AllowedRoles: defRoles, DefaultRole: "authenticated", Audience: "api"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustParse(t, tc.toml, nil)
			got := c.TrustedIssuers()
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("TrustedIssuers:\n got %+v\nwant %+v", got, tc.want)
			}
			if len(tc.want) > 0 && tc.want[0].Provider != "oidc" {
				if got := c.Auth.ThirdParty.IssuerURL(); got != tc.want[0].Issuer {
					t.Errorf("IssuerURL = %q, want %q", got, tc.want[0].Issuer)
				}
			}
			// Results are copies: changing them must not change the config.
			if len(got) > 0 {
				got[0].AllowedRoles[0] = "mutated"
				if again := c.TrustedIssuers(); again[0].AllowedRoles[0] == "mutated" {
					t.Error("TrustedIssuers shares AllowedRoles with the config")
				}
			}
		})
	}
}

func TestDefaultConfigTrustedIssuers(t *testing.T) {
	c := Default()
	c.Rowgate.Issuers = map[string]Issuer{"x": {Issuer: "https://x.example"}}
	got := c.TrustedIssuers()
	if len(got) != 1 || !reflect.DeepEqual(got[0].AllowedRoles, []string{"anon", "authenticated"}) || got[0].DefaultRole != "authenticated" {
		t.Errorf("TrustedIssuers on a programmatic config = %+v", got)
	}
	if c.Auth.ThirdParty.IssuerURL() != "" {
		t.Errorf("IssuerURL with nothing enabled = %q", c.Auth.ThirdParty.IssuerURL())
	}
}

func TestIsPrivilegedRole(t *testing.T) {
	for role, want := range map[string]bool{
		"service_role": true, "postgres": true, "supabase_admin": true, "authenticator": true,
		"supabase_auth_admin": true, "pg_write_all_data": true,
		"anon": false, "authenticated": false, "member": false, "Service_Role": false,
	} {
		t.Run(role, func(t *testing.T) {
			if got := IsPrivilegedRole(role); got != want {
				t.Errorf("IsPrivilegedRole(%q) = %v, want %v", role, got, want)
			}
		})
	}
}

func BenchmarkParseTemplate(b *testing.B) {
	data, err := os.ReadFile(templatePath)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Parse(data, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDBPool(t *testing.T) {
	tests := []struct {
		name, toml string
		want       int
		wantErr    string
	}{
		{"default", "", 10, ""},
		{"set", "[rowgate]\ndb_pool = 4\n", 4, ""},
		{"zero", "[rowgate]\ndb_pool = 0\n", 0, "Invalid config: rowgate.db_pool must be between 1 and 1000."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.toml), func(string) (string, bool) { return "", false })
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Rowgate.DBPool != tc.want {
				t.Fatalf("db_pool = %d, want %d", c.Rowgate.DBPool, tc.want)
			}
		})
	}
}
