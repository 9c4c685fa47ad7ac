package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/rowgate/rowgate/devissuer"
)

type tokenFlags struct {
	workdir string
	sub     string
	org     string
	orgRole string
	orgSlug string
	ttl     time.Duration
	role    string
	noRole  bool
}

func newTokenCmd() *cobra.Command {
	var f tokenFlags
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print a Clerk-shaped session token signed by the dev issuer",
		Long: `Print a session token shaped like a Clerk v2 session token (azp, exp, iat,
iss, nbf, sid, sub, v=2, o{id,rol,slg,per}, role), signed by the dev issuer
that "rowgate dev" serves and trusts for the same --workdir. Use it as
"Authorization: Bearer <token>" with the publishable key as apikey.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(f.workdir, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			iss, err := devissuer.Open(stateDir(f.workdir))
			if err != nil {
				return err
			}
			tok, err := iss.Mint(devissuer.TokenOptions{
				Issuer:   devIssuerURL(cfg),
				Subject:  f.sub,
				OrgID:    f.org,
				OrgRole:  f.orgRole,
				OrgSlug:  f.orgSlug,
				TTL:      f.ttl,
				Role:     f.role,
				OmitRole: f.noRole,
			})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}
	cmd.Flags().StringVar(&f.workdir, "workdir", ".", "project directory (the dev issuer's key is under supabase/.rowgate)")
	cmd.Flags().StringVar(&f.sub, "sub", "user_123", "subject: the Clerk user id")
	cmd.Flags().StringVar(&f.org, "org", "", "active organization id (sets the o claim)")
	cmd.Flags().StringVar(&f.orgRole, "org-role", "", "role in the active organization, without the org: prefix (e.g. admin)")
	cmd.Flags().StringVar(&f.orgSlug, "org-slug", "", "slug of the active organization")
	cmd.Flags().DurationVar(&f.ttl, "ttl", 60*time.Second, "token lifetime")
	cmd.Flags().StringVar(&f.role, "role", "authenticated", "value of the role claim")
	cmd.Flags().BoolVar(&f.noRole, "no-role", false, "omit the role claim (the issuer's default_role applies)")
	return cmd
}
