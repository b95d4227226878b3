package bundles

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"accredpack/database"
	"accredpack/dossier"
	"accredpack/readiness"
)

// recorder is an Enqueuer that remembers the runs queued. Like a worker
// that starts the moment its job is inserted, it reads the bundle at once:
// the run must already be recorded there, or the worker would take its own
// job for a stale one (seen on PostgreSQL, where workers hear of new jobs
// at once).
type recorder struct {
	t    *testing.T
	db   *database.DB
	jobs []string
	runs []int64
}

func (r *recorder) Enqueue(ctx context.Context, bundleID string, run int64) error {
	b, err := r.db.GetBundle(ctx, bundleID)
	if err != nil {
		r.t.Errorf("queueing a build of %s: %v", bundleID, err)
	} else if b.Run != run || b.Status != dossier.BundleQueued {
		r.t.Errorf("build of %s queued before its run was recorded: bundle has run %d (%s), job carries %d", bundleID, b.Run, b.Status, run)
	}
	r.jobs = append(r.jobs, bundleID)
	r.runs = append(r.runs, run)
	return nil
}

func newTestService(t *testing.T) (*Service, *database.DB, *recorder) {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := db.CreateApplication(ctx, &dossier.Application{ID: "app", Owner: "o", Status: dossier.StatusDraft, Form: dossier.Form{Kind: "periodic"}, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	s := New(Deps{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Heartbeat: time.Second,
		Readiness: func(context.Context, string) (readiness.Report, error) { return readiness.Report{}, nil }})
	rec := &recorder{t: t, db: db}
	s.SetQueue(rec)
	return s, db, rec
}

func bundle(t *testing.T, db *database.DB, id, status string, attempts int, updated time.Time) {
	t.Helper()
	b := &dossier.Bundle{ID: id, ApplicationID: "app", Kind: dossier.BundleFRMRPackage, Status: status, Attempts: attempts, Run: 7, CreatedAt: updated, UpdatedAt: updated}
	if err := db.CreateBundle(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

func TestSweepResumesSilentBuilds(t *testing.T) {
	s, db, rec := newTestService(t)
	ctx := context.Background()
	old := time.Now().UTC().Add(-time.Minute)
	bundle(t, db, "silent", dossier.BundleRunning, 1, old)
	bundle(t, db, "alive", dossier.BundleRunning, 1, time.Now().UTC())
	bundle(t, db, "waiting", dossier.BundleQueued, 0, old)
	bundle(t, db, "tired", dossier.BundleRunning, MaxResumes, old)
	if err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rec.jobs) != 1 || rec.jobs[0] != "silent" {
		t.Fatalf("queued again: %v; want only the silent build", rec.jobs)
	}
	for id, want := range map[string]string{"silent": dossier.BundleQueued, "alive": dossier.BundleRunning,
		"waiting": dossier.BundleQueued, "tired": dossier.BundleFailed} {
		b, _ := db.GetBundle(ctx, id)
		if b.Status != want {
			t.Errorf("%s is %s; want %s", id, b.Status, want)
		}
	}
	if b, _ := db.GetBundle(ctx, "silent"); b.Run == 7 || b.Run != rec.runs[0] {
		t.Errorf("the resumed build belongs to run %d; want the new run %d", b.Run, rec.runs[0])
	}
	if err := s.Build(ctx, "silent", 7, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := db.GetBundle(ctx, "silent"); b.Status != dossier.BundleQueued || b.Attempts != 1 {
		t.Errorf("the interrupted run went on after the build was queued again: %+v", b)
	}
	if b, _ := db.GetBundle(ctx, "tired"); b.Error == "" {
		t.Error("a build failed by the sweeper needs a reason")
	}
}

func TestBuildOfAStaleJobDoesNothing(t *testing.T) {
	s, db, _ := newTestService(t)
	ctx := context.Background()
	bundle(t, db, "b", dossier.BundleQueued, 0, time.Now().UTC())
	if err := s.Build(ctx, "b", 6, time.Time{}); err != nil { // the bundle belongs to run 7
		t.Fatal(err)
	}
	if b, _ := db.GetBundle(ctx, "b"); b.Status != dossier.BundleQueued || b.Attempts != 0 {
		t.Errorf("a stale job changed the bundle: %+v", b)
	}
	if err := s.Build(ctx, "gone", 7, time.Time{}); err != nil {
		t.Errorf("a job for a removed bundle: %v", err)
	}
}

func TestEnqueueRecordsTheRunFirst(t *testing.T) {
	s, db, rec := newTestService(t)
	ctx := context.Background()
	now := time.Now().UTC()
	b := &dossier.Bundle{ID: "f", ApplicationID: "app", Kind: dossier.BundleFRMRPackage, Status: dossier.BundleFailed, Error: "сбой", CreatedAt: now, UpdatedAt: now}
	if err := db.CreateBundle(ctx, b); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // retried twice: two runs, each recorded before its job
		if _, err := s.Retry(ctx, "f"); err != nil {
			t.Fatal(err)
		}
		if err := db.UpdateBundle(ctx, "f", now, database.BundleUpdate{Status: ptr(dossier.BundleFailed)}); err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.runs) != 2 || rec.runs[0] == rec.runs[1] || rec.runs[0] <= 0 || rec.runs[1] <= 0 {
		t.Fatalf("runs queued: %v; want two different positive runs", rec.runs)
	}
	// The first run is stale now: its job does nothing.
	if err := db.UpdateBundle(ctx, "f", now, database.BundleUpdate{Status: ptr(dossier.BundleQueued)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Build(ctx, "f", rec.runs[0], time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetBundle(ctx, "f"); got.Status != dossier.BundleQueued || got.Attempts != 0 {
		t.Errorf("the first, stale run touched the bundle: %+v", got)
	}
}
