package schema

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rowgate/rowgate/internal/pgtest"
)

// newTestDB creates a throwaway database on the internal/pgtest server,
// loads testdata/fixture.sql into it (when fixture is true) and drops it
// when the test ends. It returns the database's connection string.
func newTestDB(t testing.TB, fixture bool) string {
	t.Helper()
	base := pgtest.AdminURL()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect admin: %v", err)
	}
	defer admin.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "rowgate_schema_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("connect admin for cleanup: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database: %v", err)
		}
	})
	for _, role := range []string{"anon", "authenticated"} {
		_, err := admin.Exec(ctx, `DO $$ BEGIN CREATE ROLE `+role+` NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`)
		if err != nil {
			t.Fatalf("create role %s: %v", role, err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse database url: %v", err)
	}
	u.Path = "/" + name
	connString := u.String()
	if fixture {
		sql, err := os.ReadFile("testdata/fixture.sql")
		if err != nil {
			t.Fatalf("read fixture: %v", err)
		}
		conn, err := pgx.Connect(ctx, connString)
		if err != nil {
			t.Fatalf("connect test database: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, string(sql)); err != nil {
			t.Fatalf("load fixture: %v", err)
		}
	}
	return connString
}

func connect(t testing.TB, connString string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestMain(m *testing.M) { pgtest.Main(m) }
