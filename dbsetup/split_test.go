package dbsetup

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"only whitespace and semicolons", " ;\n; ", nil},
		{"two", "select 1; select 2", []string{"select 1", "select 2"}},
		{"string with semicolon", "select 'a;b''c'; select 2;", []string{"select 'a;b''c'", "select 2"}},
		{"escape string", `select E'it\'s;'; select 2`, []string{`select E'it\'s;'`, "select 2"}},
		{"backslash in plain string", `select 'a\'; select 2`, []string{`select 'a\'`, "select 2"}},
		{"quoted identifier", `create table "a;b" (id int); select 1`, []string{`create table "a;b" (id int)`, "select 1"}},
		{"line comment", "select 1; -- a; b\nselect 2", []string{"select 1", "-- a; b\nselect 2"}},
		{"nested block comment", "select /* a /* ; */ ; */ 1; select 2", []string{"select /* a /* ; */ ; */ 1", "select 2"}},
		{"dollar body", "create function f() returns int language plpgsql as $$ begin return 1; end $$; select 2",
			[]string{"create function f() returns int language plpgsql as $$ begin return 1; end $$", "select 2"}},
		{"tagged dollar body", "do $x$ begin perform 1; $$ inner $$; end $x$; select 2",
			[]string{"do $x$ begin perform 1; $$ inner $$; end $x$", "select 2"}},
		{"positional parameter", "prepare p as select $1; select 2", []string{"prepare p as select $1", "select 2"}},
		{"dollar in identifier", "select a$b; select 2", []string{"select a$b", "select 2"}},
		{"unterminated string", "select 'abc; select 2", []string{"select 'abc; select 2"}},
		{"unterminated dollar", "select $a$ abc; select 2", []string{"select $a$ abc; select 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SplitStatements(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("SplitStatements(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzSplitStatements(f *testing.F) {
	for _, s := range []string{
		"select 1; select 2",
		"create function f() returns int as $b$ select 1; $b$ language sql;",
		"select E'\\';'; /* ; /* ; */ */ select \"x;\"; -- ;\n",
		"$1$$;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, st := range SplitStatements(in) {
			if st == "" || st != strings.TrimSpace(st) {
				t.Fatalf("statement %q is empty or untrimmed", st)
			}
			if !strings.Contains(in, st) {
				t.Fatalf("statement %q is not part of the input", st)
			}
		}
	})
}
