package schema

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

type reloadResult struct {
	c   *Cache
	err error
}

func waitReload(t *testing.T, ch <-chan reloadResult, what string, ok func(reloadResult) bool) reloadResult {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case r := <-ch:
			if ok(r) {
				return r
			}
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestListenAndReload(t *testing.T) {
	connString := newTestDB(t, false)
	admin := connect(t, connString)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	oldMin := minBackoff
	minBackoff = 10 * time.Millisecond
	t.Cleanup(func() { minBackoff = oldMin })

	ch := make(chan reloadResult, 16)
	done := make(chan error, 1)
	go func() {
		done <- ListenAndReload(ctx, connString, []string{"public"}, func(c *Cache, err error) {
			ch <- reloadResult{c, err}
		})
	}()

	var h Holder
	if h.Load() != nil {
		t.Fatal("zero Holder is not empty")
	}
	first := waitReload(t, ch, "initial load", func(r reloadResult) bool { return r.err == nil })
	h.Store(first.c)
	if _, ok := first.c.Table("public", "widgets"); ok {
		t.Fatal("widgets exists before it was created")
	}

	if _, err := admin.Exec(ctx, `CREATE TABLE public.widgets (id int PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, `NOTIFY pgrst, 'reload schema'`); err != nil {
		t.Fatal(err)
	}
	r := waitReload(t, ch, "reload after NOTIFY", func(r reloadResult) bool { return r.err == nil })
	if _, ok := r.c.Table("public", "widgets"); !ok {
		t.Fatal("reloaded cache lacks widgets")
	}
	h.Store(r.c)
	if h.Load() != r.c {
		t.Error("Holder did not return the stored cache")
	}
	if _, ok := first.c.Table("public", "widgets"); ok {
		t.Error("old cache changed after reload")
	}

	// An empty payload reloads too.
	if _, err := admin.Exec(ctx, `CREATE TABLE public.gadgets (id int PRIMARY KEY); NOTIFY pgrst`); err != nil {
		t.Fatal(err)
	}
	r = waitReload(t, ch, "reload after empty NOTIFY", func(r reloadResult) bool { return r.err == nil })
	if _, ok := r.c.Table("public", "gadgets"); !ok {
		t.Fatal("reloaded cache lacks gadgets")
	}

	// Killing the listener's connection makes it reconnect and reload.
	u, _ := url.Parse(connString)
	db := strings.TrimPrefix(u.Path, "/")
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = $1 AND pid <> pg_backend_pid()`, db); err != nil {
		t.Fatal(err)
	}
	waitReload(t, ch, "connection error report", func(r reloadResult) bool { return r.err != nil && r.c == nil })
	if _, err := admin.Exec(ctx, `CREATE TABLE public.gizmos (id int PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	r = waitReload(t, ch, "reload after reconnect", func(r reloadResult) bool { return r.err == nil })
	if _, ok := r.c.Table("public", "gizmos"); !ok {
		t.Fatal("cache after reconnect lacks gizmos")
	}

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("ListenAndReload returned %v, want context.Canceled", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("ListenAndReload did not return after cancel")
	}
}

func TestReloader(t *testing.T) {
	connString := newTestDB(t, false)
	conn := connect(t, connString)
	var h Holder
	r := &Reloader{Holder: &h, Querier: conn, Schemas: []string{"public"}}
	ctx := context.Background()
	if err := r.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	old := h.Load()
	if old == nil {
		t.Fatal("Reload stored nothing")
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE public.things (id int)`); err != nil {
		t.Fatal(err)
	}
	if err := r.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.Load().Table("public", "things"); !ok {
		t.Error("reload did not pick up things")
	}
	// A failing load keeps the old cache.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	cur := h.Load()
	if err := r.Reload(cctx); err == nil {
		t.Error("Reload with cancelled context succeeded")
	}
	if h.Load() != cur {
		t.Error("failed Reload replaced the cache")
	}
}
