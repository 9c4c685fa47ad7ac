package pgrest

import "strings"

// ParseSelect parses a select= value into a select list. The value has its
// whitespace outside double quotes removed first, as PostgREST does.
func ParseSelect(s string) ([]SelectItem, error) {
	s = stripSelectSpace(s)
	p := newScanner(s, "select parameter")
	items, err := p.selectList(false, 0)
	if err == nil {
		err = p.finish()
	}
	if err != nil {
		return nil, parseError("select parameter", s, err)
	}
	return items, nil
}

// maxSelectDepth bounds embed nesting so hostile input cannot exhaust the
// stack.
const maxSelectDepth = 64

// stripSelectSpace removes whitespace outside double-quoted names.
func stripSelectSpace(s string) string {
	if !strings.ContainsAny(s, " \t\n\r") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote && c == '\\' && i+1 < len(s):
			b.WriteByte(c)
			i++
			b.WriteByte(s[i])
			continue
		case c == '"':
			inQuote = !inQuote
		case !inQuote && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// selectList parses item{,item}. Inside an embed an empty list is allowed.
func (p *scanner) selectList(inEmbed bool, depth int) ([]SelectItem, error) {
	if depth > maxSelectDepth {
		return nil, p.failMsg("embedding is nested too deeply")
	}
	items := []SelectItem{}
	if inEmbed && p.peek() == ')' {
		return items, nil
	}
	for {
		it, err := p.selectItem(depth)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
		if !p.accept(",") {
			return items, nil
		}
	}
}

// itemEnd checks that a select item is followed by ',', ')' or the end.
func (p *scanner) itemEnd(expecting ...string) error {
	if p.eof() || p.peek() == ',' || p.peek() == ')' {
		return nil
	}
	return p.fail(append(expecting, `")"`, `","`, "end of input")...)
}

func (p *scanner) selectItem(depth int) (SelectItem, error) {
	if p.accept("...") {
		name, err := p.fieldName()
		if err != nil {
			return SelectItem{}, err
		}
		e := &Embed{Name: name, Spread: true}
		if err := p.embedRest(e, depth); err != nil {
			return SelectItem{}, err
		}
		return SelectItem{Embed: e}, nil
	}
	if p.accept("*") {
		return SelectItem{Star: true}, p.itemEnd()
	}
	var it SelectItem
	// Optional alias: name ':' (but not '::').
	save := p.pos
	if p.peek() == '"' || !p.hasPrefix("count()") {
		if a, err := p.fieldName(); err == nil && p.hasPrefix(":") && !p.hasPrefix("::") {
			p.pos++
			it.Alias = a
		} else {
			p.pos = save
		}
	}
	if p.accept("count()") {
		it.Aggregate = AggCount
		if p.accept("::") {
			t, err := p.castType()
			if err != nil {
				return SelectItem{}, err
			}
			it.AggregateCast = t
		}
		return it, p.itemEnd(`"::"`)
	}
	name, err := p.fieldName()
	if err != nil {
		return SelectItem{}, err
	}
	if p.peek() == '(' || p.peek() == '!' {
		e := &Embed{Name: name, Alias: it.Alias}
		if err := p.embedRest(e, depth); err != nil {
			return SelectItem{}, err
		}
		return SelectItem{Embed: e}, nil
	}
	jp, err := p.jsonPath()
	if err != nil {
		return SelectItem{}, err
	}
	it.Field = Field{Name: name, JSONPath: jp}
	if p.accept("::") {
		t, err := p.castType()
		if err != nil {
			return SelectItem{}, err
		}
		it.Cast = t
	}
	if p.accept(".") {
		agg, err := p.aggregate()
		if err != nil {
			return SelectItem{}, err
		}
		it.Aggregate = agg
		if p.accept("::") {
			t, err := p.castType()
			if err != nil {
				return SelectItem{}, err
			}
			it.AggregateCast = t
		}
		return it, p.itemEnd(`"::"`)
	}
	expect := []string{"letter", "digit", `"-"`}
	if len(jp) == 0 && it.Cast == "" {
		expect = append(expect, `"!"`, `"("`)
	}
	if it.Cast == "" {
		expect = append(expect, `"->>"`, `"->"`, `"::"`)
	}
	return it, p.itemEnd(append(expect, `"."`)...)
}

var aggregates = []AggregateFunc{AggSum, AggAvg, AggCount, AggMax, AggMin}

func (p *scanner) aggregate() (AggregateFunc, error) {
	for _, a := range aggregates {
		if p.accept(string(a) + "()") {
			return a, nil
		}
	}
	return "", p.fail(`"sum"`, `"avg"`, `"count"`, `"max"`, `"min"`)
}

// embedRest parses [!hint][!inner|!left](list) after a relation name.
func (p *scanner) embedRest(e *Embed, depth int) error {
	for n := 0; p.accept("!"); n++ {
		if n == 2 {
			return p.failAt(p.pos-1, `unexpected "!"`, `"("`)
		}
		v, err := p.fieldName()
		if err != nil {
			return err
		}
		switch {
		case v == "inner" && e.Join == JoinDefault:
			e.Join = JoinInner
		case v == "left" && e.Join == JoinDefault:
			e.Join = JoinLeft
		case e.Hint == "":
			e.Hint = v
		}
	}
	if !p.accept("(") {
		return p.fail(`"!"`, `"("`)
	}
	sel, err := p.selectList(true, depth+1)
	if err != nil {
		return err
	}
	if !p.accept(")") {
		return p.fail(`","`, `")"`)
	}
	e.Select = sel
	return p.itemEnd()
}
