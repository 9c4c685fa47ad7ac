package schema

import (
	"context"
	"fmt"
	"slices"
)

// systemSchemaFilter excludes PostgreSQL's own schemas.
const systemSchemaFilter = `n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'`

// relationsSQL lists every user relation except partitions (PostgREST hides
// them too), with the view's stored query for column dependencies.
const relationsSQL = `
SELECT c.oid::int8, n.nspname, c.relname, c.relkind::text,
       pg_catalog.pg_relation_is_updatable(c.oid, true),
       coalesce(pg_catalog.obj_description(c.oid, 'pg_class'), ''),
       coalesce(r.ev_action::text, '')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_rewrite r
  ON r.ev_class = c.oid AND r.rulename = '_RETURN' AND c.relkind IN ('v', 'm')
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
  AND NOT c.relispartition
  AND ` + systemSchemaFilter + `
ORDER BY n.nspname, c.relname`

const columnsSQL = `
SELECT a.attrelid::int8, a.attname, a.attnum::int4,
       pg_catalog.format_type(a.atttypid, a.atttypmod),
       pg_catalog.format_type(bt.oid, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END),
       bt.typcategory::text, bt.typtype = 'c',
       NOT (a.attnotnull OR t.typnotnull),
       coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid),
                -- An identity column's default is its sequence, so that
                -- Prefer: missing=default fills it like PostgREST does.
                CASE WHEN a.attidentity = 'd' THEN
                  pg_catalog.format('nextval(%L::regclass)', pg_catalog.pg_get_serial_sequence(
                    pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), a.attname))
                END, ''),
       a.attgenerated <> '',
       coalesce((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                 FROM pg_catalog.pg_enum e WHERE e.enumtypid = bt.oid), '{}')
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
  AND NOT c.relispartition
  AND a.attnum > 0 AND NOT a.attisdropped
  AND ` + systemSchemaFilter + `
ORDER BY a.attrelid, a.attnum`

const constraintsSQL = `
SELECT con.conname, con.contype::text, con.conrelid::int8, con.conkey::int4[],
       con.confrelid::int8, coalesce(con.confkey, '{}')::int4[]
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_namespace n ON n.oid = con.connamespace
WHERE con.contype IN ('p', 'u', 'f')
  AND con.conrelid <> 0
  AND ` + systemSchemaFilter + `
ORDER BY con.conrelid, con.contype, con.conname`

// functionsSQL lists the plain functions of the exposed schemas ($1) with
// their input arguments in order.
const functionsSQL = `
SELECT p.oid::int8, n.nspname, p.proname,
       coalesce(args.names, '{}'), coalesce(args.types, '{}'), coalesce(args.modes, '{}'),
       coalesce(args.relids, '{}'),
       p.pronargdefaults::int4, p.proretset,
       pg_catalog.format_type(p.prorettype, NULL),
       rt.typtype::text, coalesce(rt.typrelid, 0)::int8, p.provolatile::text,
       coalesce(pg_catalog.obj_description(p.oid, 'pg_proc'), ''),
       EXISTS (SELECT 1 FROM unnest(coalesce(p.proargmodes, '{}')) m WHERE m IN ('o', 't'))
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_type rt ON rt.oid = p.prorettype
LEFT JOIN LATERAL (
  SELECT array_agg(coalesce(p.proargnames[a.ord], '') ORDER BY a.ord) AS names,
         array_agg(pg_catalog.format_type(a.typ, NULL) ORDER BY a.ord) AS types,
         array_agg(coalesce(p.proargmodes[a.ord], 'i')::text ORDER BY a.ord) AS modes,
         array_agg(coalesce(ty.typrelid, 0)::int8 ORDER BY a.ord) AS relids
  FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) WITH ORDINALITY AS a(typ, ord)
  LEFT JOIN pg_catalog.pg_type ty ON ty.oid = a.typ
) args ON true
WHERE p.prokind = 'f' AND n.nspname = ANY($1::text[])
ORDER BY n.nspname, p.proname, p.oid`

