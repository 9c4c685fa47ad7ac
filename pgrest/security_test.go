package pgrest

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// parseWithin runs ParseBody and fails the test when it does not return
// within d. The bodies below cost seconds to minutes with a quadratic key
// check and milliseconds with a linear one, so the bound has a wide margin
// on a loaded machine.
func parseWithin(t *testing.T, d time.Duration, mt MediaType, body []byte, columns []string) *Payload {
	t.Helper()
	type result struct {
		p   *Payload
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := ParseBody(mt, body, columns)
		done <- result{p, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("ParseBody: %v", r.err)
		}
		return r.p
	case <-time.After(d):
		t.Fatalf("ParseBody of %d bytes did not finish within %v: key handling is superlinear", len(body), d)
	}
	return nil
}

// TestBodyKeyHandlingIsLinear: the body is parsed before any column is
// checked against the schema, so an anonymous client controls its shape.
// A 430 KB object with 40 000 keys took 18 s and an 820 KB CSV with 4 000
// columns 30 s when keys were deduplicated and compared with linear scans.
func TestBodyKeyHandlingIsLinear(t *testing.T) {
	const n = 40000
	var obj strings.Builder
	obj.WriteString("{")
	for i := range n {
		if i > 0 {
			obj.WriteString(",")
		}
		fmt.Fprintf(&obj, `"k%d":0`, i)
	}
	obj.WriteString("}")

	var arr strings.Builder
	arr.WriteString("[")
	for i := range 2000 {
		if i > 0 {
			arr.WriteString(",")
		}
		arr.WriteString(`{"a":1,"b":2}`)
	}
	arr.WriteString("]")
	manyColumns := make([]string, 20000)
	for i := range manyColumns {
		manyColumns[i] = fmt.Sprintf("c%d", i)
	}

	header := make([]string, 4000)
	for i := range header {
		header[i] = fmt.Sprintf("c%d", i)
	}
	var csv strings.Builder
	csv.WriteString(strings.Join(header, ",") + "\n")
	for range 200 {
		csv.WriteString(strings.Repeat(",", len(header)-1) + "\n")
	}

	tests := []struct {
		name     string
		mt       MediaType
		body     string
		columns  []string
		wantKeys int
		wantRows int
	}{
		{"json object with many keys", MediaType{Kind: MediaJSON}, obj.String(), nil, n, 1},
		{"json array with a wide columns list", MediaType{Kind: MediaJSON}, arr.String(), manyColumns, len(manyColumns), 2000},
		{"csv with a wide header", MediaType{Kind: MediaCSV}, csv.String(), nil, len(header), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := parseWithin(t, 5*time.Second, tt.mt, []byte(tt.body), tt.columns)
			if len(p.Keys) != tt.wantKeys || p.Rows != tt.wantRows {
				t.Fatalf("keys = %d, rows = %d; want %d, %d", len(p.Keys), p.Rows, tt.wantKeys, tt.wantRows)
			}
		})
	}
}

