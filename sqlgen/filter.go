package sqlgen

import (
	"strings"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/pgrest"
)

// simpleOps maps operators of the form `lhs <op> $n` to SQL.
var simpleOps = map[pgrest.Operator]string{
	pgrest.OpEq:     "=",
	pgrest.OpNeq:    "<>",
	pgrest.OpGt:     ">",
	pgrest.OpGte:    ">=",
	pgrest.OpLt:     "<",
	pgrest.OpLte:    "<=",
	pgrest.OpLike:   "LIKE",
	pgrest.OpILike:  "ILIKE",
	pgrest.OpMatch:  "~",
	pgrest.OpIMatch: "~*",
	pgrest.OpCs:     "@>",
	pgrest.OpCd:     "<@",
	pgrest.OpOv:     "&&",
	pgrest.OpSl:     "<<",
	pgrest.OpSr:     ">>",
	pgrest.OpNxr:    "&<",
	pgrest.OpNxl:    "&>",
	pgrest.OpAdj:    "-|-",
}

var isValues = map[pgrest.IsValue]string{
	pgrest.IsNull:    "IS NULL",
	pgrest.IsNotNull: "IS NOT NULL",
	pgrest.IsTrue:    "IS TRUE",
	pgrest.IsFalse:   "IS FALSE",
	pgrest.IsUnknown: "IS UNKNOWN",
}

var ftsFuncs = map[pgrest.Operator]string{
	pgrest.OpFts:   "to_tsquery",
	pgrest.OpPlfts: "plainto_tsquery",
	pgrest.OpPhfts: "phraseto_tsquery",
	pgrest.OpWfts:  "websearch_to_tsquery",
}

// filterCond renders one filter on lv. With embeds set, a filter whose
// field names an embedded resource (and no column) is an is.null / not
// is.null filter on that embed.
func (b *builder) filterCond(lv *level, f *pgrest.Filter, embeds bool) (string, error) {
	if embeds && len(f.Field.JSONPath) == 0 && !lv.isColumn(f.Field.Name) {
		if e := lv.findEmbed(f.Field.Name); e != nil {
			return b.embedNullCond(lv, e, f)
		}
	}
	lhs := b.fieldExpr(lv, f.Field)
	var cond string
	switch {
	case f.Op == pgrest.OpIs:
		sqlIs, ok := isValues[f.IsValue()]
		if !ok {
			return "", rowgate.NewError(rowgate.CodeParse, "invalid is value %q", f.Value)
		}
		cond = lhs + " " + sqlIs
	case f.Op == pgrest.OpIsDistinct:
		cond = lhs + " IS DISTINCT FROM " + b.param(f.Value)
	case f.Op == pgrest.OpIn:
		cond = lhs + " = ANY(" + b.param(arrayLiteral(f.Values)) + ")"
	case f.Op.IsFTS():
		fn := ftsFuncs[f.Op]
		vec := lhs
		if !b.isTSVector(lv, f.Field) {
			if f.Lang != "" {
				vec = "to_tsvector(" + b.param(f.Lang) + ", " + lhs + ")"
			} else {
				vec = "to_tsvector(" + lhs + ")"
			}
		}
		if f.Lang != "" {
			cond = vec + " @@ " + fn + "(" + b.param(f.Lang) + ", " + b.param(f.Value) + ")"
		} else {
			cond = vec + " @@ " + fn + "(" + b.param(f.Value) + ")"
		}
	default:
		op, ok := simpleOps[f.Op]
		if !ok {
			return "", rowgate.NewError(rowgate.CodeParse, "unknown operator %q", string(f.Op))
		}
		switch f.Quant {
		case pgrest.QuantAny:
			cond = lhs + " " + op + " ANY(" + b.param(f.Value) + ")"
		case pgrest.QuantAll:
			cond = lhs + " " + op + " ALL(" + b.param(f.Value) + ")"
		default:
			cond = lhs + " " + op + " " + b.param(f.Value)
		}
	}
	if f.Negate {
		return "NOT (" + cond + ")", nil
	}
	return cond, nil
}

// isTSVector reports whether the filtered field is a tsvector column.
func (b *builder) isTSVector(lv *level, f pgrest.Field) bool {
	if len(f.JSONPath) > 0 || lv.table == nil {
		return false
	}
	col, ok := lv.table.Column(f.Name)
	return ok && col.BaseType == "tsvector"
}

// embedNullCond renders rel=is.null / rel=not.is.null. The embed's join is
// then needed by the count query too.
func (b *builder) embedNullCond(lv *level, e *embedded, f *pgrest.Filter) (string, error) {
	if f.Op != pgrest.OpIs || (f.IsValue() != pgrest.IsNull && f.IsValue() != pgrest.IsNotNull) {
		return "", rowgate.NewError(rowgate.CodeEmbedFilter, "Bad operator on the '%s' embedded resource", e.key).
			WithDetails("Only is null or not is null filters are allowed on embedded resources")
	}
	lv.joins[e.join].count = true
	la := quoteIdent(e.lateral)
	var notNull string
	if e.toOne {
		notNull = la + " IS DISTINCT FROM NULL"
	} else {
		notNull = la + "." + la + " IS NOT NULL"
	}
	wantNull := f.IsValue() == pgrest.IsNull
	if f.Negate {
		wantNull = !wantNull
	}
	if wantNull {
		return "NOT (" + notNull + ")", nil
	}
	return notNull, nil
}

// logicCond renders an and/or tree.
func (b *builder) logicCond(lv *level, t *pgrest.LogicTree) (string, error) {
	parts := make([]string, 0, len(t.Children))
	for _, ch := range t.Children {
		var (
			s   string
			err error
		)
		switch {
		case ch.Filter != nil:
			s, err = b.filterCond(lv, ch.Filter, true)
		case ch.Tree != nil:
			s, err = b.logicCond(lv, ch.Tree)
		default:
			continue
		}
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		parts = append(parts, "TRUE")
	}
	sep := " AND "
	if t.Op == pgrest.LogicOr {
		sep = " OR "
	}
	cond := "(" + strings.Join(parts, sep) + ")"
	if t.Negate {
		cond = "NOT " + cond
	}
	return cond, nil
}

// arrayLiteral renders values as a PostgreSQL array literal with every
// element double-quoted.
func arrayLiteral(vals []string) string {
	var sb strings.Builder
	sb.WriteByte('{')
	for i, v := range vals {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('"')
		for j := 0; j < len(v); j++ {
			if v[j] == '"' || v[j] == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteByte(v[j])
		}
		sb.WriteByte('"')
	}
	sb.WriteByte('}')
	return sb.String()
}
