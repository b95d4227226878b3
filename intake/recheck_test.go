package intake

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"accredpack/calendar"
	"accredpack/database"
	"accredpack/dossier"
	"accredpack/events"
	"accredpack/readiness"
)

// heard is a Publisher that keeps what it hears.
type heard struct {
	mu     sync.Mutex
	events []events.Event
}

func (h *heard) PublishTx(_ context.Context, _ *sql.Tx, e events.Event) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, e)
	return nil
}

func (h *heard) take() []events.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.events
	h.events = nil
	return out
}

// readinessService is a test Service that evaluates readiness and tells
// what it publishes.
func readinessService(t *testing.T) (*Service, *heard) {
	t.Helper()
	svc, _, _ := newService(t)
	rules, err := readiness.LoadRules("")
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Load()
	if err != nil {
		t.Fatal(err)
	}
	h := &heard{}
	svc.rules, svc.calendar, svc.events = rules, cal, h
	return svc, h
}

func TestRecheckReadinessPublishesWhatMovedSinceRecorded(t *testing.T) {
	svc, h := readinessService(t)
	ctx := context.Background()
	// More applications than a page of the recheck, none of them ready
	// (no documents): creating them records "not ready", no event.
	var ids []string
	for i := 0; i < 205; i++ {
		v, err := svc.Create(ctx, "tester", form())
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.App.ID)
	}
	if got := h.take(); len(got) != 0 {
		t.Fatalf("creating unready applications published %d events", len(got))
	}
	// Two were recorded ready on an earlier day (as a five-year period
	// that still held a course then); one of them is submitted since.
	yesterday := time.Now().UTC().AddDate(0, 0, -1)
	for _, id := range ids[:2] {
		seen, err := svc.db.ReadinessOf(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.db.SetReadiness(ctx, id, database.Summary{Ready: true}, yesterday, seen, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.db.UpdateApplication(ctx, ids[1], func(a *dossier.Application) error {
		a.Status = dossier.StatusSubmitted
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	n, err := svc.RecheckReadiness(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 204 {
		t.Errorf("evaluated %d applications; want the 204 not submitted (over two pages)", n)
	}
	got := h.take()
	if len(got) != 1 || got[0].Type != events.ReadinessChanged || got[0].ApplicationID != ids[0] || got[0].Data["ready"] != false {
		t.Fatalf("recheck published %+v; want one readiness.changed ready=false for %s", got, ids[0])
	}
	if got[0].ActorOrg != "" {
		t.Errorf("a recheck is nobody's request; the event names organization %q", got[0].ActorOrg)
	}
	if _, err := svc.RecheckReadiness(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.take(); len(got) != 0 {
		t.Errorf("a second recheck published %d events; the change was published already", len(got))
	}
}

func TestReadinessRecheckRunsOnceADay(t *testing.T) {
	svc, h := readinessService(t)
	ctx := context.Background()
	v, err := svc.Create(ctx, "tester", form())
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 23, 23, 59, 0, 0, time.UTC)
	svc.now = func() time.Time { return day }
	stale := func() { // what the readiness was on an earlier day
		seen, err := svc.db.ReadinessOf(ctx, v.App.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.db.SetReadiness(ctx, v.App.ID, database.Summary{Ready: true}, day, seen, nil); err != nil {
			t.Fatal(err)
		}
	}
	stale()
	last := svc.recheckOnNewDay(ctx, "")
	if last != "2026-11-23" || len(h.take()) != 1 {
		t.Fatalf("the first look rechecks (last %q)", last)
	}
	stale()
	if last = svc.recheckOnNewDay(ctx, last); last != "2026-11-23" || len(h.take()) != 0 {
		t.Errorf("a second look the same day rechecked (last %q)", last)
	}
	day = day.Add(2 * time.Minute) // past midnight UTC
	if last = svc.recheckOnNewDay(ctx, last); last != "2026-11-24" || len(h.take()) != 1 {
		t.Errorf("the next day did not recheck (last %q)", last)
	}
	// A recheck that fails is tried again at the next look.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	day = day.AddDate(0, 0, 1)
	stale()
	if got := svc.recheckOnNewDay(cancelled, last); got != last {
		t.Errorf("a failed recheck counted as done: last %q", got)
	}
	if last = svc.recheckOnNewDay(ctx, last); last != "2026-11-25" || len(h.take()) != 1 {
		t.Errorf("the recheck after a failure (last %q)", last)
	}
}
