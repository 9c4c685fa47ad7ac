// Package cli implements the rowgate command line: one file per subcommand
// (serve, dev, token, config check, db bootstrap|migrate). It is the only
// package that reads supabase/config.toml; it translates the configuration
// into the small option structs of the other packages and wires them
// together.
package cli
