package schema

import (
	"strconv"
	"strings"
)

// viewColumnOrigin is where a view column comes from: column attnum of the
// relation with the given oid.
type viewColumnOrigin struct {
	name   string // the view column's name
	rel    uint32
	attnum int32
}

// viewColumnOrigins reads a view's stored query (pg_rewrite.ev_action as
// text, the pg_node_tree format) and returns the top-level target entries
// that pass a relation column through unchanged (resorigtbl/resorigcol set).
// It never fails: anything it does not understand yields no origins.
func viewColumnOrigins(def string) []viewColumnOrigin {
	p := nodeParser{s: def}
	root := p.parse(0)
	// The rule action is a list holding one Query node.
	if root.kind != nodeList || len(root.items) == 0 || root.items[0].kind != nodeStruct {
		return nil
	}
	query := root.items[0]
	if query.name != "QUERY" {
		return nil
	}
	tl, ok := query.fields["targetList"]
	if !ok || tl.kind != nodeList {
		return nil
	}
	var out []viewColumnOrigin
	for _, te := range tl.items {
		if te.kind != nodeStruct || te.name != "TARGETENTRY" {
			continue
		}
		if te.atom("resjunk") == "true" {
			continue
		}
		rel, err1 := strconv.ParseUint(te.atom("resorigtbl"), 10, 32)
		col, err2 := strconv.ParseInt(te.atom("resorigcol"), 10, 32)
		name := te.atom("resname")
		if err1 != nil || err2 != nil || rel == 0 || col <= 0 || name == "" || name == "<>" {
			continue
		}
		// Only plain column references pass a column through; resorigtbl is
		// also set for some expressions over a column in older versions.
		if expr, ok := te.fields["expr"]; !ok || expr.kind != nodeStruct || expr.name != "VAR" {
			continue
		}
		out = append(out, viewColumnOrigin{name: unescapeToken(name), rel: uint32(rel), attnum: int32(col)})
	}
	return out
}

type nodeKind int

const (
	nodeAtom nodeKind = iota
	nodeList
	nodeStruct
)

type node struct {
	kind   nodeKind
	text   string          // atom
	name   string          // struct node type, e.g. QUERY
	items  []node          // list
	fields map[string]node // struct fields (first value item only)
}

func (n node) atom(field string) string {
	v, ok := n.fields[field]
	if !ok || v.kind != nodeAtom {
		return ""
	}
	return v.text
}

// nodeParser parses PostgreSQL's node-tree text output: `{NAME :field value
// …}` structs, `( … )` lists and atoms, where special characters inside
// atoms are backslash-escaped.
type nodeParser struct {
	s   string
	pos int
}

const maxNodeDepth = 2000

func (p *nodeParser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\n' || p.s[p.pos] == '\t' || p.s[p.pos] == '\r') {
		p.pos++
	}
}

// token reads one atom token.
func (p *nodeParser) token() string {
	start := p.pos
	for p.pos < len(p.s) {
		ch := p.s[p.pos]
		if ch == '\\' {
			p.pos += 2
			continue
		}
		if ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '{' || ch == '}' || ch == '(' || ch == ')' {
			break
		}
		p.pos++
	}
	if p.pos > len(p.s) {
		p.pos = len(p.s)
	}
	return p.s[start:p.pos]
}

// parse reads one value: a struct, a list or an atom.
func (p *nodeParser) parse(depth int) node {
	p.skipSpace()
	if p.pos >= len(p.s) || depth > maxNodeDepth {
		p.pos = len(p.s)
		return node{kind: nodeAtom}
	}
	switch p.s[p.pos] {
	case '(':
		p.pos++
		n := node{kind: nodeList}
		for {
			p.skipSpace()
			if p.pos >= len(p.s) {
				return n
			}
			if p.s[p.pos] == ')' {
				p.pos++
				return n
			}
			if p.s[p.pos] == '}' { // malformed; let the caller see it
				return n
			}
			n.items = append(n.items, p.parse(depth+1))
		}
	case '{':
		p.pos++
		n := node{kind: nodeStruct, fields: map[string]node{}}
		n.name = p.token()
		var field string
		for {
			p.skipSpace()
			if p.pos >= len(p.s) {
				return n
			}
			switch ch := p.s[p.pos]; {
			case ch == '}':
				p.pos++
				return n
			case ch == ')':
				return n
			case ch == ':':
				field = p.token()[1:]
			default:
				v := p.parse(depth + 1)
				if _, seen := n.fields[field]; !seen && field != "" {
					n.fields[field] = v
				}
			}
		}
	case ')', '}':
		p.pos++
		return node{kind: nodeAtom}
	default:
		return node{kind: nodeAtom, text: p.token()}
	}
}

// unescapeToken removes the backslash escapes of outToken.
func unescapeToken(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
