package database

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// writerWait is how long a transaction on SQLite waits for its turn to
// write before it fails as unavailable.
const writerWait = 30 * time.Second

// errWriterBusy is a transaction that waited writerWait for its turn.
var errWriterBusy = errors.New("database: waited too long for the write lock")

// writer lets one transaction at a time write to SQLite, in the order they
// ask. SQLite allows one writer anyway; left to it, the others poll for its
// lock (busy_timeout), sleeping up to 100 ms between tries, so that under a
// burst of writes whose commits wait for a slow disk some starve past the
// timeout while later ones get through: 50 uploads at once, with the disk
// busy, failed 9 to 64 of them with 503 (TestContractEmbedded/
// FiftyParallelUploads beside a dd and the packager's tests). Queued
// here instead, each takes the lock the moment the one before it commits,
// and waits up to writerWait. River's own transactions on the same file
// still meet them at SQLite's lock, with busy_timeout.
type writer chan struct{}

func newWriter() writer { return make(writer, 1) }

// acquire waits for the turn to write; release must follow.
func (w writer) acquire(ctx context.Context) error {
	t := time.NewTimer(writerWait)
	defer t.Stop()
	select {
	case w <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("database: waiting for the write lock: %w", ctx.Err())
	case <-t.C:
		return errWriterBusy
	}
}

func (w writer) release() { <-w }
