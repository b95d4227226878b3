package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"accredpack/database"
)

// Group commit of audit lines.
//
// Every read of an application writes an audit line before it answers, and
// the line must be durable by then: the durability settings stay as they
// are on both backends (SQLite WAL with synchronous=FULL, PostgreSQL with
// synchronous_commit=on). What changes is how many lines share a commit:
// one writer goroutine takes every Record call that is queued when it is
// free and commits them in one transaction (one AppendAudit), then answers
// each caller. Nothing waits on a timer: a lone read commits at once, and
// reads arriving while a commit runs share the next one.
//
//   - SQLite: a commit in WAL mode with synchronous=FULL is one fsync of the
//     WAL (1,082 fsyncs for 1,000 GETs before this), and writers take the one
//     write lock in turn; a shared commit is one fsync and one lock for the
//     whole batch. This is where the tail latency came from.
//   - PostgreSQL: a commit waits for its WAL flush and costs a round trip;
//     commit_delay could group flushes in the server, but is off by default
//     and global. Batching here saves the round trips and flushes for the
//     audit table only, without loosening synchronous_commit.
//
// Relaxing durability instead (synchronous=NORMAL, synchronous_commit=off)
// was rejected: a line acknowledged to a reader would be lost by a crash,
// which breaks "written before the data is read".

// Group bounds the group writer.
type Group struct {
	// Queue is how many Record calls may wait for the writer; beyond, Record
	// waits for room (or its context). Default 1024.
	Queue int
	// MaxLines is the most lines one commit takes (a call is never split; a
	// larger call commits alone). Default 512.
	MaxLines int
	// Timeout bounds one commit. Default 10 s.
	Timeout time.Duration
}

func (g Group) withDefaults() Group {
	if g.Queue <= 0 {
		g.Queue = 1024
	}
	if g.MaxLines <= 0 {
		g.MaxLines = 512
	}
	if g.Timeout <= 0 {
		g.Timeout = 10 * time.Second
	}
	return g
}

// appender is the database's AppendAudit: one transaction, all or none.
type appender interface {
	AppendAudit(ctx context.Context, entries []database.AuditEntry) error
}

// call is one Record waiting for its commit.
type call struct {
	ctx     context.Context
	entries []database.AuditEntry
	done    chan error // buffered: the writer never waits for the caller
}

// committer is the one writer of grouped audit lines.
type committer struct {
	db      appender
	g       Group
	mu      sync.RWMutex // held for reading while sending, for writing to close
	closed  bool
	queue   chan *call
	stopped chan struct{}
	// commits and lines count what was committed (for tests and figures).
	statsMu        sync.Mutex
	commits, lines int
}

func newCommitter(db appender, g Group) *committer {
	g = g.withDefaults()
	c := &committer{db: db, g: g, queue: make(chan *call, g.Queue), stopped: make(chan struct{})}
	go c.run()
	return c
}

var errCanceledBeforeCommit = errors.New("audit: the request ended before its line was committed")

// append queues entries and waits until they are committed, or ctx ends.
// A caller that gives up may still have its line written afterwards (an
// attempt on record is harmless; an answer without one is what must not
// happen, and the caller answers with an error).
func (c *committer) append(ctx context.Context, entries []database.AuditEntry) error {
	cl := &call{ctx: ctx, entries: entries, done: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return c.db.AppendAudit(ctx, entries)
	}
	select {
	case c.queue <- cl:
		c.mu.RUnlock()
	case <-ctx.Done():
		c.mu.RUnlock()
		return fmt.Errorf("audit: queue: %w", ctx.Err())
	}
	select {
	case err := <-cl.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("audit: waiting for the commit: %w", ctx.Err())
	}
}

// close commits what is queued and stops the writer.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	<-c.stopped
}

func (c *committer) run() {
	defer close(c.stopped)
	for first := range c.queue {
		batch, lines := []*call{first}, len(first.entries)
	more:
		for lines < c.g.MaxLines {
			select {
			case cl, ok := <-c.queue:
				if !ok {
					break more
				}
				batch = append(batch, cl)
				lines += len(cl.entries)
			default:
				break more
			}
		}
		c.commit(batch)
	}
}

// commit writes a batch in one transaction. Callers that already gave up
// are left out; when the shared transaction fails, each call is tried on
// its own, so that one call's failure is only its own.
func (c *committer) commit(batch []*call) {
	live := batch[:0]
	var entries []database.AuditEntry
	for _, cl := range batch {
		if err := cl.ctx.Err(); err != nil {
			cl.done <- errCanceledBeforeCommit
			continue
		}
		live = append(live, cl)
		entries = append(entries, cl.entries...)
	}
	if len(live) == 0 {
		return
	}
	err := c.write(entries)
	if err == nil || len(live) == 1 {
		for _, cl := range live {
			cl.done <- err
		}
		return
	}
	for _, cl := range live {
		cl.done <- c.write(cl.entries)
	}
}

// write commits entries under the writer's own deadline: a batch belongs
// to no single request, so no request's cancellation may abort it.
func (c *committer) write(entries []database.AuditEntry) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.g.Timeout)
	defer cancel()
	err := c.db.AppendAudit(ctx, entries)
	if err == nil {
		c.statsMu.Lock()
		c.commits++
		c.lines += len(entries)
		c.statsMu.Unlock()
	}
	return err
}

// Stats are the commits and lines written by the group writer.
func (l *Log) Stats() (commits, lines int) {
	if l.group == nil {
		return 0, 0
	}
	l.group.statsMu.Lock()
	defer l.group.statsMu.Unlock()
	return l.group.commits, l.group.lines
}
