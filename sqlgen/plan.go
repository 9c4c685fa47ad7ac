package sqlgen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/pgrest"
	"github.com/rowgate/rowgate/schema"
)

// level is one relation of the query tree: the root or an embedded
// resource, rendered as one SELECT.
type level struct {
	table *schema.Table // nil for functions not returning a table's rows
	// from is the FROM item (with its alias), alias the unquoted alias
	// that qualifies columns.
	from  string
	alias string
	// scalar is set for an RPC returning a scalar (column pgrst_scalar).
	scalar bool

	items    []string // select list
	outNames []string // output key of each item, "" when unknown (star)
	joins    []joinClause
	where    []string // AND-ed conditions
	order    []string
	limit    *int64
	offset   int64
	embeds   []*embedded
}

type joinClause struct {
	sql string
	// count is set when the join affects which parent rows exist (inner
	// embeds, embeds used in is.null filters), so the count query needs it.
	count bool
}

// embedded is a planned embed below a level.
type embedded struct {
	key     string // alias or relation name
	name    string
	rel     *schema.Relationship
	lateral string // alias of the lateral subquery
	toOne   bool
	lv      *level
	join    int // index into the parent's joins
}

// plan fills lv from a select list and modifiers. path holds the embed keys
// from the root to lv; names the relation names.
func (b *builder) plan(lv *level, items []pgrest.SelectItem, mods *pgrest.Modifiers, path [][2]string, all []pgrest.EmbedModifiers, used []bool) error {
	// Embeds first: filters and order may refer to them.
	for _, it := range items {
		if it.Embed == nil {
			continue
		}
		if err := b.planEmbed(lv, it.Embed, path, all, used); err != nil {
			return err
		}
	}
	for _, it := range items {
		switch {
		case it.Aggregate != "" || it.AggregateCast != "":
			return rowgate.NewError(rowgate.CodeAggregates, "Use of aggregate functions is not allowed")
		case it.Star:
			if lv.scalar {
				lv.items = append(lv.items, quoteIdent(lv.alias)+".pgrst_scalar")
				lv.outNames = append(lv.outNames, "pgrst_scalar")
				continue
			}
			lv.items = append(lv.items, quoteIdent(lv.alias)+".*")
			if lv.table != nil {
				for _, col := range lv.table.Columns {
					lv.outNames = append(lv.outNames, col.Name)
				}
			}
		case it.Embed != nil:
			// handled below, in select-list order
			e := lv.findEmbed(it.Embed.Key())
			if e == nil {
				continue
			}
			if err := b.embedItems(lv, e, it.Embed); err != nil {
				return err
			}
		default:
			if lv.scalar {
				// A scalar result has no columns to pick.
				lv.items = append(lv.items, quoteIdent(lv.alias)+".pgrst_scalar")
				lv.outNames = append(lv.outNames, "pgrst_scalar")
				continue
			}
			expr := b.fieldExpr(lv, it.Field)
			out := it.OutputName()
			if it.Cast != "" {
				if !validCast(it.Cast) {
					return rowgate.NewError(rowgate.CodeParse, "invalid cast type %q", it.Cast)
				}
				expr = "CAST(" + expr + " AS " + strings.TrimSpace(it.Cast) + ")"
			}
			if it.Alias != "" || it.Cast != "" || len(it.Field.JSONPath) > 0 || !lv.isColumn(it.Field.Name) {
				expr += " AS " + quoteIdent(out)
			}
			lv.items = append(lv.items, expr)
			lv.outNames = append(lv.outNames, out)
		}
	}
	if mods == nil {
		return nil
	}
	for i := range mods.Filters {
		cond, err := b.filterCond(lv, &mods.Filters[i], true)
		if err != nil {
			return err
		}
		lv.where = append(lv.where, cond)
	}
	for i := range mods.Logic {
		cond, err := b.logicCond(lv, &mods.Logic[i])
		if err != nil {
			return err
		}
		lv.where = append(lv.where, cond)
	}
	for _, o := range mods.Order {
		term, err := b.orderTerm(lv, o)
		if err != nil {
			return err
		}
		lv.order = append(lv.order, term)
	}
	lv.limit, lv.offset = mods.Limit, mods.Offset
	return nil
}

func (lv *level) isColumn(name string) bool {
	if lv.table == nil {
		return false
	}
	_, ok := lv.table.Column(name)
	return ok
}

func (lv *level) findEmbed(key string) *embedded {
	for _, e := range lv.embeds {
		if e.key == key {
			return e
		}
	}
	for _, e := range lv.embeds {
		if e.name == key {
			return e
		}
	}
	return nil
}

