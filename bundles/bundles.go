// Package bundles builds an application's bundles in the background: it
// records each request, hands it to the job queue, runs the packager in a
// worker, stores the result, and keeps the status (queued, running with
// progress, done, failed with a reason) that clients poll. A worker that
// dies mid-build is noticed by its stale heartbeat and the build is queued
// again, so no bundle stays running forever.
package bundles

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"accredpack/catalog"
	"accredpack/checks"
	"accredpack/database"
	"accredpack/dossier"
	"accredpack/events"
	"accredpack/intake"
	"accredpack/packager"
	"accredpack/readiness"
	"accredpack/storage"
)

// MaxResumes is how many times a build interrupted by a dead worker is
// queued again before it fails.
const MaxResumes = 3

// Enqueuer puts the build run of a bundle on the job queue.
type Enqueuer interface {
	Enqueue(ctx context.Context, bundleID string, run int64) error
}

// Service requests, builds and serves bundles.
type Service struct {
	db        *database.DB
	store     storage.Store
	pk        *packager.Packager
	catalog   *catalog.Catalog
	tmpDir    string
	log       *slog.Logger
	heartbeat time.Duration
	readiness ReadinessFunc
	queue     Enqueuer
	events    events.Publisher
	pageTexts func(ctx context.Context, appID string) (map[string][]string, error)
	now       func() time.Time
}

// Deps are what a Service needs.
type Deps struct {
	DB        *database.DB
	Store     storage.Store
	Packager  *packager.Packager
	Catalog   *catalog.Catalog
	TmpDir    string
	Log       *slog.Logger
	Heartbeat time.Duration    // how often a build proves it is alive; stale after 5 beats
	Readiness ReadinessFunc    // the application's readiness: the package's gate, the portfolio's period and readiness page
	Events    events.Publisher // hears of builds that end; nil: nobody
	// PageTexts, when set, gives the text OCR read on each page of the
	// documents (by object key): the portfolio carries it as an invisible
	// text layer, so that the merged PDF is searchable.
	PageTexts func(ctx context.Context, appID string) (map[string][]string, error)
}

// ReadinessFunc evaluates an application's readiness.
type ReadinessFunc func(ctx context.Context, appID string) (readiness.Report, error)

// New returns a Service; SetQueue must follow before requests.
func New(d Deps) *Service {
	if d.Events == nil {
		d.Events = events.Discard{}
	}
	if d.Readiness == nil {
		panic("bundles: Deps.Readiness is required: it gates bundles and fills the portfolio")
	}
	return &Service{events: d.Events, db: d.DB, store: d.Store, pk: d.Packager, catalog: d.Catalog, tmpDir: d.TmpDir,
		log: d.Log, heartbeat: d.Heartbeat, readiness: d.Readiness, pageTexts: d.PageTexts, now: func() time.Time { return time.Now().UTC() }}
}

// SetQueue connects the job queue (built after the service, as its workers
// call back into it).
func (s *Service) SetQueue(q Enqueuer) { s.queue = q }

func newID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("bundles: no randomness: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// newRun picks a build run: random, positive, never 0 (no run).
func newRun() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("bundles: no randomness: %v", err))
	}
	return int64(binary.BigEndian.Uint64(b[:])>>1) | 1
}

func unavailable(err error) error { return fmt.Errorf("%w: %w", intake.ErrUnavailable, err) }

func notFound() error {
	return &intake.Refusal{Kind: intake.ErrNotFound, Message: "Сборка не найдена."}
}

