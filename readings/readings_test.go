package readings

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"accredpack/database"
	"accredpack/dossier"
	"accredpack/ocr"
	"accredpack/sandbox"
	"accredpack/storage/fsstore"
)

// fakeReader answers what the test says, and notes the file it was given.
type fakeReader struct {
	res  ocr.Result
	err  error
	read []byte
}

func (f *fakeReader) Read(_ context.Context, path string) (ocr.Result, error) {
	f.read, _ = os.ReadFile(path)
	return f.res, f.err
}

func (f *fakeReader) Upright(_ context.Context, in, out string, _ map[int]int) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(b, []byte(" upright")...), 0o600)
}

type inserted struct{ args []river.JobArgs }

func (q *inserted) InsertTx(_ context.Context, _ *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (int64, error) {
	if opts == nil || opts.Queue != Queue {
		return 0, fmt.Errorf("queued on %v", opts)
	}
	q.args = append(q.args, args)
	return int64(len(q.args)), nil
}

type fixture struct {
	svc    *Service
	db     *database.DB
	store  *fsstore.Store
	reader *fakeReader
	queue  *inserted
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.UseKeys(ctx, nil); err != nil {
		t.Fatal(err)
	}
	store, err := fsstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, store: store, reader: &fakeReader{}, queue: &inserted{}}
	f.svc = New(Deps{DB: db, Store: store, Reader: f.reader, TmpDir: t.TempDir(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	f.svc.SetQueue(f.queue)
	now := time.Now().UTC()
	app := &dossier.Application{ID: "a1", Owner: "u1", Status: dossier.StatusDraft, CreatedAt: now, UpdatedAt: now,
		Form: dossier.Form{Kind: "periodic", Specialist: dossier.Specialist{LastName: "Иванова", FirstName: "Анна", SNILS: "11223344595"}, Consent: true}}
	if err := db.CreateApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	return f
}

// put stores a file in a slot and queues its reading as intake does.
func (f *fixture) put(t *testing.T, slot, key string, data []byte, stored bool) readArgs {
	t.Helper()
	ctx := context.Background()
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	if stored {
		if err := f.store.Put(ctx, key, bytes.NewReader(data), int64(len(data)), hexSum); err != nil {
			t.Fatal(err)
		}
	}
	d := dossier.Document{Ref: dossier.SlotRef{Slot: slot}, ObjectKey: key, SHA256: hexSum, Size: int64(len(data)), Pages: 1, UploadedAt: time.Now().UTC(), UploadedBy: "u1"}
	_, err := f.db.PutDocument(ctx, "a1", d, func(*dossier.Application, []dossier.Document) error { return nil },
		func(ctx context.Context, tx *sql.Tx, _ *dossier.Document) error {
			return f.svc.QueueTx(ctx, tx, Document{ApplicationID: "a1", ObjectKey: key, SHA256: hexSum, Size: int64(len(data))})
		})
	if err != nil {
		t.Fatal(err)
	}
	last := f.queue.args[len(f.queue.args)-1].(readArgs)
	if last.ObjectKey != key || last.SHA256 != hexSum {
		t.Fatalf("queued %+v", last)
	}
	return last
}

func TestReadRecordsTheResult(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	a := f.put(t, "snils", "k1", []byte("%PDF-1.7 скан"), true)
	if r, err := f.db.Reading(ctx, "k1"); err != nil || r.Status != database.ReadingPending {
		t.Fatalf("queued: %+v, %v", r, err)
	}
	f.reader.res = ocr.Result{PageCount: 1, Pages: []ocr.Page{{Number: 1, Text: "СТРАХОВОЕ СВИДЕТЕЛЬСТВО", Confidence: 91, Words: 2}}}
	if err := f.svc.read(ctx, a, false); err != nil {
		t.Fatal(err)
	}
	if string(f.reader.read) != "%PDF-1.7 скан" {
		t.Errorf("the reader got %q", f.reader.read)
	}
	r, err := f.db.Reading(ctx, "k1")
	if err != nil || r.Status != database.ReadingDone || !strings.Contains(r.Result, "СТРАХОВОЕ") || r.ReadAt.IsZero() {
		t.Errorf("done: %+v, %v", r, err)
	}
	// Run again (River delivers at least once): nothing changes.
	f.reader.res = ocr.Result{}
	if err := f.svc.read(ctx, a, false); err != nil {
		t.Fatal(err)
	}
	if r2, _ := f.db.Reading(ctx, "k1"); r2.Result != r.Result {
		t.Error("a second run of the job read the file again")
	}
}

func TestReadFailuresAreRecordedNotRetriedForever(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	// OCR ran out of time: failed at once, with why.
	a := f.put(t, "snils", "k1", []byte("%PDF-1.7 a"), true)
	f.reader.err = fmt.Errorf("%w: %w", ocr.ErrUnreadable, sandbox.ErrTimeout)
	if err := f.svc.read(ctx, a, false); err != nil {
		t.Fatalf("a document OCR cannot read is not an error of the job: %v", err)
	}
	if r, _ := f.db.Reading(ctx, "k1"); r.Status != database.ReadingFailed || r.Error != "timeout" {
		t.Errorf("timed out: %+v", r)
	}
	// The file cannot be fetched: tried again, then failed on the last attempt.
	b := f.put(t, "identity_document", "k2", []byte("%PDF-1.7 b"), false)
	if err := f.svc.read(ctx, b, false); err == nil {
		t.Error("a file that could not be fetched was not retried")
	}
	if r, _ := f.db.Reading(ctx, "k2"); r.Status != database.ReadingPending {
		t.Errorf("after a failed fetch: %+v", r)
	}
	if err := f.svc.read(ctx, b, true); err != nil {
		t.Fatal(err)
	}
	if r, _ := f.db.Reading(ctx, "k2"); r.Status != database.ReadingFailed || r.Error != "fetch" {
		t.Errorf("last attempt: %+v", r)
	}
}

func TestReplacedFileIsNotRecorded(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	old := f.put(t, "snils", "k1", []byte("%PDF-1.7 old"), true)
	f.put(t, "snils", "k2", []byte("%PDF-1.7 new"), true)
	f.reader.err = errors.New("must not be called")
	if err := f.svc.read(ctx, old, false); err != nil {
		t.Fatal(err)
	}
	if f.reader.read != nil {
		t.Error("a replaced file was read")
	}
	if r, err := f.db.Reading(ctx, "k2"); err != nil || r.Status != database.ReadingPending {
		t.Errorf("the new file's reading: %+v, %v", r, err)
	}
}

func TestPagesOnTheirSideAreTurned(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	a := f.put(t, "snils", "k1", []byte("%PDF-1.7 turned"), true)
	var gotKey string
	var got []byte
	f.svc.SetUpright(func(_ context.Context, appID, key, path string) error {
		gotKey = key
		got, _ = os.ReadFile(path)
		return nil
	})
	f.reader.res = ocr.Result{PageCount: 1, Pages: []ocr.Page{{Number: 1, Rotation: 90, Text: "СНИЛС", Words: 1}}}
	if err := f.svc.read(ctx, a, false); err != nil {
		t.Fatal(err)
	}
	if gotKey != "k1" || string(got) != "%PDF-1.7 turned upright" {
		t.Errorf("turned: key %q, file %q", gotKey, got)
	}
	if r, _ := f.db.Reading(ctx, "k1"); r.Status != database.ReadingDone {
		t.Errorf("reading: %+v", r)
	}
	// Upright pages: nothing to turn.
	b := f.put(t, "identity_document", "k2", []byte("%PDF-1.7 upright"), true)
	gotKey = ""
	f.reader.res = ocr.Result{PageCount: 1, Pages: []ocr.Page{{Number: 1, Text: "ПАСПОРТ", Words: 1}}}
	if err := f.svc.read(ctx, b, false); err != nil || gotKey != "" {
		t.Errorf("an upright file was turned: %q, %v", gotKey, err)
	}
}
