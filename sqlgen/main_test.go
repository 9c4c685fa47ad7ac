package sqlgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rowgate/rowgate/internal/pgtest"
	"github.com/rowgate/rowgate/schema"
)

// The package's tests share one fixture database (schema/testdata/
// fixture.sql), created on the internal/pgtest server in TestMain and
// dropped afterwards.
var (
	testConnString string
	testCache      *schema.Cache
)

func TestMain(m *testing.M) {
	pgtest.MainWith(m, setupFixture)
}

func setupFixture(base string) (func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	name, err := createFixtureDB(ctx, base)
	if err != nil {
		return nil, fmt.Errorf("set up test database: %w", err)
	}
	teardown := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := dropDB(ctx, base, name); err != nil {
			fmt.Fprintln(os.Stderr, "drop test database:", err)
		}
	}
	conn, err := pgx.Connect(ctx, testConnString)
	if err != nil {
		teardown()
		return nil, fmt.Errorf("connect test database: %w", err)
	}
	testCache, err = schema.Load(ctx, conn, []string{"public"})
	conn.Close(ctx)
	if err != nil {
		teardown()
		return nil, fmt.Errorf("load schema cache: %w", err)
	}
	return teardown, nil
}

func createFixtureDB(ctx context.Context, base string) (string, error) {
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", fmt.Errorf("connect admin: %w", err)
	}
	defer admin.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "rowgate_sqlgen_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	for _, role := range []string{"anon", "authenticated"} {
		if _, err := admin.Exec(ctx, `DO $$ BEGIN CREATE ROLE `+role+` NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`); err != nil {
			_ = dropDB(ctx, base, name)
			return "", fmt.Errorf("create role %s: %w", role, err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		_ = dropDB(ctx, base, name)
		return "", fmt.Errorf("parse database url: %w", err)
	}
	u.Path = "/" + name
	testConnString = u.String()
	sql, err := os.ReadFile("../schema/testdata/fixture.sql")
	if err != nil {
		_ = dropDB(ctx, base, name)
		return "", fmt.Errorf("read fixture: %w", err)
	}
	conn, err := pgx.Connect(ctx, testConnString)
	if err != nil {
		_ = dropDB(ctx, base, name)
		return "", fmt.Errorf("connect test database: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, string(sql)); err != nil {
		_ = dropDB(ctx, base, name)
		return "", fmt.Errorf("load fixture: %w", err)
	}
	// Fresh statistics make the planner's estimates of count=planned
	// deterministic (the tables are small enough to be sampled whole).
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		_ = dropDB(ctx, base, name)
		return "", fmt.Errorf("analyze fixture: %w", err)
	}
	return name, nil
}

func dropDB(ctx context.Context, base, name string) error {
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		return fmt.Errorf("connect admin: %w", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database: %w", err)
	}
	return nil
}
