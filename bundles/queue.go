package bundles

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"accredpack/database"
)

// buildArgs is the job of building one bundle.
type buildArgs struct {
	BundleID string `json:"bundle_id"`
}

func (buildArgs) Kind() string { return "bundle_build" }

// One attempt per job: a build that fails records why, and the user
// retries; a worker that dies is handled by the sweeper with a new job.
func (buildArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

type buildWorker struct {
	river.WorkerDefaults[buildArgs]
	svc     *Service
	timeout time.Duration
}

func (w *buildWorker) Work(ctx context.Context, job *river.Job[buildArgs]) error {
	return w.svc.Build(ctx, job.Args.BundleID, job.ID)
}

func (w *buildWorker) Timeout(*river.Job[buildArgs]) time.Duration { return w.timeout }

// QueueConfig sets the workers of a process.
type QueueConfig struct {
	Workers      int           // builds at once in this process; 0: only enqueue
	BuildTimeout time.Duration // one build at most
}

// Queue is the River job queue in the application's own database (SQLite
// or PostgreSQL), with this process's workers.
type Queue struct {
	insert  func(ctx context.Context, bundleID string) (int64, error)
	start   func(ctx context.Context) error
	stop    func(ctx context.Context) error
	closeDB func()
	workers int
	svc     *Service
	cancel  context.CancelFunc
	swept   chan struct{}
}

// NewQueue migrates River's tables and makes a client for the database in
// use. It also connects the service to the queue.
func NewQueue(ctx context.Context, db *database.DB, svc *Service, cfg QueueConfig, log *slog.Logger) (*Queue, error) {
	q := &Queue{workers: cfg.Workers, svc: svc, closeDB: func() {}}
	worker := &buildWorker{svc: svc, timeout: cfg.BuildTimeout}
	var err error
	if db.Dialect() == "postgres" {
		pool, perr := pgxpool.New(ctx, db.URL())
		if perr != nil {
			return nil, fmt.Errorf("bundles: queue pool: %w", perr)
		}
		q.closeDB = pool.Close
		err = setup(ctx, q, riverpgxv5.New(pool), worker, cfg, log, false)
	} else {
		err = setup(ctx, q, riversqlite.New(db.Pool()), worker, cfg, log, true)
	}
	if err != nil {
		q.closeDB()
		return nil, err
	}
	svc.SetQueue(q)
	return q, nil
}

func setup[TTx any](ctx context.Context, q *Queue, driver riverdriver.Driver[TTx], worker *buildWorker, cfg QueueConfig, log *slog.Logger, pollOnly bool) error {
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("bundles: queue migrations: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("bundles: queue migrations: %w", err)
	}
	rc := &river.Config{Logger: log, PollOnly: pollOnly, FetchPollInterval: 500 * time.Millisecond}
	if cfg.Workers > 0 {
		workers := river.NewWorkers()
		river.AddWorker(workers, worker)
		rc.Workers = workers
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
		rc.JobTimeout = cfg.BuildTimeout
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return fmt.Errorf("bundles: queue client: %w", err)
	}
	q.insert = func(ctx context.Context, bundleID string) (int64, error) {
		res, err := client.Insert(ctx, buildArgs{BundleID: bundleID}, nil)
		if err != nil {
			return 0, fmt.Errorf("bundles: enqueue: %w", err)
		}
		return res.Job.ID, nil
	}
	q.start = client.Start
	q.stop = client.Stop
	return nil
}

// Enqueue implements Enqueuer.
func (q *Queue) Enqueue(ctx context.Context, bundleID string) (int64, error) {
	return q.insert(ctx, bundleID)
}

// Start runs this process's workers and the sweeper, if it has workers.
func (q *Queue) Start(ctx context.Context) error {
	if q.workers == 0 {
		return nil
	}
	if err := q.start(ctx); err != nil {
		return fmt.Errorf("bundles: start workers: %w", err)
	}
	sweepCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	q.cancel = cancel
	q.swept = make(chan struct{})
	go func() {
		defer close(q.swept)
		q.svc.RunSweeper(sweepCtx)
	}()
	return nil
}

// Stop lets running builds finish (until ctx ends), then closes the queue.
func (q *Queue) Stop(ctx context.Context) error {
	defer q.closeDB()
	if q.workers == 0 {
		return nil
	}
	q.cancel()
	<-q.swept
	return q.stop(ctx)
}
