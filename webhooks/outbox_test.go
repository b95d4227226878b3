package webhooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"accredpack/access"
	"accredpack/database"
	"accredpack/dossier"
	"accredpack/events"
	"accredpack/jobs"
)

// TestOutbox runs on both databases: an event is a job written in the
// change's own transaction (River's transactional insert), gone with a
// rolled-back change; its fan-out, run again, delivers nothing twice.
func TestOutbox(t *testing.T) { onBothDatabases(t, testOutbox) }

func testOutbox(t *testing.T, db *database.DB) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	q, err := jobs.Open(ctx, db, nil, jobs.Config{}, log) // no workers: jobs stay to be counted
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Stop(ctx) })
	facts := func(context.Context, string) (access.Facts, error) { return access.Facts{Owner: "u"}, nil }
	s := New(db, access.Policy{}, facts, Config{Attempts: 3, Timeout: time.Second, Backoff: time.Second, MaxBackoff: time.Minute}, log)
	s.SetQueue(q)

	now := time.Now().UTC().Truncate(time.Microsecond)
	if err := db.CreateSubscription(ctx, database.Subscription{ID: "wh_1", UserID: "u", Role: "specialist", URL: "https://x.example",
		Events: []string{events.DocumentAccepted}, Secret: "s", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateApplication(ctx, &dossier.Application{ID: "app", Owner: "u", Status: dossier.StatusDraft, CreatedAt: now, UpdatedAt: now,
		Form: dossier.Form{Kind: "periodic"}}); err != nil {
		t.Fatal(err)
	}
	ref := dossier.SlotRef{Slot: "snils", Row: 1}
	put := func(key string, after error) error {
		doc := dossier.Document{Ref: ref, ObjectKey: key, SHA256: "00", Size: 1, Pages: 1, FileName: "x.pdf", UploadedAt: now, UploadedBy: "u"}
		_, err := db.PutDocument(ctx, "app", doc, func(*dossier.Application, []dossier.Document) error { return nil },
			func(ctx context.Context, tx *sql.Tx, _ *dossier.Document) error {
				if err := s.PublishTx(ctx, tx, events.Event{Type: events.DocumentAccepted, ApplicationID: "app", Data: map[string]any{"slot": ref.String()}}); err != nil {
					return err
				}
				return after // fails the change after its event is written
			})
		return err
	}
	jobArgs := func(kind string) []string {
		t.Helper()
		text := "json(args)" // SQLite keeps JSONB
		if db.Dialect() == "postgres" {
			text = "args::text"
		}
		rows, err := db.Pool().QueryContext(ctx, `SELECT `+text+` FROM river_job WHERE kind = '`+kind+`' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				t.Fatal(err)
			}
			out = append(out, a)
		}
		return out
	}

	refused := errors.New("refused after the event")
	if err := put("k-rolled-back", refused); !errors.Is(err, refused) {
		t.Fatalf("the change that fails: %v", err)
	}
	if got := jobArgs("webhook_event"); len(got) != 0 {
		t.Fatalf("a rolled-back change left event jobs: %v", got)
	}
	if _, err := db.Document(ctx, "app", ref); !errors.Is(err, database.ErrNotFound) {
		t.Fatalf("the rolled-back document: %v", err)
	}

	if err := put("k-stored", nil); err != nil {
		t.Fatal(err)
	}
	got := jobArgs("webhook_event")
	if len(got) != 1 {
		t.Fatalf("event jobs after one committed change: %v; want one", got)
	}

	// The fan-out, run twice (a retry after a crash), records and queues
	// one delivery, under the event id fixed when the event was written.
	var e events.Event
	for range 2 {
		var args fanOutArgs
		if err := jsonUnmarshal(got[0], &args); err != nil {
			t.Fatal(err)
		}
		e = args.Event
		if n, err := s.fanOut(ctx, e); err != nil || n != 1 {
			t.Fatalf("fan-out: %d deliveries, %v; want 1", n, err)
		}
	}
	list, err := db.Deliveries(ctx, "wh_1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].EventID != e.ID || e.ID == "" {
		t.Fatalf("deliveries after two fan-outs of %s: %+v; want one", e.ID, list)
	}
	if jobs := jobArgs("webhook_delivery"); len(jobs) != 1 {
		t.Errorf("delivery jobs after two fan-outs: %v; want one", jobs)
	}
	// A delivered event fanned out again is not queued again.
	if err := db.RecordAttempt(ctx, list[0].ID, database.Attempt{Attempt: 1, At: now, Status: 204}, database.DeliveryDelivered, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().ExecContext(ctx, `DELETE FROM river_job WHERE kind = 'webhook_delivery'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.fanOut(ctx, e); err != nil {
		t.Fatal(err)
	}
	if jobs := jobArgs("webhook_delivery"); len(jobs) != 0 {
		t.Errorf("a delivered event fanned out again queued %v", jobs)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
