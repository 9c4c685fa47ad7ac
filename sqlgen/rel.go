package sqlgen

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/schema"
)

// findRel picks the relationship from origin to target (a relation name)
// that matches hint (FK constraint name, FK column on either side, junction
// table, or "" for none). None gives PGRST200, several PGRST201.
func (b *builder) findRel(origin *schema.Table, target, hint string) (*schema.Relationship, error) {
	var found []*schema.Relationship
	rels := b.c.Relationships(origin.Schema, origin.Name)
	for i := range rels {
		r := &rels[i]
		if r.ForeignTable.Schema != b.schema || r.ForeignTable.Name != target {
			continue
		}
		if hint != "" && !matchHint(r, hint) {
			continue
		}
		found = append(found, r)
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, b.noRelError(origin, target, hint)
	default:
		return nil, ambiguousError(origin, target, found)
	}
}

func matchHint(r *schema.Relationship, hint string) bool {
	if j := r.Junction; j != nil {
		return hint == j.Table.Name || hint == j.Constraint1 || hint == j.Constraint2
	}
	if hint == r.Constraint {
		return true
	}
	if len(r.Columns) == 1 && (hint == r.Columns[0] || hint == r.ForeignColumns[0]) {
		return true
	}
	return false
}

func (b *builder) noRelError(origin *schema.Table, target, hint string) error {
	e := rowgate.NewError(rowgate.CodeNoRelationship, "Could not find a relationship between '%s' and '%s' in the schema cache", origin.Name, target)
	using := ""
	if hint != "" {
		using = " using the hint '" + hint + "'"
	}
	e.Details = fmt.Sprintf("Searched for a foreign key relationship between '%s' and '%s'%s in the schema '%s', but no matches were found.",
		origin.Name, target, using, b.schema)
	if s, ok := b.c.SuggestRelationship(origin.Schema, origin.Name, target); ok {
		e.Hint = "Perhaps you meant '" + s + "' instead of '" + target + "'."
	}
	return e
}

// ambiguousError is PGRST201 with PostgREST's details array and hint.
func ambiguousError(origin *schema.Table, target string, rels []*schema.Relationship) error {
	type detail struct {
		Cardinality  string `json:"cardinality"`
		Embedding    string `json:"embedding"`
		Relationship string `json:"relationship"`
	}
	cols := func(c []string) string { return "(" + strings.Join(c, ", ") + ")" }
	details := make([]detail, 0, len(rels))
	hints := make([]string, 0, len(rels))
	for _, r := range rels {
		d := detail{
			Cardinality: string(r.Cardinality),
			Embedding:   r.Table.Name + " with " + r.ForeignTable.Name,
		}
		if j := r.Junction; j != nil {
			d.Relationship = j.Table.Name + " using " + j.Constraint1 + cols(j.JunctionSourceColumns) +
				" and " + j.Constraint2 + cols(j.JunctionTargetColumns)
			hints = append(hints, "'"+target+"!"+j.Table.Name+"'")
		} else {
			d.Relationship = r.Constraint + " using " + r.Table.Name + cols(r.Columns) +
				" and " + r.ForeignTable.Name + cols(r.ForeignColumns)
			hints = append(hints, "'"+target+"!"+r.Constraint+"'")
		}
		details = append(details, d)
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("encode relationship details: %w", err)
	}
	e := rowgate.NewError(rowgate.CodeAmbiguousEmbed, "Could not embed because more than one relationship was found for '%s' and '%s'", origin.Name, target)
	e.DetailsJSON = raw
	e.Hint = "Try changing '" + target + "' to one of the following: " + strings.Join(hints, ", ") +
		". Find the desired relationship in the 'details' key."
	return e
}
