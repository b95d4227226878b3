package database

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// One writer at a time: a second waits for the first's release, and a
// waiter whose context ends gives up with that reason.
func TestWriterTakesTurns(t *testing.T) {
	w := newWriter()
	ctx := context.Background()
	if err := w.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { got <- w.acquire(ctx) }()
	select {
	case err := <-got:
		t.Fatalf("a second writer got the lock while the first held it: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	w.release()
	if err := <-got; err != nil {
		t.Fatalf("the second writer after the release: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := w.acquire(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled waiter: %v; want context.Canceled", err)
	}
	w.release()
}

// Fifty transactions at once on SQLite all commit, each in its turn.
func TestConcurrentTransactionsOnSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE n (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.inTx(ctx, func(tx conn) error {
				_, err := tx.exec(ctx, `INSERT INTO n (v) VALUES (?)`, i)
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM n`).Scan(&n); err != nil || n != 50 {
		t.Errorf("%d rows (%v); want 50", n, err)
	}
}
