package pgrest

// This file holds the typed request tree produced by ParseRequest. The SQL
// builder (package sqlgen) consumes it; keep it stable.
//
// Every identifier in the tree (column, relation, alias, hint, JSON key) is
// an arbitrary string taken from the URL with PostgREST's quoting removed.
// Consumers MUST quote identifiers and pass values as bind parameters; the
// parser guarantees none of them contains a NUL byte.

// Request is one parsed Data API request (the part of a PostgREST request that
// does not depend on the database schema).
type Request struct {
	// Method is the upper-case HTTP method (GET, HEAD, POST, PATCH, PUT,
	// DELETE, OPTIONS).
	Method string
	// Resource is the table or view name, or the function name when RPC is
	// set. It is never empty.
	Resource string
	// RPC reports a /rpc/<function> path.
	RPC bool
	// Schema is the schema requested with Accept-Profile (GET, HEAD) or
	// Content-Profile (other methods); "" means the default schema. The
	// parser does not check it against the exposed schemas.
	Schema string

	// Select is the select= tree. When the parameter is absent or empty it is
	// a single Star item, as in PostgREST (select defaults to "*").
	Select []SelectItem
	// SelectGiven reports whether select= was present and non-empty.
	SelectGiven bool

	// Modifiers holds the filters, logic trees, order, limit and offset that
	// apply to the root resource.
	Modifiers
	// Embedded holds the modifiers addressed to embedded resources
	// (actors.order=…, films.actors.limit=…), one entry per distinct path, in
	// order of first appearance. Paths name relations or their aliases as
	// written in the query; matching them against Select is the caller's job
	// (PGRST108 when they do not match).
	Embedded []EmbedModifiers

	// Columns is the columns= list (insert/upsert payload columns), nil when
	// absent. Quoted names are unquoted.
	Columns []string
	// OnConflict is the on_conflict= list, nil when absent.
	OnConflict []string

	// Params lists, in query order, every non-empty parameter that is not
	// reserved and whose key has no embed path (no '.'), with its raw value.
	// For RPC GET/HEAD these are candidate function arguments: PostgREST
	// treats ?a=1 as an argument and ?a=eq.1 as a filter unless "a" is an
	// argument. Params whose value is not an operator expression (ArgOnly)
	// appear here only; the others are also parsed into Filters. See
	// Request.SplitRPCParams. For tables every such parameter is a filter,
	// so ArgOnly never occurs there (a value without an operator is
	// PGRST100, as in PostgREST).
	Params []Param

	// Range is the Range header (GET only), nil when absent or for other
	// methods. Use EffectiveRange to intersect it with limit/offset.
	Range *Range
	// Prefer holds the parsed Prefer headers.
	Prefer Preferences
	// Accept is the negotiated response media type (JSON when Accept is
	// absent or */*).
	Accept MediaType
	// Canonical is the query string re-encoded with its parameters sorted by
	// key, as PostgREST uses for Content-Location.
	Canonical string
}

// Modifiers are the per-resource query modifiers.
type Modifiers struct {
	// Filters are the column filters (col=op.value), AND-ed together.
	Filters []Filter
	// Logic are the or=/and=/not.or=/not.and= trees, AND-ed with Filters.
	Logic []LogicTree
	// Order is the order= list; nil when absent. When order= is repeated the
	// last one wins.
	Order []OrderTerm
	// Limit is limit=, nil when absent. Never negative.
	Limit *int64
	// Offset is offset=, 0 when absent. Never negative.
	Offset int64
}

// EmbedModifiers are modifiers addressed to one embedded resource.
type EmbedModifiers struct {
	// Path is the embed path, e.g. ["films", "actors"] for
	// films.actors.limit=2. Never empty.
	Path []string
	Modifiers
}

// Param is one raw query parameter.
type Param struct {
	Key   string
	Value string
	// ArgOnly reports that Value is not an operator expression, so the
	// parameter can only be a function argument (or is ignored on tables).
	ArgOnly bool
}

