package lint

import (
	"strings"
)

// jsFile is the analysis of one JS/TS source (or the scripts of a Vue or
// Svelte component).
type jsFile struct {
	toks []token
	// bindings maps a declared name (const/let/var) to the index of the
	// first token of its initialiser.
	bindings map[string]int
	// templateCalls are indexes of getToken identifiers called with the
	// "supabase" template.
	templateCalls []int
	// tainted names hold a template token: variables assigned from a
	// template call, and functions returning one.
	tainted map[string]bool

	usesClerk bool // imports @clerk/*
	// unconditional findings, and createClient calls lacking accessToken
	// (reported only when the project uses Clerk), as token indexes.
	templateHeaders []int
	clientsNoToken  []int
}

// isPunct reports whether token i is the punctuator p.
func (f *jsFile) isPunct(i int, p string) bool {
	return i >= 0 && i < len(f.toks) && f.toks[i].kind == tPunct && f.toks[i].val == p
}

func (f *jsFile) isIdent(i int, name string) bool {
	return i >= 0 && i < len(f.toks) && f.toks[i].kind == tIdent && f.toks[i].val == name
}

// closeOf returns the index of the bracket closing the one at i, or
// len(toks) when it is unbalanced.
func (f *jsFile) closeOf(i int) int {
	depth := 0
	for j := i; j < len(f.toks); j++ {
		t := f.toks[j]
		if t.kind != tPunct {
			continue
		}
		switch t.val {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return len(f.toks)
}

// openOf returns the index of the bracket opening the one closed at i, or
// -1.
func (f *jsFile) openOf(i int) int {
	depth := 0
	for j := i; j >= 0; j-- {
		t := f.toks[j]
		if t.kind != tPunct {
			continue
		}
		switch t.val {
		case ")", "]", "}":
			depth++
		case "(", "[", "{":
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// span is a half-open token range.
type span struct{ start, end int }

// splitTop splits (open, close) at top-level commas.
func (f *jsFile) splitTop(open, close int) []span {
	var out []span
	start := open + 1
	depth := 0
	for j := open + 1; j < close; j++ {
		t := f.toks[j]
		if t.kind != tPunct {
			continue
		}
		switch t.val {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
		case ",":
			if depth == 0 {
				out = append(out, span{start, j})
				start = j + 1
			}
		}
	}
	if start < close {
		out = append(out, span{start, close})
	}
	return out
}

// prop is one member of an object literal.
type prop struct {
	key       string
	keyTok    int
	val       span // empty for shorthand and spreads
	shorthand bool
	spread    bool
	method    bool
}

// objectProps lists the members of the object literal opened at i.
func (f *jsFile) objectProps(open int) []prop {
	var out []prop
	for _, s := range f.splitTop(open, f.closeOf(open)) {
		if s.start >= s.end {
			continue
		}
		t := f.toks[s.start]
		if t.kind == tPunct && t.val == "..." {
			out = append(out, prop{spread: true, keyTok: s.start})
			continue
		}
		k := s.start
		// async / get / set / * prefixes of methods.
		for k+1 < s.end && (f.isIdent(k, "async") || f.isIdent(k, "get") || f.isIdent(k, "set") || f.isPunct(k, "*")) &&
			!f.isPunct(k+1, ":") && !f.isPunct(k+1, "(") && !f.isPunct(k+1, ",") {
			k++
		}
		kt := f.toks[k]
		var key string
		switch kt.kind {
		case tIdent, tString, tNumber, tTemplate:
			key = kt.val
		default:
			continue // computed keys
		}
		p := prop{key: key, keyTok: k}
		switch {
		case k+1 >= s.end:
			p.shorthand = true
		case f.isPunct(k+1, ":"):
			p.val = span{k + 2, s.end}
		case f.isPunct(k+1, "("):
			p.method = true
		case f.isPunct(k+1, "="): // shorthand with default in patterns
			p.shorthand = true
		default:
			continue
		}
		out = append(out, p)
	}
	return out
}

// exprEnd returns the end of the expression starting at i: the first
// top-level ',' or ';', an unmatched closing bracket, or a line break
// between two operands (automatic semicolon insertion).
func (f *jsFile) exprEnd(i int) int {
	depth := 0
	for j := i; j < len(f.toks); j++ {
		t := f.toks[j]
		if depth == 0 && j > i && t.nl && f.endsOperand(j-1) && startsOperand(t) {
			return j
		}
		if t.kind != tPunct {
			continue
		}
		switch t.val {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			if depth == 0 {
				return j
			}
			depth--
		case ",", ";":
			if depth == 0 {
				return j
			}
		}
	}
	return len(f.toks)
}

func (f *jsFile) endsOperand(i int) bool {
	t := f.toks[i]
	switch t.kind {
	case tIdent:
		return !regexKeywords[t.val]
	case tPunct:
		return t.val == ")" || t.val == "]" || t.val == "}"
	case tSep:
		return false
	}
	return true
}

func startsOperand(t token) bool {
	switch t.kind {
	case tIdent, tString, tTemplate, tTemplateHead, tNumber, tRegex:
		return true
	}
	return false
}

var declKeywords = map[string]bool{"const": true, "let": true, "var": true}

// analyzeJS tokenizes and inspects one source region.
func analyzeJS(src string, base int, jsx bool) *jsFile {
	f := &jsFile{toks: lexJS(src, base, jsx), bindings: map[string]int{}, tainted: map[string]bool{}}
	f.collectBindings()
	f.findTemplateCalls()
	f.taint()
	f.findTemplateHeaders()
	f.findClients()
	return f
}

// collectBindings records `const name = …` (with an optional type
// annotation) and plain `name = …` assignments.
func (f *jsFile) collectBindings() {
	for i, t := range f.toks {
		if t.kind != tIdent || !declKeywords[t.val] || i+1 >= len(f.toks) || f.toks[i+1].kind != tIdent {
			continue
		}
		name := f.toks[i+1].val
		j := i + 2
		if f.isPunct(j, ":") { // type annotation: skip to the '='
			depth := 0
			for j < len(f.toks) {
				tk := f.toks[j]
				if tk.kind == tPunct {
					switch tk.val {
					case "(", "[", "{", "<":
						depth++
					case ")", "]", "}", ">":
						depth--
					}
					if depth == 0 && (tk.val == "=" || tk.val == ";") {
						break
					}
				}
				j++
			}
		}
		if f.isPunct(j, "=") && j+1 < len(f.toks) {
			if _, dup := f.bindings[name]; !dup {
				f.bindings[name] = j + 1
			}
		}
	}
}

// isSupabaseValue reports whether the expression starting at i is the
// string "supabase", a variable holding it, or a ||/?? chain offering it
// as a fallback.
func (f *jsFile) isSupabaseValue(i, end, depth int) bool {
	if depth > 4 || i >= len(f.toks) {
		return false
	}
	if end <= i {
		end = f.exprEnd(i)
	}
	for j := i; j < end && j < len(f.toks); j++ {
		t := f.toks[j]
		switch {
		case (t.kind == tString || t.kind == tTemplate) && t.val == "supabase":
			return true
		case t.kind == tIdent && !f.isPunct(j-1, ".") && !f.isPunct(j-1, "?."):
			if b, ok := f.bindings[t.val]; ok && f.isSupabaseValue(b, 0, depth+1) {
				return true
			}
		case t.kind == tPunct && (t.val == "||" || t.val == "??" || t.val == "(" || t.val == ")"):
		default:
			if t.kind == tPunct {
				return false
			}
		}
	}
	return false
}

// templateInObject reports whether the object literal at open has
// template: "supabase" (or a shorthand/variable resolving to it).
func (f *jsFile) templateInObject(open int) bool {
	for _, p := range f.objectProps(open) {
		if p.key != "template" || p.spread || p.method {
			continue
		}
		if p.shorthand {
			if b, ok := f.bindings["template"]; ok && f.isSupabaseValue(b, 0, 1) {
				return true
			}
			continue
		}
		if f.isSupabaseValue(p.val.start, p.val.end, 0) {
			return true
		}
	}
	return false
}

func (f *jsFile) findTemplateCalls() {
	for i, t := range f.toks {
		if t.kind != tIdent || !f.isPunct(i+1, "(") {
			continue
		}
		// getToken(…), or getToken.value(…) for Vue's ref-wrapped function.
		if t.val != "getToken" && !(t.val == "value" && f.isPunct(i-1, ".") && f.isIdent(i-2, "getToken")) {
			continue
		}
		args := f.splitTop(i+1, f.closeOf(i+1))
		if len(args) == 0 {
			continue
		}
		a := args[0]
		switch {
		case f.isPunct(a.start, "{"):
			if f.templateInObject(a.start) {
				f.templateCalls = append(f.templateCalls, i)
			}
		case f.toks[a.start].kind == tIdent && a.end == a.start+1:
			if b, ok := f.bindings[f.toks[a.start].val]; ok && f.isPunct(b, "{") && f.templateInObject(b) {
				f.templateCalls = append(f.templateCalls, i)
			}
		}
	}
}

// taint marks the variables that receive a template token and the
// functions that return one.
func (f *jsFile) taint() {
	for _, c := range f.templateCalls {
		j := f.valueStart(c) - 1
		if j < 0 {
			continue
		}
		switch t := f.toks[j]; {
		case t.kind == tPunct && t.val == "=":
			if name := f.assignedName(j); name != "" {
				f.tainted[name] = true
			}
		case t.kind == tIdent && t.val == "return", t.kind == tPunct && t.val == "=>":
			if name := f.enclosingFunction(c); name != "" {
				f.tainted[name] = true
			}
		}
	}
	// One more round: variables assigned from a tainted function call.
	for name, b := range f.bindings {
		end := f.exprEnd(b)
		for j := b; j < end; j++ {
			if t := f.toks[j]; t.kind == tIdent && f.tainted[t.val] && f.isPunct(j+1, "(") {
				f.tainted[name] = true
			}
		}
	}
}

// valueStart walks back from the call at c over the member chain
// (clerk.session?.getToken, auth().getToken), await and grouping
// parentheses to the start of the value.
func (f *jsFile) valueStart(c int) int {
	j := c
	for j > 0 {
		p := f.toks[j-1]
		switch {
		case p.kind == tPunct && (p.val == "." || p.val == "?." || p.val == "!"):
			j--
		case p.kind == tIdent && p.val == "await":
			j--
		case p.kind == tIdent && !regexKeywords[p.val] && !declKeywords[p.val] && (f.isPunct(j, ".") || f.isPunct(j, "?.")):
			j-- // object of a member access
		case p.kind == tPunct && p.val == ")" && (f.isPunct(j, ".") || f.isPunct(j, "?.")):
			o := f.openOf(j - 1)
			if o < 0 {
				return j
			}
			j = o
			if j > 0 && f.toks[j-1].kind == tIdent {
				j-- // the called function: auth()
			}
		case p.kind == tPunct && p.val == "(" && (j < 2 || f.toks[j-2].kind != tIdent || f.toks[j-2].val == "await" || f.toks[j-2].val == "return"):
			j-- // grouping parenthesis
		default:
			return j
		}
	}
	return j
}

// assignedName returns the variable assigned by the '=' at eq: the name
// after const/let/var (skipping a type annotation) or the identifier
// before '='.
func (f *jsFile) assignedName(eq int) string {
	for k := eq - 1; k >= 0 && k >= eq-12; k-- {
		if t := f.toks[k]; t.kind == tIdent && declKeywords[t.val] && k+1 < eq && f.toks[k+1].kind == tIdent {
			return f.toks[k+1].val
		}
	}
	if eq > 0 && f.toks[eq-1].kind == tIdent {
		return f.toks[eq-1].val
	}
	return ""
}

// enclosingFunction names the function whose body contains token i:
// `function name(…) {`, `const name = async (…) => {` or `name(…) {`.
func (f *jsFile) enclosingFunction(i int) string {
	// The innermost unclosed '{' before i, or an expression-bodied arrow.
	depth := 0
	open := -1
	for j := i - 1; j >= 0; j-- {
		t := f.toks[j]
		if t.kind != tPunct {
			continue
		}
		if t.val == "}" || t.val == ")" || t.val == "]" {
			depth++
		} else if t.val == "{" || t.val == "(" || t.val == "[" {
			if depth == 0 && t.val == "{" {
				open = j
				break
			}
			if depth > 0 {
				depth--
			}
		} else if t.val == "=>" && depth == 0 {
			open = j + 1
			break
		}
	}
	if open < 1 {
		return ""
	}
	k := open - 1
	if f.isPunct(k, "=>") {
		k--
	}
	if f.isPunct(k, ")") {
		k = f.openOf(k) - 1
	} else if k >= 0 && f.toks[k].kind == tIdent && f.isPunct(k+1, "=>") {
		k-- // single-parameter arrow: x => …
	}
	// Optional return type annotation is not handled; names follow.
	for k >= 0 && f.toks[k].kind == tIdent && f.toks[k].val == "async" {
		k--
	}
	if k < 0 {
		return ""
	}
	if f.isPunct(k, "=") || f.isPunct(k, ":") {
		if k > 0 && f.toks[k-1].kind == tIdent {
			return f.toks[k-1].val
		}
		return ""
	}
	if f.toks[k].kind == tIdent && f.toks[k].val != "function" {
		return f.toks[k].val
	}
	return ""
}

// containsTemplateToken reports whether the tokens in s use a template
// token: a tainted name or a template getToken call.
func (f *jsFile) containsTemplateToken(s span) bool {
	for j := s.start; j < s.end && j < len(f.toks); j++ {
		t := f.toks[j]
		if t.kind == tIdent && f.tainted[t.val] && !f.isPunct(j-1, ".") && !f.isPunct(j-1, "?.") {
			return true
		}
	}
	for _, c := range f.templateCalls {
		if c >= s.start && c < s.end {
			return true
		}
	}
	return false
}

func isAuthorization(s string) bool { return strings.EqualFold(s, "authorization") }

// findTemplateHeaders finds Authorization headers whose value carries a
// template token: object members, headers.set/append calls and
// headers.Authorization / headers['Authorization'] assignments.
func (f *jsFile) findTemplateHeaders() {
	for i, t := range f.toks {
		if !(t.kind == tIdent || t.kind == tString || t.kind == tTemplate) || !isAuthorization(t.val) {
			continue
		}
		var val span
		switch {
		case f.isPunct(i+1, ":") && !f.isPunct(i-1, "."):
			val = span{i + 2, f.exprEnd(i + 2)}
		case t.kind != tIdent && f.isPunct(i-1, "(") && f.isPunct(i+1, ",") && i >= 3 &&
			(f.isIdent(i-2, "set") || f.isIdent(i-2, "append")) && f.isPunct(i-3, "."):
			val = span{i + 2, f.exprEnd(i + 2)}
		case t.kind == tIdent && f.isPunct(i-1, ".") && f.isPunct(i+1, "="):
			val = span{i + 2, f.exprEnd(i + 2)}
		case t.kind != tIdent && f.isPunct(i-1, "[") && f.isPunct(i+1, "]") && f.isPunct(i+2, "="):
			val = span{i + 3, f.exprEnd(i + 3)}
		default:
			continue
		}
		if f.containsTemplateToken(val) {
			f.templateHeaders = append(f.templateHeaders, i)
		}
	}
}

// findClients records Clerk imports and createClient calls from
// @supabase/supabase-js without the accessToken option.
func (f *jsFile) findClients() {
	names := map[string]bool{}   // local names of createClient
	nsNames := map[string]bool{} // namespace imports of supabase-js
	for i, t := range f.toks {
		if t.kind == tString && strings.HasPrefix(normalizeSpecifier(t.val), "@clerk/") && (f.isIdent(i-1, "from") || f.isPunct(i-1, "(") || f.isIdent(i-1, "import")) {
			f.usesClerk = true
		}
		if t.kind != tString || normalizeSpecifier(t.val) != "@supabase/supabase-js" {
			continue
		}
		switch {
		case f.isIdent(i-1, "from"):
			// import … { createClient as x } from '…' or import * as ns from '…'
			j := i - 2
			for j >= 0 && !f.isIdent(j, "import") {
				j--
			}
			for k := j + 1; k < i-1; k++ {
				if f.isIdent(k, "createClient") {
					if f.isIdent(k+1, "as") && k+2 < i && f.toks[k+2].kind == tIdent {
						names[f.toks[k+2].val] = true
					} else {
						names["createClient"] = true
					}
				}
				if f.isPunct(k, "*") && f.isIdent(k+1, "as") && k+2 < i {
					nsNames[f.toks[k+2].val] = true
				}
			}
		case f.isPunct(i-1, "(") && f.isIdent(i-2, "require"):
			// const { createClient } = require('…')
			j := i - 3
			if f.isPunct(j, "=") && f.isPunct(j-1, "}") {
				o := f.openOf(j - 1)
				for _, p := range f.objectProps(o) {
					if p.key == "createClient" {
						names["createClient"] = true
						if p.val.end > p.val.start && f.toks[p.val.start].kind == tIdent {
							names[f.toks[p.val.start].val] = true
						}
					}
				}
			} else if f.isPunct(j, "=") && j > 0 && f.toks[j-1].kind == tIdent {
				nsNames[f.toks[j-1].val] = true
			}
		}
	}
	for i, t := range f.toks {
		if t.kind != tIdent || !f.isPunct(i+1, "(") {
			continue
		}
		qualified := f.isPunct(i-1, ".") && i >= 2 && f.toks[i-2].kind == tIdent && nsNames[f.toks[i-2].val] && t.val == "createClient"
		direct := names[t.val] && !f.isPunct(i-1, ".") && !f.isPunct(i-1, "?.") && !f.isIdent(i-1, "function")
		if !qualified && !direct {
			continue
		}
		if f.isIdent(i-1, "as") || f.isIdent(i-1, "import") || f.isPunct(i-1, "{") && f.isPunct(i+1, "}") {
			continue
		}
		if f.hasAccessToken(i+1) || f.isAdminClient(i+1) {
			continue
		}
		f.clientsNoToken = append(f.clientsNoToken, i)
	}
}

// hasAccessToken reports whether the createClient call whose '(' is at
// open passes options with accessToken — or options lint cannot see
// (a spread or an unresolved variable), which it gives the benefit of the
// doubt.
func (f *jsFile) hasAccessToken(open int) bool {
	args := f.splitTop(open, f.closeOf(open))
	if len(args) < 3 {
		return false
	}
	a := args[2]
	obj := -1
	switch {
	case f.isPunct(a.start, "{"):
		obj = a.start
	case f.toks[a.start].kind == tIdent && a.end == a.start+1:
		b, ok := f.bindings[f.toks[a.start].val]
		if !ok || !f.isPunct(b, "{") {
			return true
		}
		obj = b
	default:
		return true
	}
	for _, p := range f.objectProps(obj) {
		if p.spread || p.key == "accessToken" {
			return true
		}
	}
	// An explicit Authorization header (global.headers.Authorization, e.g.
	// an Edge Function forwarding the caller's token) also names the user;
	// template tokens there are reported by the header rule.
	end := f.closeOf(obj)
	for j := obj; j < end; j++ {
		if t := f.toks[j]; (t.kind == tIdent || t.kind == tString) && isAuthorization(t.val) && f.isPunct(j+1, ":") {
			return true
		}
	}
	return false
}

// isAdminClient reports whether the key argument names a service-role or
// secret key: server-side admin clients do not act for a user.
func (f *jsFile) isAdminClient(open int) bool {
	args := f.splitTop(open, f.closeOf(open))
	if len(args) < 2 {
		return false
	}
	for j := args[1].start; j < args[1].end; j++ {
		v := strings.ToLower(f.toks[j].val)
		if strings.Contains(v, "service") || strings.Contains(v, "secret") {
			return true
		}
	}
	return false
}

// normalizeSpecifier reduces a module specifier to its npm package name:
// "npm:@supabase/supabase-js@2", "jsr:@supabase/supabase-js@2" and
// "https://esm.sh/@supabase/supabase-js@2.45.0" (Deno, Edge Functions) all
// become "@supabase/supabase-js".
func normalizeSpecifier(s string) string {
	for _, p := range []string{"npm:", "jsr:", "https://esm.sh/", "https://cdn.skypack.dev/", "https://cdn.jsdelivr.net/npm/", "https://unpkg.com/"} {
		s = strings.TrimPrefix(s, p)
	}
	if !strings.HasPrefix(s, "@") {
		return s
	}
	parts := strings.SplitN(s, "/", 3)
	if len(parts) < 2 {
		return s
	}
	name, _, _ := strings.Cut(parts[1], "@")
	return parts[0] + "/" + name
}
