// Package localdb runs a private PostgreSQL server for `rowgate dev` and for
// tests: the "embedded default" database used when no --db-url is given.
//
// It does not bundle PostgreSQL; it uses the server binaries already installed
// on the machine (see [FindBinaries]). A [Cluster] lives in one folder,
// normally <workdir>/supabase/.rowgate/db, which holds:
//
//	rowgate.lock   flock held while the cluster is started; records our pid
//	postgres.log   the server's stderr
//	pgdata/        the PostgreSQL data directory (created by initdb on first use)
//
// The server is started directly as a child process (not daemonised through
// pg_ctl), listens on 127.0.0.1 and on a unix socket inside pgdata, and trusts
// the superuser "postgres" on those loopback transports only. On Linux the
// child receives SIGTERM if rowgate dies, so no server is left behind.
//
// PostgreSQL refuses to run as root. When rowgate runs as root, the server
// runs as the "postgres" system user if it exists, otherwise as a "rowgate"
// system user created on demand.
//
// Typical use:
//
//	c, err := localdb.Open(localdb.Options{Dir: "supabase/.rowgate/db", Port: 54322})
//	if err != nil { … }
//	if err := c.Start(ctx); err != nil { … }
//	defer c.Stop(context.Background())
//	conn, err := pgx.Connect(ctx, c.URL("postgres"))
//
// The package supports Unix-like systems only.
package localdb
