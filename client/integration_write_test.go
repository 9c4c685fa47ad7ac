package client_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/rowgate/rowgate/client"
	"github.com/rowgate/rowgate/internal/pgtest"
	"github.com/rowgate/rowgate/internal/testenv"
)

// dbRow reads one row of public.todos as the superuser (bypassing RLS);
// found is false when the row does not exist.
func dbRow(t *testing.T, env *testenv.Env, id int64) (r todo, found bool) {
	t.Helper()
	conn := pgtest.Connect(t, env.DBURL)
	rows, err := conn.Query(context.Background(),
		`select id, user_id, title, done, priority from public.todos where id = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		return r, false
	}
	if err := rows.Scan(&r.ID, &r.UserID, &r.Title, &r.Done, &r.Priority); err != nil {
		t.Fatal(err)
	}
	return r, true
}

func TestIntegrationWrites(t *testing.T) {
	env := startStack(t)
	db := asUser(env, "user_a")
	ctx := context.Background()

	t.Run("insert one and select it back", func(t *testing.T) {
		type newTodo struct {
			Title string   `json:"title"`
			Tags  []string `json:"tags"`
		}
		var rows []todo
		resp, err := db.From("todos").Insert(newTodo{Title: "Plant tomatoes", Tags: []string{"garden"}}).
			Select("id,user_id,title,done,tags").Execute(ctx, &rows)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusCreated {
			t.Errorf("status = %d, want 201", resp.Status)
		}
		if len(rows) != 1 || rows[0].UserID != "user_a" || rows[0].Title != "Plant tomatoes" || rows[0].Done ||
			!reflect.DeepEqual(rows[0].Tags, []string{"garden"}) || rows[0].ID <= 5 {
			t.Fatalf("inserted = %+v", rows)
		}
		if got, ok := dbRow(t, env, rows[0].ID); !ok || got.Title != "Plant tomatoes" {
			t.Fatalf("row in the database = %+v (found %v)", got, ok)
		}
	})

	t.Run("insert minimal", func(t *testing.T) {
		dst := json.RawMessage(`"untouched"`)
		resp, err := db.From("todos").Insert(map[string]any{"id": 200, "title": "Quiet insert"}).Execute(ctx, &dst)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusCreated || string(dst) != `"untouched"` {
			t.Fatalf("status %d dst %s", resp.Status, dst)
		}
		if got, ok := dbRow(t, env, 200); !ok || got.UserID != "user_a" {
			t.Fatalf("row 200 = %+v (found %v)", got, ok)
		}
	})

	t.Run("insert many with different keys, defaults and count", func(t *testing.T) {
		var rows []todo
		resp, err := db.From("todos").Insert([]map[string]any{
			{"id": 210, "title": "first"},
			{"id": 211, "title": "second", "done": true, "priority": 7},
		}, client.Count(client.Exact), client.DefaultToNull(false)).Select("id,done,priority").Execute(ctx, &rows)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Count == nil || *resp.Count != 2 {
			t.Errorf("count = %v, want 2", resp.Count)
		}
		if len(rows) != 2 || rows[0].ID != 210 || rows[0].Done || rows[0].Priority != nil ||
			rows[1].ID != 211 || !rows[1].Done || rows[1].Priority == nil || *rows[1].Priority != 7 {
			t.Fatalf("rows = %+v", rows)
		}
	})

	t.Run("insert missing column as null violates not null", func(t *testing.T) {
		_, err := db.From("todos").Insert([]map[string]any{
			{"id": 220, "title": "a"},
			{"id": 221, "title": "b", "done": true},
		}).Execute(ctx, nil)
		if e := asError(t, err); e.Code != "23502" || e.Status != http.StatusBadRequest {
			t.Fatalf("error = %+v, want 400 23502", e)
		}
		if _, ok := dbRow(t, env, 220); ok {
			t.Fatal("row 220 was inserted despite the error")
		}
	})

	t.Run("insert single returns an object", func(t *testing.T) {
		var r todo
		if _, err := db.From("todos").Insert(map[string]any{"id": 230, "title": "one"}).Select("id,title").Single().Execute(ctx, &r); err != nil {
			t.Fatal(err)
		}
		if r.ID != 230 || r.Title != "one" {
			t.Fatalf("row = %+v", r)
		}
	})

	t.Run("insert for another user is refused by RLS", func(t *testing.T) {
		_, err := db.From("todos").Insert(map[string]any{"id": 240, "title": "sneaky", "user_id": "user_b"}).Execute(ctx, nil)
		e := asError(t, err)
		if e.Status != http.StatusForbidden || e.Code != "42501" || client.IsUnauthorized(err) {
			t.Fatalf("error = %+v", e)
		}
		if _, ok := dbRow(t, env, 240); ok {
			t.Fatal("row 240 exists")
		}
	})

	t.Run("insert signed out is unauthorized", func(t *testing.T) {
		anon := client.New(env.URL, env.PublishableKey)
		_, err := anon.From("todos").Insert(map[string]any{"id": 241, "title": "anon", "user_id": "user_a"}).Execute(ctx, nil)
		e := asError(t, err)
		if e.Status != http.StatusUnauthorized || e.Code != "42501" || !client.IsUnauthorized(err) {
			t.Fatalf("error = %+v", e)
		}
	})

	t.Run("insert duplicate is a conflict", func(t *testing.T) {
		_, err := db.From("notices").Insert(map[string]any{"id": 1, "body": "again"}).Execute(ctx, nil)
		e := asError(t, err)
		if e.Status != http.StatusConflict || e.Code != "23505" || !client.IsConflict(err) || e.Details != "Key (id)=(1) already exists." {
			t.Fatalf("error = %+v", e)
		}
		// Under RLS PostgreSQL leaves the key values out of the details.
		_, err = db.From("todos").Insert(map[string]any{"id": 1, "title": "again"}).Execute(ctx, nil)
		e = asError(t, err)
		if e.Status != http.StatusConflict || e.Code != "23505" || !client.IsConflict(err) || e.Details != "" {
			t.Fatalf("error = %+v", e)
		}
	})

	t.Run("upsert merges", func(t *testing.T) {
		var rows []todo
		_, err := db.From("todos").Upsert([]map[string]any{
			{"id": 1, "title": "Buy oat milk"},
			{"id": 250, "title": "brand new"},
		}, client.OnConflict("id")).Select("id,title,done").Execute(ctx, &rows)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].ID != 1 || rows[0].Title != "Buy oat milk" || rows[1].ID != 250 {
			t.Fatalf("rows = %+v", rows)
		}
		if got, _ := dbRow(t, env, 1); got.Title != "Buy oat milk" || got.Done {
			t.Fatalf("row 1 = %+v", got)
		}
	})

	t.Run("upsert ignores duplicates", func(t *testing.T) {
		var rows []todo
		_, err := db.From("todos").Upsert([]map[string]any{
			{"id": 2, "title": "ignored"},
			{"id": 260, "title": "fresh"},
		}, client.IgnoreDuplicates()).Select("id,title").Execute(ctx, &rows)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].ID != 260 {
			t.Fatalf("rows = %+v, want only the new row", rows)
		}
		if got, _ := dbRow(t, env, 2); got.Title != "Write the report" {
			t.Fatalf("row 2 = %+v", got)
		}
	})

	t.Run("update with select", func(t *testing.T) {
		var rows []todo
		resp, err := db.From("todos").Update(map[string]any{"done": true}).Eq("id", 3).Select("id,done").Execute(ctx, &rows)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusOK || len(rows) != 1 || rows[0].ID != 3 || !rows[0].Done {
			t.Fatalf("status %d rows %+v", resp.Status, rows)
		}
		if got, _ := dbRow(t, env, 3); !got.Done {
			t.Fatalf("row 3 = %+v", got)
		}
	})

	t.Run("update minimal with count", func(t *testing.T) {
		resp, err := db.From("todos").Update(map[string]any{"priority": 9}, client.Count(client.Exact)).
			Eq("title", `Read "Dune"`).Execute(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusNoContent || resp.Count == nil || *resp.Count != 1 {
			t.Fatalf("status %d count %v, want 204 and 1", resp.Status, resp.Count)
		}
		if got, _ := dbRow(t, env, 4); got.Priority == nil || *got.Priority != 9 {
			t.Fatalf("row 4 = %+v", got)
		}
	})

	t.Run("update of another user's row changes nothing", func(t *testing.T) {
		var rows []todo
		if _, err := db.From("todos").Update(map[string]any{"title": "hijacked"}).Eq("id", 5).Select("id").Execute(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 0 {
			t.Fatalf("rows = %+v", rows)
		}
		if got, _ := dbRow(t, env, 5); got.Title != "Call the plumber" {
			t.Fatalf("row 5 = %+v", got)
		}
	})

	t.Run("update maybe single of nothing is null", func(t *testing.T) {
		r := &todo{ID: -1}
		resp, err := db.From("todos").Update(map[string]any{"title": "x"}).Eq("id", 5).Select("id").MaybeSingle().Execute(ctx, &r)
		if err != nil || r != nil || resp.Status != http.StatusOK {
			t.Fatalf("err = %v dst = %+v resp = %+v", err, r, resp)
		}
	})

	t.Run("delete with select", func(t *testing.T) {
		var rows []idRow
		if _, err := db.From("todos").Delete().Eq("id", 2).Select("id").Execute(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ids(rows), []int64{2}) {
			t.Fatalf("deleted = %v", ids(rows))
		}
		if _, ok := dbRow(t, env, 2); ok {
			t.Fatal("row 2 still exists")
		}
	})

	t.Run("delete of another user's row deletes nothing", func(t *testing.T) {
		resp, err := db.From("todos").Delete(client.Count(client.Exact)).Eq("id", 5).Execute(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Count == nil || *resp.Count != 0 {
			t.Fatalf("count = %v, want 0", resp.Count)
		}
		if _, ok := dbRow(t, env, 5); !ok {
			t.Fatal("row 5 was deleted")
		}
	})

	t.Run("insert into another schema", func(t *testing.T) {
		var rows []struct {
			ID    int    `json:"id"`
			Label string `json:"label"`
		}
		if _, err := db.Schema("other").From("items").Insert(map[string]any{"id": 3, "label": "other three"}).Select("id,label").Execute(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Label != "other three" {
			t.Fatalf("rows = %+v", rows)
		}
		conn := pgtest.Connect(t, env.DBURL)
		var n int
		if err := conn.QueryRow(ctx, `select count(*) from other.items where id = 3`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("other.items id 3: n = %d err = %v", n, err)
		}
		if err := conn.QueryRow(ctx, `select count(*) from public.items where id = 3`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("public.items id 3: n = %d err = %v", n, err)
		}
	})

	t.Run("write to a schema not exposed", func(t *testing.T) {
		_, err := db.Schema("private").From("items").Insert(map[string]any{"id": 1}).Execute(ctx, nil)
		if e := asError(t, err); e.Status != http.StatusNotAcceptable || e.Code != "PGRST106" {
			t.Fatalf("error = %+v", e)
		}
	})
}

func TestIntegrationRPC(t *testing.T) {
	env := startStack(t)
	db := asUser(env, "user_a")
	ctx := context.Background()

	t.Run("scalar", func(t *testing.T) {
		var sum int
		resp, err := db.RPC("add", map[string]int{"a": 2, "b": 3}).Execute(ctx, &sum)
		if err != nil {
			t.Fatal(err)
		}
		if sum != 5 || resp.Status != http.StatusOK {
			t.Fatalf("add = %d status %d", sum, resp.Status)
		}
	})

	t.Run("struct arguments", func(t *testing.T) {
		var sum int
		args := struct {
			A int `json:"a"`
			B int `json:"b"`
		}{40, 2}
		if _, err := db.RPC("add", args).Execute(ctx, &sum); err != nil {
			t.Fatal(err)
		}
		if sum != 42 {
			t.Fatalf("add = %d", sum)
		}
	})

	t.Run("set with filters under RLS", func(t *testing.T) {
		var rows []idRow
		if _, err := db.RPC("my_todos", nil).Select("id").Eq("done", true).Order("id", client.Desc).Execute(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ids(rows), []int64{4, 2}) {
			t.Fatalf("my_todos = %v, want [4 2]", ids(rows))
		}
	})

	t.Run("set with count and range", func(t *testing.T) {
		var rows []idRow
		resp, err := db.RPC("my_todos", nil, client.Count(client.Exact)).Select("id").Order("id").Range(0, 1).Execute(ctx, &rows)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Count == nil || *resp.Count != 4 || !reflect.DeepEqual(ids(rows), []int64{1, 2}) {
			t.Fatalf("count %v rows %v", resp.Count, ids(rows))
		}
	})

	t.Run("single row of a set", func(t *testing.T) {
		var r todo
		if _, err := db.RPC("my_todos", nil).Select("id,title").Eq("id", 1).Single().Execute(ctx, &r); err != nil {
			t.Fatal(err)
		}
		if r.ID != 1 || r.Title != "Buy milk" {
			t.Fatalf("row = %+v", r)
		}
	})

	t.Run("caller identity", func(t *testing.T) {
		var who string
		if _, err := db.RPC("whoami", nil).Execute(ctx, &who); err != nil {
			t.Fatal(err)
		}
		if who != "user_a" {
			t.Fatalf("whoami = %q", who)
		}
	})

	t.Run("unknown function", func(t *testing.T) {
		_, err := db.RPC("nope", nil).Execute(ctx, nil)
		if e := asError(t, err); e.Status != http.StatusNotFound || e.Code != "PGRST202" || !client.IsNotFound(err) {
			t.Fatalf("error = %+v", e)
		}
	})

	t.Run("raised exception", func(t *testing.T) {
		_, err := db.RPC("fail", nil).Execute(ctx, nil)
		e := asError(t, err)
		if e.Status != http.StatusBadRequest || e.Code != "P0001" || e.Message != "nope" ||
			e.Details != "some detail" || e.Hint != "some hint" {
			t.Fatalf("error = %+v", e)
		}
	})

	t.Run("refresh on expiry for a POST", func(t *testing.T) {
		tk := &tokens{list: []string{expiredToken(env, "user_b"), env.Token("user_b", nil)}}
		c := client.New(env.URL, env.PublishableKey, client.WithAccessToken(tk.get))
		var who string
		if _, err := c.RPC("whoami", nil).Execute(ctx, &who); err != nil {
			t.Fatal(err)
		}
		if who != "user_b" || tk.count() != 2 {
			t.Fatalf("whoami = %q after %d callback calls", who, tk.count())
		}
	})
}
