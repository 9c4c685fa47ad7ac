package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rowgate/rowgate/config"
)

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Inspect supabase/config.toml",
	}
	cmd.AddCommand(newConfigCheckCmd())
	return groupArgs(cmd)
}

func newConfigCheckCmd() *cobra.Command {
	var workdir string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate supabase/config.toml and print the resolved configuration",
		Long: `Validate supabase/config.toml exactly as the Supabase CLI does (same error
messages), then print what rowgate resolved from it: the API port and schemas,
each trusted issuer with its key source and roles. Exits 1 on an invalid file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(workdir, cmd.ErrOrStderr())
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return exitError{1}
			}
			printConfig(cmd.OutOrStdout(), cfg)
			return nil
		},
	}
	cmd.Flags().StringVar(&workdir, "workdir", ".", "project directory containing supabase/config.toml")
	return cmd
}

func printConfig(w interface{ Write([]byte) (int, error) }, cfg *config.Config) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("config: valid")
	p("api: port %d, schemas %s, extra_search_path %s, max_rows %d",
		cfg.API.Port, strings.Join(cfg.API.Schemas, ", "), strings.Join(cfg.API.ExtraSearchPath, ", "), cfg.API.MaxRows)
	p("db: port %d", cfg.DB.Port)
	p("auth: enabled %t, project keys: publishable %s, secret %s", cfg.Auth.Enabled, mask(cfg.Auth.PublishableKey), mask(cfg.Auth.SecretKey))
	if cfg.Auth.SigningKeysPath != "" {
		p("auth: signing keys from %s", cfg.Auth.SigningKeysPath)
	}
	issuers := cfg.TrustedIssuers()
	if len(issuers) == 0 {
		p("trusted issuers: none (only project keys are accepted)")
	}
	for _, ti := range issuers {
		src := "OIDC discovery " + ti.DiscoveryURL
		if ti.JWKSURL != "" {
			src = "JWKS " + ti.JWKSURL
		}
		line := fmt.Sprintf("issuer %s (%s): %s; keys from %s; roles %s (default %s)",
			ti.Name, ti.Provider, ti.Issuer, src, strings.Join(ti.AllowedRoles, ", "), ti.DefaultRole)
		if ti.Audience != "" {
			line += "; audience " + ti.Audience
		}
		p("%s", line)
	}
	if cfg.Rowgate.AllowJWTTemplates {
		p("warning: [rowgate] allow_jwt_templates = true: HS256 tokens signed with the project's JWT secret are accepted for third-party issuers (deprecated pattern)")
	}
}

// mask shows only the start of a key: enough to recognise it, not to use it.
func mask(s string) string {
	if len(s) <= 16 {
		return strings.Repeat("*", len(s))
	}
	return s[:14] + "…"
}