// Request records a bundle and queues its build. A bundle of an application
// that is not ready is refused unless it is a draft.
func (s *Service) Request(ctx context.Context, appID, kind string, draft bool) (*dossier.Bundle, error) {
	if kind != dossier.BundleFRMRPackage && kind != dossier.BundlePortfolio {
		return nil, &checks.ValidationError{Fields: []checks.FieldError{{Field: "kind", Code: "oneof",
			Message: "Вид сборки: frmr_package (пакет для ФРМР) или portfolio_pdf (портфолио одним PDF)."}}}
	}
	app, err := s.db.GetApplication(ctx, appID)
	if errors.Is(err, database.ErrNotFound) {
		return nil, &intake.Refusal{Kind: intake.ErrNotFound, Message: "Заявление не найдено."}
	}
	if err != nil {
		return nil, unavailable(err)
	}
	if !draft {
		// The same readiness as everywhere: a bundle that is not marked as
		// a draft only when nothing blocks the submission.
		report, err := s.readiness(ctx, app.ID)
		if err != nil {
			return nil, err
		}
		if !report.Ready {
			what := map[string]string{dossier.BundleFRMRPackage: "Пакет для ФРМР", dossier.BundlePortfolio: "Портфолио"}[kind]
			return nil, intake.NotReady(report, what+" можно собрать только черновиком ({\"draft\": true})")
		}
	}
	now := s.now()
	b := &dossier.Bundle{ID: newID(), ApplicationID: appID, Kind: kind, Draft: draft, Status: dossier.BundleQueued, CreatedAt: now, UpdatedAt: now}
	if err := s.db.CreateBundle(ctx, b); err != nil {
		return nil, unavailable(err)
	}
	if err := s.enqueue(ctx, b); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "bundle requested", "bundle", b.ID, "application", appID, "kind", kind, "draft", draft)
	return b, nil
}

// enqueue records a new build run on b, then queues it. The run is on the
// bundle before its job exists, so a worker that starts the moment the job
// is inserted finds it; a job whose run is no longer the bundle's is stale.
func (s *Service) enqueue(ctx context.Context, b *dossier.Bundle) error {
	run := newRun()
	queued := dossier.BundleQueued
	if err := s.db.UpdateBundle(ctx, b.ID, s.now(), database.BundleUpdate{Run: &run, Status: &queued, Error: ptr(""), Done: ptr(0)}); err != nil {
		return unavailable(err)
	}
	if err := s.queue.Enqueue(ctx, b.ID, run); err != nil {
		reason := "Не удалось поставить сборку в очередь. Повторите позже."
		s.db.UpdateBundle(context.WithoutCancel(ctx), b.ID, s.now(), database.BundleUpdate{Status: ptr(dossier.BundleFailed), Error: &reason, OnlyIfRun: &run})
		return unavailable(err)
	}
	b.Run, b.Status = run, queued
	return nil
}

func ptr[T any](v T) *T { return &v }

func (s *Service) plan(ctx context.Context, app *dossier.Application, draft bool) (packager.Plan, error) {
	kind, ok := s.catalog.Kind(app.Form.Kind)
	if !ok {
		return packager.Plan{}, &intake.Refusal{Kind: intake.ErrConflict, Message: "Вид заявления не найден в каталоге."}
	}
	docs, err := s.db.Documents(ctx, app.ID)
	if err != nil {
		return packager.Plan{}, unavailable(err)
	}
	return packager.NewPlan(app, kind, docs, draft, s.now()), nil
}

// Get reads a bundle.
func (s *Service) Get(ctx context.Context, id string) (*dossier.Bundle, error) {
	b, err := s.db.GetBundle(ctx, id)
	if errors.Is(err, database.ErrNotFound) {
		return nil, notFound()
	}
	if err != nil {
		return nil, unavailable(err)
	}
	return b, nil
}

// List reads an application's bundles, newest first.
func (s *Service) List(ctx context.Context, appID string) ([]*dossier.Bundle, error) {
	b, err := s.db.Bundles(ctx, appID)
	if err != nil {
		return nil, unavailable(err)
	}
	return b, nil
}

// Open returns a finished bundle's bytes, verified as they are read.
func (s *Service) Open(ctx context.Context, id string) (io.ReadCloser, *dossier.Bundle, error) {
	b, err := s.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if b.Status != dossier.BundleDone {
		return nil, b, &intake.Refusal{Kind: intake.ErrConflict, Message: fmt.Sprintf("Сборка ещё не готова (состояние %s).", b.Status)}
	}
	rc, err := s.store.Open(ctx, b.ObjectKey)
	if err != nil {
		return nil, b, unavailable(err)
	}
	return storage.Verify(rc, b.Size, b.SHA256), b, nil
}