// TestBodyKeySets locks in the key bookkeeping the linear rewrite keeps:
// duplicates, columns= with keys some rows lack, and key-order changes.
func TestBodyKeySets(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		columns     []string
		wantKeys    []string
		wantPresent []string
		wantSame    bool
		wantErr     bool
	}{
		{"duplicate key counts once", `{"a":1,"a":2,"b":3}`, nil, []string{"a", "b"}, []string{"a", "b"}, true, false},
		{"same keys in another order", `[{"a":1,"b":2},{"b":3,"a":4}]`, nil, []string{"a", "b"}, []string{"a", "b"}, true, false},
		{"different keys", `[{"a":1},{"b":2}]`, nil, nil, nil, false, true},
		{"more keys in a later row", `[{"a":1},{"a":1,"b":2}]`, nil, nil, nil, false, true},
		{"columns: every row lacks the same", `[{"a":1},{"a":2}]`, []string{"a", "b"}, []string{"a", "b"}, []string{"a"}, true, false},
		{"columns: rows lack different keys", `[{"a":1},{"b":2}]`, []string{"a", "b"}, []string{"a", "b"}, nil, false, false},
		{"columns: extra body keys are ignored", `[{"a":1,"z":0},{"a":2}]`, []string{"a", "b"}, []string{"a", "b"}, []string{"a"}, true, false},
		{"columns listed twice", `{"a":1}`, []string{"a", "a"}, []string{"a", "a"}, []string{"a", "a"}, true, false},
		{"empty array", `[]`, []string{"a"}, []string{"a"}, []string{"a"}, true, false},
		{"many duplicate keys", `{` + strings.Repeat(`"x":1,`, 100) + `"y":2}`, nil, []string{"x", "y"}, []string{"x", "y"}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseBody(MediaType{Kind: MediaJSON}, []byte(tt.body), tt.columns)
			if tt.wantErr {
				checkErr(t, err, wantErr{status: http.StatusBadRequest, code: "PGRST102", message: "All object keys must match"})
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Keys, tt.wantKeys) || !slices.Equal(p.Present, tt.wantPresent) || p.SameKeys != tt.wantSame {
				t.Fatalf("keys %q present %q same %v; want %q %q %v", p.Keys, p.Present, p.SameKeys, tt.wantKeys, tt.wantPresent, tt.wantSame)
			}
		})
	}
}

// TestRangeDoesNotOverflow: "0-9223372036854775807" used to wrap
// Range.Limit to math.MinInt64 (EffectiveRange happened to saturate it
// back, so no negative LIMIT reached SQL).
func TestRangeDoesNotOverflow(t *testing.T) {
	tests := []struct {
		header    string
		limit     string
		offset    string
		wantLimit int64 // -1: no limit
		wantOff   int64
	}{
		{"0-9223372036854775807", "", "", math.MaxInt64, 0},
		{"1-9223372036854775807", "", "", math.MaxInt64 - 1, 1}, // saturated end
		{"0-9223372036854775807", "5", "", 5, 0},
		{"0-9223372036854775807", "", "9223372036854775807", 0, math.MaxInt64}, // saturated: no row that far
		{"9223372036854775807-9223372036854775807", "", "", 0, math.MaxInt64},
		{"0-9223372036854775808", "", "", -1, 0}, // not a number: ignored
		{"", "9223372036854775808", "", -1, 0},   // ignored, as in PostgREST
		{"", "9223372036854775807", "9223372036854775807", math.MaxInt64, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.header+"_"+tt.limit+"_"+tt.offset, func(t *testing.T) {
			var q []string
			if tt.limit != "" {
				q = append(q, "limit="+tt.limit)
			}
			if tt.offset != "" {
				q = append(q, "offset="+tt.offset)
			}
			r, err := ParseRequest(http.MethodGet, "/t", strings.Join(q, "&"), Headers{Range: tt.header})
			if err != nil {
				t.Fatal(err)
			}
			if r.Range != nil && r.Range.Limit != nil && *r.Range.Limit < 0 {
				t.Fatalf("Range.Limit = %d", *r.Range.Limit)
			}
			off, lim := r.EffectiveRange()
			if lim != nil && *lim < 0 {
				t.Fatalf("negative limit %d", *lim)
			}
			got := int64(-1)
			if lim != nil {
				got = *lim
			}
			if got != tt.wantLimit || off != tt.wantOff {
				t.Fatalf("offset %d limit %d; want %d %d", off, got, tt.wantOff, tt.wantLimit)
			}
		})
	}
}

