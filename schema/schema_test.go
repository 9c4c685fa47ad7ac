package schema

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func loadFixture(t *testing.T) (*Cache, string) {
	t.Helper()
	connString := newTestDB(t, true)
	conn := connect(t, connString)
	start := time.Now()
	c, err := Load(context.Background(), conn, []string{"public"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Logf("Load took %v", time.Since(start))
	return c, connString
}

func relString(r Relationship) string {
	s := fmt.Sprintf("%s->%s %s %s", r.Table.Name, r.ForeignTable.Name, r.Cardinality, r.Constraint)
	if r.Junction != nil {
		j := r.Junction
		s += fmt.Sprintf(" via %s(%s|%s) %v=%v %v=%v", j.Table.Name, j.Constraint1, j.Constraint2,
			j.SourceColumns, j.JunctionSourceColumns, j.TargetColumns, j.JunctionTargetColumns)
	} else {
		s += fmt.Sprintf(" %v=%v", r.Columns, r.ForeignColumns)
	}
	return s
}

func relStrings(rs []Relationship) []string {
	var out []string
	for _, r := range rs {
		out = append(out, relString(r))
	}
	return out
}

func TestLoadFixture(t *testing.T) {
	c, _ := loadFixture(t)

	t.Run("relations", func(t *testing.T) {
		tests := []struct {
			name       string
			kind       Kind
			pk         []string
			insertable bool
		}{
			{"orgs", KindTable, []string{"id"}, true},
			{"users", KindTable, []string{"id"}, true},
			{"user_settings", KindTable, []string{"user_id"}, true},
			{"memberships", KindTable, []string{"org_id", "user_id"}, true},
			{"tasks", KindTable, []string{"id"}, true},
			{"task_tags", KindTable, []string{"task_id", "tag_id"}, true},
			{"events", KindPartitionedTable, []string{"id", "occurred_at"}, true},
			{"open_tasks", KindView, []string{"id"}, true},
			{"urgent_tasks", KindView, []string{"id"}, true},
			{"project_stats", KindMaterializedView, nil, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tab, ok := c.Table("public", tt.name)
				if !ok {
					t.Fatalf("table %s missing", tt.name)
				}
				if tab.Kind != tt.kind {
					t.Errorf("kind = %s, want %s", tab.Kind, tt.kind)
				}
				if !slices.Equal(tab.PrimaryKey, tt.pk) {
					t.Errorf("pk = %v, want %v", tab.PrimaryKey, tt.pk)
				}
				if tab.Insertable != tt.insertable {
					t.Errorf("insertable = %v, want %v", tab.Insertable, tt.insertable)
				}
			})
		}
		if _, ok := c.Table("public", "events_2026"); ok {
			t.Error("partition events_2026 is in the cache")
		}
		if _, ok := c.Table("public", "nope"); ok {
			t.Error("nonexistent table found")
		}
		if o, _ := c.Table("public", "orgs"); o.Comment != "Organisations" {
			t.Errorf("orgs comment = %q", o.Comment)
		}
	})

	t.Run("columns", func(t *testing.T) {
		tasks, _ := c.Table("public", "tasks")
		tests := []struct {
			col, typ, base, cat string
			nullable, generated bool
			hasDefault          bool
			enum                []string
		}{
			{"id", "bigint", "bigint", "N", false, false, false, nil},
			{"title", "text", "text", "S", false, false, false, nil},
			{"status", "task_status", "task_status", "E", false, false, true, []string{"todo", "doing", "done"}},
			{"labels", "text[]", "text[]", "A", false, false, true, nil},
			{"meta", "jsonb", "jsonb", "U", true, false, false, nil},
			{"due_at", "timestamp with time zone", "timestamp with time zone", "D", true, false, false, nil},
			{"search", "tsvector", "tsvector", "U", true, true, true, nil},
		}
		for _, tt := range tests {
			t.Run(tt.col, func(t *testing.T) {
				col, ok := tasks.Column(tt.col)
				if !ok {
					t.Fatalf("column %s missing", tt.col)
				}
				if col.Type != tt.typ || col.BaseType != tt.base || col.Category != tt.cat {
					t.Errorf("type = %q/%q/%q, want %q/%q/%q", col.Type, col.BaseType, col.Category, tt.typ, tt.base, tt.cat)
				}
				if col.Nullable != tt.nullable || col.Generated != tt.generated || (col.Default != "") != tt.hasDefault {
					t.Errorf("nullable/generated/default = %v/%v/%q", col.Nullable, col.Generated, col.Default)
				}
				if !slices.Equal(col.Enum, tt.enum) {
					t.Errorf("enum = %v, want %v", col.Enum, tt.enum)
				}
			})
		}
		users, _ := c.Table("public", "users")
		email, _ := users.Column("email")
		if email.Type != "email" || email.BaseType != "text" {
			t.Errorf("domain column type = %q base %q", email.Type, email.BaseType)
		}
		if p, _ := users.Column("profile"); !p.IsJSON() {
			t.Error("users.profile not JSON")
		}
		projects, _ := c.Table("public", "projects")
		if b, _ := projects.Column("budget"); b.Type != "numeric(12,2)" {
			t.Errorf("budget type = %q", b.Type)
		}
		if r, _ := projects.Column("active_period"); r.Category != "R" {
			t.Errorf("int4range category = %q", r.Category)
		}
		if got := tasks.Columns[0].Position; got != 1 {
			t.Errorf("first column position = %d", got)
		}
	})

	t.Run("relationships", func(t *testing.T) {
		tests := []struct {
			from string
			want []string // must all be present
			not  []string // prefixes that must be absent
		}{
			{"tasks", []string{
				"tasks->projects many-to-one tasks_project_id_fkey [project_id]=[id]",
				"tasks->users many-to-one tasks_assignee_fkey [assignee_id]=[id]",
				"tasks->users many-to-one tasks_reviewer_fkey [reviewer_id]=[id]",
				"tasks->task_tags one-to-many task_tags_task_id_fkey [id]=[task_id]",
				"tasks->tags many-to-many task_tags_task_id_fkey via task_tags(task_tags_task_id_fkey|task_tags_tag_id_fkey) [id]=[task_id] [id]=[tag_id]",
			}, nil},
			{"projects", []string{
				"projects->tasks one-to-many tasks_project_id_fkey [id]=[project_id]",
				"projects->open_tasks one-to-many tasks_project_id_fkey [id]=[project_id]",
				"projects->orgs many-to-one projects_org_id_fkey [org_id]=[id]",
			}, nil},
			{"users", []string{
				"users->user_settings one-to-one user_settings_user_id_fkey [id]=[user_id]",
				"users->orgs many-to-many memberships_user_id_fkey via memberships(memberships_user_id_fkey|memberships_org_id_fkey) [id]=[user_id] [id]=[org_id]",
				"users->events one-to-many events_user_id_fkey [id]=[user_id]",
				"users->tasks one-to-many tasks_assignee_fkey [id]=[assignee_id]",
				"users->open_tasks one-to-many tasks_assignee_fkey [id]=[owner_id]",
			}, []string{"users->events_2026"}},
			{"user_settings", []string{
				"user_settings->users one-to-one user_settings_user_id_fkey [user_id]=[id]",
			}, nil},
			{"orgs", []string{
				"orgs->users many-to-many memberships_org_id_fkey via memberships(memberships_org_id_fkey|memberships_user_id_fkey) [id]=[org_id] [id]=[user_id]",
			}, nil},
			{"open_tasks", []string{
				"open_tasks->projects many-to-one tasks_project_id_fkey [project_id]=[id]",
				"open_tasks->users many-to-one tasks_assignee_fkey [owner_id]=[id]",
				"open_tasks->tags many-to-many task_tags_task_id_fkey via task_tags(task_tags_task_id_fkey|task_tags_tag_id_fkey) [id]=[task_id] [id]=[tag_id]",
			}, []string{"open_tasks->users many-to-one tasks_reviewer_fkey"}},
			{"urgent_tasks", []string{
				"urgent_tasks->projects many-to-one tasks_project_id_fkey [project_id]=[id]",
			}, []string{"urgent_tasks->users"}},
		}
		for _, tt := range tests {
			t.Run(tt.from, func(t *testing.T) {
				got := relStrings(c.Relationships("public", tt.from))
				for _, w := range tt.want {
					if !slices.Contains(got, w) {
						t.Errorf("missing %q\nhave:\n  %s", w, strings.Join(got, "\n  "))
					}
				}
				for _, n := range tt.not {
					for _, g := range got {
						if strings.HasPrefix(g, n) {
							t.Errorf("unexpected %q", g)
						}
					}
				}
			})
		}
		// The one-to-one seen from the referenced side is the parent.
		for _, r := range c.Relationships("public", "users") {
			if r.ForeignTable.Name == "user_settings" && !r.Parent {
				t.Error("users->user_settings not marked Parent")
			}
		}
		for _, r := range c.Relationships("public", "open_tasks") {
			if !r.TableIsView {
				t.Errorf("open_tasks relationship %s not marked TableIsView", relString(r))
			}
		}
	})

	t.Run("functions", func(t *testing.T) {
		st := c.Functions("public", "search_tasks")
		if len(st) != 1 || !st[0].ReturnsSet || st[0].ReturnsTable == nil || st[0].ReturnsTable.Name != "tasks" ||
			st[0].Volatility != Stable || len(st[0].Args) != 1 || st[0].Args[0].Name != "q" || st[0].Args[0].Type != "text" {
			t.Errorf("search_tasks = %+v", st)
		}
		an := c.Functions("public", "add_numbers")
		if len(an) != 1 || an[0].ReturnsSet || an[0].ReturnsComposite || an[0].ReturnType != "integer" ||
			len(an[0].Args) != 2 || an[0].Args[0].HasDefault || !an[0].Args[1].HasDefault || an[0].Volatility != Immutable {
			t.Errorf("add_numbers = %+v", an)
		}
		sc := c.Functions("public", "status_counts")
		if len(sc) != 1 || !sc[0].ReturnsSet || !sc[0].ReturnsComposite || sc[0].ReturnsTable != nil || len(sc[0].Args) != 0 {
			t.Errorf("status_counts = %+v", sc)
		}
		sa := c.Functions("public", "sum_all")
		if len(sa) != 1 || len(sa[0].Args) != 1 || !sa[0].Args[0].Variadic || sa[0].Args[0].Type != "integer[]" {
			t.Errorf("sum_all = %+v", sa)
		}
		tp := c.Functions("public", "touch_project")
		if len(tp) != 1 || !tp[0].ReturnsVoid || tp[0].Volatility != Volatile {
			t.Errorf("touch_project = %+v", tp)
		}
		if f, ok := c.ComputedField("public", "tasks", "title_length"); !ok || f.ReturnType != "integer" {
			t.Errorf("computed field title_length = %+v, %v", f, ok)
		}
		if _, ok := c.ComputedField("public", "users", "title_length"); ok {
			t.Error("title_length is not a computed field of users")
		}
		if _, ok := c.ComputedField("public", "tasks", "search_tasks"); ok {
			t.Error("search_tasks is not a computed field")
		}
	})

	t.Run("suggestions", func(t *testing.T) {
		tests := []struct {
			name, got, want string
			ok              bool
		}{
			{"table typo", "taks", "tasks", true},
			{"table plural", "project", "projects", true},
			{"table nothing close", "zzzzzzzz", "", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s, ok := c.SuggestTable("public", tt.got)
				if s != tt.want || ok != tt.ok {
					t.Errorf("SuggestTable(%q) = %q, %v; want %q, %v", tt.got, s, ok, tt.want, tt.ok)
				}
			})
		}
		if s, ok := c.SuggestRelationship("public", "tasks", "user"); !ok || s != "users" {
			t.Errorf("SuggestRelationship = %q, %v", s, ok)
		}
		if s, ok := c.SuggestFunction("public", "add_number"); !ok || s != "add_numbers" {
			t.Errorf("SuggestFunction = %q, %v", s, ok)
		}
	})

	if got := c.Schemas(); !slices.Equal(got, []string{"public"}) {
		t.Errorf("Schemas() = %v", got)
	}
}

func TestSimilarity(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"", "", 1},
		{"abc", "abc", 1},
		{"abc", "ABC", 1},
		{"abc", "xyz", 0},
		{"tasks", "taks", 0.8},
		{"kitten", "sitting", 1 - 3.0/7},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_"+tt.b, func(t *testing.T) {
			if got := Similarity(tt.a, tt.b); got < tt.want-1e-9 || got > tt.want+1e-9 {
				t.Errorf("Similarity(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

// BenchmarkLoad measures a full schema cache load of the fixture database
// (the target is well under 50 ms).
func BenchmarkLoad(b *testing.B) {
	connString := newTestDB(b, true)
	conn := connect(b, connString)
	for b.Loop() {
		if _, err := Load(context.Background(), conn, []string{"public"}); err != nil {
			b.Fatal(err)
		}
	}
}
