// Package readings reads every accepted document in the background: a
// River job, queued in the transaction that stores the document, fetches
// the file, has it read by OCR (package ocr, in a sandbox child) and keeps
// the result with the document (sealed, in database.document_readings).
// The upload's answer never waits for it; a replaced file is read anew
// (its own job), and a job for a file no longer current does nothing.
// The text read is never logged.
package readings

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/riverqueue/river"

	"accredpack/database"
	"accredpack/ocr"
	"accredpack/sandbox"
	"accredpack/storage"
)

// Queue is the River queue of readings: its own, so that long readings
// never hold a bundle build or a webhook back.
const Queue = "ocr"

// Attempts a reading gets when the file cannot be fetched (storage down);
// a document OCR cannot read is recorded as failed at once.
const Attempts = 3

// Inserter puts jobs on the queue inside a transaction (jobs.Queue).
type Inserter interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (int64, error)
}

// Reader reads a PDF file, and turns its pages upright (ocr.Reader).
type Reader interface {
	Read(ctx context.Context, path string) (ocr.Result, error)
	Upright(ctx context.Context, in, out string, turns map[int]int) error
}

// UprightFunc stores a file whose pages were turned upright as the new
// file of the slot holding objectKey (intake.Service.ReplaceUpright).
type UprightFunc func(ctx context.Context, appID, objectKey, path string) error

// Deps are what the service works with.
type Deps struct {
	DB      *database.DB
	Store   storage.Store
	Reader  Reader
	TmpDir  string
	Timeout time.Duration // one reading, fetch included
	Log     *slog.Logger
}

// Service queues and runs readings.
type Service struct {
	d       Deps
	queue   Inserter
	upright UprightFunc
	now     func() time.Time
}

// SetUpright has pages found lying on their side turned upright in the
// stored file, through f (built after the service); unset, they are only
// read upright.
func (s *Service) SetUpright(f UprightFunc) { s.upright = f }

// New returns a service; SetQueue must follow before documents are queued.
func New(d Deps) *Service {
	if d.Timeout <= 0 {
		d.Timeout = 5 * time.Minute
	}
	return &Service{d: d, now: func() time.Time { return time.Now().UTC() }}
}

// SetQueue connects the job queue (built after the service).
func (s *Service) SetQueue(q Inserter) { s.queue = q }

// AddWorker registers the reading worker.
func (s *Service) AddWorker(workers *river.Workers) {
	river.AddWorker(workers, &readWorker{svc: s})
}

// readArgs name the file to read: ids and checksums, no personal data.
type readArgs struct {
	ApplicationID string `json:"application_id"`
	ObjectKey     string `json:"object_key"`
	Size          int64  `json:"size"`
	SHA256        string `json:"sha256"`
}

func (readArgs) Kind() string { return "document_reading" }

// Document is the stored file to read.
type Document struct {
	ApplicationID, ObjectKey, SHA256 string
	Size                             int64
}

// QueueTx records the document's reading as pending and queues its job,
// both in tx, the transaction that stores the document: the document is
// stored with its reading to come, or not at all.
func (s *Service) QueueTx(ctx context.Context, tx *sql.Tx, d Document) error {
	if err := s.d.DB.QueueReadingTx(ctx, tx, d.ApplicationID, d.ObjectKey, s.now()); err != nil {
		return err
	}
	args := readArgs{ApplicationID: d.ApplicationID, ObjectKey: d.ObjectKey, Size: d.Size, SHA256: d.SHA256}
	if _, err := s.queue.InsertTx(ctx, tx, args, &river.InsertOpts{Queue: Queue, MaxAttempts: Attempts}); err != nil {
		return fmt.Errorf("readings: queue: %w", err)
	}
	return nil
}

type readWorker struct {
	river.WorkerDefaults[readArgs]
	svc *Service
}

func (w *readWorker) Timeout(*river.Job[readArgs]) time.Duration { return w.svc.d.Timeout }

func (w *readWorker) Work(ctx context.Context, job *river.Job[readArgs]) error {
	return w.svc.read(ctx, job.Args, job.Attempt >= job.MaxAttempts)
}

