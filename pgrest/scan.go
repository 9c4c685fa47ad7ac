package pgrest

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rowgate/rowgate"
)

// scanner is a tiny recursive-descent helper shared by the select, filter,
// order and logic-tree grammars. Errors imitate PostgREST's Parsec errors:
// the message names the parameter and the 1-based column, the details say
// what was found and what was expected.
type scanner struct {
	s    string
	pos  int
	what string // e.g. "select parameter", "filter", "order"
}

// syntaxError is a grammar error at a byte offset, converted to a
// *rowgate.Error by scanner.err.
type syntaxError struct {
	pos     int
	details string
}

func (e *syntaxError) Error() string { return e.details }

func newScanner(s, what string) *scanner { return &scanner{s: s, what: what} }

func (p *scanner) eof() bool { return p.pos >= len(p.s) }

func (p *scanner) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *scanner) peekRune() (rune, int) {
	if p.pos >= len(p.s) {
		return utf8.RuneError, 0
	}
	return utf8.DecodeRuneInString(p.s[p.pos:])
}

func (p *scanner) hasPrefix(s string) bool { return strings.HasPrefix(p.s[p.pos:], s) }

func (p *scanner) accept(s string) bool {
	if p.hasPrefix(s) {
		p.pos += len(s)
		return true
	}
	return false
}

// skipWS skips spaces and tabs (PostgREST's lexeme whitespace).
func (p *scanner) skipWS() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// unexpected describes what is at the current position, Parsec style.
func (p *scanner) unexpected() string {
	if p.eof() {
		return "unexpected end of input"
	}
	r, _ := p.peekRune()
	if r == utf8.RuneError {
		return fmt.Sprintf("unexpected %q", p.s[p.pos:p.pos+1])
	}
	return fmt.Sprintf("unexpected %q", string(r))
}

// failf builds a syntax error at the current position.
func (p *scanner) fail(expecting ...string) error {
	return p.failAt(p.pos, p.unexpected(), expecting...)
}

func (p *scanner) failAt(pos int, unexpected string, expecting ...string) error {
	d := unexpected
	if len(expecting) > 0 {
		d += " expecting " + joinOr(expecting)
	}
	return &syntaxError{pos: pos, details: d}
}

func (p *scanner) failMsg(msg string) error {
	return &syntaxError{pos: p.pos, details: msg}
}

