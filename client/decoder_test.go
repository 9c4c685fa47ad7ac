package client

// A small re-implementation, for tests only, of the parts of PostgREST's
// query grammar (src/PostgREST/ApiRequest/QueryParams.hs, v14) that read
// values: list values "(a,"b,c")", logic trees "or(a.eq.x,and(…))" and the
// PostgreSQL array literal that cs/cd/ov values become. The encoder in
// encode.go is checked against it: whatever we encode must parse back into
// exactly the structure and values we meant.

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

type parser struct {
	s string
	i int
}

func (p *parser) eof() bool { return p.i >= len(p.s) }

func (p *parser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.s[p.i]
}

func (p *parser) expect(c byte) error {
	if p.peek() != c || p.eof() {
		return fmt.Errorf("at %d: want %q in %q", p.i, c, p.s)
	}
	p.i++
	return nil
}

// haskellSpace is Data.Char.isSpace, which Parsec's spaces uses.
func haskellSpace(r rune) bool {
	if r <= 0xff {
		return r == ' ' || r >= '\t' && r <= '\r' || r == 0xa0
	}
	return unicode.Is(unicode.Zs, r)
}

// spaces is Parsec's "spaces" (lexeme's trailing whitespace skip).
func (p *parser) spaces() {
	for !p.eof() {
		r, n := utf8.DecodeRuneInString(p.s[p.i:])
		if !haskellSpace(r) {
			return
		}
		p.i += n
	}
}

// quoted is pQuotedValue followed by notFollowedBy (noneOf ",)"), with
// backtracking (try) on failure.
func (p *parser) quoted() (string, bool) {
	start := p.i
	if p.peek() != '"' || p.eof() {
		return "", false
	}
	p.i++
	var b strings.Builder
	for {
		if p.eof() {
			p.i = start
			return "", false
		}
		c := p.s[p.i]
		switch c {
		case '"':
			p.i++
			if !p.eof() && p.peek() != ',' && p.peek() != ')' {
				p.i = start
				return "", false
			}
			return b.String(), true
		case '\\':
			if p.i+1 >= len(p.s) {
				p.i = start
				return "", false
			}
			// anyChar: one character (rune), taken literally.
			_, n := utf8.DecodeRuneInString(p.s[p.i+1:])
			b.WriteString(p.s[p.i+1 : p.i+1+n])
			p.i += 1 + n
		default:
			b.WriteByte(c)
			p.i++
		}
	}
}

// until reads many (noneOf stop).
func (p *parser) until(stop string) string {
	start := p.i
	for !p.eof() && strings.IndexByte(stop, p.s[p.i]) < 0 {
		p.i++
	}
	return p.s[start:p.i]
}

// list is pListVal: lexeme '(' *> pListElement `sepBy1` ',' <* lexeme ')'.
func (p *parser) list() ([]string, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	p.spaces()
	var items []string
	for {
		v, ok := p.quoted()
		if !ok {
			v = p.until(",)")
		}
		items = append(items, v)
		if p.peek() == ',' && !p.eof() {
			p.i++
			continue
		}
		break
	}
	if err := p.expect(')'); err != nil {
		return nil, err
	}
	p.spaces()
	return items, nil
}

// logicValue is pLogicSingleVal.
func (p *parser) logicValue() string {
	if v, ok := p.quoted(); ok {
		return v
	}
	if p.peek() == '{' && !p.eof() {
		start := p.i
		j := p.i + 1
		for j < len(p.s) && p.s[j] != '{' && p.s[j] != '}' {
			j++
		}
		if j < len(p.s) && p.s[j] == '}' {
			p.i = j + 1
			return p.s[start:p.i]
		}
	}
	return p.until(",)")
}

// node is a parsed logic tree.
type node struct {
	logic    string // "and"/"or", or "" for a filter
	not      bool
	children []node
	column   string
	op       string // operator including "not." and modifiers
	value    string
	list     []string
}

func (n node) String() string {
	if n.logic != "" {
		parts := make([]string, len(n.children))
		for i, c := range n.children {
			parts[i] = c.String()
		}
		neg := ""
		if n.not {
			neg = "not."
		}
		return neg + n.logic + "[" + strings.Join(parts, " ; ") + "]"
	}
	if n.list != nil {
		return fmt.Sprintf("%s %s %q", n.column, n.op, n.list)
	}
	return fmt.Sprintf("%s %s %q", n.column, n.op, n.value)
}