// FileName is the name b downloads as, after its application's specialist
// (packager.BundleFileName).
func (s *Service) FileName(ctx context.Context, b *dossier.Bundle) (string, error) {
	app, err := s.db.GetApplication(ctx, b.ApplicationID)
	if errors.Is(err, database.ErrNotFound) {
		return "", notFound()
	}
	if err != nil {
		return "", unavailable(err)
	}
	return packager.BundleFileName(app.Form.Specialist, b.Kind, b.Draft), nil
}

// Retry queues a failed build again.
func (s *Service) Retry(ctx context.Context, id string) (*dossier.Bundle, error) {
	b, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.Status != dossier.BundleFailed {
		return nil, &intake.Refusal{Kind: intake.ErrConflict, Message: "Повторить можно только неудавшуюся сборку."}
	}
	if err := s.enqueue(ctx, b); err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Build runs in a worker: it builds the bundle for build run run. A run
// that is no longer the bundle's (the build was queued again after its
// worker died) does nothing. Failures are recorded on the bundle; the
// returned error is for the queue's log. queued is when this run was put
// on the queue (zero: unknown), for the log.
func (s *Service) Build(ctx context.Context, bundleID string, run int64, queued time.Time) error {
	running := dossier.BundleRunning
	err := s.db.UpdateBundle(ctx, bundleID, s.now(), database.BundleUpdate{Status: &running, AddAttempt: true, Done: ptr(0),
		OnlyIfStatus: []string{dossier.BundleQueued, dossier.BundleRunning}, OnlyIfRun: &run})
	if errors.Is(err, database.ErrBundleState) || errors.Is(err, database.ErrNotFound) {
		s.log.InfoContext(ctx, "stale build job skipped", "bundle", bundleID)
		return nil
	}
	if err != nil {
		return err
	}
	b, err := s.db.GetBundle(ctx, bundleID)
	if err != nil {
		return err
	}
	started := s.now()
	attrs := []any{"bundle", b.ID, "kind", b.Kind, "attempt", b.Attempts}
	if !queued.IsZero() {
		attrs = append(attrs, "queued_ms", started.Sub(queued).Milliseconds())
	}
	s.log.InfoContext(ctx, "bundle build started", attrs...)

	beat, stop := context.WithCancel(ctx)
	defer stop()
	go s.heartbeatLoop(beat, bundleID, run)

	key, size, sum, err := s.build(ctx, b, run)
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down: leave the bundle running; its heartbeat stops
			// and the sweeper queues it again.
			return err
		}
		reason := packager.Reason(err)
		s.log.WarnContext(ctx, "bundle build failed", "bundle", b.ID, "error", err)
		failed := dossier.BundleFailed
		if uerr := s.db.UpdateBundle(context.WithoutCancel(ctx), b.ID, s.now(), database.BundleUpdate{Status: &failed, Error: &reason, OnlyIfRun: &run,
			Then: s.ended(b, failed, 0, reason)}); uerr != nil {
			return errors.Join(err, uerr)
		}
		return err
	}
	done := dossier.BundleDone
	if err := s.db.UpdateBundle(ctx, b.ID, s.now(), database.BundleUpdate{Status: &done, ObjectKey: &key, Size: &size, SHA256: &sum, OnlyIfRun: &run,
		Then: s.ended(b, done, size, "")}); err != nil {
		s.store.Delete(context.WithoutCancel(ctx), key)
		return err
	}
	s.log.InfoContext(ctx, "bundle built", "bundle", b.ID, "size", size, "build_ms", s.now().Sub(started).Milliseconds())
	return nil
}

