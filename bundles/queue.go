package bundles

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// buildArgs is the job of building one bundle.
type buildArgs struct {
	BundleID string `json:"bundle_id"`
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
	err := w.svc.Build(ctx, job.Args.BundleID, job.ID)
	if errors.Is(err, ErrJobNotRecorded) {
		if time.Since(job.CreatedAt) < time.Minute {
			// Not an attempt: the job runs again once it is recorded.
			return river.JobSnooze(200 * time.Millisecond)
		}
		// Never recorded (the request failed after queueing it): the
		// bundle is the sweeper's or the user's to queue again.
		return nil
	}
	return err
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

func (i inserter) Enqueue(ctx context.Context, bundleID string) (int64, error) {
	id, err := i.q.Insert(ctx, buildArgs{BundleID: bundleID}, nil)
	if err != nil {
		return 0, fmt.Errorf("bundles: enqueue: %w", err)
	}
	return id, nil
}
