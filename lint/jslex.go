package lint

import (
	"strings"
)

// tokKind classifies a JS/TS token.
type tokKind uint8

const (
	tIdent        tokKind = iota + 1 // identifier or keyword
	tPunct                           // operator or bracket
	tString                          // '…' or "…"; val is the decoded value
	tTemplate                        // `…` without substitutions; val is the text
	tTemplateHead                    // `…${
	tTemplateMid                     // }…${
	tTemplateTail                    // }…`
	tNumber
	tRegex
	tSep    // synthetic boundary between JSX pieces
	tJSXEnd // synthetic: a JSX element ended (an expression value)
)

// token is one significant JS/TS token. Comments, whitespace and JSX text
// produce no tokens.
type token struct {
	kind tokKind
	val  string
	off  int  // byte offset in the file
	nl   bool // a line break precedes the token
}

// maxLexDepth bounds the nesting of template substitutions and JSX
// elements, so hostile input cannot exhaust the stack.
const maxLexDepth = 200

// jsLexer turns JS, TS, JSX or TSX source into tokens. It understands
// comments, string, template and regular-expression literals and JSX
// elements (whose text children are skipped), which is what keeps words in
// comments and strings from being mistaken for code.
type jsLexer struct {
	src   string
	base  int
	pos   int
	jsx   bool
	depth int
	nl    bool
	toks  []token
}

// lexJS tokenizes src, a region of a file starting at byte offset base.
// jsx enables JSX elements (.js, .jsx, .tsx and friends; not .ts, where
// <T>expr is a type assertion).
func lexJS(src string, base int, jsx bool) []token {
	l := &jsLexer{src: src, base: base, jsx: jsx}
	l.lexExpr(false)
	return l.toks
}

func (l *jsLexer) emit(k tokKind, val string, start int) {
	l.toks = append(l.toks, token{kind: k, val: val, off: l.base + start, nl: l.nl})
	l.nl = false
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c == '#' || c == '\\' || c >= 0x80 ||
		(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || (c >= '0' && c <= '9')
}

// regexKeywords are the identifiers after which a '/' starts a regular
// expression and a '<' may start a JSX element.
var regexKeywords = map[string]bool{
	"return": true, "typeof": true, "instanceof": true, "in": true, "of": true,
	"new": true, "delete": true, "void": true, "throw": true, "case": true,
	"do": true, "else": true, "yield": true, "await": true,
}

// exprStart reports whether the next token begins an expression, which
// decides between division and a regex literal, and between "less than"
// and a JSX element.
func (l *jsLexer) exprStart() bool {
	if len(l.toks) == 0 {
		return true
	}
	t := l.toks[len(l.toks)-1]
	switch t.kind {
	case tPunct:
		return t.val != ")" && t.val != "]" && t.val != "}" && t.val != "++" && t.val != "--"
	case tIdent:
		return regexKeywords[t.val]
	case tSep, tTemplateHead, tTemplateMid:
		return true
	}
	return false
}

var puncts = []string{
	">>>=", "...", "===", "!==", "**=", "<<=", ">>=", ">>>", "&&=", "||=", "??=",
	"=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--", "+=", "-=",
	"*=", "/=", "%=", "&=", "|=", "^=", "**", "<<", ">>",
}

// lexExpr lexes until the end of input or, when inBrace, until the '}'
// that closes the enclosing template substitution or JSX expression.
func (l *jsLexer) lexExpr(inBrace bool) {
	braces := 0
	src := l.src
	for l.pos < len(src) {
		c := src[l.pos]
		switch {
		case c == '\n':
			l.nl = true
			l.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case c == '/' && l.peek(1) == '/':
			l.skipLineComment()
		case c == '/' && l.peek(1) == '*':
			l.skipBlockComment()
		case c == '"' || c == '\'':
			l.lexString(c)
		case c == '`':
			l.lexTemplate()
		case isIdentStart(c):
			start := l.pos
			for l.pos < len(src) && isIdentPart(src[l.pos]) {
				l.pos++
			}
			l.emit(tIdent, src[start:l.pos], start)
		case c >= '0' && c <= '9' || c == '.' && l.peek(1) >= '0' && l.peek(1) <= '9':
			start := l.pos
			for l.pos < len(src) && (isIdentPart(src[l.pos]) || src[l.pos] == '.') {
				l.pos++
			}
			l.emit(tNumber, src[start:l.pos], start)
		case c == '{':
			braces++
			l.emit(tPunct, "{", l.pos)
			l.pos++
		case c == '}':
			if braces == 0 && inBrace {
				l.pos++
				return
			}
			if braces > 0 {
				braces--
			}
			l.emit(tPunct, "}", l.pos)
			l.pos++
		case c == '/' && l.exprStart():
			l.lexRegex()
		case c == '<' && l.jsx && l.exprStart() && l.jsxAhead():
			l.lexJSXElement()
		default:
			start := l.pos
			p := string(c)
			for _, cand := range puncts {
				if strings.HasPrefix(src[l.pos:], cand) {
					p = cand
					break
				}
			}
			// "?." followed by a digit is a conditional, not optional chaining.
			if p == "?." && l.peek(2) >= '0' && l.peek(2) <= '9' {
				p = "?"
			}
			l.pos += len(p)
			l.emit(tPunct, p, start)
		}
	}
}

func (l *jsLexer) peek(n int) byte {
	if l.pos+n < len(l.src) {
		return l.src[l.pos+n]
	}
	return 0
}

func (l *jsLexer) skipLineComment() {
	for l.pos < len(l.src) && l.src[l.pos] != '\n' {
		l.pos++
	}
}

func (l *jsLexer) skipBlockComment() {
	end := strings.Index(l.src[l.pos+2:], "*/")
	if end < 0 {
		l.pos = len(l.src)
		return
	}
	if strings.Contains(l.src[l.pos:l.pos+2+end], "\n") {
		l.nl = true
	}
	l.pos += 2 + end + 2
}

// lexString reads a quoted string; escapes are decoded loosely (the escaped
// character itself), which is enough to compare values like "supabase".
func (l *jsLexer) lexString(q byte) {
	start := l.pos
	l.pos++
	var b strings.Builder
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == q {
			l.pos++
			break
		}
		if c == '\n' { // unterminated
			break
		}
		if c == '\\' && l.pos+1 < len(l.src) {
			l.pos++
			c = l.src[l.pos]
			if c == '\r' || c == '\n' { // line continuation
				l.pos++
				continue
			}
		}
		b.WriteByte(c)
		l.pos++
	}
	l.emit(tString, b.String(), start)
}

