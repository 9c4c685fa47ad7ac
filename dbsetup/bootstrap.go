package dbsetup

import (
	"context"
	_ "embed"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

//go:embed bootstrap.sql
var bootstrapSQL string

// ErrNotSuperuser is returned (wrapped) by [Bootstrap] when the connection's
// role is not a superuser.
var ErrNotSuperuser = errors.New("bootstrap needs a superuser connection")

// Bootstrap installs the Supabase baseline described in the package
// documentation into conn's database, in one transaction. It is safe to run
// repeatedly and concurrently (also on several databases of one cluster).
//
// Creating roles and event triggers requires a superuser; for any other role
// Bootstrap fails with an error wrapping [ErrNotSuperuser] before changing
// anything.
func Bootstrap(ctx context.Context, conn *pgx.Conn) error {
	var user string
	var super bool
	err := conn.QueryRow(ctx,
		"SELECT current_user, rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user").Scan(&user, &super)
	if err != nil {
		return fmt.Errorf("dbsetup: check role: %w", err)
	}
	if !super {
		return fmt.Errorf("dbsetup: %w: %q is not a superuser (connect as postgres or another superuser)", ErrNotSuperuser, user)
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// Without arguments pgx uses the simple protocol, which runs the
		// whole multi-statement script in one round trip.
		_, err := tx.Exec(ctx, bootstrapSQL)
		return err
	})
	if err != nil {
		return fmt.Errorf("dbsetup: bootstrap: %w", err)
	}
	return nil
}