// ended is the event that a build ended, built (size) or failed (why),
// written in the transaction that records the end.
func (s *Service) ended(b *dossier.Bundle, status string, size int64, reason string) database.TxHook {
	data := map[string]any{"bundle_id": b.ID, "kind": b.Kind, "draft": b.Draft, "status": status}
	if status == dossier.BundleDone {
		data["size"] = size
	} else {
		data["error"] = reason
	}
	return func(ctx context.Context, tx *sql.Tx) error {
		return s.events.PublishTx(ctx, tx, events.Event{Type: events.BundleDone, ApplicationID: b.ApplicationID, OccurredAt: s.now(), Data: data})
	}
}

func (s *Service) heartbeatLoop(ctx context.Context, bundleID string, run int64) {
	t := time.NewTicker(s.heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.db.UpdateBundle(ctx, bundleID, s.now(), database.BundleUpdate{OnlyIfRun: &run})
		}
	}
}

// build writes the bundle straight into the store (storage.WriteObject:
// one write, hashed and counted on the way, no temporary bundle), then
// returns where it is and its size and SHA-256, which downloads verify.
func (s *Service) build(ctx context.Context, b *dossier.Bundle, run int64) (key string, size int64, sum string, err error) {
	app, err := s.db.GetApplication(ctx, b.ApplicationID)
	if err != nil {
		return "", 0, "", err
	}
	plan, err := s.plan(ctx, app, b.Draft)
	if err != nil {
		return "", 0, "", err
	}
	progress := func(done, total int) {
		s.db.UpdateBundle(ctx, b.ID, s.now(), database.BundleUpdate{Done: &done, Total: &total, OnlyIfRun: &run})
	}
	var write func(w io.Writer) error
	if b.Kind == dossier.BundleFRMRPackage {
		write = func(w io.Writer) error { return s.pk.FRMRPackage(ctx, plan, w, progress) }
	} else {
		report, rerr := s.readiness(ctx, app.ID)
		if rerr != nil {
			return "", 0, "", rerr
		}
		plan.Readiness = packager.ReadinessPage(report)
		if s.pageTexts != nil {
			if plan.PageTexts, err = s.pageTexts(ctx, app.ID); err != nil {
				return "", 0, "", err
			}
		}
		write = func(w io.Writer) error { return s.pk.Portfolio(ctx, plan, w, progress) }
	}
	key = "bundles/" + newID()
	size, sum, err = storage.WriteObject(ctx, s.store, key, s.tmpDir, write)
	if err != nil {
		return "", 0, "", fmt.Errorf("bundles: build %s: %w", b.ID, err)
	}
	return key, size, sum, nil
}

// Sweep queues again the builds whose worker stopped beating (it died), and
// fails those that were resumed MaxResumes times already.
func (s *Service) Sweep(ctx context.Context) error {
	list, err := s.db.UnfinishedBundles(ctx)
	if err != nil {
		return err
	}
	stale := s.now().Add(-5 * s.heartbeat)
	for _, b := range list {
		// A queued bundle waits for a worker; only a running one beats.
		if b.Status != dossier.BundleRunning || b.UpdatedAt.After(stale) {
			continue
		}
		if b.Attempts >= MaxResumes {
			reason := "Сборка прерывалась несколько раз подряд (перезапуски сервиса). Повторите сборку."
			s.db.UpdateBundle(ctx, b.ID, s.now(), database.BundleUpdate{Status: ptr(dossier.BundleFailed), Error: &reason,
				OnlyIfStatus: []string{dossier.BundleRunning}, OnlyIfRun: &b.Run, Then: s.ended(&b, dossier.BundleFailed, 0, reason)})
			continue
		}
		s.log.WarnContext(ctx, "bundle build interrupted; queued again", "bundle", b.ID, "attempts", b.Attempts)
		if err := s.enqueue(ctx, &b); err != nil {
			return err
		}
	}
	return nil
}

// RunSweeper sweeps every heartbeat until ctx ends.
func (s *Service) RunSweeper(ctx context.Context) {
	t := time.NewTicker(s.heartbeat)
	defer t.Stop()
	for {
		if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "bundle sweep failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
