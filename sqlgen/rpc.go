package sqlgen

import (
	"net/http"
	"slices"
	"strings"

	"github.com/rowgate/rowgate"
	"github.com/rowgate/rowgate/pgrest"
	"github.com/rowgate/rowgate/schema"
)

// rpcLevel resolves the function of an RPC read, splits the query
// parameters into arguments and filters (on req, which Read has copied) and
// returns the root level selecting from the call.
func (b *builder) rpcLevel(req *pgrest.Request, q *Query) (*level, error) {
	funcs := b.c.Functions(b.schema, req.Resource)
	isArg := func(name string) bool {
		for _, f := range funcs {
			for _, a := range f.Args {
				if a.Name == name {
					return true
				}
			}
		}
		return false
	}
	params := req.SplitRPCParams(isArg)
	values := map[string][]string{}
	var keys []string
	for _, p := range params {
		if _, seen := values[p.Key]; !seen {
			keys = append(keys, p.Key)
		}
		values[p.Key] = append(values[p.Key], p.Value)
	}
	slices.Sort(keys)

	var cands []*schema.Function
	for _, f := range funcs {
		if callable(f, keys) {
			cands = append(cands, f)
		}
	}
	switch {
	case len(cands) == 0:
		return nil, b.noFunctionError(req.Resource, keys)
	case len(cands) > 1:
		sigs := make([]string, 0, len(cands))
		for _, f := range cands {
			var args []string
			for _, a := range f.Args {
				args = append(args, a.Name+" => "+a.Type)
			}
			sigs = append(sigs, f.Schema+"."+f.Name+"("+strings.Join(args, ", ")+")")
		}
		return nil, rowgate.Errorf(http.StatusMultipleChoices, rowgate.CodeAmbiguousFunction,
			"Could not choose the best candidate function between: %s", strings.Join(sigs, ", ")).
			WithHint("Try renaming the parameters or the function itself in the database so function overloading can be resolved")
	}
	f := cands[0]
	q.Function = f

	var callArgs []string
	for _, a := range f.Args {
		vs, ok := values[a.Name]
		if !ok {
			continue
		}
		if a.Variadic {
			callArgs = append(callArgs, "VARIADIC "+quoteIdent(a.Name)+" => "+b.param(arrayLiteral(vs))+"::"+a.Type)
			continue
		}
		callArgs = append(callArgs, quoteIdent(a.Name)+" => "+b.param(vs[0])+"::"+a.Type)
	}
	call := quoteQualified(f.QualifiedName()) + "(" + strings.Join(callArgs, ", ") + ")"

	lv := &level{alias: "pgrst_call"}
	switch {
	case f.ReturnsTable != nil:
		t, ok := b.c.Table(f.ReturnsTable.Schema, f.ReturnsTable.Name)
		if !ok {
			return nil, rowgate.Errorf(http.StatusNotFound, rowgate.CodeNoTable,
				"Could not find the table '%s' in the schema cache", f.ReturnsTable)
		}
		lv.table = t
		lv.from = call + " AS pgrst_call"
	case f.ReturnsComposite:
		lv.from = call + " AS pgrst_call"
	default:
		lv.scalar = true
		q.Scalar = true
		q.Void = f.ReturnsVoid
		lv.from = call + " AS pgrst_call(pgrst_scalar)"
	}
	return lv, nil
}

// callable reports whether f accepts exactly the argument names keys: each
// key names an input argument and every argument without default is given.
func callable(f *schema.Function, keys []string) bool {
	for _, k := range keys {
		found := false
		for _, a := range f.Args {
			if a.Name == k {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	for _, a := range f.Args {
		if !a.HasDefault && !slices.Contains(keys, a.Name) {
			return false
		}
	}
	return true
}

func (b *builder) noFunctionError(name string, keys []string) error {
	qn := b.schema + "." + name
	var e *rowgate.Error
	if len(keys) == 0 {
		e = rowgate.Errorf(http.StatusNotFound, rowgate.CodeNoFunction,
			"Could not find the function %s without parameters in the schema cache", qn)
		e.Details = "Searched for the function " + qn + " without parameters, but no matches were found in the schema cache."
	} else {
		e = rowgate.Errorf(http.StatusNotFound, rowgate.CodeNoFunction,
			"Could not find the function %s(%s) in the schema cache", qn, strings.Join(keys, ", "))
		e.Details = "Searched for the function " + qn + " with parameter(s) " + strings.Join(keys, ", ") +
			", but no matches were found in the schema cache."
	}
	if s, ok := b.c.SuggestFunction(b.schema, name); ok {
		e.Hint = "Perhaps you meant to call the function " + b.schema + "." + s
	}
	return e
}
