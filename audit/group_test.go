package audit

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"accredpack/access"
	"accredpack/database"
	"accredpack/fault"
	"accredpack/internal/testenv"
)

func openDB(t *testing.T, url string) *database.DB {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

func backends(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, openDB(t, filepath.Join(t.TempDir(), "a.db"))) })
	t.Run("postgres", func(t *testing.T) {
		pg := testenv.StartPostgres(t)
		fn(t, openDB(t, pg.NewDatabase(t)))
	})
}

func read(i int) (Request, Event) {
	return Request{Principal: access.Principal{UserID: "u1", Role: access.Specialist, Label: "врач@example.ru"}, Remote: "127.0.0.1",
			RequestID: fmt.Sprintf("req-%03d", i)},
		Event{Action: access.ReadApplication, ApplicationID: "app1", OwnerID: "u1", Outcome: Granted}
}

func requestIDs(t *testing.T, l *Log) map[string]int {
	t.Helper()
	seen := map[string]int{}
	if err := l.Each(context.Background(), Filter{ApplicationID: "app1"}, func(e Entry) error {
		seen[e.RequestID]++
		if e.ActorLabel != "врач@example.ru" || e.Remote != "127.0.0.1" {
			return fmt.Errorf("line %s reads back as %q from %q", e.RequestID, e.ActorLabel, e.Remote)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return seen
}

// Concurrent Record calls share commits, each returns only once its line
// is in the database, and every line is there once.
func TestGroupCommitSharesCommits(t *testing.T) {
	backends(t, func(t *testing.T, db *database.DB) {
		l := NewGrouped(db, Group{})
		defer l.Close()
		const n = 200
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, e := read(i)
				if err := l.Record(context.Background(), r, e); err != nil {
					errs <- err
					return
				}
				// Durable before Record returned: a fresh reader sees it.
				var found bool
				l.Each(context.Background(), Filter{ApplicationID: "app1"}, func(en Entry) error {
					found = found || en.RequestID == r.RequestID
					return nil
				})
				if !found {
					errs <- fmt.Errorf("%s not readable after Record returned", r.RequestID)
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		seen := requestIDs(t, l)
		if len(seen) != n {
			t.Errorf("%d distinct lines; want %d", len(seen), n)
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("%s written %d times", id, k)
			}
		}
		commits, lines := l.Stats()
		if lines != n || commits >= n {
			t.Errorf("%d lines in %d commits; want %d lines in fewer commits", lines, commits, n)
		}
		t.Logf("%d lines in %d commits", lines, commits)
	})
}

// Close commits every queued line; afterwards Record writes directly.
func TestGroupCommitCloseFlushes(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "a.db"))
	l := NewGrouped(db, Group{Queue: 4})
	const n = 50
	var wg sync.WaitGroup
	var failed sync.Map
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, e := read(i)
			if err := l.Record(context.Background(), r, e); err != nil {
				failed.Store(i, err)
			}
		}()
	}
	l.Close()
	wg.Wait()
	failed.Range(func(k, v any) bool { t.Errorf("record %v: %v", k, v); return true })
	r, e := read(n)
	if err := l.Record(context.Background(), r, e); err != nil {
		t.Fatalf("after Close: %v", err)
	}
	if seen := requestIDs(t, l); len(seen) != n+1 {
		t.Errorf("%d lines after Close; want %d", len(seen), n+1)
	}
	l.Close() // twice is harmless
}

// A request that has ended gets an error (the answer is refused) and its
// line is not written.
func TestGroupCommitCanceled(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "a.db"))
	l := NewGrouped(db, Group{})
	defer l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, e := read(1)
	err := l.Record(ctx, r, e)
	if !errors.Is(err, fault.ErrUnavailable) {
		t.Fatalf("canceled record: %v", err)
	}
	// The next line shares no fate with the canceled one.
	r, e = read(2)
	if err := l.Record(context.Background(), r, e); err != nil {
		t.Fatal(err)
	}
	seen := requestIDs(t, l)
	if len(seen) != 1 || seen["req-002"] != 1 {
		t.Errorf("lines %v; want only req-002", seen)
	}
}

// A failing database fails every waiting call, with the unavailable kind.
func TestGroupCommitDatabaseDown(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "a.db"))
	l := NewGrouped(db, Group{})
	defer l.Close()
	db.Close()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, e := read(i)
			if err := l.Record(context.Background(), r, e); !errors.Is(err, fault.ErrUnavailable) {
				t.Errorf("record %d with the database closed: %v", i, err)
			}
		}()
	}
	wg.Wait()
}

// One call larger than one statement's rows (a listing of many
// applications) is still one transaction with every line.
func TestGroupCommitLargeCall(t *testing.T) {
	backends(t, func(t *testing.T, db *database.DB) {
		l := NewGrouped(db, Group{})
		defer l.Close()
		r, e := read(0)
		events := make([]Event, 450)
		for i := range events {
			events[i] = e
			events[i].Target = fmt.Sprint(i)
		}
		if err := l.Record(context.Background(), r, events...); err != nil {
			t.Fatal(err)
		}
		targets := map[string]bool{}
		l.Each(context.Background(), Filter{ApplicationID: "app1"}, func(en Entry) error { targets[en.Target] = true; return nil })
		if len(targets) != len(events) {
			t.Errorf("%d lines; want %d", len(targets), len(events))
		}
	})
}
