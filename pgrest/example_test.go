package pgrest_test

import (
	"fmt"

	"github.com/rowgate/rowgate/pgrest"
)

func ExampleParseRequest() {
	req, err := pgrest.ParseRequest("GET", "/todos",
		"select=id,title,owner:users(name)&done=eq.false&order=id.desc&limit=10",
		pgrest.Headers{Prefer: []string{"count=exact"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(req.Resource, len(req.Select), req.Select[2].Embed.Key())
	f := req.Filters[0]
	fmt.Println(f.Field.Name, f.Op, f.Value)
	fmt.Println(req.Order[0].Field.Name, req.Order[0].Direction, *req.Limit, req.Prefer.Count)

	_, err = pgrest.ParseRequest("GET", "/todos", "select=id,", pgrest.Headers{})
	fmt.Println(err)
	// Output:
	// todos 3 owner
	// done eq false
	// id desc 10 exact
	// PGRST100: "failed to parse select parameter (id,)" (line 1, column 4) (unexpected end of input expecting field name (* or [a..z0..9_$]))
}
