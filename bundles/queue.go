package bundles

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// buildArgs is the job of building one bundle.
type buildArgs struct {
	BundleID string `json:"bundle_id"`
	Run      int64  `json:"run"` // the build run recorded on the bundle
}

func (buildArgs) Kind() string { return "bundle_build" }

// One attempt per job: a build that fails records why, and the user
// retries; a worker that dies is handled by the sweeper with a new job.
func (buildArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, Queue: Queue}
}

// Queue is the job queue of builds.
const Queue = river.QueueDefault

type buildWorker struct {
	river.WorkerDefaults[buildArgs]
	svc     *Service
	timeout time.Duration
}

func (w *buildWorker) Work(ctx context.Context, job *river.Job[buildArgs]) error {
	run := job.Args.Run
	if run == 0 {
		// Queued before build runs (migration 00009): the bundle holds
		// the job's id, renamed to its run.
		run = job.ID
	}
	return w.svc.Build(ctx, job.Args.BundleID, run, job.CreatedAt)
}

func (w *buildWorker) Timeout(*river.Job[buildArgs]) time.Duration { return w.timeout }

// AddWorker registers the build worker (each build at most timeout).
func (s *Service) AddWorker(workers *river.Workers, timeout time.Duration) {
	river.AddWorker(workers, &buildWorker{svc: s, timeout: timeout})
}

// Inserter puts jobs on the job queue (jobs.Queue).
type Inserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error)
}

// QueueOn makes an Enqueuer of builds on a job queue.
func QueueOn(q Inserter) Enqueuer { return inserter{q} }

type inserter struct{ q Inserter }

func (i inserter) Enqueue(ctx context.Context, bundleID string, run int64) error {
	if _, err := i.q.Insert(ctx, buildArgs{BundleID: bundleID, Run: run}, nil); err != nil {
		return fmt.Errorf("bundles: enqueue: %w", err)
	}
	return nil
}