// Load reads the catalog through q and builds a cache exposing the given
// schemas. Relations of all non-system schemas are read (views in an exposed
// schema may select from other schemas), functions only from exposed ones.
func Load(ctx context.Context, q Querier, schemas []string) (*Cache, error) {
	c := &Cache{
		schemas:  slices.Clone(schemas),
		tables:   map[QualifiedName]*Table{},
		rels:     map[QualifiedName][]Relationship{},
		funcs:    map[QualifiedName][]*Function{},
		computed: map[computedKey]*Function{},
		byOID:    map[uint32]*Table{},
	}
	viewDefs, err := c.loadRelations(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := c.loadColumns(ctx, q); err != nil {
		return nil, err
	}
	cons, err := loadConstraints(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := c.loadFunctions(ctx, q); err != nil {
		return nil, err
	}
	c.buildKeysAndRelationships(cons, viewDefs)
	return c, nil
}

func (c *Cache) loadRelations(ctx context.Context, q Querier) (map[uint32]string, error) {
	rows, err := q.Query(ctx, relationsSQL)
	if err != nil {
		return nil, fmt.Errorf("query relations: %w", err)
	}
	defer rows.Close()
	viewDefs := map[uint32]string{}
	for rows.Next() {
		var (
			oid                 int64
			sch, name, relkind  string
			updatable           int32
			comment, definition string
		)
		if err := rows.Scan(&oid, &sch, &name, &relkind, &updatable, &comment, &definition); err != nil {
			return nil, fmt.Errorf("scan relation: %w", err)
		}
		t := &Table{
			Schema: sch, Name: name, Comment: comment, oid: uint32(oid),
			colIdx: map[string]int{},
			// pg_relation_is_updatable bits: 4 UPDATE, 8 INSERT, 16 DELETE.
			Updatable:  updatable&4 != 0,
			Insertable: updatable&8 != 0,
			Deletable:  updatable&16 != 0,
		}
		switch relkind {
		case "r":
			t.Kind = KindTable
		case "v":
			t.Kind = KindView
		case "m":
			t.Kind = KindMaterializedView
		case "p":
			t.Kind = KindPartitionedTable
		case "f":
			t.Kind = KindForeignTable
		}
		c.tables[t.QualifiedName()] = t
		c.byOID[t.oid] = t
		c.tableList = append(c.tableList, t)
		if definition != "" {
			viewDefs[t.oid] = definition
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read relations: %w", err)
	}
	return viewDefs, nil
}

func (c *Cache) loadColumns(ctx context.Context, q Querier) error {
	rows, err := q.Query(ctx, columnsSQL)
	if err != nil {
		return fmt.Errorf("query columns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			oid int64
			col Column
			pos int32
		)
		if err := rows.Scan(&oid, &col.Name, &pos, &col.Type, &col.BaseType, &col.Category,
			&col.Composite, &col.Nullable, &col.Default, &col.Generated, &col.Enum); err != nil {
			return fmt.Errorf("scan column: %w", err)
		}
		col.Position = int(pos)
		if len(col.Enum) == 0 {
			col.Enum = nil
		}
		t, ok := c.byOID[uint32(oid)]
		if !ok {
			continue
		}
		t.colIdx[col.Name] = len(t.Columns)
		t.Columns = append(t.Columns, col)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read columns: %w", err)
	}
	return nil
}

type constraint struct {
	name      string
	kind      byte // p, u, f
	rel       uint32
	cols      []int32
	foreign   uint32
	foreignAt []int32
}

func loadConstraints(ctx context.Context, q Querier) ([]constraint, error) {
	rows, err := q.Query(ctx, constraintsSQL)
	if err != nil {
		return nil, fmt.Errorf("query constraints: %w", err)
	}
	defer rows.Close()
	var out []constraint
	for rows.Next() {
		var (
			k           constraint
			kind        string
			rel, frel   int64
			cols, fcols []int32
		)
		if err := rows.Scan(&k.name, &kind, &rel, &cols, &frel, &fcols); err != nil {
			return nil, fmt.Errorf("scan constraint: %w", err)
		}
		k.kind, k.rel, k.cols, k.foreign, k.foreignAt = kind[0], uint32(rel), cols, uint32(frel), fcols
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read constraints: %w", err)
	}
	return out, nil
}

func (c *Cache) loadFunctions(ctx context.Context, q Querier) error {
	rows, err := q.Query(ctx, functionsSQL, c.schemas)
	if err != nil {
		return fmt.Errorf("query functions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			oid, retRel            int64
			f                      Function
			names, types, modes    []string
			relids                 []int64
			inRelids               []int64
			nDefaults              int32
			retTypType, volatility string
			hasOut                 bool
		)
		if err := rows.Scan(&oid, &f.Schema, &f.Name, &names, &types, &modes, &relids, &nDefaults,
			&f.ReturnsSet, &f.ReturnType, &retTypType, &retRel, &volatility, &f.Comment, &hasOut); err != nil {
			return fmt.Errorf("scan function: %w", err)
		}
		f.oid = uint32(oid)
		for i := range types {
			mode := "i"
			if i < len(modes) {
				mode = modes[i]
			}
			if mode != "i" && mode != "b" && mode != "v" {
				continue // OUT and TABLE columns are not inputs
			}
			a := Arg{Type: types[i], Variadic: mode == "v"}
			if i < len(names) {
				a.Name = names[i]
			}
			f.Args = append(f.Args, a)
			if i < len(relids) {
				inRelids = append(inRelids, relids[i])
			}
		}
		// pronargdefaults counts the trailing input arguments with defaults.
		for i := len(f.Args) - int(nDefaults); i < len(f.Args); i++ {
			if i >= 0 {
				f.Args[i].HasDefault = true
			}
		}
		switch volatility {
		case "i":
			f.Volatility = Immutable
		case "s":
			f.Volatility = Stable
		default:
			f.Volatility = Volatile
		}
		f.ReturnsVoid = f.ReturnType == "void"
		if retTypType == "c" {
			f.ReturnsComposite = true
			if t, ok := c.byOID[uint32(retRel)]; ok {
				qn := t.QualifiedName()
				f.ReturnsTable = &qn
			}
		}
		if f.ReturnType == "record" || hasOut {
			f.ReturnsComposite = f.ReturnsComposite || f.ReturnType == "record"
		}
		fp := &f
		qn := f.QualifiedName()
		c.funcs[qn] = append(c.funcs[qn], fp)
		// Computed field: one input argument of a relation's row type and a
		// single (non-set) result.
		if len(f.Args) == 1 && len(inRelids) == 1 && !f.ReturnsSet && !f.ReturnsVoid {
			if t, ok := c.byOID[uint32(inRelids[0])]; ok {
				c.computed[computedKey{t.QualifiedName(), f.Name}] = fp
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read functions: %w", err)
	}
	return nil
}