// tree is pLogicTree.
func (p *parser) tree() (node, error) {
	var n node
	for _, prefix := range []string{"not.and(", "not.or(", "and(", "or("} {
		if strings.HasPrefix(p.s[p.i:], prefix) {
			n.not = strings.HasPrefix(prefix, "not.")
			n.logic = strings.TrimSuffix(strings.TrimPrefix(prefix, "not."), "(")
			p.i += len(prefix)
			p.spaces()
			for {
				c, err := p.tree()
				if err != nil {
					return n, err
				}
				n.children = append(n.children, c)
				if p.peek() == ',' && !p.eof() {
					p.i++
					p.spaces()
					continue
				}
				break
			}
			if err := p.expect(')'); err != nil {
				return n, err
			}
			p.spaces()
			return n, nil
		}
	}
	// Filter: field '.' opExpr. Test columns are [a-z0-9_].
	start := p.i
	for !p.eof() && (p.peek() == '_' || p.peek() >= 'a' && p.peek() <= 'z' || p.peek() >= '0' && p.peek() <= '9') {
		p.i++
	}
	n.column = p.s[start:p.i]
	if n.column == "" {
		return n, fmt.Errorf("at %d: want a column in %q", p.i, p.s)
	}
	if err := p.expect('.'); err != nil {
		return n, err
	}
	if strings.HasPrefix(p.s[p.i:], "not.") {
		n.op = "not."
		p.i += len("not.")
	}
	opStart := p.i
	for !p.eof() && p.peek() >= 'a' && p.peek() <= 'z' {
		p.i++
	}
	base := p.s[opStart:p.i]
	if p.peek() == '(' && !p.eof() {
		end := strings.IndexByte(p.s[p.i:], ')')
		if end < 0 {
			return n, fmt.Errorf("unclosed operator modifier in %q", p.s)
		}
		p.i += end + 1
	}
	n.op += p.s[opStart:p.i]
	if err := p.expect('.'); err != nil {
		return n, err
	}
	switch base {
	case "in":
		items, err := p.list()
		if err != nil {
			return n, err
		}
		n.list = items
	case "is":
		n.value = p.until(",)")
	default:
		n.value = p.logicValue()
	}
	return n, nil
}

// parseTree parses a whole "or"/"and" parameter as PostgREST does: the key
// is prefixed to the value.
func parseTree(key, value string) (node, error) {
	p := &parser{s: key + value}
	n, err := p.tree()
	if err != nil {
		return n, err
	}
	if !p.eof() {
		return n, fmt.Errorf("trailing input %q", p.s[p.i:])
	}
	return n, nil
}

// parseInList parses a top-level "in.(…)" filter value.
func parseInList(v string) ([]string, error) {
	rest, ok := strings.CutPrefix(v, "in.")
	if !ok {
		return nil, fmt.Errorf("not an in filter: %q", v)
	}
	p := &parser{s: rest}
	items, err := p.list()
	if err != nil {
		return nil, err
	}
	if !p.eof() {
		return nil, fmt.Errorf("trailing input %q", p.s[p.i:])
	}
	return items, nil
}

// pgSpace is PostgreSQL's scanner_isspace, used by array_in.
func pgSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// parsePGArray parses a one-dimensional PostgreSQL array literal the way
// array_in does: quoted elements with backslash escapes, unquoted elements
// trimmed of whitespace, unquoted NULL as nil.
func parsePGArray(s string) ([]*string, error) {
	p := &parser{s: s}
	if err := p.expect('{'); err != nil {
		return nil, err
	}
	var out []*string
	if p.peek() == '}' {
		p.i++
		if !p.eof() {
			return nil, fmt.Errorf("trailing input")
		}
		return out, nil
	}
	for {
		for !p.eof() && pgSpace(p.peek()) {
			p.i++
		}
		if p.peek() == '"' && !p.eof() {
			p.i++
			var b strings.Builder
			for {
				if p.eof() {
					return nil, fmt.Errorf("unterminated quote")
				}
				c := p.s[p.i]
				p.i++
				if c == '"' {
					break
				}
				if c == '\\' {
					if p.eof() {
						return nil, fmt.Errorf("dangling escape")
					}
					c = p.s[p.i]
					p.i++
				}
				b.WriteByte(c)
			}
			v := b.String()
			out = append(out, &v)
			for !p.eof() && pgSpace(p.peek()) {
				p.i++
			}
		} else {
			raw := p.until(",}")
			if strings.ContainsAny(raw, "{\"\\") {
				return nil, fmt.Errorf("malformed unquoted element %q", raw)
			}
			v := strings.TrimFunc(raw, func(r rune) bool { return r < utf8.RuneSelf && pgSpace(byte(r)) })
			if strings.EqualFold(v, "null") {
				out = append(out, nil)
			} else {
				out = append(out, &v)
			}
		}
		if p.eof() {
			return nil, fmt.Errorf("unterminated array")
		}
		c := p.s[p.i]
		p.i++
		if c == '}' {
			break
		}
		if c != ',' {
			return nil, fmt.Errorf("unexpected %q", c)
		}
	}
	if !p.eof() {
		return nil, fmt.Errorf("trailing input %q", p.s[p.i:])
	}
	return out, nil
}
