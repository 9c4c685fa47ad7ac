package dbsetup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migrationFile matches the Supabase CLI's migration names:
// <version>_<name>.sql with a numeric version, usually a UTC timestamp.
var migrationFile = regexp.MustCompile(`^([0-9]+)_(.*)\.sql$`)

// migrateLockKey is the advisory lock that keeps two migrators of the same
// database from applying the same file twice.
const migrateLockKey int64 = 0x726f7767617465 // "rowgate"

// Migration is one migration file.
type Migration struct {
	Version string // numeric prefix, e.g. "20240101120000"
	Name    string // the rest of the file name without ".sql"
	Path    string
}

// ListMigrations returns the migrations in dir in file-name order. Files not
// named <version>_<name>.sql are ignored, as the Supabase CLI ignores them.
// A missing dir holds no migrations.
func ListMigrations(dir string) ([]Migration, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dbsetup: read migrations: %w", err)
	}
	var ms []Migration
	seen := map[string]string{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		m := migrationFile.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		if prev, dup := seen[m[1]]; dup {
			return nil, fmt.Errorf("dbsetup: migrations %s and %s share version %s", prev, e.Name(), m[1])
		}
		seen[m[1]] = e.Name()
		ms = append(ms, Migration{Version: m[1], Name: m[2], Path: filepath.Join(dir, e.Name())})
	}
	sort.Slice(ms, func(i, j int) bool { return filepath.Base(ms[i].Path) < filepath.Base(ms[j].Path) })
	return ms, nil
}

// Migrate applies the migrations in migrationsDir (see [ListMigrations]) that
// supabase_migrations.schema_migrations does not list yet, in file-name
// order. Each runs in its own transaction together with its history row
// (version, name, statements), so a failing migration leaves no trace; the
// error names its file and the migrations before it stay applied.
//
// It returns the file names applied by this call. A migration must not
// contain its own BEGIN/COMMIT, nor statements that cannot run in a
// transaction block (such as CREATE INDEX CONCURRENTLY).
func Migrate(ctx context.Context, conn *pgx.Conn, migrationsDir string) (applied []string, err error) {
	ms, err := ListMigrations(migrationsDir)
	if err != nil {
		return nil, err
	}
	if err := ensureHistoryTable(ctx, conn); err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLockKey); err != nil {
		return nil, fmt.Errorf("dbsetup: lock migrations: %w", err)
	}
	defer func() {
		if _, uerr := conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", migrateLockKey); uerr != nil && err == nil {
			err = fmt.Errorf("dbsetup: unlock migrations: %w", uerr)
		}
	}()

	done := map[string]bool{}
	rows, err := conn.Query(ctx, "SELECT version FROM supabase_migrations.schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("dbsetup: read migration history: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("dbsetup: read migration history: %w", err)
	}
	for _, v := range versions {
		done[v] = true
	}

	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		file := filepath.Base(m.Path)
		body, err := os.ReadFile(m.Path)
		if err != nil {
			return applied, fmt.Errorf("dbsetup: migration %s: %w", file, err)
		}
		sql := string(body)
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if strings.TrimSpace(sql) != "" {
				if _, err := tx.Exec(ctx, sql); err != nil {
					return err
				}
			}
			_, err := tx.Exec(ctx,
				"INSERT INTO supabase_migrations.schema_migrations (version, name, statements) VALUES ($1, $2, $3)",
				m.Version, m.Name, SplitStatements(sql))
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("dbsetup: migration %s: %w", file, err)
		}
		applied = append(applied, file)
	}
	return applied, nil
}

// ensureHistoryTable creates the Supabase CLI's history table when missing,
// so Migrate also works on databases that were never bootstrapped.
func ensureHistoryTable(ctx context.Context, conn *pgx.Conn) error {
	var exists bool
	err := conn.QueryRow(ctx,
		"SELECT to_regclass('supabase_migrations.schema_migrations') IS NOT NULL").Scan(&exists)
	if err != nil {
		return fmt.Errorf("dbsetup: check migration history: %w", err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, `
CREATE SCHEMA IF NOT EXISTS supabase_migrations;
CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text PRIMARY KEY);
ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS statements text[];
ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS name text;`)
	if err != nil {
		return fmt.Errorf("dbsetup: create migration history: %w", err)
	}
	return nil
}

// Seed runs the SQL file at path (normally supabase/seed.sql) in one
// transaction. A missing file is not an error: there is nothing to seed.
func Seed(ctx context.Context, conn *pgx.Conn, path string) error {
	body, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dbsetup: read seed: %w", err)
	}
	if strings.TrimSpace(string(body)) == "" {
		return nil
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, string(body))
		return err
	})
	if err != nil {
		return fmt.Errorf("dbsetup: seed %s: %w", filepath.Base(path), err)
	}
	return nil
}
