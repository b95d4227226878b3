package database

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"accredpack/access"
	"accredpack/dossier"
)

// testClientList: the staff list sorts, filters, searches and pages in the
// database on the recorded summaries, for a consultancy's scope with its
// assignees.
func testClientList(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	if err := db.CreateOrganization(ctx, Organization{ID: "c1", Name: "Консалт", Kind: "consultancy", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"staff1", "staff2"} {
		if err := db.CreateUser(ctx, User{ID: u, Email: u + "@c1.ru", Name: u, Role: "consultant", OrgID: "c1", PasswordHash: "x", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	type client struct {
		id, text, due, expires string
		ready, submitted       bool
		shared                 bool
		assignee               string
	}
	clients := []client{
		{id: "a1", text: "иванов иван иванович хирургия", due: "2026-11-30", expires: "2026-12-01", shared: true, assignee: "staff1"},
		{id: "a2", text: "петрова анна сергеевна терапия", due: "2027-03-31", expires: "2027-05-01", ready: true, shared: true, assignee: "staff2"},
		{id: "a3", text: "сидоров олег хирургия", due: "", expires: "", shared: true},
		{id: "a4", text: "алексеева елена терапия", due: "2026-10-31", expires: "2026-11-01", submitted: true, shared: true, assignee: "staff1"},
		{id: "a5", text: "иванова мария педиатрия", due: "2027-01-31", expires: "2027-03-01", shared: false},
	}
	for i, c := range clients {
		a := newApp(c.id, now.Add(time.Duration(i)*time.Second))
		words := strings.Fields(c.text) // last, first, [middle,] specialty
		a.Form.Specialist.LastName, a.Form.Specialist.FirstName = strings.ToUpper(words[0][:2])+words[0][2:], words[1]
		if len(words) == 4 {
			a.Form.Specialist.MiddleName = words[2]
		}
		if c.submitted {
			a.Status = dossier.StatusSubmitted
		}
		var grants []Grant
		if c.shared {
			grants = append(grants, Grant{OrgID: "c1", CreatedAt: now, CreatedBy: "staff1"})
		}
		if err := db.CreateApplication(ctx, a, grants...); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetReadiness(ctx, c.id, Summary{Ready: c.ready, DueOn: c.due, ExpiresOn: c.expires, SearchText: c.text, SNILSHash: "h-" + c.id}, now, Readiness{}, nil); err != nil {
			t.Fatal(err)
		}
		if c.assignee != "" {
			if err := db.SetAssignee(ctx, c.id, "c1", c.assignee); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := db.SetAssignee(ctx, "a5", "c1", "staff1"); err != ErrNotFound {
		t.Errorf("assigning without a grant: %v; want ErrNotFound", err)
	}
	org := access.Scope{Org: "c1"}
	yes, no := true, false
	list := func(q ListQuery) string {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 100
		}
		q.Today = "2026-12-02"
		var ids []string
		for {
			page, err := db.ListClients(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range page {
				ids = append(ids, l.App.ID+":"+l.Assignee)
			}
			if len(page) < q.Limit {
				return fmt.Sprint(ids)
			}
			q.After = &page[len(page)-1].Cursor
		}
	}
	cases := []struct {
		name string
		q    ListQuery
		want string
	}{
		{"created", ListQuery{Scope: org}, "[a1:staff1 a2:staff2 a3: a4:staff1]"},
		{"created, pages of one", ListQuery{Scope: org, Limit: 1}, "[a1:staff1 a2:staff2 a3: a4:staff1]"},
		{"created, newest first, pages of two", ListQuery{Scope: org, Desc: true, Limit: 2}, "[a4:staff1 a3: a2:staff2 a1:staff1]"},
		{"due, none last, pages of one", ListQuery{Scope: org, Sort: ByDue, Limit: 1}, "[a4:staff1 a1:staff1 a2:staff2 a3:]"},
		{"due, descending", ListQuery{Scope: org, Sort: ByDue, Desc: true, Limit: 3}, "[a3: a2:staff2 a1:staff1 a4:staff1]"},
		{"name", ListQuery{Scope: org, Sort: ByName, Limit: 2}, "[a4:staff1 a1:staff1 a2:staff2 a3:]"},
		{"ready", ListQuery{Scope: org, Ready: &yes}, "[a2:staff2]"},
		{"not ready", ListQuery{Scope: org, Ready: &no}, "[a1:staff1 a3: a4:staff1]"},
		{"overdue: not the submitted one", ListQuery{Scope: org, Overdue: true}, "[a1:staff1]"},
		{"expired", ListQuery{Scope: org, Expired: true}, "[a1:staff1]"},
		{"due before", ListQuery{Scope: org, DueBefore: "2027-04-01"}, "[a1:staff1 a2:staff2]"},
		{"words of the name", ListQuery{Scope: org, Text: []string{"иван"}}, "[a1:staff1]"},
		{"a specialty", ListQuery{Scope: org, Text: []string{"хирургия"}}, "[a1:staff1 a3:]"},
		{"two words", ListQuery{Scope: org, Text: []string{"хирургия", "олег"}}, "[a3:]"},
		{"a LIKE wildcard is a character", ListQuery{Scope: org, Text: []string{"%"}}, "[]"},
		{"snils", ListQuery{Scope: org, SNILSHash: "h-a2"}, "[a2:staff2]"},
		{"another organization's client is not found by its snils", ListQuery{Scope: org, SNILSHash: "h-a5"}, "[]"},
		{"mine", ListQuery{Scope: org, Assignee: "staff1"}, "[a1:staff1 a4:staff1]"},
		{"nobody's", ListQuery{Scope: org, Assignee: "-"}, "[a3:]"},
		{"submitted", ListQuery{Scope: org, Status: dossier.StatusSubmitted}, "[a4:staff1]"},
		{"everyone's, administrator", ListQuery{Scope: access.Scope{All: true}, Text: []string{"иванов"}}, "[a1: a5:]"},
	}
	// A small consultancy's list is found by its grants; a large one walks
	// the order's index (here: from one client on). Same answers.
	for _, walkFrom := range []int{largeScopeRows, 1} {
		db.walkFrom = &walkFrom
		for _, tc := range cases {
			if got := list(tc.q); got != tc.want {
				t.Errorf("%s (walking from %d): %s; want %s", tc.name, walkFrom, got, tc.want)
			}
		}
	}
	db.walkFrom = nil
	if _, err := db.ListClients(ctx, ListQuery{Scope: org, Sort: "snils", Limit: 1}); err != ErrBadSort {
		t.Errorf("unknown sort: %v", err)
	}
	if err := db.SetAssignee(ctx, "a1", "c1", ""); err != nil {
		t.Fatal(err)
	}
	if got := list(ListQuery{Scope: org, Assignee: "-"}); got != "[a1: a3:]" {
		t.Errorf("after unassigning: %s", got)
	}
	if got, err := db.Assignees(ctx, "a2"); err != nil || fmt.Sprint(got) != "[staff2]" {
		t.Errorf("Assignees = %v, %v", got, err)
	}
	h1, err := db.SNILSHash(ctx, "112-233-445 95")
	if err != nil || len(h1) != 64 {
		t.Fatalf("SNILSHash = %q, %v", h1, err)
	}
	if h2, _ := db.SNILSHash(ctx, "11223344595"); h1 != h2 {
		t.Error("the hash of one SNILS written two ways differs")
	}
}
