package client

import (
	"fmt"
	"strings"
)

// QueryOption modifies one builder call: [Query.Select], [Query.Insert],
// [Query.Upsert], [Query.Update], [Query.Delete], [Client.RPC],
// [Query.Order], [Query.Limit], [Query.Range], [Query.Or], [Query.Where]
// or [Query.TextSearch]. Each call accepts only the options that apply to
// it (listed in its documentation); any other makes [Query.Execute] fail.
type QueryOption interface {
	applyQuery(*queryOptions)
}

type optBit uint

const (
	optCount optBit = 1 << iota
	optHead
	optGet
	optOnConflict
	optIgnoreDuplicates
	optDefaultToNull
	optDirection
	optNulls
	optTable
	optSearchType
	optConfig
)

var optNames = map[optBit]string{
	optCount:            "Count",
	optHead:             "Head",
	optGet:              "Get",
	optOnConflict:       "OnConflict",
	optIgnoreDuplicates: "IgnoreDuplicates",
	optDefaultToNull:    "DefaultToNull",
	optDirection:        "Asc/Desc",
	optNulls:            "NullsFirst/NullsLast",
	optTable:            "ReferencedTable",
	optSearchType:       "search type",
	optConfig:           "Config",
}

type queryOptions struct {
	set              optBit
	count            CountMethod
	onConflict       string
	ignoreDuplicates bool
	defaultToNull    bool
	desc             bool
	nulls            string // "nullsfirst" or "nullslast"
	table            string
	searchType       SearchType
	config           string
}

type optionFunc func(*queryOptions)

func (f optionFunc) applyQuery(o *queryOptions) { f(o) }

// collect applies opts and reports an error if one of them is not in
// allowed. call names the builder method for the error message.
func collect(call string, allowed optBit, opts []QueryOption) (queryOptions, error) {
	o := queryOptions{defaultToNull: true}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		opt.applyQuery(&o)
	}
	if extra := o.set &^ allowed; extra != 0 {
		var names []string
		for bit := optBit(1); bit <= optConfig; bit <<= 1 {
			if extra&bit != 0 {
				names = append(names, optNames[bit])
			}
		}
		return o, fmt.Errorf("client: option %s does not apply to %s", strings.Join(names, ", "), call)
	}
	return o, nil
}

// CountMethod is how the server counts matching rows; see [Count].
type CountMethod string

// Count methods, as in PostgREST's "Prefer: count=…".
const (
	// Exact runs a full COUNT(*): accurate, slow on large tables.
	Exact CountMethod = "exact"
	// Planned uses the planner's row estimate: fast, approximate.
	Planned CountMethod = "planned"
	// Estimated counts exactly up to the server's max-rows, then estimates.
	Estimated CountMethod = "estimated"
)

// Count asks the server to count the rows the request matches or affects
// ("Prefer: count=<m>"); the total is returned in [Response.Count]. Applies
// to Select, Insert, Upsert, Update, Delete and RPC.
func Count(m CountMethod) QueryOption {
	return optionFunc(func(o *queryOptions) { o.set |= optCount; o.count = m })
}

// Head makes a Select or RPC a HEAD request: no body is returned, only the
// status and, with [Count], the total.
func Head() QueryOption { return optionFunc(func(o *queryOptions) { o.set |= optHead }) }

// Get makes an RPC a GET request (for read-only functions); the arguments
// are sent as query parameters.
func Get() QueryOption { return optionFunc(func(o *queryOptions) { o.set |= optGet }) }

// OnConflict names the unique columns an Upsert resolves conflicts on
// (the on_conflict parameter); the default is the primary key.
func OnConflict(columns ...string) QueryOption {
	return optionFunc(func(o *queryOptions) { o.set |= optOnConflict; o.onConflict = strings.Join(columns, ",") })
}

// IgnoreDuplicates makes an Upsert skip rows that conflict instead of
// updating them ("Prefer: resolution=ignore-duplicates").
func IgnoreDuplicates() QueryOption {
	return optionFunc(func(o *queryOptions) { o.set |= optIgnoreDuplicates; o.ignoreDuplicates = true })
}

// DefaultToNull controls how an Insert or Upsert of several rows treats a
// column missing from some rows: true (the default) inserts NULL, false
// uses the column's DEFAULT ("Prefer: missing=default").
func DefaultToNull(b bool) QueryOption {
	return optionFunc(func(o *queryOptions) { o.set |= optDefaultToNull; o.defaultToNull = b })
}

// Direction is a sort direction for [Query.Order]; it is a QueryOption.
type Direction int

// Sort directions.
const (
	Asc Direction = iota
	Desc
)

func (d Direction) applyQuery(o *queryOptions) { o.set |= optDirection; o.desc = d == Desc }

// NullsFirst sorts NULLs before other values in [Query.Order].
func NullsFirst() QueryOption {
	return optionFunc(func(o *queryOptions) { o.set |= optNulls; o.nulls = "nullsfirst" })
}

// NullsLast sorts NULLs after other values in [Query.Order].
func NullsLast() QueryOption {
	return optionFunc(func(o *queryOptions) { o.set |= optNulls; o.nulls = "nullslast" })
}

// ReferencedTable applies Order, Limit, Range, Or or Where to an embedded
// resource instead of the top-level table (e.g. "rel.order=…"). table is
// the embedded resource's name or alias, as used in the select.
func ReferencedTable(table string) QueryOption {
	return optionFunc(func(o *queryOptions) { o.set |= optTable; o.table = table })
}

// ForeignTable is the older name of [ReferencedTable], kept because
// postgrest-js still accepts it.
func ForeignTable(table string) QueryOption { return ReferencedTable(table) }

// SearchType selects the tsquery parser of [Query.TextSearch]; it is a
// QueryOption. The default is to_tsquery (operator "fts").
type SearchType string

// Text search types.
const (
	PlainSearch  SearchType = "pl" // plainto_tsquery (operator plfts)
	PhraseSearch SearchType = "ph" // phraseto_tsquery (operator phfts)
	WebSearch    SearchType = "w"  // websearch_to_tsquery (operator wfts)
)

func (s SearchType) applyQuery(o *queryOptions) { o.set |= optSearchType; o.searchType = s }

// Config sets the text search configuration (e.g. "english") of
// [Query.TextSearch].
func Config(config string) QueryOption {
	return optionFunc(func(o *queryOptions) { o.set |= optConfig; o.config = config })
}

// Return is a "Prefer: return=…" value for [Query.Returning].
type Return string

// Return preferences.
const (
	ReturnMinimal        Return = "minimal"
	ReturnRepresentation Return = "representation"
	ReturnHeadersOnly    Return = "headers-only"
)
