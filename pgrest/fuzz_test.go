package pgrest

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rowgate/rowgate"
)

// FuzzParseRequest checks that the parser never panics, that every failure
// is a *rowgate.Error, that parsing is deterministic, and that every
// identifier in a successful tree is safe for the SQL builder to quote.
func FuzzParseRequest(f *testing.F) {
	f.Add("GET", "/todos", "select=id,title,owner:users(name)&done=eq.false&order=id.desc&limit=10", "", "", "")
	f.Add("GET", "/t", `or=(a.eq.1,and(b.gt.2,c.lt."3,4"))&x=in.(1,"a,b")&y=is.NULL&z=not.fts(english).cat`, "count=exact", "0-9", "application/vnd.pgrst.object+json")
	f.Add("POST", "/rpc/fn", "select=*,rel!fk!inner(a->b->>0::text),...s(c.sum())&rel.order=x.desc.nullslast&rel.limit=1", "return=representation, handling=strict", "", "text/csv")
	f.Add("GET", "/rpc/f", "a=1&b=eq.2&arr={x,y}&c.d.or=(e.like(any).{a*,b*})", "tx=rollback", "10-", "*/*")
	f.Fuzz(func(t *testing.T, method, path, query, prefer, rng, accept string) {
		h := Headers{Prefer: []string{prefer}, Range: rng, Accept: accept}
		r, err := ParseRequest(method, path, query, h)
		if err != nil {
			var re *rowgate.Error
			if !errors.As(err, &re) || re.Code == "" || re.Status < 400 {
				t.Fatalf("error %v (%T) is not a well-formed *rowgate.Error", err, err)
			}
			return
		}
		r2, err := ParseRequest(method, path, query, h)
		if err != nil || !reflect.DeepEqual(r, r2) {
			t.Fatalf("parse not deterministic: %v", err)
		}
		if msg := checkInvariants(r); msg != "" {
			t.Fatalf("invariant violated: %s\nquery: %q", msg, query)
		}
	})
}

// checkInvariants returns a description of the first broken invariant.
func checkInvariants(r *Request) string {
	var bad []string
	ident := func(what, s string) {
		if s == "" || strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
			bad = append(bad, what+" "+strconvQuote(s))
		}
	}
	optIdent := func(what, s string) {
		if s != "" {
			ident(what, s)
		}
	}
	typeName := func(what, s string) {
		if s == "" {
			return
		}
		for _, c := range s {
			if !isIdentRune(c) {
				bad = append(bad, what+" has "+strconvQuote(string(c)))
			}
		}
		if strings.TrimSpace(s) != s {
			bad = append(bad, what+" not trimmed")
		}
	}
	field := func(what string, f Field) {
		ident(what, f.Name)
		for _, s := range f.JSONPath {
			ident(what+" json key", s.Key)
			if s.Index && strings.Trim(s.Key, "-0123456789") != "" {
				bad = append(bad, "bad index "+s.Key)
			}
		}
	}
	var filter func(Filter)
	filter = func(f Filter) {
		field("filter", f.Field)
		typeName("fts lang", f.Lang)
		if (f.Op == OpIn) != (f.Values != nil) {
			bad = append(bad, "in without Values")
		}
		if _, ok := simpleOps[string(f.Op)]; !ok && f.Op != OpIn && f.Op != OpIs && !f.Op.IsFTS() {
			bad = append(bad, "unknown op "+string(f.Op))
		}
		if f.Op == OpIs {
			switch f.IsValue() {
			case IsNull, IsNotNull, IsTrue, IsFalse, IsUnknown:
			default:
				bad = append(bad, "bad is value")
			}
		}
	}
	var tree func(LogicTree)
	tree = func(t LogicTree) {
		if len(t.Children) == 0 || (t.Op != LogicAnd && t.Op != LogicOr) {
			bad = append(bad, "bad logic tree")
		}
		for _, c := range t.Children {
			if (c.Filter == nil) == (c.Tree == nil) {
				bad = append(bad, "logic node must have exactly one of filter/tree")
				continue
			}
			if c.Filter != nil {
				filter(*c.Filter)
			} else {
				tree(*c.Tree)
			}
		}
	}
	mods := func(m Modifiers) {
		for _, f := range m.Filters {
			filter(f)
		}
		for _, t := range m.Logic {
			tree(t)
		}
		for _, o := range m.Order {
			optIdent("order relation", o.Relation)
			field("order", o.Field)
		}
		if (m.Limit != nil && *m.Limit < 0) || m.Offset < 0 {
			bad = append(bad, "negative limit/offset")
		}
	}
	var sel func([]SelectItem)
	sel = func(items []SelectItem) {
		for _, it := range items {
			n := 0
			if it.Star {
				n++
			}
			if it.Embed != nil {
				n++
				ident("embed", it.Embed.Name)
				optIdent("embed alias", it.Embed.Alias)
				optIdent("hint", it.Embed.Hint)
				if it.Embed.Select == nil {
					bad = append(bad, "nil embed select")
				}
				sel(it.Embed.Select)
			}
			if it.Field.Name != "" || it.Aggregate != "" {
				n++
				if it.Field.Name != "" {
					field("select", it.Field)
				} else if it.Aggregate != AggCount {
					bad = append(bad, "aggregate without field")
				}
			}
			if n != 1 {
				bad = append(bad, "select item is not exactly one kind")
			}
			optIdent("alias", it.Alias)
			typeName("cast", it.Cast)
			typeName("aggregate cast", it.AggregateCast)
		}
	}
	ident("resource", r.Resource)
	if len(r.Select) == 0 {
		bad = append(bad, "empty select")
	}
	sel(r.Select)
	mods(r.Modifiers)
	for _, e := range r.Embedded {
		if len(e.Path) == 0 {
			bad = append(bad, "empty embed path")
		}
		for _, p := range e.Path {
			ident("embed path", p)
		}
		mods(e.Modifiers)
	}
	for _, c := range r.Columns {
		ident("column", c)
	}
	for _, c := range r.OnConflict {
		ident("on_conflict", c)
	}
	if len(bad) > 0 {
		return strings.Join(bad, "; ")
	}
	return ""
}

func strconvQuote(s string) string { return "\"" + strings.ToValidUTF8(s, "\uFFFD") + "\"" }

func TestCheckInvariantsDetects(t *testing.T) {
	r := mustParse(t, "GET", "/t", "select=a,b(c)&x=eq.1&or=(y.eq.2)", Headers{})
	if msg := checkInvariants(r); msg != "" {
		t.Fatalf("valid request flagged: %s", msg)
	}
	r.Select[1].Embed.Select[0].Field.Name = "c\x00"
	if checkInvariants(r) == "" {
		t.Error("NUL identifier not detected")
	}
	r = mustParse(t, "GET", "/t", "or=(y.eq.2)", Headers{})
	r.Logic[0].Children[0].Tree = &LogicTree{}
	if checkInvariants(r) == "" {
		t.Error("malformed logic node not detected")
	}
}
