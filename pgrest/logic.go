package pgrest

// maxLogicDepth bounds or/and nesting.
const maxLogicDepth = 64

// ParseLogic parses a logic-tree parameter. key is the parameter name
// without embed path ("or", "and", "not.or", "not.and") and value its value
// ("(a.eq.1,b.gt.2)"). As in PostgREST, error columns count from the start
// of key+value.
func ParseLogic(key, value string) (LogicTree, error) {
	s := key + value
	p := newScanner(s, "logic tree")
	neg, op, ok := p.logicOp()
	if !ok || p.pos != len(key) {
		return LogicTree{}, parseErrorIn("logic tree", value, s, p.failAt(0, "unexpected "+quoteRune(key), "logic operator (and, or)"))
	}
	t, err := p.logicBody(neg, op, 0)
	if err == nil {
		err = p.finish()
	}
	if err != nil {
		return LogicTree{}, parseErrorIn("logic tree", value, s, err)
	}
	return *t, nil
}

func quoteRune(s string) string {
	if s == "" {
		return "end of input"
	}
	p := newScanner(s, "")
	return p.unexpected()[len("unexpected "):]
}

// logicOp parses [not.](and|or) without consuming anything on failure.
func (p *scanner) logicOp() (neg bool, op LogicOp, ok bool) {
	save := p.pos
	neg = p.accept("not.")
	switch {
	case p.accept("and"):
		return neg, LogicAnd, true
	case p.accept("or"):
		return neg, LogicOr, true
	}
	p.pos = save
	return false, "", false
}

// nestedAhead reports whether a nested and(/or( expression starts here.
func (p *scanner) nestedAhead() bool {
	save := p.pos
	defer func() { p.pos = save }()
	_, _, ok := p.logicOp()
	if !ok {
		return false
	}
	p.skipWS()
	return p.peek() == '('
}

func (p *scanner) logicBody(neg bool, op LogicOp, depth int) (*LogicTree, error) {
	if depth > maxLogicDepth {
		return nil, p.failMsg("logic tree is nested too deeply")
	}
	p.skipWS()
	if !p.accept("(") {
		return nil, p.fail(`"("`)
	}
	t := &LogicTree{Negate: neg, Op: op}
	for {
		p.skipWS()
		var n LogicNode
		if p.nestedAhead() {
			cneg, cop, _ := p.logicOp()
			c, err := p.logicBody(cneg, cop, depth+1)
			if err != nil {
				return nil, err
			}
			n.Tree = c
		} else {
			if p.eof() || p.peek() == ')' || p.peek() == ',' {
				return nil, p.fail(expectFieldName, "negation operator (not)", "logic operator (and, or)")
			}
			start := p.pos
			fld, err := p.field()
			if err != nil {
				return nil, err
			}
			if !p.accept(".") {
				return nil, p.fail("delimiter (.)")
			}
			f, err := p.opExpr(true)
			if err != nil {
				if fld.Name == "not" && len(fld.JSONPath) == 0 {
					// not.<something>: PostgREST reports the missing
					// and/or after the negation.
					p.pos = start + len("not.")
					return nil, p.fail("logic operator (and, or)")
				}
				return nil, err
			}
			f.Field = fld
			n.Filter = &f
		}
		t.Children = append(t.Children, n)
		p.skipWS()
		if !p.accept(",") {
			break
		}
	}
	if !p.accept(")") {
		return nil, p.fail(`","`, `")"`)
	}
	p.skipWS()
	return t, nil
}
