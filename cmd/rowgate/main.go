// Command rowgate serves a Supabase-compatible Data API in front of
// PostgreSQL and admits users of third-party auth providers by verifying their
// tokens with the providers' public keys. See the README for usage.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/rowgate/rowgate/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
