package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"accredpack/dossier"
)

const documentColumns = `slot, row_no, object_key, sha256, size, pages, file_name, uploaded_at, uploaded_by, rules`

func scanDocument(s scanner, k *keys) (dossier.Document, error) {
	var d dossier.Document
	var uploaded string
	if err := s.Scan(&d.Ref.Slot, &d.Ref.Row, &d.ObjectKey, &d.SHA256, &d.Size, &d.Pages, &d.FileName, &uploaded, &d.UploadedBy, &d.Rules); err != nil {
		return d, err
	}
	if err := k.open("file_name", &d.FileName); err != nil {
		return d, err
	}
	t, err := parseTS(uploaded)
	if err != nil {
		return d, fmt.Errorf("database: document %s uploaded_at: %w", d.Ref, err)
	}
	d.UploadedAt = t
	return d, nil
}

// Documents lists the current documents of an application.
func (db *DB) Documents(ctx context.Context, appID string) ([]dossier.Document, error) {
	return documents(ctx, db.conn(), appID)
}

func documents(ctx context.Context, c conn, appID string) ([]dossier.Document, error) {
	rows, err := c.query(ctx, `SELECT `+documentColumns+` FROM documents WHERE application_id = ? ORDER BY slot, row_no`, appID)
	if err != nil {
		return nil, fmt.Errorf("database: list documents: %w", err)
	}
	defer rows.Close()
	var out []dossier.Document
	for rows.Next() {
		d, err := scanDocument(rows, c.k)
		if err != nil {
			return nil, fmt.Errorf("database: read document: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("database: list documents: %w", err)
	}
	return out, nil
}

// Document reads the current document of one slot row.
func (db *DB) Document(ctx context.Context, appID string, ref dossier.SlotRef) (dossier.Document, error) {
	c := db.conn()
	row := c.queryRow(ctx, `SELECT `+documentColumns+` FROM documents WHERE application_id = ? AND slot = ? AND row_no = ?`,
		appID, ref.Slot, ref.Row)
	d, err := scanDocument(row, c.k)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("document %s of %s: %w", ref, appID, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("database: read document: %w", err)
	}
	return d, nil
}

// SlotChange is a rule check run inside the transaction that changes a slot:
// it sees the application and its current documents as they are at that
// moment and refuses the change by returning an error.
type SlotChange func(a *dossier.Application, docs []dossier.Document) error

// PutDocument makes d the current document of its slot row, with the
// original parts it was made from, if any. A document it replaces moves to
// the history (its sources stay with it). allow runs first, in the same
// transaction; then, if not nil, runs last in it with the document replaced
// (nil if none): the event of the change, which commits with it or not at all.
func (db *DB) PutDocument(ctx context.Context, appID string, d dossier.Document, allow SlotChange,
	then func(ctx context.Context, tx *sql.Tx, replaced *dossier.Document) error, sources ...dossier.Source) (replaced *dossier.Document, err error) {
	err = db.inTx(ctx, func(tx conn) error {
		prev, err := db.prepareSlotChange(ctx, tx, appID, d.Ref, allow)
		if err != nil {
			return err
		}
		if prev != nil {
			if err := retire(ctx, tx, appID, *prev, d.UploadedAt, "replaced"); err != nil {
				return err
			}
			replaced = prev
		}
		_, err = tx.exec(ctx, `INSERT INTO documents (application_id, `+documentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			appID, d.Ref.Slot, d.Ref.Row, d.ObjectKey, d.SHA256, d.Size, d.Pages, tx.k.seal("file_name", d.FileName), ts(d.UploadedAt), d.UploadedBy, d.Rules)
		if err != nil {
			return fmt.Errorf("database: insert document: %w", err)
		}
		for _, src := range sources {
			_, err = tx.exec(ctx, `INSERT INTO document_sources (id, application_id, document_key, position, object_key, kind, sha256, size, file_name, uploaded_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, src.ID, appID, d.ObjectKey, src.Position, src.ObjectKey, src.Kind, src.SHA256, src.Size, tx.k.seal("file_name", src.FileName), ts(src.UploadedAt))
			if err != nil {
				return fmt.Errorf("database: insert source %d of %s: %w", src.Position, d.Ref, err)
			}
		}
		if err := touch(ctx, tx, appID, d.UploadedAt); err != nil {
			return err
		}
		if then != nil {
			return then(ctx, tx.tx, prev)
		}
		return nil
	})
	return replaced, err
}

// DeleteDocument empties a slot row; its document moves to the history.
func (db *DB) DeleteDocument(ctx context.Context, appID string, ref dossier.SlotRef, at time.Time, allow SlotChange) error {
	return db.inTx(ctx, func(tx conn) error {
		prev, err := db.prepareSlotChange(ctx, tx, appID, ref, allow)
		if err != nil {
			return err
		}
		if prev == nil {
			return fmt.Errorf("slot %s of %s is empty: %w", ref, appID, ErrNotFound)
		}
		if err := retire(ctx, tx, appID, *prev, at, "deleted"); err != nil {
			return err
		}
		return touch(ctx, tx, appID, at)
	})
}

// prepareSlotChange reads the application and its documents, runs allow,
// and returns the slot row's current document, if any.
func (db *DB) prepareSlotChange(ctx context.Context, tx conn, appID string, ref dossier.SlotRef, allow SlotChange) (*dossier.Document, error) {
	a, err := getApplication(ctx, tx, appID, true)
	if err != nil {
		return nil, err
	}
	docs, err := documents(ctx, tx, appID)
	if err != nil {
		return nil, err
	}
	if err := allow(a, docs); err != nil {
		return nil, err
	}
	for i := range docs {
		if docs[i].Ref == ref {
			return &docs[i], nil
		}
	}
	return nil, nil
}

func retire(ctx context.Context, tx conn, appID string, d dossier.Document, at time.Time, reason string) error {
	_, err := tx.exec(ctx, `INSERT INTO document_history (application_id, `+documentColumns+`, ended_at, ended_reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		appID, d.Ref.Slot, d.Ref.Row, d.ObjectKey, d.SHA256, d.Size, d.Pages, tx.k.seal("file_name", d.FileName), ts(d.UploadedAt), d.UploadedBy, d.Rules, ts(at), reason)
	if err != nil {
		return fmt.Errorf("database: keep history of %s: %w", d.Ref, err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM documents WHERE application_id = ? AND slot = ? AND row_no = ?`, appID, d.Ref.Slot, d.Ref.Row); err != nil {
		return fmt.Errorf("database: remove current %s: %w", d.Ref, err)
	}
	return nil
}

func touch(ctx context.Context, tx conn, appID string, at time.Time) error {
	if _, err := tx.exec(ctx, `UPDATE applications SET updated_at = ? WHERE id = ?`, ts(at), appID); err != nil {
		return fmt.Errorf("database: touch application: %w", err)
	}
	return nil
}

// HistoryEntry is a document that was replaced or removed.
type HistoryEntry struct {
	dossier.Document
	EndedAt     time.Time
	EndedReason string
}

// History lists the past documents of one slot row, oldest first.
func (db *DB) History(ctx context.Context, appID string, ref dossier.SlotRef) ([]HistoryEntry, error) {
	c := db.conn()
	rows, err := c.query(ctx, `SELECT `+documentColumns+`, ended_at, ended_reason FROM document_history
		WHERE application_id = ? AND slot = ? AND row_no = ? ORDER BY id`, appID, ref.Slot, ref.Row)
	if err != nil {
		return nil, fmt.Errorf("database: history: %w", err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		var uploaded, ended string
		d := &h.Document
		if err := rows.Scan(&d.Ref.Slot, &d.Ref.Row, &d.ObjectKey, &d.SHA256, &d.Size, &d.Pages, &d.FileName, &uploaded, &d.UploadedBy, &d.Rules, &ended, &h.EndedReason); err != nil {
			return nil, fmt.Errorf("database: read history: %w", err)
		}
		if err := c.k.open("file_name", &d.FileName); err != nil {
			return nil, err
		}
		if d.UploadedAt, err = parseTS(uploaded); err != nil {
			return nil, fmt.Errorf("database: history uploaded_at: %w", err)
		}
		if h.EndedAt, err = parseTS(ended); err != nil {
			return nil, fmt.Errorf("database: history ended_at: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// ReferencedKeys returns every object key a row points at (current
// documents, their history, built bundles): the objects that must be kept.
func (db *DB) ReferencedKeys(ctx context.Context) (map[string]bool, error) {
	rows, err := db.conn().query(ctx, `SELECT object_key FROM documents UNION SELECT object_key FROM document_history
		UNION SELECT object_key FROM document_sources UNION SELECT object_key FROM bundles WHERE object_key <> ''`)
	if err != nil {
		return nil, fmt.Errorf("database: referenced keys: %w", err)
	}
	defer rows.Close()
	keys := map[string]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("database: referenced keys: %w", err)
		}
		keys[k] = true
	}
	return keys, rows.Err()
}

// ObjectChecksums maps every object key a row points at (current
// documents, their history, their parts, built bundles) to the SHA-256
// recorded for its bytes.
func (db *DB) ObjectChecksums(ctx context.Context) (map[string]string, error) {
	rows, err := db.conn().query(ctx, `SELECT object_key, sha256 FROM documents UNION SELECT object_key, sha256 FROM document_history
		UNION SELECT object_key, sha256 FROM document_sources UNION SELECT object_key, sha256 FROM bundles WHERE object_key <> ''`)
	if err != nil {
		return nil, fmt.Errorf("database: object checksums: %w", err)
	}
	defer rows.Close()
	sums := map[string]string{}
	for rows.Next() {
		var k, sum string
		if err := rows.Scan(&k, &sum); err != nil {
			return nil, fmt.Errorf("database: object checksums: %w", err)
		}
		sums[k] = sum
	}
	return sums, rows.Err()
}

const sourceColumns = `id, document_key, position, object_key, kind, sha256, size, file_name, uploaded_at`

// Sources lists the original parts of an application's documents (current
// and past), by document object key, each in its order.
func (db *DB) Sources(ctx context.Context, appID string) (map[string][]dossier.Source, error) {
	c := db.conn()
	rows, err := c.query(ctx, `SELECT `+sourceColumns+` FROM document_sources WHERE application_id = ? ORDER BY document_key, position`, appID)
	if err != nil {
		return nil, fmt.Errorf("database: sources: %w", err)
	}
	defer rows.Close()
	out := map[string][]dossier.Source{}
	for rows.Next() {
		s, err := scanSource(rows, c.k)
		if err != nil {
			return nil, err
		}
		out[s.DocumentKey] = append(out[s.DocumentKey], s)
	}
	return out, rows.Err()
}

// Source reads one original part of an application's documents.
func (db *DB) Source(ctx context.Context, appID, id string) (dossier.Source, error) {
	s, err := scanSource(db.conn().queryRow(ctx, `SELECT `+sourceColumns+` FROM document_sources WHERE application_id = ? AND id = ?`, appID, id), db.keys)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("source %s of %s: %w", id, appID, ErrNotFound)
	}
	return s, err
}

func scanSource(s scanner, k *keys) (dossier.Source, error) {
	var src dossier.Source
	var uploaded string
	if err := s.Scan(&src.ID, &src.DocumentKey, &src.Position, &src.ObjectKey, &src.Kind, &src.SHA256, &src.Size, &src.FileName, &uploaded); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return src, err
		}
		return src, fmt.Errorf("database: read source: %w", err)
	}
	if err := k.open("file_name", &src.FileName); err != nil {
		return src, err
	}
	t, err := parseTS(uploaded)
	if err != nil {
		return src, fmt.Errorf("database: source uploaded_at: %w", err)
	}
	src.UploadedAt = t
	return src, nil
}
