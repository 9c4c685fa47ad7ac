package schema

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Querier runs a query. *pgx.Conn, *pgxpool.Pool and pgx.Tx satisfy it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// QualifiedName names a relation or function by schema and name.
type QualifiedName struct {
	Schema string
	Name   string
}

// String renders the name as schema.name, unquoted (for messages).
func (q QualifiedName) String() string { return q.Schema + "." + q.Name }

// Kind is the kind of a relation.
type Kind string

// Relation kinds, after pg_class.relkind.
const (
	KindTable            Kind = "table"             // r
	KindView             Kind = "view"              // v
	KindMaterializedView Kind = "materialized_view" // m
	KindPartitionedTable Kind = "partitioned_table" // p
	KindForeignTable     Kind = "foreign_table"     // f
)

// IsView reports whether the kind is a view or materialized view.
func (k Kind) IsView() bool { return k == KindView || k == KindMaterializedView }

// Column is one column of a relation.
type Column struct {
	Name     string
	Position int // pg_attribute.attnum
	// Type is format_type(atttypid, atttypmod), e.g. "character varying(20)",
	// "text[]", "timestamp with time zone".
	Type string
	// BaseType is Type with domains resolved to their base type.
	BaseType string
	// Category is pg_type.typcategory of the base type: "A" array, "R"
	// range, "U" user-defined (json, jsonb, uuid…), "S" string, "N" numeric…
	Category string
	// Composite is true when the base type is a composite (row) type.
	Composite bool
	Nullable  bool
	// Default is the default expression (pg_get_expr), "" when none.
	Default   string
	Generated bool
	// Enum lists the labels when the (base) type is an enum.
	Enum []string
}

// IsJSON reports whether the column's base type is json or jsonb.
func (c *Column) IsJSON() bool { return c.BaseType == "json" || c.BaseType == "jsonb" }

// Table is a relation in the cache: a table, view, materialized view,
// partitioned table or foreign table.
type Table struct {
	Schema     string
	Name       string
	Kind       Kind
	Insertable bool
	Updatable  bool
	Deletable  bool
	Columns    []Column // ordered by position
	// PrimaryKey lists the primary key columns; for views, the view columns
	// that pass through all primary key columns of a base table.
	PrimaryKey []string
	Comment    string

	oid    uint32
	colIdx map[string]int
}

// QualifiedName returns the table's schema and name.
func (t *Table) QualifiedName() QualifiedName { return QualifiedName{t.Schema, t.Name} }

// Column returns the named column.
func (t *Table) Column(name string) (*Column, bool) {
	i, ok := t.colIdx[name]
	if !ok {
		return nil, false
	}
	return &t.Columns[i], true
}

// Cardinality is the kind of a relationship, seen from its origin.
type Cardinality string

// Relationship cardinalities.
const (
	ManyToOne  Cardinality = "many-to-one"
	OneToMany  Cardinality = "one-to-many"
	OneToOne   Cardinality = "one-to-one"
	ManyToMany Cardinality = "many-to-many"
)

// ToOne reports whether embedding along this cardinality yields at most one
// row (a JSON object or null).
func (c Cardinality) ToOne() bool { return c == ManyToOne || c == OneToOne }

// Relationship connects an origin relation to a foreign relation.
//
// For many-to-one, one-to-many and one-to-one, Columns[i] of Table equals
// ForeignColumns[i] of ForeignTable. For many-to-many, Junction describes the
// path and Columns/ForeignColumns are empty.
type Relationship struct {
	Table          QualifiedName
	ForeignTable   QualifiedName
	Cardinality    Cardinality
	Constraint     string // foreign key constraint name
	Columns        []string
	ForeignColumns []string
	Junction       *Junction
	// TableIsView and ForeignTableIsView are set when that side is a view
	// (the relationship was carried through the view's columns).
	TableIsView        bool
	ForeignTableIsView bool
	// Parent is set for the one-to-one relationship seen from the
	// referenced side (the foreign key lives on ForeignTable).
	Parent bool
}