// SelectItem is one element of a select list. Exactly one of Star, Embed or
// a field (Field.Name != "" or Aggregate == AggCount) describes it.
type SelectItem struct {
	// Star is "*".
	Star bool
	// Field is the selected column (or computed field) and JSON path. Empty
	// for Star, for embeds and for a bare count().
	Field Field
	// Alias is the output name given with alias:…, "" when none.
	Alias string
	// Cast is the type after ::, applied to the column/JSON value. It is
	// validated to letters, digits, '_', '$' and spaces (trimmed); consumers
	// may interpolate it unquoted as PostgREST does.
	Cast string
	// Aggregate is the aggregate function applied with .sum() etc., or
	// AggCount for a bare count(); "" when none.
	Aggregate AggregateFunc
	// AggregateCast is the type after the aggregate (col.sum()::int), same
	// validation as Cast.
	AggregateCast string
	// Embed is set when the item is an embedded resource rel(...).
	Embed *Embed
}

// OutputName is the JSON key the item produces for a field item: the alias,
// else the last JSON key of the path, else the column name. It is "" for
// Star and Embed items; an aggregate without alias is named after its
// function ("sum", "count"), as in PostgREST.
func (s SelectItem) OutputName() string {
	if s.Alias != "" {
		return s.Alias
	}
	if s.Star || s.Embed != nil {
		return ""
	}
	if s.Aggregate != "" {
		return string(s.Aggregate)
	}
	return s.Field.OutputName()
}

// Embed is an embedded resource in a select list: [alias:]rel[!hint][!inner|!left](...)
// or ...rel[!hint](...).
type Embed struct {
	// Name is the relation (table, view, function or FK-derived name).
	Name string
	// Alias is the output key given with alias:rel(...), "" when none.
	Alias string
	// Hint disambiguates the relationship: FK constraint name, FK column or
	// junction table. "" when none.
	Hint string
	// Join is the join type requested with !inner/!left; "" is the default
	// (left join).
	Join JoinType
	// Spread is ...rel(...): the columns are hoisted into the parent.
	Spread bool
	// Select is the inner select list; empty (non-nil) for rel().
	Select []SelectItem
}

// Key returns the name this embed is addressed by in embed paths and output:
// the alias, or the relation name.
func (e *Embed) Key() string {
	if e.Alias != "" {
		return e.Alias
	}
	return e.Name
}

// Field is a column (or computed field) reference with an optional JSON path.
type Field struct {
	Name     string
	JSONPath []JSONStep
}

// OutputName is the default output key: the last JSON key, else Name.
func (f Field) OutputName() string {
	for i := len(f.JSONPath) - 1; i >= 0; i-- {
		if !f.JSONPath[i].Index {
			return f.JSONPath[i].Key
		}
	}
	return f.Name
}

// JSONStep is one -> or ->> step of a JSON path.
type JSONStep struct {
	// Text is ->> (text result); false is -> (json result).
	Text bool
	// Key is the object key, or the decimal array index when Index is set
	// (optionally with a leading '-', e.g. "0", "-1").
	Key string
	// Index reports an array index (->0); consumers emit it as an integer.
	Index bool
}

// AggregateFunc is an aggregate function name in select.
type AggregateFunc string

// Aggregate functions PostgREST accepts.
const (
	AggCount AggregateFunc = "count"
	AggSum   AggregateFunc = "sum"
	AggAvg   AggregateFunc = "avg"
	AggMax   AggregateFunc = "max"
	AggMin   AggregateFunc = "min"
)

// JoinType is the join requested for an embed.
type JoinType string

// Join types.
const (
	JoinDefault JoinType = ""
	JoinInner   JoinType = "inner"
	JoinLeft    JoinType = "left"
)

// Operator is a filter operator.
type Operator string