// joinOr renders a, b or c.
func joinOr(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// parseError converts an error from a grammar into the PGRST100 error for
// input s. what is "select parameter", "filter", … Non-syntax errors pass
// through.
func parseError(what, s string, err error) error {
	return parseErrorIn(what, s, s, err)
}

// parseErrorIn is parseError for a grammar that ran over input while the
// message shows s (logic trees parse key+value but show the value).
func parseErrorIn(what, s, input string, err error) error {
	se, ok := err.(*syntaxError)
	if !ok {
		return err
	}
	col := utf8.RuneCountInString(input[:min(se.pos, len(input))]) + 1
	return &rowgate.Error{
		Status:  rowgate.StatusFor(rowgate.CodeParse),
		Code:    rowgate.CodeParse,
		Message: fmt.Sprintf("%q (line 1, column %d)", "failed to parse "+what+" ("+s+")", col),
		Details: se.details,
	}
}

// finish reports an error unless the whole input was consumed.
func (p *scanner) finish(expecting ...string) error {
	p.skipWS()
	if !p.eof() {
		return p.fail(append(expecting, "end of input")...)
	}
	return nil
}

func isIdentRune(r rune) bool {
	return r == '_' || r == '$' || r == ' ' || (r >= '0' && r <= '9') || (r != utf8.RuneError && unicode.IsLetter(r))
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

const expectFieldName = "field name (* or [a..z0..9_$])"

// identifier parses one or more identifier characters (letters, digits, _,
// $, space) and trims surrounding spaces. It returns ok=false without
// consuming input when there is none.
func (p *scanner) identifier() (string, bool) {
	start := p.pos
	for p.pos < len(p.s) {
		r, n := p.peekRune()
		if !isIdentRune(r) {
			break
		}
		p.pos += n
	}
	v := strings.Trim(p.s[start:p.pos], " ")
	if v == "" {
		p.pos = start
		return "", false
	}
	return v, true
}

// quoted parses a double-quoted value with backslash escapes. The opening
// quote must be at the current position.
func (p *scanner) quoted() (string, error) {
	p.pos++ // opening quote
	var b strings.Builder
	for {
		if p.eof() {
			return "", p.fail(`"\""`)
		}
		c := p.s[p.pos]
		switch c {
		case '"':
			p.pos++
			return b.String(), nil
		case '\\':
			p.pos++
			if p.eof() {
				return "", p.fail()
			}
			_, n := p.peekRune()
			b.WriteString(p.s[p.pos : p.pos+n])
			p.pos += n
		default:
			_, n := p.peekRune()
			b.WriteString(p.s[p.pos : p.pos+n])
			p.pos += n
		}
	}
}

// fieldName parses PostgREST's field name: a quoted value, or identifiers
// joined by '-' (a '-' followed by '>' starts a JSON arrow instead).
func (p *scanner) fieldName() (string, error) {
	if p.peek() == '"' {
		start := p.pos
		v, err := p.quoted()
		if err != nil {
			return "", err
		}
		if !validIdent(v) {
			return "", p.failAt(start, "unexpected invalid identifier", expectFieldName)
		}
		return v, nil
	}
	first, ok := p.identifier()
	if !ok {
		return "", p.fail(expectFieldName)
	}
	if !p.hasPrefix("-") || p.hasPrefix("->") {
		return first, nil
	}
	parts := []string{first}
	for p.hasPrefix("-") && !p.hasPrefix("->") {
		p.pos++
		next, ok := p.identifier()
		if !ok {
			return "", p.fail("letter", "digit", `"_"`, `"$"`)
		}
		parts = append(parts, next)
	}
	return strings.Join(parts, "-"), nil
}

// validIdent rejects identifiers the SQL layer could not quote safely:
// empty, NUL bytes or invalid UTF-8.
func validIdent(s string) bool {
	return s != "" && strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}

// jsonPath parses zero or more ->key / ->>key / ->0 steps.
func (p *scanner) jsonPath() ([]JSONStep, error) {
	var path []JSONStep
	for p.hasPrefix("->") {
		step := JSONStep{}
		if p.accept("->>") {
			step.Text = true
		} else {
			p.pos += 2
		}
		// Array index: optional '-', digits, not followed by more
		// identifier characters.
		save := p.pos
		neg := p.accept("-")
		d := p.pos
		for !p.eof() && isDigit(p.peek()) {
			p.pos++
		}
		if p.pos > d {
			r, _ := p.peekRune()
			if p.eof() || !(isIdentRune(r) || (r == '-' && !p.hasPrefix("->"))) {
				step.Key = p.s[save:p.pos]
				step.Index = true
				path = append(path, step)
				continue
			}
			if neg {
				return nil, p.fail("digit", `"->"`, `"::"`, `"."`, `","`, "end of input")
			}
		} else if neg {
			return nil, p.fail("digit")
		}
		p.pos = save
		k, err := p.fieldName()
		if err != nil {
			return nil, err
		}
		step.Key = k
		path = append(path, step)
	}
	return path, nil
}

// field parses a field name and its optional JSON path.
func (p *scanner) field() (Field, error) {
	p.skipWS()
	name, err := p.fieldName()
	if err != nil {
		return Field{}, err
	}
	jp, err := p.jsonPath()
	if err != nil {
		return Field{}, err
	}
	p.skipWS()
	return Field{Name: name, JSONPath: jp}, nil
}

// castType parses a type name after "::" (letters, digits, _, $, space).
func (p *scanner) castType() (string, error) {
	t, ok := p.identifier()
	if !ok || t == "" {
		return "", p.fail("letter or digit")
	}
	return t, nil
}

// fieldList parses name[,name…] (columns=, on_conflict=).
func parseFieldList(what, s string) ([]string, error) {
	p := newScanner(s, what)
	var out []string
	for {
		p.skipWS()
		n, err := p.fieldName()
		if err != nil {
			return nil, parseError(what, s, err)
		}
		out = append(out, n)
		p.skipWS()
		if !p.accept(",") {
			break
		}
	}
	if err := p.finish(`","`); err != nil {
		return nil, parseError(what, s, err)
	}
	return out, nil
}