// lexTemplate reads a template literal, lexing each ${…} substitution as
// code between head/middle/tail tokens.
func (l *jsLexer) lexTemplate() {
	start := l.pos
	l.pos++
	first := true
	var b strings.Builder
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\\' && l.pos+1 < len(l.src):
			b.WriteByte(l.src[l.pos+1])
			l.pos += 2
		case c == '`':
			l.pos++
			if first {
				l.emit(tTemplate, b.String(), start)
			} else {
				l.emit(tTemplateTail, b.String(), start)
			}
			return
		case c == '$' && l.peek(1) == '{':
			if first {
				l.emit(tTemplateHead, b.String(), start)
			} else {
				l.emit(tTemplateMid, b.String(), start)
			}
			first = false
			b.Reset()
			l.pos += 2
			if !l.enter() {
				return
			}
			l.lexExpr(true)
			l.depth--
			start = l.pos - 1
		default:
			if c == '\n' {
				l.nl = true
			}
			b.WriteByte(c)
			l.pos++
		}
	}
	// Unterminated template: close it at end of input.
	if first {
		l.emit(tTemplate, b.String(), start)
	} else {
		l.emit(tTemplateTail, b.String(), start)
	}
}

// enter increases the nesting depth; beyond maxLexDepth the rest of the
// input is abandoned.
func (l *jsLexer) enter() bool {
	l.depth++
	if l.depth > maxLexDepth {
		l.pos = len(l.src)
		l.depth--
		return false
	}
	return true
}

func (l *jsLexer) lexRegex() {
	start := l.pos
	l.pos++
	inClass := false
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == '\n' {
			break
		}
		if c == '\\' {
			l.pos += 2
			continue
		}
		if c == '[' {
			inClass = true
		} else if c == ']' {
			inClass = false
		} else if c == '/' && !inClass {
			l.pos++
			break
		}
		l.pos++
	}
	for l.pos < len(l.src) && isIdentPart(l.src[l.pos]) { // flags
		l.pos++
	}
	if l.pos > len(l.src) {
		l.pos = len(l.src)
	}
	l.emit(tRegex, l.src[start:l.pos], start)
}

// jsxAhead reports whether the '<' at pos opens a JSX element rather than a
// TSX generic arrow function (<T,>() => … or <T extends U>).
func (l *jsLexer) jsxAhead() bool {
	c := l.peek(1)
	if c == '>' {
		return true // fragment
	}
	if !isIdentStart(c) {
		return false
	}
	i := l.pos + 1
	for i < len(l.src) && (isIdentPart(l.src[i]) || l.src[i] == '.' || l.src[i] == ':' || l.src[i] == '-') {
		i++
	}
	for i < len(l.src) && (l.src[i] == ' ' || l.src[i] == '\t') {
		i++
	}
	rest := l.src[i:]
	return !strings.HasPrefix(rest, ",") && !strings.HasPrefix(rest, "extends ")
}

// lexJSXElement reads a JSX element or fragment starting at '<'. Tag and
// attribute names and text children produce no tokens; {…} expressions are
// lexed as code, bracketed by tSep tokens.
func (l *jsLexer) lexJSXElement() {
	if !l.enter() {
		return
	}
	defer func() { l.depth-- }()
	l.emit(tSep, "", l.pos)
	l.pos++ // '<'
	if l.lexJSXTag() {
		l.emit(tJSXEnd, "", l.pos)
		return
	}
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '{':
			l.pos++
			l.jsxExpr()
		case c == '<' && l.peek(1) == '/':
			for l.pos < len(l.src) && l.src[l.pos] != '>' {
				l.pos++
			}
			l.pos++
			if l.pos > len(l.src) {
				l.pos = len(l.src)
			}
			l.emit(tJSXEnd, "", l.pos-1)
			return
		case c == '<':
			l.lexJSXElement()
		default:
			if c == '\n' {
				l.nl = true
			}
			l.pos++
		}
	}
}

// lexJSXTag reads the rest of an opening tag after '<' and reports whether
// it was self-closing.
func (l *jsLexer) lexJSXTag() bool {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch c {
		case '>':
			l.pos++
			return false
		case '/':
			if l.peek(1) == '>' {
				l.pos += 2
				return true
			}
			l.pos++
		case '"', '\'':
			end := strings.IndexByte(l.src[l.pos+1:], c)
			if end < 0 {
				l.pos = len(l.src)
				return true
			}
			l.pos += end + 2
		case '{':
			l.pos++
			l.jsxExpr()
		default:
			l.pos++
		}
	}
	return true
}

func (l *jsLexer) jsxExpr() {
	l.emit(tSep, "", l.pos)
	if !l.enter() {
		return
	}
	l.lexExpr(true)
	l.depth--
	l.emit(tSep, "", l.pos)
}
