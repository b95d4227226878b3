package intake

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"accredpack/access"
	"accredpack/database"
)

// TestListSearchesSortsAndFlags: the list finds a client by SNILS written
// any way and by words of the name (ё as е) or specialty, sorts by the
// last day to submit, flags an overdue and expired client, and leaves out
// one whose recorded readiness no longer matches today's.
func TestListSearchesSortsAndFlags(t *testing.T) {
	svc, db, _ := newService(t)
	ctx := context.Background()
	today := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	tick := 0
	svc.now = func() time.Time { tick++; return today.Add(time.Duration(tick) * time.Millisecond) }
	create := func(last, snils, specialty, previous string) string {
		f := form()
		f.Specialist.LastName, f.Specialist.SNILS, f.Specialty, f.PreviousAccreditationDate = last, snils, specialty, previous
		v, err := svc.Create(ctx, "owner", f)
		if err != nil {
			t.Fatalf("create %s: %v", last, err)
		}
		return v.App.ID
	}
	late := create("Семёнов", "112-233-445 95", "Хирургия", "2021-11-20") // expired 20.11.2026
	soon := create("Петров", "087-654-303 00", "Терапия", "2022-03-10")   // due in 2027
	undated := create("Алексеев", "156-973-012 95", "Хирургия", "")       // no deadlines
	scope := access.Scope{Owner: "owner"}
	ids := func(q Query) string {
		t.Helper()
		q.Scope = scope
		if q.Limit == 0 {
			q.Limit = 10
		}
		if q.Sort == "" {
			q.Sort = database.ByCreated
		}
		items, _, err := svc.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range items {
			out = append(out, fmt.Sprint(l.App.ID, l.Attention(today)))
		}
		return fmt.Sprint(out)
	}
	name := map[string]string{late: "late", soon: "soon", undated: "undated"}
	named := func(s string) string {
		for id, n := range name {
			s = strings.ReplaceAll(s, id, n)
		}
		return s
	}
	for _, tc := range []struct {
		name string
		q    Query
		want string
	}{
		{"by due", Query{Sort: database.ByDue}, "[late[overdue expired] soon[] undated[]]"},
		{"snils with dashes", Query{Search: "112-233-445 95"}, "[late[overdue expired]]"},
		{"snils digits", Query{Search: "08765430300"}, "[soon[]]"},
		{"ё typed as е, any case", Query{Search: "СЕМЕНОВ"}, "[late[overdue expired]]"},
		{"specialty", Query{Search: "хирург"}, "[late[overdue expired] undated[]]"},
		{"overdue", Query{Overdue: true}, "[late[overdue expired]]"},
		{"expired", Query{Expired: true}, "[late[overdue expired]]"},
		{"due before", Query{DueBefore: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}, "[late[overdue expired]]"},
		{"a wrong snils is words, found nowhere", Query{Search: "112-233-445 96"}, "[]"},
	} {
		if got := named(ids(tc.q)); got != tc.want {
			t.Errorf("%s: %s; want %s", tc.name, got, tc.want)
		}
	}
	// A recorded readiness that today's evaluation contradicts (as between
	// a change and its recording): the application is left out of a
	// filter that only the record passes, and the record is corrected.
	seen, err := db.ReadinessOf(ctx, soon)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetReadiness(ctx, soon, database.Summary{Ready: true, DueOn: "2027-03-31"}, today, seen, nil); err != nil {
		t.Fatal(err)
	}
	yes := true
	if got := ids(Query{Ready: &yes}); got != "[]" {
		t.Errorf("ready: %s; want none (the record was stale)", named(got))
	}
	if r, _ := db.ReadinessOf(ctx, soon); r.Ready {
		t.Error("the stale record was not corrected")
	}
}
