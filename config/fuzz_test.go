package config

import (
	"os"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, and that a configuration
// Parse accepts always resolves to issuers rowgate may trust.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile(templatePath); err == nil {
		f.Add(string(data))
	}
	for _, s := range []string{
		"",
		"[auth.third_party.clerk]\nenabled = true\ndomain = \"clerk.example.com\"\n",
		"[auth.third_party.aws_cognito]\nenabled = true\nuser_pool_id = \"env(X)\"\nuser_pool_region = \"r\"\n",
		"[rowgate]\nclock_skew = \"5s\"\ntx_end = \"rollback\"\n[rowgate.issuers.a]\nissuer = \"https://a.example\"\nallowed_roles = [\"member\"]\ndefault_role = \"member\"\n",
		"[rowgate.third_party.firebase]\naudience = \"x\"\n[auth.third_party.firebase]\nenabled = true\nproject_id = \"p\"\n",
		"[rowgate]\nclock_skew = 30\n",
	} {
		f.Add(s)
	}
	env := mapEnv(map[string]string{"X": "value", "SUPABASE_API_PORT": "1234"})
	f.Fuzz(func(t *testing.T, data string) {
		c, err := Parse([]byte(data), env)
		if err != nil {
			return
		}
		for _, iss := range c.TrustedIssuers() {
			if iss.Issuer == "" || iss.DiscoveryURL != iss.Issuer+DiscoverySuffix {
				t.Errorf("bad trusted issuer %+v", iss)
			}
			if IsPrivilegedRole(iss.DefaultRole) {
				t.Errorf("privileged default role in %+v", iss)
			}
			for _, r := range iss.AllowedRoles {
				if IsPrivilegedRole(r) {
					t.Errorf("privileged allowed role in %+v", iss)
				}
			}
		}
	})
}