// planEmbed resolves the relationship of an embed and plans its subquery.
func (b *builder) planEmbed(lv *level, em *pgrest.Embed, path [][2]string, all []pgrest.EmbedModifiers, used []bool) error {
	if lv.table == nil {
		return rowgate.NewError(rowgate.CodeNoRelationship, "Could not find a relationship between '%s' and '%s' in the schema cache", lv.alias, em.Name)
	}
	rel, err := b.findRel(lv.table, em.Name, em.Hint)
	if err != nil {
		return err
	}
	target, ok := b.c.Table(rel.ForeignTable.Schema, rel.ForeignTable.Name)
	if !ok {
		return rowgate.NewError(rowgate.CodeNoTable, "Could not find the table '%s' in the schema cache", rel.ForeignTable)
	}
	child := &level{table: target, alias: b.newAlias(target.Name)}
	child.from = quoteQualified(target.QualifiedName()) + " AS " + quoteIdent(child.alias)
	e := &embedded{
		key: em.Key(), name: em.Name, rel: rel, lv: child,
		toOne:   rel.Cardinality.ToOne(),
		lateral: lv.alias + "_" + em.Key() + "_" + strconv.Itoa(len(path)+1),
	}
	// Join condition between the child and its parent.
	pa, ca := quoteIdent(lv.alias), quoteIdent(child.alias)
	if j := rel.Junction; j != nil {
		ja := quoteIdent(b.newAlias(j.Table.Name))
		var on []string
		for i := range j.TargetColumns {
			on = append(on, ja+"."+quoteIdent(j.JunctionTargetColumns[i])+" = "+ca+"."+quoteIdent(j.TargetColumns[i]))
		}
		child.from += " INNER JOIN " + quoteQualified(j.Table) + " AS " + ja + " ON " + strings.Join(on, " AND ")
		for i := range j.SourceColumns {
			child.where = append(child.where, ja+"."+quoteIdent(j.JunctionSourceColumns[i])+" = "+pa+"."+quoteIdent(j.SourceColumns[i]))
		}
	} else {
		for i := range rel.Columns {
			child.where = append(child.where, ca+"."+quoteIdent(rel.ForeignColumns[i])+" = "+pa+"."+quoteIdent(rel.Columns[i]))
		}
	}
	if em.Spread && !e.toOne {
		return rowgate.NewError(rowgate.CodeNotImplemented, "Feature not implemented").
			WithDetails("Spreading a to-many relationship ('" + em.Name + "') is not supported")
	}

	childPath := append(append([][2]string(nil), path...), [2]string{em.Key(), em.Name})
	mods := matchModifiers(childPath, all, used)
	if err := b.plan(child, em.Select, mods, childPath, all, used); err != nil {
		return err
	}
	if len(child.items) == 0 && len(em.Select) > 0 && !em.Spread {
		// only happens for odd inputs; keep the subquery valid
		child.items = nil
	}

	var sb strings.Builder
	inner := em.Join == pgrest.JoinInner
	if inner {
		sb.WriteString("INNER JOIN LATERAL (")
	} else {
		sb.WriteString("LEFT JOIN LATERAL (")
	}
	la := quoteIdent(e.lateral)
	if e.toOne {
		b.writeLevelSelect(&sb, child, false)
		sb.WriteString(") AS " + la + " ON TRUE")
	} else {
		sb.WriteString("SELECT json_agg(" + ca + ")::jsonb AS " + la + " FROM (")
		b.writeLevelSelect(&sb, child, false)
		sb.WriteString(") AS " + ca + ") AS " + la + " ON ")
		if inner {
			sb.WriteString(la + "." + la + " IS NOT NULL")
		} else {
			sb.WriteString("TRUE")
		}
	}
	e.join = len(lv.joins)
	lv.joins = append(lv.joins, joinClause{sql: sb.String(), count: inner})
	lv.embeds = append(lv.embeds, e)
	return nil
}

// embedItems adds the parent's select items for an embed.
func (b *builder) embedItems(lv *level, e *embedded, em *pgrest.Embed) error {
	la := quoteIdent(e.lateral)
	switch {
	case em.Spread:
		for _, n := range e.lv.outNames {
			lv.items = append(lv.items, la+"."+quoteIdent(n)+" AS "+quoteIdent(n))
			lv.outNames = append(lv.outNames, n)
		}
	case len(em.Select) == 0:
		// rel(): only for filtering
	case e.toOne:
		lv.items = append(lv.items, "row_to_json("+la+".*)::jsonb AS "+quoteIdent(e.key))
		lv.outNames = append(lv.outNames, e.key)
	default:
		lv.items = append(lv.items, "COALESCE("+la+"."+la+", '[]') AS "+quoteIdent(e.key))
		lv.outNames = append(lv.outNames, e.key)
	}
	return nil
}

