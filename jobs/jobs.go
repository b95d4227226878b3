// Package jobs is the background job queue: River, with its tables in the
// application's own database (SQLite or PostgreSQL). Other packages bring
// their workers (bundle builds, webhook deliveries) and insert jobs; this
// package migrates River's tables, runs the workers of this process and
// the loops that go with them, and stops them in order.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"accredpack/database"
)

// Config sets the workers of a process.
type Config struct {
	// Queues are the workers at once per queue in this process; none: the
	// process only inserts jobs.
	Queues map[string]int
	// JobTimeout is the longest job of any kind (workers set their own
	// shorter timeouts); River rescues jobs running longer than that.
	JobTimeout time.Duration
}

// Queue is the River client of this process.
type Queue struct {
	insert     func(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error)
	insertTx   func(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (int64, error)
	start      func(ctx context.Context) error
	stop       func(ctx context.Context) error
	closeDB    func()
	working    bool
	background []func(context.Context)
	cancel     context.CancelFunc
	loops      sync.WaitGroup
}

// Open migrates River's tables and makes a client for the database in use,
// with the workers registered in workers (nil when cfg has no queues).
func Open(ctx context.Context, db *database.DB, workers *river.Workers, cfg Config, log *slog.Logger) (*Queue, error) {
	q := &Queue{closeDB: func() {}}
	for _, n := range cfg.Queues {
		if n > 0 {
			q.working = true
		}
	}
	var err error
	if db.Dialect() == "postgres" {
		pool, perr := pgxpool.New(ctx, db.URL())
		if perr != nil {
			return nil, fmt.Errorf("jobs: queue pool: %w", perr)
		}
		q.closeDB = pool.Close
		err = setup(ctx, q, riverpgxv5.New(pool), workers, cfg, log, false)
		if err == nil {
			// The working client speaks pgx (LISTEN/NOTIFY); a second,
			// insert-only client speaks database/sql so that a job can be
			// inserted in the application's own transaction.
			var txClient *river.Client[*sql.Tx]
			txClient, err = river.NewClient(riverdatabasesql.New(db.Pool()), &river.Config{Logger: log})
			if err != nil {
				err = fmt.Errorf("jobs: queue client for transactions: %w", err)
			} else {
				q.insertTx = insertTx(txClient)
			}
		}
	} else {
		// SQLite has no LISTEN/NOTIFY: the client polls, and an insert in
		// this process outside a transaction (a bundle build) wakes its
		// workers at once (localWake).
		err = setup[*sql.Tx](ctx, q, localWake{riversqlite.New(db.Pool())}, workers, cfg, log, true)
	}
	if err != nil {
		q.closeDB()
		return nil, err
	}
	return q, nil
}

func setup[TTx any](ctx context.Context, q *Queue, driver riverdriver.Driver[TTx], workers *river.Workers, cfg Config, log *slog.Logger, pollOnly bool) error {
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("jobs: queue migrations: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: queue migrations: %w", err)
	}
	// Idle, the client looks for jobs twice a second; busy, it fetches
	// again as soon as 25 ms after the last fetch: a queue drains at up to
	// (its workers / 25 ms) jobs a second (River's default cooldown of
	// 100 ms held 4 webhook workers at 40 deliveries a second).
	rc := &river.Config{Logger: log, PollOnly: pollOnly, FetchPollInterval: 500 * time.Millisecond, FetchCooldown: 25 * time.Millisecond}
	if q.working {
		rc.Workers = workers
		rc.Queues = map[string]river.QueueConfig{}
		for name, n := range cfg.Queues {
			if n > 0 {
				rc.Queues[name] = river.QueueConfig{MaxWorkers: n}
			}
		}
		rc.JobTimeout = cfg.JobTimeout
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return fmt.Errorf("jobs: queue client: %w", err)
	}
	q.insert = func(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
		res, err := client.Insert(ctx, args, opts)
		if err != nil {
			return 0, fmt.Errorf("jobs: insert %s: %w", args.Kind(), err)
		}
		return res.Job.ID, nil
	}
	if c, ok := any(client).(*river.Client[*sql.Tx]); ok {
		q.insertTx = insertTx(c)
	}
	q.start = client.Start
	q.stop = client.Stop
	return nil
}

// Insert puts a job on the queue and returns its id.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	return q.insert(ctx, args, opts)
}

// InsertTx puts a job on the queue inside tx, a transaction of the
// application's database: the job exists if and only if tx commits.
func (q *Queue) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	return q.insertTx(ctx, tx, args, opts)
}

func insertTx(client *river.Client[*sql.Tx]) func(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	return func(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
		res, err := client.InsertTx(ctx, tx, args, opts)
		if err != nil {
			return 0, fmt.Errorf("jobs: insert %s in a transaction: %w", args.Kind(), err)
		}
		return res.Job.ID, nil
	}
}

// Background adds a loop that runs while this process's workers run (a
// sweeper); it must return when its context ends. Call before Start.
func (q *Queue) Background(loop func(ctx context.Context)) {
	q.background = append(q.background, loop)
}

// Start runs this process's workers and loops, if it has workers.
func (q *Queue) Start(ctx context.Context) error {
	if !q.working {
		return nil
	}
	if err := q.start(ctx); err != nil {
		return fmt.Errorf("jobs: start workers: %w", err)
	}
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	q.cancel = cancel
	for _, loop := range q.background {
		q.loops.Add(1)
		go func() {
			defer q.loops.Done()
			loop(loopCtx)
		}()
	}
	return nil
}

// Stop ends the loops, lets running jobs finish (until ctx ends), then
// closes the queue.
func (q *Queue) Stop(ctx context.Context) error {
	defer q.closeDB()
	if !q.working || q.cancel == nil {
		return nil
	}
	q.cancel()
	q.loops.Wait()
	return q.stop(ctx)
}

// localWake is River's SQLite driver, said to have no listener. River
// then wakes this process's workers itself when this process inserts a
// job outside a transaction (Insert: bundle builds, webhook deliveries),
// as with any driver without one. Before, nothing woke them: the driver
// claims a listener (an outbox table its listener polls every 50 ms), so
// River skipped its own wake-up, and in poll-only mode nothing listened.
// A job inserted in an application transaction (InsertTx: readings,
// webhook fan-outs) still waits for the next poll, at most 500 ms, as does
// a job inserted by another process on the same file (accredpack worker
// beside serve --workers 0; SQLite is for one process, docs/operators.md).
// From insert to the worker's start (BenchmarkInsertToStart): 332 ms on
// average poll only, 33 ms with the outbox listener, 8 ms so; a bundle
// build had waited 7-443 ms in make bench.
type localWake struct{ *riversqlite.Driver }

func (localWake) SupportsListener() bool { return false }
