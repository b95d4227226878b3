package webhooks

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"accredpack/access"
	"accredpack/database"
	"accredpack/events"
	"accredpack/jobs"
)

// BenchmarkDeliveries: events published to 5 subscriptions on the
// embedded default (SQLite, River polling), until every delivery has
// reached a local receiver. Reports deliveries per second.
func BenchmarkDeliveries(b *testing.B) {
	ctx := context.Background()
	db := testDB(b)
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { got.Add(1) }))
	defer srv.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	facts := func(context.Context, string) (access.Facts, error) { return access.Facts{Owner: "u"}, nil }
	s := New(db, access.Policy{}, facts, Config{Attempts: 3, Timeout: 5 * time.Second, Backoff: time.Second, MaxBackoff: time.Minute, AllowPrivate: true}, log)
	workers := river.NewWorkers()
	s.AddWorker(workers)
	q, err := jobs.Open(ctx, db, workers, jobs.Config{Queues: map[string]int{Queue: 16}, JobTimeout: time.Minute}, log)
	if err != nil {
		b.Fatal(err)
	}
	s.SetQueue(q)
	if err := q.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer q.Stop(ctx)
	const subs = 5
	for i := range subs {
		sub := database.Subscription{ID: newID("wh_"), UserID: "u", Role: string(access.Specialist), URL: srv.URL, Events: []string{events.BundleDone},
			Secret: "s", CreatedAt: time.Now().UTC().Add(time.Duration(i) * time.Millisecond)}
		if err := db.CreateSubscription(ctx, sub); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		// Each event in a transaction of its own, as a change writes it.
		tx, err := db.Pool().BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.PublishTx(ctx, tx, events.Event{Type: events.BundleDone, ApplicationID: "app", Data: map[string]any{"status": "done"}}); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	published := time.Since(start)
	want := int64(b.N * subs)
	for got.Load() < want {
		time.Sleep(10 * time.Millisecond)
	}
	b.ReportMetric(float64(want)/time.Since(start).Seconds(), "deliveries/s")
	b.ReportMetric(float64(published.Microseconds())/float64(b.N)/1000, "ms-publish/event")
}
