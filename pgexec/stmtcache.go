package pgexec

import (
	"container/list"
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultMaxPrepared bounds the prepared statements kept per connection.
const DefaultMaxPrepared = 256

// stmtCache remembers which statements one connection has prepared, least
// recently used first out. Statements are prepared inside the request's
// pipeline, after the role switch: pgx's own statement cache would describe
// them first, as the authenticator role, which fails on schemas only the
// impersonated role may use.
type stmtCache struct {
	max    int
	byText map[string]*list.Element // SQL → element holding a *pgconn.StatementDescription
	lru    list.List                // front = most recently used
	next   int
}

// lookup returns the description of the prepared statement for sql,
// marking it used, or for a statement not prepared yet a fresh name and the
// names of statements to deallocate first, so the cache stays bounded;
// statements looked up for the current request are never among them (they
// were just marked used).
func (c *stmtCache) lookup(sql string) (name string, desc *pgconn.StatementDescription, evict []string) {
	if c.byText == nil {
		c.byText = map[string]*list.Element{}
	}
	if e, ok := c.byText[sql]; ok {
		c.lru.MoveToFront(e)
		sd := e.Value.(*pgconn.StatementDescription)
		return sd.Name, sd, nil
	}
	c.next++
	name = "rowgate_" + strconv.Itoa(c.next)
	for c.lru.Len() >= c.max {
		e := c.lru.Back()
		old := e.Value.(*pgconn.StatementDescription)
		c.lru.Remove(e)
		delete(c.byText, old.SQL)
		evict = append(evict, old.Name)
	}
	return name, nil, evict
}

// add records a statement prepared on the connection (sd.Name, sd.SQL set).
func (c *stmtCache) add(sd *pgconn.StatementDescription) {
	if c.byText == nil {
		c.byText = map[string]*list.Element{}
	}
	c.byText[sd.SQL] = c.lru.PushFront(sd)
}

// caches maps each live connection to its statement cache. A connection is
// used by one request at a time, so a cache needs no lock of its own.
type caches struct {
	mu sync.Mutex
	m  map[*pgconn.PgConn]*stmtCache
}

func (p *Pool) statements(pc *pgconn.PgConn) *stmtCache {
	p.stmts.mu.Lock()
	defer p.stmts.mu.Unlock()
	c, ok := p.stmts.m[pc]
	if !ok {
		c = &stmtCache{max: p.maxPrepared}
		p.stmts.m[pc] = c
	}
	return c
}

func (p *Pool) forget(pc *pgconn.PgConn) {
	p.stmts.mu.Lock()
	delete(p.stmts.m, pc)
	p.stmts.mu.Unlock()
}
