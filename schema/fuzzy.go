package schema

import (
	"slices"
	"strings"
)

// Lowest scores a suggestion may have. PostgREST's FuzzySet asks 0.75 for
// table and function names; relationship hints keep a looser bar.
const (
	minNameSimilarity = 0.75
	minRelSimilarity  = 0.5
)

// Similarity returns 1 - levenshtein(a, b)/max(len(a), len(b)) over the
// lower-cased runes of a and b: 1 for equal names, 0 for nothing in common.
func Similarity(a, b string) float64 {
	ra, rb := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	n := max(len(ra), len(rb))
	if n == 0 {
		return 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return 1 - float64(prev[len(rb)])/float64(n)
}

// bestMatch returns the candidate most similar to name (first wins on ties)
// if it scores at least minScore and is not name itself.
func bestMatch(name string, candidates []string, minScore float64) (string, bool) {
	best, bestScore := "", -1.0
	for _, c := range candidates {
		if c == name {
			continue
		}
		if s := Similarity(name, c); s > bestScore {
			best, bestScore = c, s
		}
	}
	if bestScore < minScore {
		return "", false
	}
	return best, true
}

// SuggestTable returns the relation of schema whose name is most similar to
// name, for the PGRST205 hint "Perhaps you meant the table 's.x'".
func (c *Cache) SuggestTable(schema, name string) (string, bool) {
	var names []string
	for _, t := range c.Tables(schema) {
		names = append(names, t.Name)
	}
	return bestMatch(name, names, minNameSimilarity)
}

// SuggestRelationship returns a name for the PGRST200 hint when origin has no
// relationship to target: the most similar relation related to origin.
func (c *Cache) SuggestRelationship(schema, origin, target string) (string, bool) {
	var names []string
	seen := map[string]bool{}
	for _, r := range c.Relationships(schema, origin) {
		if r.ForeignTable.Schema == schema && !seen[r.ForeignTable.Name] {
			seen[r.ForeignTable.Name] = true
			names = append(names, r.ForeignTable.Name)
		}
	}
	return bestMatch(target, names, minRelSimilarity)
}

// SuggestFunction returns the function of schema whose name is most similar
// to name, for the PGRST202 hint "Perhaps you meant to call the function s.x".
func (c *Cache) SuggestFunction(schema, name string) (string, bool) {
	var names []string
	for qn := range c.funcs {
		if qn.Schema == schema {
			names = append(names, qn.Name)
		}
	}
	// Map order is random: sort for a deterministic tie-break.
	slices.Sort(names)
	if len(c.Functions(schema, name)) > 0 {
		return "", false
	}
	return bestMatch(name, names, minNameSimilarity)
}