// IsSelf reports whether the relationship joins a relation to itself.
func (r *Relationship) IsSelf() bool { return r.Table == r.ForeignTable }

// Junction is the middle table of a many-to-many relationship.
type Junction struct {
	Table QualifiedName
	// Constraint1 is the foreign key from the junction to the origin,
	// Constraint2 the one from the junction to the foreign table.
	Constraint1 string
	Constraint2 string
	// SourceColumns[i] (origin) = JunctionSourceColumns[i] (junction).
	SourceColumns         []string
	JunctionSourceColumns []string
	// TargetColumns[i] (foreign table) = JunctionTargetColumns[i] (junction).
	TargetColumns         []string
	JunctionTargetColumns []string
}

// Volatility is a function's volatility class.
type Volatility string

// Volatility classes.
const (
	Immutable Volatility = "immutable"
	Stable    Volatility = "stable"
	Volatile  Volatility = "volatile"
)

// Arg is one input argument of a function.
type Arg struct {
	Name       string // "" when unnamed
	Type       string // format_type
	HasDefault bool
	Variadic   bool
}

// Function is a function in an exposed schema.
type Function struct {
	Schema     string
	Name       string
	Args       []Arg // input arguments (IN, INOUT, VARIADIC)
	ReturnType string
	ReturnsSet bool
	// ReturnsTable names the relation when the function returns a table's
	// row type (or SETOF it).
	ReturnsTable *QualifiedName
	// ReturnsComposite is true for row-typed results: a relation's row type,
	// RETURNS TABLE(…)/OUT parameters, or record.
	ReturnsComposite bool
	// ReturnsVoid is true for RETURNS void.
	ReturnsVoid bool
	Volatility  Volatility
	Comment     string

	oid uint32
}

// QualifiedName returns the function's schema and name.
func (f *Function) QualifiedName() QualifiedName { return QualifiedName{f.Schema, f.Name} }

// Cache is an immutable snapshot of the database schema.
type Cache struct {
	schemas   []string
	tables    map[QualifiedName]*Table
	rels      map[QualifiedName][]Relationship
	funcs     map[QualifiedName][]*Function
	computed  map[computedKey]*Function
	byOID     map[uint32]*Table
	tableList []*Table
}

type computedKey struct {
	table QualifiedName
	name  string
}

// Schemas returns the exposed schemas in configuration order.
func (c *Cache) Schemas() []string { return slices.Clone(c.schemas) }

// Exposed reports whether schema is one of the exposed schemas.
func (c *Cache) Exposed(schema string) bool { return slices.Contains(c.schemas, schema) }

// Table returns the relation schema.name.
func (c *Cache) Table(schema, name string) (*Table, bool) {
	t, ok := c.tables[QualifiedName{schema, name}]
	return t, ok
}

// Tables returns all relations of a schema, ordered by name.
func (c *Cache) Tables(schema string) []*Table {
	var out []*Table
	for _, t := range c.tableList {
		if t.Schema == schema {
			out = append(out, t)
		}
	}
	return out
}

// Relationships returns the relationships whose origin is schema.table.
// The slice must not be modified.
func (c *Cache) Relationships(schema, table string) []Relationship {
	return c.rels[QualifiedName{schema, table}]
}

// Functions returns the overloads of schema.name.
func (c *Cache) Functions(schema, name string) []*Function {
	return c.funcs[QualifiedName{schema, name}]
}

// ComputedField returns the function name that takes one argument of the row
// type of schema.table and returns a single, non-set value, i.e. a computed
// field usable like a column. Functions are searched in the exposed schemas.
func (c *Cache) ComputedField(schema, table, name string) (*Function, bool) {
	f, ok := c.computed[computedKey{QualifiedName{schema, table}, name}]
	return f, ok
}
