package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/rowgate/rowgate/client"
)

// fakeDataAPI stands in for rowgate or Supabase in the examples: it checks
// a little of what it receives and answers as PostgREST would.
func fakeDataAPI() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		switch {
		case r.URL.Path == "/rest/v1/todos" && r.Method == http.MethodGet:
			if r.Header.Get("Authorization") != "Bearer sess_user_2abc" {
				// Signed out: RLS hides every row.
				w.Header().Set("Content-Range", "*/0")
				io.WriteString(w, `[]`)
				return
			}
			w.Header().Set("Content-Range", "0-1/2")
			io.WriteString(w, `[{"id":2,"title":"ship the client"},{"id":1,"title":"write the parser"}]`)
		case r.URL.Path == "/rest/v1/todos" && r.Method == http.MethodPost:
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"code":"23505","details":"Key (id)=(1) already exists.","hint":null,`+
				`"message":"duplicate key value violates unique constraint \"todos_pkey\""}`)
		case r.URL.Path == "/rest/v1/rpc/add":
			io.WriteString(w, `5`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"code":"PGRST205","details":null,"hint":null,"message":"Could not find the table"}`)
		}
	}))
}

type Todo struct {
	ID    int    `json:"id"`
	Title string `json:"title"`
}

func Example() {
	srv := fakeDataAPI()
	defer srv.Close()
	ctx := context.Background()

	db := client.New(srv.URL, "sb_publishable_example",
		client.WithAccessToken(func(context.Context) (string, error) { return "sess_user_2abc", nil }))

	var todos []Todo
	resp, err := db.From("todos").
		Select("id,title", client.Count(client.Exact)).
		Eq("done", false).
		Order("id", client.Desc).
		Range(0, 9).
		Execute(ctx, &todos)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(resp.Status, *resp.Count, todos)

	var sum int
	if _, err := db.RPC("add", map[string]int{"a": 2, "b": 3}).Execute(ctx, &sum); err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println("add:", sum)
	// Output:
	// 200 2 [{2 ship the client} {1 write the parser}]
	// add: 5
}

// Errors from the server are *client.Error values; helpers classify them.
func ExampleIsConflict() {
	srv := fakeDataAPI()
	defer srv.Close()

	db := client.New(srv.URL, "sb_publishable_example")
	_, err := db.From("todos").Insert(Todo{ID: 1, Title: "again"}).Execute(context.Background(), nil)
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Code, e.Details)
	}
	fmt.Println("conflict:", client.IsConflict(err))
	// Output:
	// 409 23505 Key (id)=(1) already exists.
	// conflict: true
}

// Conditions built with Term, AnyOf and AllOf are quoted, so user input
// cannot change the filter's structure.
func ExampleQuery_Where() {
	db := client.New("https://xyz.supabase.co", "sb_publishable_example")
	userInput := "a),owner_id.neq.(x"
	u, _ := db.From("todos").
		Where(client.AnyOf(
			client.Term("title", "ilike", "*"+userInput+"*"),
			client.Term("tags", "cs", []string{"urgent", userInput}),
		)).
		URL()
	parsed, _ := url.Parse(u)
	fmt.Println(parsed.Path)
	fmt.Println("or=" + parsed.Query().Get("or"))
	// Output:
	// /rest/v1/todos
	// or=(title.ilike."*a),owner_id.neq.(x*",tags.cs."{urgent,\"a),owner_id.neq.(x\"}")
}

// sessionKey is the context key under which the middleware below stores
// the caller's session token.
type sessionKey struct{}

// A server-side handler that acts on behalf of a Clerk (or Auth0, Firebase,
// Cognito, WorkOS) user: the incoming request's "Authorization: Bearer
// <session token>" is passed through to the Data API by the access-token
// callback, so row-level security sees the same user. One Client is shared
// by all requests; the callback reads the token from the request context.
func ExampleWithAccessToken_clerk() {
	api := fakeDataAPI()
	defer api.Close()

	db := client.New(api.URL, "sb_publishable_example",
		client.WithAccessToken(func(ctx context.Context) (string, error) {
			token, _ := ctx.Value(sessionKey{}).(string)
			return token, nil // "" = signed out: the API key is sent as the bearer
		}))

	listTodos := func(w http.ResponseWriter, r *http.Request) {
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		ctx := context.WithValue(r.Context(), sessionKey{}, token)
		var todos []Todo
		if _, err := db.From("todos").Select("id,title").Execute(ctx, &todos); err != nil {
			http.Error(w, "upstream error", http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "%d todos", len(todos))
	}
	app := httptest.NewServer(http.HandlerFunc(listTodos))
	defer app.Close()

	for _, auth := range []string{"Bearer sess_user_2abc", ""} {
		req, _ := http.NewRequest(http.MethodGet, app.URL, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(string(body))
	}
	// Output:
	// 2 todos
	// 0 todos
}
