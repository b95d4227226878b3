package database

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"accredpack/dossier"
	"accredpack/keyring"
)

// testReadings: a reading is queued in the transaction that stores its
// document, finished, confirmed; its text is sealed at rest once there are
// keys (written before, it is sealed by SealColumns); it goes with its
// document when the file is replaced and with the application when that is
// deleted.
func testReadings(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	if err := db.CreateApplication(ctx, newApp("a1", now)); err != nil {
		t.Fatal(err)
	}
	ref := dossier.SlotRef{Slot: "snils"}
	queue := func(key string) func(ctx context.Context, tx *sql.Tx, _ *dossier.Document) error {
		return func(ctx context.Context, tx *sql.Tx, _ *dossier.Document) error {
			return db.QueueReadingTx(ctx, tx, "a1", key, now)
		}
	}
	if _, err := db.PutDocument(ctx, "a1", doc(ref, "k1", now), allowAll, queue("k1")); err != nil {
		t.Fatal(err)
	}
	r, err := db.Reading(ctx, "k1")
	if err != nil || r.Status != ReadingPending || r.ApplicationID != "a1" || !r.QueuedAt.Equal(now) || !r.ReadAt.IsZero() {
		t.Fatalf("queued reading = %+v, %v", r, err)
	}
	// A queued reading that fails rolls its document back with it.
	if _, err := db.PutDocument(ctx, "a1", doc(dossier.SlotRef{Slot: "passport"}, "k1b", now), allowAll, queue("k1")); err == nil {
		t.Fatal("a second reading of one key was queued")
	}
	if _, err := db.Document(ctx, "a1", dossier.SlotRef{Slot: "passport"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("the document whose reading failed to queue was stored: %v", err)
	}

	// Finished in clear (no keys yet), then sealed in place.
	text := `{"pages":[{"text":"Иванова Анна Сергеевна 112-233-445 95"}]}`
	if err := db.FinishReading(ctx, "k1", ReadingDone, text, "", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	ring, _, err := keyring.LoadOrCreate(t.TempDir() + "/master.key")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UseKeys(ctx, ring); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SealColumns(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := db.conn().queryRow(ctx, `SELECT result FROM document_readings WHERE object_key = ?`, "k1").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, sealedPrefix) || strings.Contains(raw, "Иванова") {
		t.Errorf("stored text not sealed: %.40q", raw)
	}
	if err := db.ConfirmReading(ctx, "a1", "k1", "u1", now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	all, err := db.Readings(ctx, "a1")
	if err != nil || len(all) != 1 {
		t.Fatalf("Readings = %v, %v", all, err)
	}
	got := all["k1"]
	if got.Status != ReadingDone || got.Result != text || got.ConfirmedBy != "u1" || !got.ConfirmedAt.Equal(now.Add(2*time.Minute)) || !got.ReadAt.Equal(now.Add(time.Minute)) {
		t.Errorf("reading = %+v", got)
	}
	if err := db.ConfirmReading(ctx, "other", "k1", "u1", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("confirmed through another application: %v", err)
	}

	// Replaced: the old file's reading goes, the new one waits.
	if _, err := db.PutDocument(ctx, "a1", doc(ref, "k2", now.Add(time.Hour)), allowAll, queue("k2")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Reading(ctx, "k1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the replaced file's reading stayed: %v", err)
	}
	if err := db.FinishReading(ctx, "k1", ReadingFailed, "", "late", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("a reading of a replaced file was recorded: %v", err)
	}
	if r, err := db.Reading(ctx, "k2"); err != nil || r.Status != ReadingPending || !r.ConfirmedAt.IsZero() {
		t.Errorf("new file's reading = %+v, %v", r, err)
	}
	if _, err := db.DeleteApplication(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.conn().queryRow(ctx, `SELECT COUNT(*) FROM document_readings`).Scan(&n); err != nil || n != 0 {
		t.Errorf("readings left after the application was deleted: %d, %v", n, err)
	}
}