// Filter operators (PostgREST 14 names).
const (
	OpEq         Operator = "eq"         // =
	OpNeq        Operator = "neq"        // <>
	OpGt         Operator = "gt"         // >
	OpGte        Operator = "gte"        // >=
	OpLt         Operator = "lt"         // <
	OpLte        Operator = "lte"        // <=
	OpLike       Operator = "like"       // LIKE (Value has * already replaced by %)
	OpILike      Operator = "ilike"      // ILIKE (Value has * already replaced by %)
	OpMatch      Operator = "match"      // ~
	OpIMatch     Operator = "imatch"     // ~*
	OpIs         Operator = "is"         // IS NULL/NOT NULL/TRUE/FALSE/UNKNOWN (Value: IsValue)
	OpIsDistinct Operator = "isdistinct" // IS DISTINCT FROM
	OpIn         Operator = "in"         // = ANY(array of Values)
	OpCs         Operator = "cs"         // @>
	OpCd         Operator = "cd"         // <@
	OpOv         Operator = "ov"         // &&
	OpSl         Operator = "sl"         // <<
	OpSr         Operator = "sr"         // >>
	OpNxr        Operator = "nxr"        // &<
	OpNxl        Operator = "nxl"        // &>
	OpAdj        Operator = "adj"        // -|-
	OpFts        Operator = "fts"        // @@ to_tsquery
	OpPlfts      Operator = "plfts"      // @@ plainto_tsquery
	OpPhfts      Operator = "phfts"      // @@ phraseto_tsquery
	OpWfts       Operator = "wfts"       // @@ websearch_to_tsquery
)

// IsFTS reports whether op is one of the full-text-search operators.
func (op Operator) IsFTS() bool {
	return op == OpFts || op == OpPlfts || op == OpPhfts || op == OpWfts
}

// Quantifier is the (any)/(all) modifier of an operator.
type Quantifier string

// Quantifiers.
const (
	QuantNone Quantifier = ""
	QuantAny  Quantifier = "any" // op ANY($1): Value is a PG array literal like {a,b}
	QuantAll  Quantifier = "all" // op ALL($1)
)

// IsValue is the right-hand side of the is operator, normalised to lower case.
type IsValue string

// is. values.
const (
	IsNull    IsValue = "null"
	IsNotNull IsValue = "not_null"
	IsTrue    IsValue = "true"
	IsFalse   IsValue = "false"
	IsUnknown IsValue = "unknown"
)

// Filter is one condition col[->path]=[not.]op[(any|all)|(lang)].value.
type Filter struct {
	// Field is the filtered column (or computed field, or embedded resource
	// name for rel=is.null / rel=not.is.null) and JSON path.
	Field Field
	// Negate is the not. prefix.
	Negate bool
	// Op is the operator.
	Op Operator
	// Quant is (any)/(all); only for eq, neq, gt, gte, lt, lte, like, ilike,
	// match, imatch.
	Quant Quantifier
	// Lang is the text search configuration of fts(english), "" when none.
	Lang string
	// Value is the operand verbatim for single-value operators (quotes are not
	// stripped outside logic trees, as in PostgREST); for like/ilike '*' is
	// replaced by '%'; for is it is the normalised IsValue; empty for in.
	Value string
	// Values is the unquoted element list of in.(…) (non-nil, possibly
	// empty); nil for other operators.
	Values []string
}

// IsValue returns Value as an IsValue (meaningful when Op == OpIs).
func (f Filter) IsValue() IsValue { return IsValue(f.Value) }

// LogicOp is and/or.
type LogicOp string

// Logic operators.
const (
	LogicAnd LogicOp = "and"
	LogicOr  LogicOp = "or"
)

// LogicTree is an and=(…)/or=(…) expression, possibly negated and nested.
type LogicTree struct {
	// Negate is not.or / not.and.
	Negate bool
	// Op combines Children.
	Op LogicOp
	// Children has at least one element.
	Children []LogicNode
}

// LogicNode is one operand of a LogicTree: exactly one of Filter and Tree is
// non-nil.
type LogicNode struct {
	Filter *Filter
	Tree   *LogicTree
}

// OrderDirection is asc/desc; "" means unspecified (database default, ASC).
type OrderDirection string

// Order directions.
const (
	OrderDefault OrderDirection = ""
	OrderAsc     OrderDirection = "asc"
	OrderDesc    OrderDirection = "desc"
)

// NullsOrder is nullsfirst/nullslast; "" means unspecified.
type NullsOrder string

// Nulls orders.
const (
	NullsDefault NullsOrder = ""
	NullsFirst   NullsOrder = "first"
	NullsLast    NullsOrder = "last"
)

