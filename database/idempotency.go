package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// IdempotentAnswer is the stored answer to a request made with an
// idempotency key; Status 0 means the first request is still running.
type IdempotentAnswer struct {
	Fingerprint string
	Status      int
	ContentType string
	Body        []byte
	CreatedAt   time.Time
}

// ClaimIdempotencyKey records that a request with key is starting, unless
// the key is already used in scope: then it returns that use (ok false).
// Keys older than ttl, and claims left running longer than stale (a
// process that died mid-request), are forgotten first.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, scope, key, fingerprint string, now time.Time, ttl, stale time.Duration) (prev IdempotentAnswer, ok bool, err error) {
	c := db.conn()
	if _, err := c.exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < ? OR (status = 0 AND created_at < ?)`,
		ts(now.Add(-ttl)), ts(now.Add(-stale))); err != nil {
		return prev, false, fmt.Errorf("database: expire idempotency keys: %w", err)
	}
	res, err := c.exec(ctx, `INSERT INTO idempotency_keys (scope, key, fingerprint, status, content_type, body, created_at)
		VALUES (?, ?, ?, 0, '', ?, ?) ON CONFLICT (scope, key) DO NOTHING`, scope, key, fingerprint, []byte{}, ts(now))
	if err != nil {
		return prev, false, fmt.Errorf("database: claim idempotency key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return prev, true, nil
	}
	var created string
	err = c.queryRow(ctx, `SELECT fingerprint, status, content_type, body, created_at FROM idempotency_keys WHERE scope = ? AND key = ?`, scope, key).
		Scan(&prev.Fingerprint, &prev.Status, &prev.ContentType, &prev.Body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		// Expired between the insert and the read: claim again.
		return db.ClaimIdempotencyKey(ctx, scope, key, fingerprint, now, ttl, stale)
	}
	if err != nil {
		return prev, false, fmt.Errorf("database: read idempotency key: %w", err)
	}
	if body := string(prev.Body); strings.HasPrefix(body, sealedPrefix) {
		if err := c.k.open("idempotency.body", &body); err != nil {
			return prev, false, err
		}
		prev.Body = []byte(body)
	}
	prev.CreatedAt, err = parseTS(created)
	return prev, false, err
}

// SaveIdempotentAnswer stores the answer of a claimed request.
// The answer (an application with its person's data) is sealed like the
// personal columns.
func (db *DB) SaveIdempotentAnswer(ctx context.Context, scope, key string, status int, contentType string, body []byte) error {
	if err := db.ready(ctx); err != nil {
		return err
	}
	_, err := db.conn().exec(ctx, `UPDATE idempotency_keys SET status = ?, content_type = ?, body = ? WHERE scope = ? AND key = ?`,
		status, contentType, []byte(db.keys.seal("idempotency.body", string(body))), scope, key)
	if err != nil {
		return fmt.Errorf("database: save idempotent answer: %w", err)
	}
	return nil
}

// ReleaseIdempotencyKey forgets a claim whose request failed in a way worth
// retrying (the service or a backend was unavailable).
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, scope, key string) error {
	if _, err := db.conn().exec(ctx, `DELETE FROM idempotency_keys WHERE scope = ? AND key = ?`, scope, key); err != nil {
		return fmt.Errorf("database: release idempotency key: %w", err)
	}
	return nil
}
