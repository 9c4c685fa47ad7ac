package pgrest

import (
	"reflect"
	"testing"
)

func TestParseOrder(t *testing.T) {
	tests := []struct {
		in   string
		want []OrderTerm
	}{
		{"id", []OrderTerm{{Field: col("id")}}},
		{"id.desc", []OrderTerm{{Field: col("id"), Direction: OrderDesc}}},
		{"id.asc.nullsfirst,other.desc", []OrderTerm{{Field: col("id"), Direction: OrderAsc, Nulls: NullsFirst}, {Field: col("other"), Direction: OrderDesc}}},
		{"id.nullslast", []OrderTerm{{Field: col("id"), Nulls: NullsLast}}},
		{"j->key.asc.nullslast", []OrderTerm{{Field: col("j", arrow("key")), Direction: OrderAsc, Nulls: NullsLast}}},
		{"clients(j->key).desc.nullsfirst", []OrderTerm{{Relation: "clients", Field: col("j", arrow("key")), Direction: OrderDesc, Nulls: NullsFirst}}},
		{"name,clients(name),id", []OrderTerm{{Field: col("name")}, {Relation: "clients", Field: col("name")}, {Field: col("id")}}},
		{" a.desc , b ", []OrderTerm{{Field: col("a"), Direction: OrderDesc}, {Field: col("b")}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseOrder(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseOrderErrors(t *testing.T) {
	tests := []struct {
		in, message, details string
	}{
		{"id.ac", `"failed to parse order (id.ac)" (line 1, column 4)`, `unexpected "a" expecting "asc", "desc", "nullsfirst" or "nullslast"`},
		{"id.descc", `"failed to parse order (id.descc)" (line 1, column 8)`, `unexpected "c" expecting delimiter (.), "," or end of input`},
		{"id.nulsfist", `"failed to parse order (id.nulsfist)" (line 1, column 4)`, `unexpected "n" expecting "asc", "desc", "nullsfirst" or "nullslast"`},
		{"id.nullslasttt", `"failed to parse order (id.nullslasttt)" (line 1, column 13)`, `unexpected "t" expecting "," or end of input`},
		{"id.asc.nlsfst", `"failed to parse order (id.asc.nlsfst)" (line 1, column 8)`, `unexpected "n" expecting "nullsfirst" or "nullslast"`},
		{"clients(name,id)", `"failed to parse order (clients(name,id))" (line 1, column 13)`, `unexpected "," expecting "->>", "->" or ")"`},
		{"", "", ""},
		{"a,", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseOrder(tt.in)
			checkErr(t, err, wantErr{status: 400, code: "PGRST100", message: tt.message, details: tt.details})
		})
	}
}