// OrderTerm is one element of order=.
type OrderTerm struct {
	// Relation is set for order=rel(col): the to-one embed (name or alias)
	// whose column orders the parent. "" for a plain column.
	Relation string
	// Field is the ordering column and JSON path.
	Field     Field
	Direction OrderDirection
	Nulls     NullsOrder
}

// Range is a row range from the Range header: rows Offset..Offset+Limit-1.
type Range struct {
	Offset int64
	// Limit is nil for an open range (Range: 10-).
	Limit *int64
}

// ReturnPref is Prefer: return=.
type ReturnPref string

// return= values.
const (
	ReturnDefault        ReturnPref = ""
	ReturnMinimal        ReturnPref = "minimal"
	ReturnRepresentation ReturnPref = "representation"
	ReturnHeadersOnly    ReturnPref = "headers-only"
)

// CountPref is Prefer: count=.
type CountPref string

// count= values.
const (
	CountNone      CountPref = ""
	CountExact     CountPref = "exact"
	CountPlanned   CountPref = "planned"
	CountEstimated CountPref = "estimated"
)

// ResolutionPref is Prefer: resolution=.
type ResolutionPref string

// resolution= values.
const (
	ResolutionNone            ResolutionPref = ""
	ResolutionMergeDuplicates ResolutionPref = "merge-duplicates"
	ResolutionIgnoreDups      ResolutionPref = "ignore-duplicates"
)

// MissingPref is Prefer: missing=.
type MissingPref string

// missing= values.
const (
	MissingNone    MissingPref = ""
	MissingDefault MissingPref = "default"
	MissingNull    MissingPref = "null"
)

// HandlingPref is Prefer: handling=.
type HandlingPref string

// handling= values.
const (
	HandlingNone    HandlingPref = ""
	HandlingStrict  HandlingPref = "strict"
	HandlingLenient HandlingPref = "lenient"
)

// TxPref is Prefer: tx=.
type TxPref string

// tx= values.
const (
	TxNone     TxPref = ""
	TxCommit   TxPref = "commit"
	TxRollback TxPref = "rollback"
)

// Preferences are the parsed Prefer headers. For every preference the first
// occurrence wins; unknown or malformed ones are listed in Invalid (and
// cause PGRST122 only with handling=strict).
type Preferences struct {
	Return     ReturnPref
	Count      CountPref
	Resolution ResolutionPref
	Missing    MissingPref
	Handling   HandlingPref
	Tx         TxPref
	// Timezone is timezone=…, "" when absent. Not validated against the
	// database's timezone names; the executor does that.
	Timezone string
	// MaxAffected is max-affected=n, nil when absent.
	MaxAffected *int64
	// Invalid lists the preference tokens that were not understood, as sent.
	Invalid []string
}

// MediaKind identifies a media type rowgate can produce or consume.
type MediaKind string

// Media kinds.
const (
	MediaJSON        MediaKind = "application/json"
	MediaObject      MediaKind = "application/vnd.pgrst.object+json"
	MediaArray       MediaKind = "application/vnd.pgrst.array+json"
	MediaCSV         MediaKind = "text/csv"
	MediaGeoJSON     MediaKind = "application/geo+json"
	MediaOpenAPI     MediaKind = "application/openapi+json"
	MediaPlan        MediaKind = "application/vnd.pgrst.plan"
	MediaText        MediaKind = "text/plain"
	MediaXML         MediaKind = "text/xml"
	MediaOctetStream MediaKind = "application/octet-stream"
	MediaURLEncoded  MediaKind = "application/x-www-form-urlencoded"
)

// MediaType is a parsed media type.
type MediaType struct {
	Kind MediaKind
	// StripNulls is ;nulls=stripped on array/object JSON.
	StripNulls bool
	// PlanFormat is "text" or "json" for MediaPlan.
	PlanFormat string
	// PlanFor is the for="…" media type of MediaPlan ("" when absent).
	PlanFor string
	// PlanOptions are the options=a|b of MediaPlan (analyze, verbose,
	// settings, buffers, wal).
	PlanOptions []string
	// Any reports that the client sent */* (or nothing) and Kind is the
	// default chosen by the parser.
	Any bool
}
