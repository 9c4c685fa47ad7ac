package pgrest

import "strings"

var simpleOps = map[string]Operator{
	"eq": OpEq, "neq": OpNeq, "gt": OpGt, "gte": OpGte, "lt": OpLt, "lte": OpLte,
	"like": OpLike, "ilike": OpILike, "match": OpMatch, "imatch": OpIMatch,
	"isdistinct": OpIsDistinct, "cs": OpCs, "cd": OpCd, "ov": OpOv,
	"sl": OpSl, "sr": OpSr, "nxr": OpNxr, "nxl": OpNxl, "adj": OpAdj,
}

var ftsOps = map[string]Operator{"fts": OpFts, "plfts": OpPlfts, "phfts": OpPhfts, "wfts": OpWfts}

// quantifiable lists the operators that accept (any)/(all).
var quantifiable = map[Operator]bool{
	OpEq: true, OpNeq: true, OpGt: true, OpGte: true, OpLt: true, OpLte: true,
	OpLike: true, OpILike: true, OpMatch: true, OpIMatch: true,
}

const expectOperator = "operator (eq, gt, ...)"

// ParseFilter parses a filter parameter: key is the column with an optional
// embed path and JSON path (actors.first_name, data->a->>b), value the
// operator expression (not.eq.5, in.(1,2), fts(english).cat). It returns the
// embed path (empty for the root) and the filter.
func ParseFilter(key, value string) ([]string, Filter, error) {
	path, fld, err := parseTreePath(key)
	if err != nil {
		return nil, Filter{}, err
	}
	p := newScanner(value, "filter")
	f, err := p.opExpr(false)
	if err != nil {
		return nil, Filter{}, parseError("filter", value, err)
	}
	f.Field = fld
	return path, f, nil
}

// parseTreePath parses a parameter key: name{.name}[json path].
func parseTreePath(key string) ([]string, Field, error) {
	p := newScanner(key, "tree path")
	var names []string
	for {
		n, err := p.fieldName()
		if err != nil {
			return nil, Field{}, parseError("tree path", key, err)
		}
		names = append(names, n)
		if !p.accept(".") {
			break
		}
	}
	jp, err := p.jsonPath()
	if err == nil {
		err = p.finish(`"."`, `"->"`)
	}
	if err != nil {
		return nil, Field{}, parseError("tree path", key, err)
	}
	return names[:len(names)-1], Field{Name: names[len(names)-1], JSONPath: jp}, nil
}

// opExpr parses [not.]operator[(any|all)|(lang)].value. In a logic tree the
// value ends at ',' or ')' (quoted values and {…} arrays are kept whole);
// otherwise it is the rest of the input.
func (p *scanner) opExpr(inLogic bool) (Filter, error) {
	var f Filter
	if p.accept("not.") {
		f.Negate = true
	}
	start := p.pos
	for !p.eof() && p.peek() != '.' && p.peek() != '(' && p.peek() != ',' && p.peek() != ')' {
		p.pos++
	}
	word := p.s[start:p.pos]
	switch {
	case word == "in" && p.peek() == '.':
		p.pos++
		f.Op = OpIn
		vals, err := p.listVal()
		if err != nil {
			return Filter{}, err
		}
		f.Values = vals
		return f, p.valueEnd(inLogic)
	case word == "is" && p.peek() == '.':
		p.pos++
		f.Op = OpIs
		v, err := p.trilean()
		if err != nil {
			return Filter{}, err
		}
		f.Value = string(v)
		return f, p.valueEnd(inLogic)
	}
	if op, ok := ftsOps[word]; ok {
		f.Op = op
		if p.accept("(") {
			lang, ok := p.identifier()
			if !ok {
				return Filter{}, p.fail("letter or digit")
			}
			if !p.accept(")") {
				return Filter{}, p.fail(`")"`)
			}
			f.Lang = lang
		}
	} else if op, ok := simpleOps[word]; ok {
		f.Op = op
		if p.peek() == '(' {
			switch {
			case quantifiable[op] && p.accept("(any)"):
				f.Quant = QuantAny
			case quantifiable[op] && p.accept("(all)"):
				f.Quant = QuantAll
			default:
				end := strings.IndexByte(p.s[start:], '.')
				if end < 0 {
					end = len(p.s) - start
				}
				p.pos = start + end
				return Filter{}, p.failMsg("unknown single value operator " + p.s[start:start+end])
			}
		}
	} else {
		if p.eof() && !inLogic {
			return Filter{}, p.fail("delimiter (.)", expectOperator)
		}
		if word == "" {
			return Filter{}, p.fail(`"not"`, expectOperator)
		}
		if p.peek() == '.' {
			p.pos++
		}
		return Filter{}, p.failMsg("unknown single value operator " + word)
	}
	if !p.accept(".") {
		return Filter{}, p.fail("delimiter (.)")
	}
	if inLogic {
		v, err := p.logicValue()
		if err != nil {
			return Filter{}, err
		}
		f.Value = v
	} else {
		f.Value = p.s[p.pos:]
		p.pos = len(p.s)
	}
	if f.Op == OpLike || f.Op == OpILike {
		f.Value = strings.ReplaceAll(f.Value, "*", "%")
	}
	return f, nil
}

