package lint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rowgate/rowgate/config"
)

// TestFixClerkGolden rewrites each testdata/fix/*.toml and compares with
// its .golden; every comment line of the input must survive.
func TestFixClerkGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/fix/*.toml")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := FixClerk(src, "well-hagfish-71.clerk.accounts.dev", nil)
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(in, ".toml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("fixed file differs from %s:\n%s", golden, got)
			}
			for _, line := range strings.Split(string(src), "\n") {
				if c := strings.TrimSpace(line); strings.HasPrefix(c, "#") && !strings.Contains(string(got), c) {
					t.Errorf("comment lost: %q", c)
				}
			}
			cfg, err := config.Parse(got, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !cfg.Auth.ThirdParty.Clerk.Enabled || cfg.Auth.ThirdParty.Clerk.Domain != "well-hagfish-71.clerk.accounts.dev" {
				t.Errorf("clerk not enabled: %+v", cfg.Auth.ThirdParty.Clerk)
			}
			// Fixing twice changes nothing.
			again, err := FixClerk(got, "well-hagfish-71.clerk.accounts.dev", nil)
			if err != nil || string(again) != string(got) {
				t.Errorf("second fix changed the file (err %v)", err)
			}
		})
	}
}

func TestFixClerkRefuses(t *testing.T) {
	tests := []struct {
		name, src, domain, want string
	}{
		{"scheme", "[auth]\nenabled = true\n", "https://clerk.example.com", "has invalid domain"},
		{"upper case", "[auth]\nenabled = true\n", "Clerk.Example.com", "has invalid domain"},
		{"port", "", "clerk.example.com:443", "has invalid domain"},
		{"empty", "", "", "without a domain"},
		{"other provider", "[auth.third_party.auth0]\nenabled = true\ntenant = \"t\"\n", "clerk.example.com", ErrOtherProvider.Error()},
		{"auth disabled", "[auth]\nenabled = false\n", "clerk.example.com", "enable auth first"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FixClerk([]byte(tc.src), tc.domain, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	var ve *config.ValidationError
	if err := ValidateClerkDomain("clerk.example"); !errors.As(err, &ve) {
		t.Errorf("ValidateClerkDomain(clerk.example) = %v, want a ValidationError", err)
	}
	if err := ValidateClerkDomain("foo.bar.clerk.accounts.dev"); err != nil {
		t.Errorf("valid domain refused: %v", err)
	}
}
