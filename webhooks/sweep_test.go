package webhooks

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"accredpack/access"
	"accredpack/database"
	"accredpack/jobs"
)

// A delivery recorded whose job was lost is queued again by the sweep,
// once however often it sweeps; attempted or young ones are left alone.
func TestSweepQueuesLostDeliveriesOnce(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	q, err := jobs.Open(ctx, db, nil, jobs.Config{}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Stop(ctx)
	s := New(db, access.Policy{}, nil, Config{Attempts: 3, Timeout: time.Second, Backoff: time.Second, MaxBackoff: time.Minute}, log)
	s.SetQueue(q)

	old := time.Now().UTC().Add(-time.Hour)
	if err := db.CreateSubscription(ctx, database.Subscription{ID: "wh_1", UserID: "u", Role: "specialist", URL: "https://x.example", Events: []string{"ping"}, Secret: "s", CreatedAt: old}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct {
		id      string
		created time.Time
		tried   bool
	}{{"dlv_lost", old, false}, {"dlv_tried", old, true}, {"dlv_young", time.Now().UTC(), false}} {
		if err := db.CreateDelivery(ctx, database.Delivery{ID: d.id, SubscriptionID: "wh_1", EventID: d.id, EventType: "ping", Payload: []byte(`{}`), CreatedAt: d.created}); err != nil {
			t.Fatal(err)
		}
		if d.tried {
			if err := db.RecordAttempt(ctx, d.id, database.Attempt{Attempt: 1, At: old, Status: 500}, database.DeliveryPending, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	for range 3 {
		if err := s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.Pool().QueryContext(ctx, `SELECT json(args) FROM river_job WHERE kind = 'webhook_delivery'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var queued []string
	for rows.Next() {
		var args string
		rows.Scan(&args)
		queued = append(queued, args)
	}
	if len(queued) != 1 || queued[0] != `{"delivery_id":"dlv_lost"}` {
		t.Errorf("jobs after three sweeps: %v; want dlv_lost once", queued)
	}
}