// valueEnd checks what may follow a self-delimited operand (in/is).
func (p *scanner) valueEnd(inLogic bool) error {
	if inLogic {
		if p.eof() || p.peek() == ',' || p.peek() == ')' {
			return nil
		}
		return p.fail(`","`, `")"`)
	}
	return p.finish()
}

// listVal parses (v1,"v,2",…) for in.
func (p *scanner) listVal() ([]string, error) {
	p.skipWS()
	if !p.accept("(") {
		return nil, p.fail(`"("`)
	}
	vals := []string{}
	for {
		v, err := p.delimitedValue(false)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		if !p.accept(",") {
			break
		}
	}
	p.skipWS()
	if !p.accept(")") {
		return nil, p.fail(`","`, `")"`)
	}
	p.skipWS()
	// in.() is the empty list, as PostgREST renders ANY('{}').
	if len(vals) == 1 && vals[0] == "" {
		vals = vals[:0]
	}
	return vals, nil
}

// delimitedValue parses a list element or logic-tree value: a double-quoted
// string directly followed by ',' or ')' (unquoted), a {…} array literal when
// arrays is set, or raw characters up to ',' or ')'.
func (p *scanner) delimitedValue(arrays bool) (string, error) {
	start := p.pos
	if p.peek() == '"' {
		v, err := p.quoted()
		if err == nil && (p.eof() || p.peek() == ',' || p.peek() == ')') {
			return v, nil
		}
		p.pos = start
	}
	if arrays && p.peek() == '{' {
		end := strings.IndexAny(p.s[p.pos+1:], "{}")
		if end >= 0 && p.s[p.pos+1+end] == '}' {
			p.pos += end + 2
			return p.s[start:p.pos], nil
		}
	}
	for !p.eof() && p.peek() != ',' && p.peek() != ')' {
		p.pos++
	}
	return p.s[start:p.pos], nil
}

func (p *scanner) logicValue() (string, error) { return p.delimitedValue(true) }

var trileans = []IsValue{IsNull, IsNotNull, IsUnknown, IsTrue, IsFalse}

// trilean parses the is. operand case-insensitively.
func (p *scanner) trilean() (IsValue, error) {
	for _, v := range trileans {
		if len(p.s)-p.pos >= len(v) && strings.EqualFold(p.s[p.pos:p.pos+len(v)], string(v)) {
			end := p.pos + len(v)
			// Do not match a prefix of a longer word (nullx).
			if end < len(p.s) && p.s[end] != ',' && p.s[end] != ')' && p.s[end] != ' ' {
				continue
			}
			p.pos = end
			return v, nil
		}
	}
	return "", p.fail("null or trilean value (unknown, true, false)")
}
