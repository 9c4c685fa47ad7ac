// Package config reads supabase/config.toml the way the Supabase CLI does,
// plus rowgate's own [rowgate] table, which the CLI ignores.
//
// Only the sections rowgate uses are modelled: [api], [db], [auth] and
// [auth.third_party.*]. Every other table and key in the file is ignored, as
// the CLI ignores keys it does not know, so the unmodified template written
// by `supabase init` loads as is.
//
// Values are resolved in the CLI's order:
//
//  1. the TOML file, decoded over [Default];
//  2. SUPABASE_-prefixed environment variables, named after the key with '.'
//     replaced by '_' and upper-cased (SUPABASE_AUTH_THIRD_PARTY_CLERK_DOMAIN
//     overrides auth.third_party.clerk.domain);
//  3. string values of the form env(NAME), replaced by the environment
//     variable NAME when it is set and non-empty (the CLI's LoadEnvHook);
//  4. validation: the CLI's third-party checks, with byte-identical messages,
//     then rowgate's own checks of the [rowgate] table.
//
// The rest of the program does not read the raw sections for auth; it asks
// for the resolved list of issuers it must trust:
//
//	cfg, err := config.Load(".")
//	if err != nil {
//		return err
//	}
//	for _, iss := range cfg.TrustedIssuers() {
//		fmt.Println(iss.Name, iss.Issuer, iss.DiscoveryURL)
//	}
//
// rowgate never lets a third-party issuer reach the privileged roles
// service_role, postgres, supabase_admin or authenticator (nor any role
// named supabase_* or pg_*); configuring one is an error.
package config
