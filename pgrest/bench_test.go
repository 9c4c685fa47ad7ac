package pgrest

import "testing"

// BenchmarkParseRequest parses a typical supabase-js list query.
func BenchmarkParseRequest(b *testing.B) {
	const q = "select=id,title,owner:users(name)&done=eq.false&order=id.desc&limit=10"
	h := Headers{Prefer: []string{"count=exact"}, Accept: "application/json"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRequest("GET", "/todos", q, h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseRequestComplex parses a nested embed with logic trees.
func BenchmarkParseRequestComplex(b *testing.B) {
	const q = `select=*,actors!inner(first_name,roles(*)),director:directors!fk_dir(name)&actors.first_name=eq.Tom&actors.order=id.desc&actors.limit=2&or=(a.eq.1,and(b.gt.2,c.lt.3),d.in.(x,"y,z"))`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRequest("GET", "/films", q, Headers{}); err != nil {
			b.Fatal(err)
		}
	}
}
