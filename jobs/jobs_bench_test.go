package jobs

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"accredpack/database"
)

type pingArgs struct{ At int64 }

func (pingArgs) Kind() string { return "ping" }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	started chan time.Duration
}

func (w *pingWorker) Work(ctx context.Context, j *river.Job[pingArgs]) error {
	w.started <- time.Since(time.Unix(0, j.Args.At))
	return nil
}

// BenchmarkInsertToStart is the wait of a job on the embedded default
// (SQLite) from its insert to its worker's start, one job at a time, at
// irregular times against the queue's polls: ms-to-start is the mean.
//
//	go test -run XXX -bench InsertToStart -benchtime 20x ./jobs
func BenchmarkInsertToStart(b *testing.B) {
	ctx := context.Background()
	db, err := database.Open(ctx, filepath.Join(b.TempDir(), "jobs.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	workers := river.NewWorkers()
	w := &pingWorker{started: make(chan time.Duration, 1)}
	river.AddWorker(workers, w)
	q, err := Open(ctx, db, workers, Config{Queues: map[string]int{river.QueueDefault: 1}, JobTimeout: time.Minute}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer q.Stop(ctx)
	var waited time.Duration
	b.ResetTimer()
	for i := range b.N {
		if _, err := q.Insert(ctx, pingArgs{At: time.Now().UnixNano()}, nil); err != nil {
			b.Fatal(err)
		}
		waited += <-w.started
		b.StopTimer()
		time.Sleep(time.Duration(i%7*37) * time.Millisecond)
		b.StartTimer()
	}
	b.ReportMetric(float64(waited.Milliseconds())/float64(b.N), "ms-to-start")
}
