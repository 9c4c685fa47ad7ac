package pgrest

import (
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, method, path, query string, h Headers) *Request {
	t.Helper()
	r, err := ParseRequest(method, path, query, h)
	if err != nil {
		t.Fatalf("ParseRequest(%s %s?%s): %v", method, path, query, err)
	}
	return r
}

func TestParseRequestTypical(t *testing.T) {
	r := mustParse(t, "get", "/todos", "select=id,title,owner:users(name)&done=eq.false&order=id.desc&limit=10", Headers{})
	want := &Request{
		Method:      "GET",
		Resource:    "todos",
		Select:      []SelectItem{{Field: col("id")}, {Field: col("title")}, {Embed: &Embed{Name: "users", Alias: "owner", Select: []SelectItem{{Field: col("name")}}}}},
		SelectGiven: true,
		Modifiers: Modifiers{
			Filters: []Filter{{Field: col("done"), Op: OpEq, Value: "false"}},
			Order:   []OrderTerm{{Field: col("id"), Direction: OrderDesc}},
			Limit:   i64(10),
		},
		Params:    []Param{{Key: "done", Value: "eq.false"}},
		Accept:    MediaType{Kind: MediaJSON, Any: true},
		Canonical: "done=eq.false&limit=10&order=id.desc&select=id%2Ctitle%2Cowner%3Ausers%28name%29",
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("\n got %+v\nwant %+v", r, want)
	}
}

