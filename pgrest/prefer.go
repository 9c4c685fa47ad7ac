package pgrest

import (
	"strconv"
	"strings"

	"github.com/rowgate/rowgate"
)

// ParsePreferences parses Prefer header values (each possibly a
// comma-separated list). For every preference the first occurrence wins;
// tokens that are not understood are collected in Invalid. A
// timezone=<name> is accepted as is (the executor validates the name);
// max-affected=<not a number> is ignored without being invalid, as in
// PostgREST.
func ParsePreferences(headers []string) Preferences {
	var p Preferences
	for _, h := range headers {
		for _, tok := range strings.Split(h, ",") {
			tok = strings.TrimSpace(tok)
			if tok == "" {
				continue
			}
			if !p.apply(tok) {
				p.Invalid = append(p.Invalid, tok)
			}
		}
	}
	return p
}

// apply records one preference token and reports whether it is valid.
func (p *Preferences) apply(tok string) bool {
	k, v, ok := strings.Cut(tok, "=")
	if !ok {
		return false
	}
	switch k {
	case "return":
		switch r := ReturnPref(v); r {
		case ReturnMinimal, ReturnRepresentation, ReturnHeadersOnly:
			if p.Return == "" {
				p.Return = r
			}
			return true
		}
	case "count":
		switch c := CountPref(v); c {
		case CountExact, CountPlanned, CountEstimated:
			if p.Count == "" {
				p.Count = c
			}
			return true
		}
	case "resolution":
		switch r := ResolutionPref(v); r {
		case ResolutionMergeDuplicates, ResolutionIgnoreDups:
			if p.Resolution == "" {
				p.Resolution = r
			}
			return true
		}
	case "missing":
		switch m := MissingPref(v); m {
		case MissingDefault, MissingNull:
			if p.Missing == "" {
				p.Missing = m
			}
			return true
		}
	case "handling":
		switch h := HandlingPref(v); h {
		case HandlingStrict, HandlingLenient:
			if p.Handling == "" {
				p.Handling = h
			}
			return true
		}
	case "tx":
		switch t := TxPref(v); t {
		case TxCommit, TxRollback:
			if p.Tx == "" {
				p.Tx = t
			}
			return true
		}
	case "timezone":
		if v == "" {
			return false
		}
		if p.Timezone == "" {
			p.Timezone = v
		}
		return true
	case "max-affected":
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && p.MaxAffected == nil {
			p.MaxAffected = &n
		}
		return true
	}
	return false
}

// StrictError returns the PGRST122 error for handling=strict when invalid
// preferences were sent, or nil. extra lists further invalid tokens found
// by the caller (e.g. a timezone the database does not know, as
// "timezone=Mars/Base").
func (p *Preferences) StrictError(extra ...string) *rowgate.Error {
	if p.Handling != HandlingStrict {
		return nil
	}
	invalid := append(append([]string(nil), p.Invalid...), extra...)
	if len(invalid) == 0 {
		return nil
	}
	return rowgate.NewError(rowgate.CodePreferences, "Invalid preferences given with handling=strict").
		WithDetails("Invalid preferences: " + strings.Join(invalid, ", "))
}
