package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"accredpack/dossier"
)

const bundleColumns = `id, application_id, kind, draft, status, error, done_items, total_items, attempts, build_run,
	object_key, size, sha256, created_at, updated_at`

// CreateBundle inserts a queued bundle.
func (db *DB) CreateBundle(ctx context.Context, b *dossier.Bundle) error {
	_, err := db.conn().exec(ctx, `INSERT INTO bundles (`+bundleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.ApplicationID, b.Kind, boolInt(b.Draft), b.Status, b.Error, b.Done, b.Total, b.Attempts, b.Run,
		b.ObjectKey, b.Size, b.SHA256, ts(b.CreatedAt), ts(b.UpdatedAt))
	if err != nil {
		return fmt.Errorf("database: insert bundle: %w", err)
	}
	return nil
}

func scanBundle(s scanner) (*dossier.Bundle, error) {
	var b dossier.Bundle
	var draft int64
	var created, updated string
	err := s.Scan(&b.ID, &b.ApplicationID, &b.Kind, &draft, &b.Status, &b.Error, &b.Done, &b.Total, &b.Attempts, &b.Run,
		&b.ObjectKey, &b.Size, &b.SHA256, &created, &updated)
	if err != nil {
		return nil, err
	}
	b.Draft = draft != 0
	if b.CreatedAt, err = parseTS(created); err != nil {
		return nil, fmt.Errorf("database: bundle created_at: %w", err)
	}
	if b.UpdatedAt, err = parseTS(updated); err != nil {
		return nil, fmt.Errorf("database: bundle updated_at: %w", err)
	}
	return &b, nil
}

// GetBundle reads one bundle.
func (db *DB) GetBundle(ctx context.Context, id string) (*dossier.Bundle, error) {
	b, err := scanBundle(db.conn().queryRow(ctx, `SELECT `+bundleColumns+` FROM bundles WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("bundle %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("database: read bundle: %w", err)
	}
	return b, nil
}

// Bundles lists an application's bundles, newest first.
func (db *DB) Bundles(ctx context.Context, appID string) ([]*dossier.Bundle, error) {
	return queryAll(ctx, db.conn(), "list bundles", scanBundle,
		`SELECT `+bundleColumns+` FROM bundles WHERE application_id = ? ORDER BY created_at DESC, id DESC`, appID)
}

// BundleUpdate changes some fields of a bundle; nil fields stay.
type BundleUpdate struct {
	Status       *string
	Error        *string
	Done, Total  *int
	AddAttempt   bool
	Run          *int64 // a new build run (see dossier.Bundle.Run)
	ObjectKey    *string
	Size         *int64
	SHA256       *string
	OnlyIfStatus []string // refuse the update unless the bundle is in one of these
	OnlyIfRun    *int64   // refuse the update unless the bundle belongs to this run
	// Then, if not nil, runs in the update's transaction once the update
	// applied: the event it causes commits with it or not at all.
	Then TxHook
}

// ErrBundleState reports an update refused by OnlyIfStatus.
var ErrBundleState = errors.New("database: bundle is not in the expected state")

// UpdateBundle applies u at time at.
func (db *DB) UpdateBundle(ctx context.Context, id string, at time.Time, u BundleUpdate) error {
	q := `UPDATE bundles SET updated_at = ?`
	args := []any{ts(at)}
	set := func(col string, v any) {
		q += ", " + col + " = ?"
		args = append(args, v)
	}
	if u.Status != nil {
		set("status", *u.Status)
	}
	if u.Error != nil {
		set("error", *u.Error)
	}
	if u.Done != nil {
		set("done_items", *u.Done)
	}
	if u.Total != nil {
		set("total_items", *u.Total)
	}
	if u.AddAttempt {
		q += ", attempts = attempts + 1"
	}
	if u.Run != nil {
		set("build_run", *u.Run)
	}
	if u.ObjectKey != nil {
		set("object_key", *u.ObjectKey)
	}
	if u.Size != nil {
		set("size", *u.Size)
	}
	if u.SHA256 != nil {
		set("sha256", *u.SHA256)
	}
	q += ` WHERE id = ?`
	args = append(args, id)
	if u.OnlyIfRun != nil {
		q += ` AND build_run = ?`
		args = append(args, *u.OnlyIfRun)
	}
	if len(u.OnlyIfStatus) > 0 {
		q += ` AND status IN (?` + repeat(", ?", len(u.OnlyIfStatus)-1) + `)`
		for _, s := range u.OnlyIfStatus {
			args = append(args, s)
		}
	}
	update := func(c conn) error {
		res, err := c.exec(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("database: update bundle: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return ErrBundleState
		}
		if u.Then != nil {
			return u.Then(ctx, c.tx)
		}
		return nil
	}
	var err error
	if u.Then == nil {
		err = update(db.conn())
	} else {
		err = db.inTx(ctx, update)
	}
	if errors.Is(err, ErrBundleState) {
		if _, gerr := db.GetBundle(ctx, id); gerr != nil {
			return gerr
		}
	}
	return err
}

func repeat(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out
}

// UnfinishedBundles lists bundles queued or running with their build runs.
func (db *DB) UnfinishedBundles(ctx context.Context) ([]dossier.Bundle, error) {
	rows, err := db.conn().query(ctx, `SELECT id, build_run, status, attempts, updated_at FROM bundles WHERE status IN ('queued', 'running')`)
	if err != nil {
		return nil, fmt.Errorf("database: unfinished bundles: %w", err)
	}
	defer rows.Close()
	var out []dossier.Bundle
	for rows.Next() {
		var b dossier.Bundle
		var updated string
		if err := rows.Scan(&b.ID, &b.Run, &b.Status, &b.Attempts, &updated); err != nil {
			return nil, fmt.Errorf("database: unfinished bundles: %w", err)
		}
		if b.UpdatedAt, err = parseTS(updated); err != nil {
			return nil, fmt.Errorf("database: bundle updated_at: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