// read reads one file and records the result. A file that cannot be
// fetched is tried again (the error goes back to River) until the last
// attempt, which records the reading as failed.
func (s *Service) read(ctx context.Context, a readArgs, last bool) error {
	log := s.d.Log.With("application", a.ApplicationID, "object", shortKey(a.ObjectKey))
	r, err := s.d.DB.Reading(ctx, a.ObjectKey)
	if errors.Is(err, database.ErrNotFound) {
		log.InfoContext(ctx, "reading skipped: the file is no longer a current document")
		return nil
	}
	if err != nil {
		return err
	}
	if r.Status != database.ReadingPending {
		return nil
	}
	started := time.Now()
	path, err := s.fetch(ctx, a)
	if err != nil {
		if !last {
			return err
		}
		log.WarnContext(ctx, "reading failed: the file could not be fetched", "error", err)
		return s.finish(ctx, a.ObjectKey, database.ReadingFailed, "", "fetch")
	}
	defer os.Remove(path)
	res, err := s.d.Reader.Read(ctx, path)
	if err != nil {
		why := "unreadable"
		switch {
		case errors.Is(err, sandbox.ErrTimeout):
			why = "timeout"
		case errors.Is(err, sandbox.ErrCrashed):
			why = "crashed"
		}
		// The error names tools and pages, never the text.
		log.WarnContext(ctx, "reading failed", "why", why, "error", err, "took", time.Since(started))
		return s.finish(ctx, a.ObjectKey, database.ReadingFailed, "", why)
	}
	raw, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("readings: encode result: %w", err)
	}
	log.InfoContext(ctx, "document read", "pages", res.PageCount, "read", len(res.Pages), "took", time.Since(started))
	if err := s.finish(ctx, a.ObjectKey, database.ReadingDone, string(raw), ""); err != nil {
		return err
	}
	if turns := res.Turns(); len(turns) > 0 && s.upright != nil {
		// The reading is recorded; turning the file is a bonus that may fail.
		if err := s.turn(ctx, a, path, turns); err != nil {
			log.WarnContext(ctx, "pages not turned upright", "error", err)
		}
	}
	return nil
}

// turn writes the file with its pages turned upright and has it stored.
func (s *Service) turn(ctx context.Context, a readArgs, path string, turns map[int]int) error {
	out := path + ".upright.pdf"
	defer os.Remove(out)
	if err := s.d.Reader.Upright(ctx, path, out, turns); err != nil {
		return err
	}
	return s.upright(ctx, a.ApplicationID, a.ObjectKey, out)
}

func (s *Service) finish(ctx context.Context, key, status, result, why string) error {
	err := s.d.DB.FinishReading(ctx, key, status, result, why, s.now())
	if errors.Is(err, database.ErrNotFound) {
		return nil // replaced while it was read
	}
	return err
}

// fetch copies the stored file, verified against its checksum, into a
// private temporary file.
func (s *Service) fetch(ctx context.Context, a readArgs) (string, error) {
	rc, err := s.d.Store.Open(ctx, a.ObjectKey)
	if err != nil {
		return "", fmt.Errorf("readings: open object: %w", err)
	}
	defer rc.Close()
	f, err := os.CreateTemp(s.d.TmpDir, "reading-*.pdf")
	if err != nil {
		return "", fmt.Errorf("readings: temporary file: %w", err)
	}
	if _, err := io.Copy(f, storage.Verify(rc, a.Size, a.SHA256)); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", fmt.Errorf("readings: fetch object: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("readings: temporary file: %w", err)
	}
	return f.Name(), nil
}

func shortKey(k string) string {
	if len(k) > 20 {
		return k[:20]
	}
	return k
}

// PageTexts returns the text read on each page of an application's
// current documents that were read, by object key: for the portfolio's
// invisible text layer. Personal data: the caller keeps it in memory or in
// private temporary files only.
func (s *Service) PageTexts(ctx context.Context, appID string) (map[string][]string, error) {
	rs, err := s.d.DB.Readings(ctx, appID)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for key, r := range rs {
		if r.Status != database.ReadingDone {
			continue
		}
		var res ocr.Result
		if err := json.Unmarshal([]byte(r.Result), &res); err != nil {
			return nil, fmt.Errorf("readings: decode reading of %s: %w", shortKey(key), err)
		}
		texts := make([]string, 0, len(res.Pages))
		for _, p := range res.Pages {
			texts = append(texts, p.Text)
		}
		out[key] = texts
	}
	return out, nil
}
