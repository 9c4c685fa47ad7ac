package cli

import (
	"fmt"
	"log/slog"

	"github.com/rowgate/rowgate/auth"
	"github.com/rowgate/rowgate/auth/jwks"
	"github.com/rowgate/rowgate/config"
)

// buildVerifier builds the token verifier from the configuration exactly
// as the server does (see newApp): one jwks.Set per trusted issuer plus
// the project's secret, signing keys and API keys. The sets are returned
// unstarted, in the order of issuers; callers Start or FetchNow them and
// Close them when done. cacheSize is the verified-token cache size (-1
// disables it, as one-shot commands like doctor want).
func buildVerifier(cfg *config.Config, issuers []config.TrustedIssuer, log *slog.Logger, cacheSize int) (*auth.Verifier, []*jwks.Set, error) {
	var sets []*jwks.Set
	var authIssuers []auth.IssuerConfig
	for _, ti := range issuers {
		set, err := jwks.New(jwks.Options{
			Issuer:       ti.Issuer,
			JWKSURL:      ti.JWKSURL,
			MaxStaleness: cfg.Rowgate.MaxStaleness,
			Logger:       log.With("trusted_issuer", ti.Name),
		})
		if err != nil {
			return nil, nil, fmt.Errorf("issuer %s: %w", ti.Name, err)
		}
		sets = append(sets, set)
		authIssuers = append(authIssuers, auth.IssuerConfig{
			Name:         ti.Name,
			Provider:     ti.Provider,
			Issuer:       ti.Issuer,
			Keys:         set,
			AllowedRoles: ti.AllowedRoles,
			DefaultRole:  ti.DefaultRole,
			Audience:     ti.Audience,
		})
	}
	projectKeys, _, err := loadSigningKeys(cfg)
	if err != nil {
		return nil, nil, err
	}
	acfg := auth.Config{
		Issuers:           authIssuers,
		JWTSecret:         []byte(cfg.Auth.JWTSecret),
		PublishableKey:    cfg.Auth.PublishableKey,
		SecretKey:         cfg.Auth.SecretKey,
		AllowJWTTemplates: cfg.Rowgate.AllowJWTTemplates,
		Skew:              cfg.Rowgate.ClockSkew,
		MaxLifetime:       cfg.Rowgate.MaxTokenLifetime,
		CacheSize:         cacheSize,
		Logger:            log,
	}
	if projectKeys != nil {
		acfg.SigningKeys = projectKeys
	}
	v, err := auth.New(acfg)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: %w", err)
	}
	return v, sets, nil
}