// matchModifiers merges the embed modifiers addressed to path (each element
// may name the embed by alias or by relation name) and marks them used.
func matchModifiers(path [][2]string, all []pgrest.EmbedModifiers, used []bool) *pgrest.Modifiers {
	var out *pgrest.Modifiers
	for i := range all {
		em := &all[i]
		if len(em.Path) != len(path) {
			continue
		}
		match := true
		for j, p := range em.Path {
			if p != path[j][0] && p != path[j][1] {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		used[i] = true
		if out == nil {
			m := em.Modifiers
			out = &m
			continue
		}
		out.Filters = append(out.Filters, em.Filters...)
		out.Logic = append(out.Logic, em.Logic...)
		if em.Order != nil {
			out.Order = em.Order
		}
		if em.Limit != nil {
			out.Limit = em.Limit
		}
		if em.Offset != 0 {
			out.Offset = em.Offset
		}
	}
	return out
}

// writeLevelSelect renders a level as a SELECT. countOnly renders the
// count query: SELECT 1 with only the joins that restrict rows, no order
// and no range.
func (b *builder) writeLevelSelect(sb *strings.Builder, lv *level, countOnly bool) {
	sb.WriteString("SELECT ")
	if countOnly {
		sb.WriteString("1")
	} else {
		sb.WriteString(strings.Join(lv.items, ", "))
	}
	sb.WriteString(" FROM ")
	sb.WriteString(lv.from)
	for _, j := range lv.joins {
		if countOnly && !j.count {
			continue
		}
		sb.WriteString(" ")
		sb.WriteString(j.sql)
	}
	if len(lv.where) > 0 {
		sb.WriteString(" WHERE ")
		sb.WriteString(strings.Join(lv.where, " AND "))
	}
	if countOnly {
		return
	}
	if len(lv.order) > 0 {
		sb.WriteString(" ORDER BY ")
		sb.WriteString(strings.Join(lv.order, ", "))
	}
	if lv.limit != nil {
		sb.WriteString(" LIMIT " + b.param(strconv.FormatInt(*lv.limit, 10)))
	}
	if lv.offset > 0 {
		sb.WriteString(" OFFSET " + b.param(strconv.FormatInt(lv.offset, 10)))
	}
}

// fieldExpr renders a column, computed field or JSON path of lv.
func (b *builder) fieldExpr(lv *level, f pgrest.Field) string {
	base := quoteIdent(lv.alias) + "." + quoteIdent(f.Name)
	isJSON := true
	if lv.table != nil {
		if col, ok := lv.table.Column(f.Name); ok {
			isJSON = col.IsJSON()
		} else if fn, ok := b.c.ComputedField(lv.table.Schema, lv.table.Name, f.Name); ok {
			base = quoteQualified(fn.QualifiedName()) + "(" + quoteIdent(lv.alias) + ")"
			isJSON = fn.ReturnType == "json" || fn.ReturnType == "jsonb"
		}
	}
	if len(f.JSONPath) == 0 {
		return base
	}
	if !isJSON {
		base = "to_jsonb(" + base + ")"
	}
	var sb strings.Builder
	sb.WriteString(base)
	for _, st := range f.JSONPath {
		if st.Text {
			sb.WriteString("->>")
		} else {
			sb.WriteString("->")
		}
		if n, err := strconv.ParseInt(st.Key, 10, 32); st.Index && err == nil {
			sb.WriteString("(" + strconv.FormatInt(n, 10) + ")")
		} else {
			sb.WriteString(b.param(st.Key))
		}
	}
	return sb.String()
}

func (b *builder) orderTerm(lv *level, o pgrest.OrderTerm) (string, error) {
	var expr string
	if o.Relation != "" {
		e := lv.findEmbed(o.Relation)
		if e == nil {
			return "", rowgate.NewError(rowgate.CodeNotEmbedded, "'%s' is not an embedded resource in this request", o.Relation).
				WithHint("Verify that '" + o.Relation + "' is included in the 'select' query parameter.")
		}
		if !e.toOne {
			return "", rowgate.NewError(rowgate.CodeRelatedOrder, "A related order on '%s' is not possible", e.key).
				WithDetails(fmt.Sprintf("'%s' and '%s' do not form a many-to-one or one-to-one relationship",
					lv.tableName(), e.rel.ForeignTable.Name))
		}
		expr = quoteIdent(e.lateral) + "." + quoteIdent(o.Field.Name)
		if len(o.Field.JSONPath) > 0 {
			// JSON paths on related columns: evaluate on the embedded
			// subquery's output column.
			sub := &level{alias: e.lateral}
			expr = b.fieldExpr(sub, o.Field)
		}
	} else {
		expr = b.fieldExpr(lv, o.Field)
	}
	switch o.Direction {
	case pgrest.OrderAsc:
		expr += " ASC"
	case pgrest.OrderDesc:
		expr += " DESC"
	}
	switch o.Nulls {
	case pgrest.NullsFirst:
		expr += " NULLS FIRST"
	case pgrest.NullsLast:
		expr += " NULLS LAST"
	}
	return expr, nil
}

func (lv *level) tableName() string {
	if lv.table != nil {
		return lv.table.Name
	}
	return lv.alias
}