func TestParseRequestPaths(t *testing.T) {
	tests := []struct {
		name, method, path string
		resource           string
		rpc                bool
		err                *wantErr
	}{
		{"table", "GET", "/todos", "todos", false, nil},
		{"table no slash", "GET", "todos", "todos", false, nil},
		{"rpc", "POST", "/rpc/fn", "fn", true, nil},
		{"table named rpc", "GET", "/rpc", "rpc", false, nil},
		{"unicode", "GET", "/tâche", "tâche", false, nil},
		{"root", "GET", "/", "", false, &wantErr{404, "PGRST125", "Invalid path specified in request URL", ""}},
		{"empty", "GET", "", "", false, &wantErr{404, "PGRST125", "Invalid path specified in request URL", ""}},
		{"nested", "GET", "/todos/1", "", false, &wantErr{404, "PGRST125", "", ""}},
		{"trailing slash", "GET", "/todos/", "", false, &wantErr{404, "PGRST125", "", ""}},
		{"rpc without name", "POST", "/rpc/", "", false, &wantErr{404, "PGRST125", "", ""}},
		{"rpc nested", "POST", "/rpc/a/b", "", false, &wantErr{404, "PGRST125", "", ""}},
		{"nul", "GET", "/a\x00b", "", false, &wantErr{404, "PGRST125", "", ""}},
		{"rpc patch", "PATCH", "/rpc/fn", "", false, &wantErr{405, "PGRST101", "Cannot use the PATCH method on RPC", ""}},
		{"rpc delete", "DELETE", "/rpc/fn", "", false, &wantErr{405, "PGRST101", "Cannot use the DELETE method on RPC", ""}},
		{"unknown method", "TRACE", "/todos", "", false, &wantErr{405, "PGRST117", "Unsupported HTTP method: TRACE", ""}},
		{"put", "PUT", "/todos", "todos", false, nil},
		{"options rpc", "OPTIONS", "/rpc/fn", "fn", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRequest(tt.method, tt.path, "", Headers{})
			if tt.err != nil {
				checkErr(t, err, *tt.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Resource != tt.resource || r.RPC != tt.rpc {
				t.Errorf("resource=%q rpc=%v, want %q %v", r.Resource, r.RPC, tt.resource, tt.rpc)
			}
		})
	}
}

func TestParseRequestSchema(t *testing.T) {
	h := Headers{AcceptProfile: "api", ContentProfile: "admin"}
	for method, want := range map[string]string{"GET": "api", "HEAD": "api", "POST": "admin", "PATCH": "admin", "DELETE": "admin"} {
		t.Run(method, func(t *testing.T) {
			if got := mustParse(t, method, "/t", "", h).Schema; got != want {
				t.Errorf("schema = %q, want %q", got, want)
			}
		})
	}
}

func TestParseRequestDefaults(t *testing.T) {
	r := mustParse(t, "GET", "/t", "", Headers{})
	if r.SelectGiven || !reflect.DeepEqual(r.Select, []SelectItem{{Star: true}}) {
		t.Errorf("default select = %+v given=%v", r.Select, r.SelectGiven)
	}
	// Empty values are ignored, like PostgREST.
	r = mustParse(t, "GET", "/t", "select=&id=&order=&limit=", Headers{})
	if r.SelectGiven || r.Filters != nil || r.Order != nil || r.Limit != nil {
		t.Errorf("empty params not ignored: %+v", r)
	}
}

func TestParseRequestQuery(t *testing.T) {
	tests := []struct {
		name  string
		query string
		check func(t *testing.T, r *Request)
	}{
		{"plus is space", "name=eq.a+b&x=eq.%2B", func(t *testing.T, r *Request) {
			if r.Filters[0].Value != "a b" || r.Filters[1].Value != "+" {
				t.Errorf("values = %q %q", r.Filters[0].Value, r.Filters[1].Value)
			}
		}},
		{"semicolon separates", "a=eq.1;b=eq.2", func(t *testing.T, r *Request) {
			if len(r.Filters) != 2 {
				t.Errorf("filters = %+v", r.Filters)
			}
		}},
		{"bad escape kept", "a=eq.100%&b=eq.%zz", func(t *testing.T, r *Request) {
			if r.Filters[0].Value != "100%" || r.Filters[1].Value != "%zz" {
				t.Errorf("values = %q %q", r.Filters[0].Value, r.Filters[1].Value)
			}
		}},
		{"repeated filters and", "id=gt.0&id=lt.5", func(t *testing.T, r *Request) {
			if len(r.Filters) != 2 || r.Filters[1].Op != OpLt {
				t.Errorf("filters = %+v", r.Filters)
			}
			if r.Canonical != "id=gt.0,lt.5" {
				t.Errorf("canonical = %q", r.Canonical)
			}
		}},
		{"first select wins", "select=a&select=b", func(t *testing.T, r *Request) {
			if r.Select[0].Field.Name != "a" {
				t.Errorf("select = %+v", r.Select)
			}
		}},
		{"last limit wins", "limit=1&limit=2&offset=3", func(t *testing.T, r *Request) {
			if *r.Limit != 2 || r.Offset != 3 {
				t.Errorf("limit=%d offset=%d", *r.Limit, r.Offset)
			}
		}},
		{"non numeric limit ignored", "limit=abc&offset=x", func(t *testing.T, r *Request) {
			if r.Limit != nil || r.Offset != 0 {
				t.Errorf("limit=%v offset=%d", r.Limit, r.Offset)
			}
		}},
		{"limit zero", "limit=0", func(t *testing.T, r *Request) {
			if r.Limit == nil || *r.Limit != 0 {
				t.Errorf("limit=%v", r.Limit)
			}
		}},
		{"columns and on_conflict", `columns="a","b c",d&on_conflict=a,b`, func(t *testing.T, r *Request) {
			if !reflect.DeepEqual(r.Columns, []string{"a", "b c", "d"}) || !reflect.DeepEqual(r.OnConflict, []string{"a", "b"}) {
				t.Errorf("columns=%q on_conflict=%q", r.Columns, r.OnConflict)
			}
		}},
		{"logic at root", "or=(a.eq.1,b.eq.2)&and=(c.eq.3)&not.or=(d.eq.4)&not.and=(e.eq.5)", func(t *testing.T, r *Request) {
			if len(r.Logic) != 4 {
				t.Fatalf("logic = %+v", r.Logic)
			}
			got := []string{}
			for _, l := range r.Logic {
				got = append(got, renderTree(l)[:strings.Index(renderTree(l), "(")])
			}
			if !reflect.DeepEqual(got, []string{"or", "and", "not.or", "not.and"}) {
				t.Errorf("ops = %q", got)
			}
		}},
		{"embedded modifiers", "select=*,films(*,actors(*))&films.title=eq.x&films.order=id.desc&films.limit=2&films.offset=1&films.actors.or=(a.eq.1)&films.actors.not.and=(b.eq.1)&films.actors.limit=3", func(t *testing.T, r *Request) {
			f := r.EmbedModifiers("films")
			if f == nil || len(f.Filters) != 1 || f.Filters[0].Field.Name != "title" || f.Order[0].Direction != OrderDesc || *f.Limit != 2 || f.Offset != 1 {
				t.Fatalf("films modifiers = %+v", f)
			}
			a := r.EmbedModifiers("films", "actors")
			if a == nil || len(a.Logic) != 2 || a.Logic[0].Op != LogicOr || !a.Logic[1].Negate || *a.Limit != 3 {
				t.Fatalf("actors modifiers = %+v", a)
			}
			if r.EmbedModifiers("nope") != nil {
				t.Error("unknown path returned modifiers")
			}
			if r.EmbedModifiers() != &r.Modifiers {
				t.Error("root modifiers")
			}
			if len(r.Filters) != 0 || r.Limit != nil || len(r.Params) != 0 {
				t.Errorf("root got embedded modifiers: %+v", r.Modifiers)
			}
		}},
		{"negated embedded logic", "rel.not.or=(a.eq.1)&not.rel.and=(b.eq.2)", func(t *testing.T, r *Request) {
			m := r.EmbedModifiers("rel")
			if m == nil || len(m.Logic) != 2 || !m.Logic[0].Negate || m.Logic[0].Op != LogicOr || !m.Logic[1].Negate || m.Logic[1].Op != LogicAnd {
				t.Errorf("rel modifiers = %+v", m)
			}
		}},
		{"embedded filter without operator is a filter error", "rel.col=1", nil},
		{"order on to-one embed", "order=rel(col).desc,id", func(t *testing.T, r *Request) {
			if r.Order[0].Relation != "rel" || r.Order[1].Relation != "" {
				t.Errorf("order = %+v", r.Order)
			}
		}},
		{"value without operator is an error on tables", "id=5", nil},
		{"unknown operator is an error on tables", "name=noop.x", nil},
		{"apikey parameter is left to the gateway", "apikey=sb_publishable_x&id=eq.1", func(t *testing.T, r *Request) {
			if len(r.Filters) != 1 || r.Filters[0].Field.Name != "id" {
				t.Errorf("filters = %+v", r.Filters)
			}
		}},
		{"not prefix classifies as filter", "a=not.eq.1&b=is.null&c=in.(1)&d=fts(english).x&e=eq(any).{1}", func(t *testing.T, r *Request) {
			if len(r.Filters) != 5 {
				t.Errorf("filters = %+v", r.Filters)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRequest("GET", "/t", tt.query, Headers{})
			if tt.check == nil {
				checkErr(t, err, wantErr{code: "PGRST100"})
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
		})
	}
}

func TestParseRequestErrors(t *testing.T) {
	tests := []struct {
		name, query string
		h           Headers
		want        wantErr
	}{
		{"select", "select=a,", Headers{}, wantErr{400, "PGRST100", `"failed to parse select parameter (a,)" (line 1, column 3)`, ""}},
		{"filter", "id=eq", Headers{}, wantErr{400, "PGRST100", `"failed to parse filter (eq)" (line 1, column 3)`, ""}},
		{"order", "order=id.up", Headers{}, wantErr{400, "PGRST100", `"failed to parse order (id.up)" (line 1, column 4)`, ""}},
		{"logic", "or=a.eq.1", Headers{}, wantErr{400, "PGRST100", `"failed to parse logic tree (a.eq.1)" (line 1, column 3)`, `unexpected "a" expecting "("`}},
		{"columns", "columns=a,,b", Headers{}, wantErr{400, "PGRST100", `"failed to parse columns parameter (a,,b)" (line 1, column 3)`, ""}},
		{"on_conflict", "on_conflict=(a)", Headers{}, wantErr{400, "PGRST100", `"failed to parse on_conflict parameter ((a))" (line 1, column 1)`, ""}},
		{"limit path", "a,b.limit=1", Headers{}, wantErr{400, "PGRST100", `"failed to parse tree path (a,b.limit)" (line 1, column 2)`, ""}},
		{"negative limit", "limit=-1", Headers{}, wantErr{416, "PGRST103", "Requested range not satisfiable", "Limit should be greater than or equal to zero."}},
		{"negative embedded limit", "rel.limit=-1", Headers{}, wantErr{416, "PGRST103", "Requested range not satisfiable", "Limit should be greater than or equal to zero."}},
		{"negative offset", "offset=-1", Headers{}, wantErr{416, "PGRST103", "Requested range not satisfiable", "Offset should be greater than or equal to zero."}},
		{"range lower > upper", "", Headers{Range: "5-2"}, wantErr{416, "PGRST103", "Requested range not satisfiable", "The lower boundary must be lower than or equal to the upper boundary in the Range header."}},
		{"accept", "", Headers{Accept: "text/html, application/xml;q=0.5"}, wantErr{406, "PGRST107", "None of these media types are available: text/html, application/xml", ""}},
		{"strict prefs", "", Headers{Prefer: []string{"handling=strict, foo=bar", "return=everything"}}, wantErr{400, "PGRST122", "Invalid preferences given with handling=strict", "Invalid preferences: foo=bar, return=everything"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRequest("GET", "/t", tt.query, tt.h)
			checkErr(t, err, tt.want)
		})
	}
}

func TestParseRequestRange(t *testing.T) {
	tests := []struct {
		name, query, rng string
		method           string
		wantRange        *Range
		off              int64
		lim              *int64
	}{
		{"none", "", "", "GET", nil, 0, nil},
		{"header", "", "0-9", "GET", &Range{Offset: 0, Limit: i64(10)}, 0, i64(10)},
		{"open", "", "10-", "GET", &Range{Offset: 10}, 10, nil},
		{"single row", "", "3-3", "GET", &Range{Offset: 3, Limit: i64(1)}, 3, i64(1)},
		{"invalid ignored", "", "items=0-9", "GET", nil, 0, nil},
		{"garbage ignored", "", "a-b", "GET", nil, 0, nil},
		{"not for POST", "", "0-9", "POST", nil, 0, nil},
		{"limit offset", "limit=5&offset=10", "", "GET", nil, 10, i64(5)},
		{"intersect", "limit=5&offset=2", "0-3", "GET", &Range{Offset: 0, Limit: i64(4)}, 2, i64(2)},
		{"intersect header inside", "limit=100", "10-19", "GET", &Range{Offset: 10, Limit: i64(10)}, 10, i64(10)},
		{"disjoint", "limit=2", "10-19", "GET", &Range{Offset: 10, Limit: i64(10)}, 10, i64(0)},
		{"limit zero", "limit=0", "", "GET", nil, 0, i64(0)},
		{"limit zero with open range", "limit=0", "0-", "GET", &Range{}, 0, i64(0)},
		{"huge", "limit=9223372036854775807&offset=9223372036854775807", "", "GET", nil, 9223372036854775807, i64(9223372036854775807)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, tt.method, "/t", tt.query, Headers{Range: tt.rng})
			if !reflect.DeepEqual(r.Range, tt.wantRange) {
				t.Errorf("Range = %+v, want %+v", r.Range, tt.wantRange)
			}
			off, lim := r.EffectiveRange()
			if off != tt.off || !reflect.DeepEqual(lim, tt.lim) {
				var gl, wl any = lim, tt.lim
				if lim != nil {
					gl = *lim
				}
				if tt.lim != nil {
					wl = *tt.lim
				}
				t.Errorf("EffectiveRange = %d,%v want %d,%v", off, gl, tt.off, wl)
			}
		})
	}
}

func TestSplitRPCParams(t *testing.T) {
	r := mustParse(t, "GET", "/rpc/search", "q=hello&limit=5&a=eq.1&b=eq.2&arr={x,y}&arr=z&c.d=eq.3&x=1", Headers{})
	if len(r.Filters) != 2 {
		t.Fatalf("filters before split = %+v", r.Filters)
	}
	isArg := func(n string) bool { return n == "q" || n == "a" || n == "arr" }
	args := r.SplitRPCParams(isArg)
	want := []Param{
		{Key: "q", Value: "hello", ArgOnly: true},
		{Key: "a", Value: "eq.1"},
		{Key: "arr", Value: "{x,y}", ArgOnly: true},
		{Key: "arr", Value: "z", ArgOnly: true},
		{Key: "x", Value: "1", ArgOnly: true},
	}
	if !reflect.DeepEqual(args, want) {
		t.Errorf("args\n got %+v\nwant %+v", args, want)
	}
	if len(r.Filters) != 1 || r.Filters[0].Field.Name != "b" {
		t.Errorf("filters after split = %+v", r.Filters)
	}
	if m := r.EmbedModifiers("c"); m == nil || len(m.Filters) != 1 {
		t.Errorf("embedded filter lost: %+v", m)
	}
	if *r.Limit != 5 {
		t.Errorf("limit = %v", r.Limit)
	}
}
