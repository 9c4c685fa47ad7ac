package schema

import (
	"slices"
	"sort"
)

// colRef is a column of a base relation.
type colRef struct {
	rel    uint32
	attnum int32
}

// keyedRel is a relation together with its column names for a list of base
// columns (the relation itself, or a view passing those columns through).
type keyedRel struct {
	t    *Table
	cols []string
}

// buildKeysAndRelationships resolves constraint attnums to names, sets
// primary keys (also of views) and derives all relationships.
func (c *Cache) buildKeysAndRelationships(cons []constraint, viewDefs map[uint32]string) {
	colName := func(rel uint32, att int32) (string, bool) {
		t, ok := c.byOID[rel]
		if !ok {
			return "", false
		}
		for _, col := range t.Columns {
			if int32(col.Position) == att {
				return col.Name, true
			}
		}
		return "", false
	}
	names := func(rel uint32, atts []int32) ([]string, bool) {
		out := make([]string, 0, len(atts))
		for _, a := range atts {
			n, ok := colName(rel, a)
			if !ok {
				return nil, false
			}
			out = append(out, n)
		}
		return out, true
	}

	// Unique column sets per relation (PK first), as sorted attnum lists.
	uniques := map[uint32][][]int32{}
	pk := map[uint32][]int32{}
	for _, k := range cons {
		switch k.kind {
		case 'p':
			pk[k.rel] = k.cols
			if n, ok := names(k.rel, k.cols); ok {
				if t, ok := c.byOID[k.rel]; ok {
					t.PrimaryKey = n
				}
			}
			uniques[k.rel] = append(uniques[k.rel], sortedCopy(k.cols))
		case 'u':
			uniques[k.rel] = append(uniques[k.rel], sortedCopy(k.cols))
		}
	}

	// View column origins, resolved through views over views to base columns.
	direct := map[uint32][]viewColumnOrigin{}
	for oid, def := range viewDefs {
		direct[oid] = viewColumnOrigins(def)
	}
	// exposedBy[base column] lists (view, view column) pairs passing it through.
	type viewCol struct {
		view *Table
		col  string
	}
	exposedBy := map[colRef][]viewCol{}
	var resolve func(ref colRef, depth int) (colRef, bool)
	resolve = func(ref colRef, depth int) (colRef, bool) {
		if depth > 32 {
			return colRef{}, false
		}
		origins, isView := direct[ref.rel]
		if !isView {
			return ref, true
		}
		name, ok := colName(ref.rel, ref.attnum)
		if !ok {
			return colRef{}, false
		}
		for _, o := range origins {
			if o.name == name {
				return resolve(colRef{o.rel, o.attnum}, depth+1)
			}
		}
		return colRef{}, false
	}
	viewOIDs := make([]uint32, 0, len(direct))
	for oid := range direct {
		viewOIDs = append(viewOIDs, oid)
	}
	// Deterministic order: by schema, name.
	sort.Slice(viewOIDs, func(i, j int) bool {
		a, b := c.byOID[viewOIDs[i]], c.byOID[viewOIDs[j]]
		if a.Schema != b.Schema {
			return a.Schema < b.Schema
		}
		return a.Name < b.Name
	})
	for _, oid := range viewOIDs {
		view := c.byOID[oid]
		seen := map[colRef]bool{}
		for _, o := range direct[oid] {
			base, ok := resolve(colRef{o.rel, o.attnum}, 0)
			if !ok || seen[base] {
				continue // first view column wins when one is selected twice
			}
			seen[base] = true
			exposedBy[base] = append(exposedBy[base], viewCol{view, o.name})
		}
	}

	// variants returns the relation itself plus every view that passes all
	// the given base columns through.
	variants := func(rel uint32, atts []int32) []keyedRel {
		t, ok := c.byOID[rel]
		if !ok {
			return nil
		}
		base, ok := names(rel, atts)
		if !ok {
			return nil
		}
		out := []keyedRel{{t, base}}
		perView := map[*Table][]string{}
		var order []*Table
		for i, a := range atts {
			for _, vc := range exposedBy[colRef{rel, a}] {
				cols, seen := perView[vc.view]
				if !seen {
					if i != 0 {
						continue // missing an earlier column
					}
					order = append(order, vc.view)
				}
				if len(cols) == i {
					perView[vc.view] = append(cols, vc.col)
				}
			}
		}
		for _, v := range order {
			if cols := perView[v]; len(cols) == len(atts) {
				out = append(out, keyedRel{v, cols})
			}
		}
		return out
	}

	// View primary keys: views passing through a base table's whole PK.
	pkOIDs := make([]uint32, 0, len(pk))
	for oid := range pk {
		pkOIDs = append(pkOIDs, oid)
	}
	slices.Sort(pkOIDs)
	for _, oid := range pkOIDs {
		for i, v := range variants(oid, pk[oid]) {
			if i > 0 && len(v.t.PrimaryKey) == 0 {
				v.t.PrimaryKey = v.cols
			}
		}
	}

	add := func(r Relationship) {
		c.rels[r.Table] = append(c.rels[r.Table], r)
	}
	isUnique := func(rel uint32, atts []int32) bool {
		s := sortedCopy(atts)
		for _, u := range uniques[rel] {
			if slices.Equal(u, s) {
				return true
			}
		}
		return false
	}

	// One-to-one, many-to-one and one-to-many from each foreign key.
	var fks []constraint
	for _, k := range cons {
		if k.kind == 'f' {
			fks = append(fks, k)
		}
	}
	for _, k := range fks {
		unique := isUnique(k.rel, k.cols)
		for _, src := range variants(k.rel, k.cols) {
			for _, dst := range variants(k.foreign, k.foreignAt) {
				fwd := Relationship{
					Table: src.t.QualifiedName(), ForeignTable: dst.t.QualifiedName(),
					Constraint: k.name, Columns: src.cols, ForeignColumns: dst.cols,
					TableIsView: src.t.Kind.IsView(), ForeignTableIsView: dst.t.Kind.IsView(),
				}
				back := Relationship{
					Table: dst.t.QualifiedName(), ForeignTable: src.t.QualifiedName(),
					Constraint: k.name, Columns: dst.cols, ForeignColumns: src.cols,
					TableIsView: dst.t.Kind.IsView(), ForeignTableIsView: src.t.Kind.IsView(),
				}
				if unique {
					fwd.Cardinality, back.Cardinality, back.Parent = OneToOne, OneToOne, true
				} else {
					fwd.Cardinality, back.Cardinality = ManyToOne, OneToMany
				}
				add(fwd)
				add(back)
			}
		}
	}

	// Many-to-many through junction tables: two distinct foreign keys whose
	// columns together are part of the junction's primary key.
	for _, k1 := range fks {
		pkCols := pk[k1.rel]
		if len(pkCols) == 0 {
			continue
		}
		for _, k2 := range fks {
			if k1.rel != k2.rel || k1.name == k2.name {
				continue
			}
			if !subset(k1.cols, pkCols) || !subset(k2.cols, pkCols) {
				continue
			}
			jt, ok := c.byOID[k1.rel]
			if !ok {
				continue
			}
			j1, ok1 := names(k1.rel, k1.cols)
			j2, ok2 := names(k2.rel, k2.cols)
			if !ok1 || !ok2 {
				continue
			}
			for _, src := range variants(k1.foreign, k1.foreignAt) {
				for _, dst := range variants(k2.foreign, k2.foreignAt) {
					add(Relationship{
						Table: src.t.QualifiedName(), ForeignTable: dst.t.QualifiedName(),
						Cardinality: ManyToMany, Constraint: k1.name,
						TableIsView: src.t.Kind.IsView(), ForeignTableIsView: dst.t.Kind.IsView(),
						Junction: &Junction{
							Table: jt.QualifiedName(), Constraint1: k1.name, Constraint2: k2.name,
							SourceColumns: src.cols, JunctionSourceColumns: j1,
							TargetColumns: dst.cols, JunctionTargetColumns: j2,
						},
					})
				}
			}
		}
	}
}

func sortedCopy(a []int32) []int32 {
	s := slices.Clone(a)
	slices.Sort(s)
	return s
}

func subset(a, b []int32) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
