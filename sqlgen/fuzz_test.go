package sqlgen

import (
	"regexp"
	"strings"
	"testing"

	"github.com/rowgate/rowgate/pgrest"
)

// sqlWords are the unquoted words the builder itself writes.
var sqlWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`WITH AS SELECT FROM WHERE AND OR NOT ORDER BY ASC DESC NULLS FIRST LAST
		LIMIT OFFSET LEFT INNER JOIN LATERAL ON TRUE IS NULL DISTINCT FALSE UNKNOWN ANY ALL LIKE ILIKE
		CAST COALESCE VARIADIC pgrst_source pgrst_source_count pg_catalog count _postgrest_t null bigint
		total_result_set page_total body response_headers response_status json_agg jsonb coalesce text
		current_setting nullif true row_to_json to_jsonb to_tsvector to_tsquery plainto_tsquery
		phraseto_tsquery websearch_to_tsquery json_strip_nulls string_agg json_object_keys k r hh s a
		substring length chr pgrst_call pgrst_scalar EXPLAIN FORMAT JSON`) {
		sqlWords[w] = true
	}
}

var (
	quotedIdent = regexp.MustCompile(`"(?:[^"]|"")*"`)
	stringLit   = regexp.MustCompile(`'(?:[^']|'')*'`)
	placeholder = regexp.MustCompile(`\$[0-9]+`)
	castType    = regexp.MustCompile(`::[A-Za-z_][A-Za-z0-9_ ]*(?:\[\])*|:: *"[^"]*"`)
	castAs      = regexp.MustCompile(` AS [A-Za-z0-9_$ ]+(?:\[\])*\)`)
	word        = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_$]*`)
	allowedLits = map[string]bool{
		`'[]'`: true, `'null'`: true, `','`: true, `''`: true,
		`'response.headers'`: true, `'response.status'`: true,
	}
)

// assertQuoted checks that no request text reaches the SQL unquoted: after
// removing quoted identifiers, the builder's fixed string literals,
// placeholders, catalog type casts and validated CAST types, only the
// builder's own words may remain.
func assertQuoted(t *testing.T, sql string) {
	t.Helper()
	if strings.ContainsRune(sql, 0) {
		t.Fatalf("NUL byte in SQL: %q", sql)
	}
	rest := quotedIdent.ReplaceAllString(sql, " I ")
	for _, lit := range stringLit.FindAllString(rest, -1) {
		if !allowedLits[lit] {
			t.Fatalf("unexpected string literal %s in SQL: %s", lit, sql)
		}
	}
	rest = stringLit.ReplaceAllString(rest, " L ")
	rest = placeholder.ReplaceAllString(rest, " P ")
	rest = castType.ReplaceAllString(rest, " ")
	rest = castAs.ReplaceAllString(rest, " AS T)")
	for _, w := range word.FindAllString(rest, -1) {
		if w != "I" && w != "L" && w != "P" && w != "T" && !sqlWords[w] {
			t.Fatalf("unquoted word %q in SQL: %s", w, sql)
		}
	}
	for _, r := range rest {
		if r >= 0x80 || (r < 0x20 && r != '\n') {
			t.Fatalf("unexpected character %q outside quotes in SQL: %s", r, sql)
		}
	}
}

func FuzzRead(f *testing.F) {
	seeds := []string{
		"select=id,title&status=eq.todo",
		"select=id,project:projects(name,org:orgs(name))&order=id.desc&limit=2",
		"select=*,tags!inner(name)&tags.name=eq.infra",
		`or=(status.eq.todo,and(points.gt.3,labels.cs.{urgent}))`,
		"select=title,meta->>priority::int&meta->priority=eq.1",
		"select=id,...projects(name)&title=fts(english).rocket",
		"select=id,assignee:users!tasks_assignee_fkey(name)&assignee.name=like.A*&order=assignee(name).asc.nullslast",
		"select=alias:title::text,title_length&id=in.(1,2,\"3\")",
	}
	for _, s := range seeds {
		f.Add("tasks", s)
	}
	f.Add("projects", "select=name,tasks(title,tags(name))&tasks.order=id&tasks.limit=1&active_period=adj.[10,20)")
	f.Add("rpc/search_tasks", "q=rocket&select=id,title")
	f.Add("rpc/add_numbers", "a=1&b=2")
	f.Fuzz(func(t *testing.T, resource, query string) {
		// count=estimated also builds the count CTE and the EXPLAIN.
		req, err := pgrest.ParseRequest("GET", "/"+resource, query, pgrest.Headers{Prefer: []string{"count=estimated"}})
		if err != nil {
			return
		}
		q, err := Read(req, testCache, Options{MaxRows: 100})
		if err != nil {
			return
		}
		for _, a := range q.Args {
			if _, ok := a.(string); !ok {
				t.Fatalf("non-string argument %T", a)
			}
		}
		assertQuoted(t, q.SQL)
		if q.Explain != nil {
			assertQuoted(t, q.Explain.SQL)
			// Every explain argument is used, and only those exist.
			used := map[int]bool{}
			for _, n := range placeholdersOutsideQuotes(q.Explain.SQL) {
				if n < 1 || n > len(q.Explain.Args) {
					t.Fatalf("placeholder $%d of %d arguments in %s", n, len(q.Explain.Args), q.Explain.SQL)
				}
				used[n] = true
			}
			if len(used) != len(q.Explain.Args) {
				t.Fatalf("explain uses %d of %d arguments: %s", len(used), len(q.Explain.Args), q.Explain.SQL)
			}
		}
	})
}

func BenchmarkRead(b *testing.B) {
	req, err := pgrest.ParseRequest("GET", "/tasks",
		"select=id,title,status,project:projects(id,name)&status=eq.todo&points=gte.3&order=id.desc&limit=20",
		pgrest.Headers{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(req, testCache, Options{MaxRows: 1000}); err != nil {
			b.Fatal(err)
		}
	}
}
