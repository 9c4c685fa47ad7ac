package pgrest

// ParseOrder parses an order= value: col[->path][.asc|.desc][.nullsfirst|.nullslast]
// or rel(col)[…], comma separated.
func ParseOrder(s string) ([]OrderTerm, error) {
	p := newScanner(s, "order")
	var terms []OrderTerm
	for {
		t, err := p.orderTerm()
		if err != nil {
			return nil, parseError("order", s, err)
		}
		terms = append(terms, t)
		if !p.accept(",") {
			break
		}
	}
	if err := p.finish(`","`); err != nil {
		return nil, parseError("order", s, err)
	}
	return terms, nil
}

func (p *scanner) orderTerm() (OrderTerm, error) {
	var t OrderTerm
	p.skipWS()
	save := p.pos
	if name, err := p.fieldName(); err == nil && p.peek() == '(' {
		p.pos++
		fld, err := p.field()
		if err != nil {
			return t, err
		}
		if !p.accept(")") {
			return t, p.fail(`"->>"`, `"->"`, `")"`)
		}
		t.Relation = name
		t.Field = fld
	} else {
		p.pos = save
		fld, err := p.field()
		if err != nil {
			return t, err
		}
		t.Field = fld
	}
	dirDone := false
	for p.peek() == '.' {
		p.pos++
		switch {
		case !dirDone && p.accept("asc"):
			t.Direction = OrderAsc
		case !dirDone && p.accept("desc"):
			t.Direction = OrderDesc
		case p.accept("nullsfirst"):
			t.Nulls = NullsFirst
		case p.accept("nullslast"):
			t.Nulls = NullsLast
		default:
			if dirDone {
				return t, p.fail(`"nullsfirst"`, `"nullslast"`)
			}
			return t, p.fail(`"asc"`, `"desc"`, `"nullsfirst"`, `"nullslast"`)
		}
		dirDone = true
		if t.Nulls != NullsDefault {
			break
		}
	}
	p.skipWS()
	if !p.eof() && p.peek() != ',' {
		if t.Nulls == NullsDefault {
			return t, p.fail("delimiter (.)", `","`, "end of input")
		}
		return t, p.fail(`","`, "end of input")
	}
	return t, nil
}
