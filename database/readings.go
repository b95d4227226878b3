package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pressly/goose/v3"
)

// readingColumn names the sealed column of OCR results (and is its
// authenticated data).
const readingColumn = "document_readings.result"

// Reading states.
const (
	ReadingPending = "pending"
	ReadingDone    = "done"
	ReadingFailed  = "failed"
)

// Reading is what OCR read on one stored file.
type Reading struct {
	ObjectKey     string
	ApplicationID string
	Status        string
	// Result is the JSON of ocr.Result (the text read): personal data.
	Result      string
	Error       string
	QueuedAt    time.Time
	ReadAt      time.Time // zero while pending
	ConfirmedAt time.Time // zero until the person confirms the document
	ConfirmedBy string
}

const readingColumns = `object_key, application_id, status, result, error, queued_at, read_at, confirmed_at, confirmed_by`

func scanReading(s scanner, k *keys) (Reading, error) {
	var r Reading
	var queued, read, confirmed string
	if err := s.Scan(&r.ObjectKey, &r.ApplicationID, &r.Status, &r.Result, &r.Error, &queued, &read, &confirmed, &r.ConfirmedBy); err != nil {
		return r, err
	}
	if err := k.open(readingColumn, &r.Result); err != nil {
		return r, err
	}
	var err error
	if r.QueuedAt, err = parseTS(queued); err != nil {
		return r, fmt.Errorf("database: reading queued_at: %w", err)
	}
	for _, t := range []struct {
		s  string
		to *time.Time
	}{{read, &r.ReadAt}, {confirmed, &r.ConfirmedAt}} {
		if t.s == "" {
			continue
		}
		if *t.to, err = parseTS(t.s); err != nil {
			return r, fmt.Errorf("database: reading time: %w", err)
		}
	}
	return r, nil
}

// QueueReadingTx records, in tx (the transaction that stores the
// document), that the document's file waits to be read.
func (db *DB) QueueReadingTx(ctx context.Context, tx *sql.Tx, appID, objectKey string, at time.Time) error {
	c := conn{q: tx, pg: db.dialect == goose.DialectPostgres, k: db.keys, tx: tx}
	_, err := c.exec(ctx, `INSERT INTO document_readings (object_key, application_id, status, queued_at) VALUES (?, ?, ?, ?)`,
		objectKey, appID, ReadingPending, ts(at))
	if err != nil {
		return fmt.Errorf("database: queue reading: %w", err)
	}
	return nil
}

// Reading reads the reading of a stored file; ErrNotFound when the file is
// no longer a current document (replaced or deleted: its reading went
// with it) or was never queued.
func (db *DB) Reading(ctx context.Context, objectKey string) (Reading, error) {
	c := db.conn()
	r, err := scanReading(c.queryRow(ctx, `SELECT `+readingColumns+` FROM document_readings WHERE object_key = ?`, objectKey), c.k)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("reading of %s: %w", objectKey, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("database: read reading: %w", err)
	}
	return r, nil
}

// Readings lists the readings of an application's current documents, by
// object key.
func (db *DB) Readings(ctx context.Context, appID string) (map[string]Reading, error) {
	c := db.conn()
	rows, err := c.query(ctx, `SELECT `+readingColumns+` FROM document_readings WHERE application_id = ?`, appID)
	if err != nil {
		return nil, fmt.Errorf("database: list readings: %w", err)
	}
	defer rows.Close()
	out := map[string]Reading{}
	for rows.Next() {
		r, err := scanReading(rows, c.k)
		if err != nil {
			return nil, fmt.Errorf("database: read reading: %w", err)
		}
		out[r.ObjectKey] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("database: list readings: %w", err)
	}
	return out, nil
}

// FinishReading records the end of a reading: status done with result
// (sealed), or failed with why. ErrNotFound when the file is no longer
// current: nothing to record.
func (db *DB) FinishReading(ctx context.Context, objectKey, status, result, why string, at time.Time) error {
	c := db.conn()
	res, err := c.exec(ctx, `UPDATE document_readings SET status = ?, result = ?, error = ?, read_at = ? WHERE object_key = ?`,
		status, c.k.seal(readingColumn, result), why, ts(at), objectKey)
	if err != nil {
		return fmt.Errorf("database: record reading: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("reading of %s: %w", objectKey, ErrNotFound)
	}
	return nil
}

// ConfirmReading records that by confirmed the document of objectKey as
// the right one. ErrNotFound when it is not a current document of appID.
func (db *DB) ConfirmReading(ctx context.Context, appID, objectKey, by string, at time.Time) error {
	c := db.conn()
	res, err := c.exec(ctx, `UPDATE document_readings SET confirmed_at = ?, confirmed_by = ? WHERE object_key = ? AND application_id = ?`,
		ts(at), by, objectKey, appID)
	if err != nil {
		return fmt.Errorf("database: confirm reading: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("reading of %s: %w", objectKey, ErrNotFound)
	}
	return nil
}