// TestCanonicalQueryDropsAPIKey: the project key sent as ?apikey= must not
// come back in Content-Location.
func TestCanonicalQueryDropsAPIKey(t *testing.T) {
	r, err := ParseRequest(http.MethodGet, "/t", "apikey=sb_secret_abc&id=eq.1&apikey=x", Headers{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Canonical != "id=eq.1" {
		t.Fatalf("canonical = %q", r.Canonical)
	}
}

// TestHostileQueryParsing checks that hostile parameters are refused by the
// grammar (PGRST100) or parsed into values that only ever become bind
// parameters or checked identifiers, without panics.
func TestHostileQueryParsing(t *testing.T) {
	deepSelect := "select=" + strings.Repeat("a(", 100) + "id" + strings.Repeat(")", 100)
	deepOr := "or=" + strings.Repeat("(or", 100) + "(a.eq.1" + strings.Repeat(")", 101)
	tests := []struct {
		name  string
		query string
		code  string // "" = parses
		check func(t *testing.T, r *Request)
	}{
		{"cast cannot close the expression", "select=id::text)from(secrets", "PGRST100", nil},
		{"cast cannot quote", "select=id::text'x'", "PGRST100", nil},
		{"cast cannot comment", "select=id::text--x", "PGRST100", nil},
		{"cast cannot end a statement", "select=id::text%3Bx", "PGRST100", nil},
		{"cast cannot cast twice", "select=id::text::int", "PGRST100", nil},
		{"quoted name with NUL", `select="a%00b"`, "PGRST100", nil},
		{"quoted name with invalid UTF-8", `select="a%FFb"`, "PGRST100", nil},
		{"filter name with NUL", `"a%00"=eq.1`, "PGRST100", nil},
		{"path with NUL", "", "", nil},
		{"fts language cannot quote", "title=fts(english').x", "PGRST100", nil},
		{"deep select nesting", deepSelect, "PGRST100", nil},
		{"deep logic nesting", deepOr, "PGRST100", nil},
		{"quoted alias keeps quotes and semicolons", `select="x\") from secrets%3B--":id`, "", func(t *testing.T, r *Request) {
			if r.Select[0].Alias != `x") from secrets;--` {
				t.Fatalf("alias = %q", r.Select[0].Alias)
			}
		}},
		{"json key keeps quotes", `select=data->>"k')%3B drop table t%3B--"`, "", func(t *testing.T, r *Request) {
			if k := r.Select[0].Field.JSONPath[0].Key; k != `k'); drop table t;--` || r.Select[0].Field.JSONPath[0].Index {
				t.Fatalf("key = %q", k)
			}
		}},
		{"json index beyond int32 is a key", "select=data->99999999999", "", func(t *testing.T, r *Request) {
			if st := r.Select[0].Field.JSONPath[0]; st.Key != "99999999999" {
				t.Fatalf("step = %+v", st)
			}
		}},
		{"in list keeps quotes and braces", `id=in.(1,"2\"}),(3",4)`, "", func(t *testing.T, r *Request) {
			if !slices.Equal(r.Filters[0].Values, []string{"1", `2"}),(3`, "4"}) {
				t.Fatalf("values = %q", r.Filters[0].Values)
			}
		}},
		{"huge in list", "id=in.(" + strings.Repeat("1,", 20000) + "1)", "", func(t *testing.T, r *Request) {
			if len(r.Filters[0].Values) != 20001 {
				t.Fatalf("%d values", len(r.Filters[0].Values))
			}
		}},
		{"on_conflict cannot break out", `on_conflict=id") do nothing%3B--`, "PGRST100", nil},
		{"quoted on_conflict name is one identifier", `on_conflict="id\") do nothing%3B--"`, "", func(t *testing.T, r *Request) {
			if !slices.Equal(r.OnConflict, []string{`id") do nothing;--`}) {
				t.Fatalf("on_conflict = %q", r.OnConflict)
			}
		}},
		{"order direction is a keyword", "order=id.desc;drop", "", func(t *testing.T, r *Request) {
			// ';' separates parameters, as in PostgREST.
			if len(r.Order) != 1 || r.Order[0].Direction != OrderDesc {
				t.Fatalf("order = %+v", r.Order)
			}
		}},
		{"order cannot inject", "order=id.desc)x", "PGRST100", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.query == "" {
				_, err := ParseRequest(http.MethodGet, "/t%00x\x00", "", Headers{})
				checkErr(t, err, wantErr{status: http.StatusNotFound, code: "PGRST125"})
				return
			}
			r, err := ParseRequest(http.MethodPost, "/t", tt.query, Headers{})
			if tt.code != "" {
				checkErr(t, err, wantErr{status: http.StatusBadRequest, code: tt.code})
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
		})
	}
}
