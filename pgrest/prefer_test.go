package pgrest

import (
	"reflect"
	"testing"
)

func TestParsePreferences(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    Preferences
	}{
		{"none", nil, Preferences{}},
		{"joined by client", []string{"resolution=merge-duplicates, count=exact, return=representation"},
			Preferences{Resolution: ResolutionMergeDuplicates, Count: CountExact, Return: ReturnRepresentation}},
		{"repeated headers", []string{"resolution=ignore-duplicates", "count=planned", "missing=null", "handling=lenient", "invalid", "max-affected=5999"},
			Preferences{Resolution: ResolutionIgnoreDups, Count: CountPlanned, Missing: MissingNull, Handling: HandlingLenient, MaxAffected: i64(5999), Invalid: []string{"invalid"}}},
		{"first wins", []string{"tx=commit, tx=rollback", "return=minimal", "return=representation"},
			Preferences{Tx: TxCommit, Return: ReturnMinimal}},
		{"spacing", []string{"count=exact,    tx=rollback   ,return=headers-only , missing=default, handling=strict, anything"},
			Preferences{Count: CountExact, Tx: TxRollback, Return: ReturnHeadersOnly, Missing: MissingDefault, Handling: HandlingStrict, Invalid: []string{"anything"}}},
		{"timezone", []string{"timezone=America/Los_Angeles, count=estimated"},
			Preferences{Timezone: "America/Los_Angeles", Count: CountEstimated}},
		{"bad values", []string{"return=all, count=EXACT, params=single-object, timezone="},
			Preferences{Invalid: []string{"return=all", "count=EXACT", "params=single-object", "timezone="}}},
		{"max-affected garbage ignored", []string{"max-affected=lots"}, Preferences{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParsePreferences(tt.headers)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestPreferencesStrict(t *testing.T) {
	p := ParsePreferences([]string{"handling=lenient, bogus"})
	if p.StrictError() != nil {
		t.Error("lenient must not fail")
	}
	p = ParsePreferences([]string{"handling=strict"})
	if p.StrictError() != nil {
		t.Error("strict without invalid must not fail")
	}
	checkErr(t, p.StrictError("timezone=Mars/Base"), wantErr{400, "PGRST122", "Invalid preferences given with handling=strict", "Invalid preferences: timezone=Mars/Base"})
	p = ParsePreferences([]string{"handling=strict, x=1", "y"})
	checkErr(t, p.StrictError(), wantErr{400, "PGRST122", "", "Invalid preferences: x=1, y"})
	// Lenient requests parse fine through ParseRequest.
	r := mustParse(t, "POST", "/t", "", Headers{Prefer: []string{"return=representation, nonsense"}})
	if r.Prefer.Return != ReturnRepresentation || len(r.Prefer.Invalid) != 1 {
		t.Errorf("prefer = %+v", r.Prefer)
	}
}
