package schema

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Holder holds the current cache. Readers call Load once per request and
// use that snapshot throughout; a reload swaps in a new cache without
// blocking them. The zero value holds no cache.
type Holder struct {
	p atomic.Pointer[Cache]
}

// Load returns the current cache, or nil before the first Store.
func (h *Holder) Load() *Cache { return h.p.Load() }

// Store makes c the current cache.
func (h *Holder) Store(c *Cache) { h.p.Store(c) }

// Reloader reloads the schema cache into a Holder on demand (for SIGHUP or
// an admin endpoint).
type Reloader struct {
	Holder  *Holder
	Querier Querier
	Schemas []string
}

// Reload loads a fresh cache and stores it in r.Holder. On error the old
// cache stays in place.
func (r *Reloader) Reload(ctx context.Context) error {
	c, err := Load(ctx, r.Querier, r.Schemas)
	if err != nil {
		return fmt.Errorf("reload schema cache: %w", err)
	}
	r.Holder.Store(c)
	return nil
}

// Channel is the notification channel PostgREST listens on.
const Channel = "pgrst"

// Backoff bounds for reconnecting the listener, like PostgREST's (max 32 s).
var (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 32 * time.Second
)

// ListenAndReload opens its own connection to connString, LISTENs on channel
// pgrst and calls onReload with a freshly loaded cache (or the load error)
// once the listener is set up and then on every notification whose payload
// is "reload schema" or empty. Other payloads (e.g. "reload config") are
// ignored. After a connection failure it reconnects with exponential backoff
// and reloads again, since notifications may have been missed meanwhile;
// connection errors are reported through onReload with a nil cache.
//
// It runs until ctx is done and then returns ctx.Err(). onReload is called
// from this goroutine only, so calls never overlap.
func ListenAndReload(ctx context.Context, connString string, schemas []string, onReload func(*Cache, error)) error {
	backoff := minBackoff
	for {
		err := listenOnce(ctx, connString, schemas, onReload, func() { backoff = minBackoff })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		onReload(nil, fmt.Errorf("schema listener: %w", err))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// listenOnce runs one connection's lifetime; it returns the error that ended
// it. connected is called once LISTEN succeeded.
func listenOnce(ctx context.Context, connString string, schemas []string, onReload func(*Cache, error), connected func()) error {
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	connected()
	onReload(Load(ctx, conn, schemas))
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		if n.Channel != Channel || (n.Payload != "" && n.Payload != "reload schema") {
			continue
		}
		c, err := Load(ctx, conn, schemas)
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		onReload(c, err)
		if err != nil && conn.IsClosed() {
			return errors.New("connection closed during reload")
		}
	}
}
