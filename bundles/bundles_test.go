package bundles

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"accredpack/database"
	"accredpack/dossier"
)

// recorder is an Enqueuer that hands out job ids and remembers them.
type recorder struct{ jobs []string }

func (r *recorder) Enqueue(_ context.Context, bundleID string) (int64, error) {
	r.jobs = append(r.jobs, bundleID)
	return int64(100 + len(r.jobs)), nil
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
	s := New(Deps{DB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Heartbeat: time.Second})
	rec := &recorder{}
	s.SetQueue(rec)
	return s, db, rec
}

func bundle(t *testing.T, db *database.DB, id, status string, attempts int, updated time.Time) {
	t.Helper()
	b := &dossier.Bundle{ID: id, ApplicationID: "app", Kind: dossier.BundleFRMRPackage, Status: status, Attempts: attempts, JobID: 7, CreatedAt: updated, UpdatedAt: updated}
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
	if b, _ := db.GetBundle(ctx, "silent"); b.JobID != 101 {
		t.Errorf("the resumed build belongs to job %d; want the new job 101", b.JobID)
	}
	if b, _ := db.GetBundle(ctx, "tired"); b.Error == "" {
		t.Error("a build failed by the sweeper needs a reason")
	}
}

func TestBuildOfAStaleJobDoesNothing(t *testing.T) {
	s, db, _ := newTestService(t)
	ctx := context.Background()
	bundle(t, db, "b", dossier.BundleQueued, 0, time.Now().UTC())
	if err := s.Build(ctx, "b", 6); err != nil { // the bundle belongs to job 7
		t.Fatal(err)
	}
	if b, _ := db.GetBundle(ctx, "b"); b.Status != dossier.BundleQueued || b.Attempts != 0 {
		t.Errorf("a stale job changed the bundle: %+v", b)
	}
	// A job that starts before Request recorded it on the bundle (the
	// bundle has no job yet, or an older one) is not stale: it must run.
	now := time.Now().UTC()
	early := &dossier.Bundle{ID: "early", ApplicationID: "app", Kind: dossier.BundleFRMRPackage, Status: dossier.BundleQueued, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateBundle(ctx, early); err != nil {
		t.Fatal(err)
	}
	if err := s.Build(ctx, "early", 8); !errors.Is(err, ErrJobNotRecorded) {
		t.Errorf("a job not yet recorded on its bundle: %v; want ErrJobNotRecorded", err)
	}
	if err := s.Build(ctx, "b", 8); !errors.Is(err, ErrJobNotRecorded) { // b belongs to job 7: 8 is newer
		t.Errorf("a job newer than the bundle's: %v; want ErrJobNotRecorded", err)
	}
	if b, _ := db.GetBundle(ctx, "early"); b.Status != dossier.BundleQueued || b.Attempts != 0 {
		t.Errorf("an early job changed the bundle: %+v", b)
	}
	if err := s.Build(ctx, "gone", 7); err != nil {
		t.Errorf("a job for a removed bundle: %v", err)
	}
}
