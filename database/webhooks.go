package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Subscription is a webhook subscription.
type Subscription struct {
	ID          string
	UserID      string // who created it
	Role        string // the creator's role
	OrgID       string // the organization it belongs to (staff); '' otherwise
	URL         string
	Events      []string
	Description string
	Secret      string
	CreatedAt   time.Time
	// PreviousSecret, the one the last rotation replaced, signs deliveries
	// beside Secret until PreviousSecretExpiresAt; both are empty (zero)
	// when there is none.
	PreviousSecret          string
	PreviousSecretExpiresAt time.Time
}

// PreviousActive tells whether the previous secret still signs at now.
func (s Subscription) PreviousActive(now time.Time) bool {
	return s.PreviousSecret != "" && now.Before(s.PreviousSecretExpiresAt)
}

const subscriptionColumns = `id, user_id, role, org_id, url, events, description, secret, created_at, previous_secret, previous_secret_expires_at`

// CreateSubscription stores a new subscription.
func (db *DB) CreateSubscription(ctx context.Context, s Subscription) error {
	expires := ""
	if s.PreviousSecret != "" {
		expires = ts(s.PreviousSecretExpiresAt)
	}
	_, err := db.conn().exec(ctx, `INSERT INTO webhook_subscriptions (`+subscriptionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.UserID, s.Role, s.OrgID, s.URL, strings.Join(s.Events, ","), s.Description, s.Secret, ts(s.CreatedAt), s.PreviousSecret, expires)
	if err != nil {
		return fmt.Errorf("database: create subscription: %w", err)
	}
	return nil
}

func scanSubscription(row interface{ Scan(...any) error }) (Subscription, error) {
	var s Subscription
	var events, created, expires string
	if err := row.Scan(&s.ID, &s.UserID, &s.Role, &s.OrgID, &s.URL, &events, &s.Description, &s.Secret, &created, &s.PreviousSecret, &expires); err != nil {
		return s, err
	}
	if events != "" {
		s.Events = strings.Split(events, ",")
	}
	var err1, err2 error
	s.CreatedAt, err1 = parseTS(created)
	if expires != "" {
		s.PreviousSecretExpiresAt, err2 = parseTS(expires)
	}
	return s, errors.Join(err1, err2)
}

// Subscription reads one subscription.
func (db *DB) Subscription(ctx context.Context, id string) (Subscription, error) {
	s, err := scanSubscription(db.conn().queryRow(ctx, `SELECT `+subscriptionColumns+` FROM webhook_subscriptions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("subscription %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("database: subscription: %w", err)
	}
	return s, nil
}

// Subscriptions lists the subscriptions of an organization (org not
// empty) or else of a user, oldest first; with both empty, all of them.
func (db *DB) Subscriptions(ctx context.Context, userID, org string) ([]Subscription, error) {
	q, arg := `SELECT `+subscriptionColumns+` FROM webhook_subscriptions`, []any{}
	switch {
	case org != "":
		q, arg = q+` WHERE org_id = ?`, append(arg, org)
	case userID != "":
		q, arg = q+` WHERE user_id = ? AND org_id = ''`, append(arg, userID)
	}
	rows, err := db.conn().query(ctx, q+` ORDER BY created_at, id`, arg...)
	if err != nil {
		return nil, fmt.Errorf("database: subscriptions: %w", err)
	}
	defer rows.Close()
	out := []Subscription{}
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("database: subscription: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// RotateSubscriptionSecret makes secret the subscription's secret. The one
// it replaces becomes the previous secret, signing beside it until
// previousUntil; a previous secret from an earlier rotation is dropped. A
// zero previousUntil drops the replaced secret at once. The previous secret
// is taken from the row by the update itself, so that of two rotations at
// once the later keeps the earlier's secret, never a stale one.
func (db *DB) RotateSubscriptionSecret(ctx context.Context, id, secret string, previousUntil time.Time) (Subscription, error) {
	var out Subscription
	err := db.inTx(ctx, func(tx conn) error {
		previous, until := "secret", ts(previousUntil)
		if previousUntil.IsZero() {
			previous, until = "''", ""
		}
		res, err := tx.exec(ctx, `UPDATE webhook_subscriptions SET previous_secret = `+previous+`, previous_secret_expires_at = ?, secret = ?
			WHERE id = ?`, until, secret, id)
		if err != nil {
			return fmt.Errorf("database: rotate secret: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("subscription %s: %w", id, ErrNotFound)
		}
		out, err = scanSubscription(tx.queryRow(ctx, `SELECT `+subscriptionColumns+` FROM webhook_subscriptions WHERE id = ?`, id))
		if err != nil {
			return fmt.Errorf("database: subscription: %w", err)
		}
		return nil
	})
	return out, err
}

// ForgetPreviousSecrets clears the previous secrets expired at now: they
// sign nothing any more and need not be kept.
func (db *DB) ForgetPreviousSecrets(ctx context.Context, now time.Time) (int64, error) {
	res, err := db.conn().exec(ctx, `UPDATE webhook_subscriptions SET previous_secret = '', previous_secret_expires_at = ''
		WHERE previous_secret_expires_at <> '' AND previous_secret_expires_at <= ?`, ts(now))
	if err != nil {
		return 0, fmt.Errorf("database: forget previous secrets: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// DeleteSubscription removes a subscription with its deliveries.
func (db *DB) DeleteSubscription(ctx context.Context, id string) error {
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, `DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE subscription_id = ?)`, id); err != nil {
			return fmt.Errorf("database: delete attempts: %w", err)
		}
		if _, err := tx.exec(ctx, `DELETE FROM webhook_deliveries WHERE subscription_id = ?`, id); err != nil {
			return fmt.Errorf("database: delete deliveries: %w", err)
		}
		res, err := tx.exec(ctx, `DELETE FROM webhook_subscriptions WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("database: delete subscription: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("subscription %s: %w", id, ErrNotFound)
		}
		return nil
	})
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Delivery is one event on its way to one subscription.
type Delivery struct {
	ID             string
	SubscriptionID string
	EventID        string
	EventType      string
	ApplicationID  string
	Payload        []byte
	Status         string
	Attempts       int
	LastStatus     int
	LastError      string
	NextAttemptAt  time.Time // zero when none is planned
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Log            []Attempt // filled by Deliveries
}

// Attempt is one try of a delivery.
type Attempt struct {
	Attempt  int
	At       time.Time
	Status   int // HTTP status; 0: no answer
	Error    string
	Duration time.Duration
}

const deliveryColumns = `id, subscription_id, event_id, event_type, application_id, payload, status, attempts, last_status, last_error, next_attempt_at, created_at, updated_at`

// CreateDeliveryOnce records a pending delivery unless the subscription
// already has one of the event, and returns the one recorded (d, or the
// earlier one, whatever its status): a fan-out run again delivers nothing
// twice.
func (db *DB) CreateDeliveryOnce(ctx context.Context, d Delivery) (Delivery, error) {
	_, err := db.conn().exec(ctx, `INSERT INTO webhook_deliveries (`+deliveryColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, '', '', ?, ?)
		ON CONFLICT (subscription_id, event_id) DO NOTHING`,
		d.ID, d.SubscriptionID, d.EventID, d.EventType, d.ApplicationID, string(d.Payload), DeliveryPending, ts(d.CreatedAt), ts(d.CreatedAt))
	if err != nil {
		return d, fmt.Errorf("database: create delivery: %w", err)
	}
	got, err := scanDelivery(db.conn().queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE subscription_id = ? AND event_id = ?`,
		d.SubscriptionID, d.EventID))
	if err != nil {
		// Gone already: the subscription was deleted meanwhile.
		if errors.Is(err, sql.ErrNoRows) {
			return d, fmt.Errorf("delivery of %s: %w", d.EventID, ErrNotFound)
		}
		return d, fmt.Errorf("database: read delivery: %w", err)
	}
	return got, nil
}

// CreateDelivery records a pending delivery. An event already recorded
// for the subscription is ErrDuplicate.
func (db *DB) CreateDelivery(ctx context.Context, d Delivery) error {
	_, err := db.conn().exec(ctx, `INSERT INTO webhook_deliveries (`+deliveryColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, '', '', ?, ?)`,
		d.ID, d.SubscriptionID, d.EventID, d.EventType, d.ApplicationID, string(d.Payload), DeliveryPending, ts(d.CreatedAt), ts(d.CreatedAt))
	if uniqueViolation(err) {
		return fmt.Errorf("delivery of %s: %w", d.EventID, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("database: create delivery: %w", err)
	}
	return nil
}

func scanDelivery(row interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	var payload, next, created, updated string
	if err := row.Scan(&d.ID, &d.SubscriptionID, &d.EventID, &d.EventType, &d.ApplicationID, &payload, &d.Status, &d.Attempts,
		&d.LastStatus, &d.LastError, &next, &created, &updated); err != nil {
		return d, err
	}
	d.Payload = []byte(payload)
	var err1, err2, err3 error
	if next != "" {
		d.NextAttemptAt, err1 = parseTS(next)
	}
	d.CreatedAt, err2 = parseTS(created)
	d.UpdatedAt, err3 = parseTS(updated)
	return d, errors.Join(err1, err2, err3)
}

// Delivery reads one delivery.
func (db *DB) Delivery(ctx context.Context, id string) (Delivery, error) {
	d, err := scanDelivery(db.conn().queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("delivery %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("database: delivery: %w", err)
	}
	return d, nil
}

// Deliveries lists a subscription's deliveries, newest first, with their
// attempts.
func (db *DB) Deliveries(ctx context.Context, subscriptionID string, limit int) ([]Delivery, error) {
	rows, err := db.conn().query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE subscription_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, subscriptionID, limit)
	if err != nil {
		return nil, fmt.Errorf("database: deliveries: %w", err)
	}
	out := []Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("database: delivery: %w", err)
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("database: deliveries: %w", err)
	}
	for i := range out {
		if out[i].Log, err = db.attempts(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (db *DB) attempts(ctx context.Context, deliveryID string) ([]Attempt, error) {
	rows, err := db.conn().query(ctx, `SELECT attempt, at, status, error, duration_ms FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("database: attempts: %w", err)
	}
	defer rows.Close()
	out := []Attempt{}
	for rows.Next() {
		var a Attempt
		var at string
		var ms int64
		if err := rows.Scan(&a.Attempt, &at, &a.Status, &a.Error, &ms); err != nil {
			return nil, fmt.Errorf("database: attempt: %w", err)
		}
		a.Duration = time.Duration(ms) * time.Millisecond
		if a.At, err = parseTS(at); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// RecordAttempt adds an attempt to a delivery's log and sets the
// delivery's state (status, and when the next attempt is due; zero: none).
func (db *DB) RecordAttempt(ctx context.Context, deliveryID string, a Attempt, status string, next time.Time) error {
	return db.inTx(ctx, func(tx conn) error {
		nextAt := ""
		if !next.IsZero() {
			nextAt = ts(next)
		}
		res, err := tx.exec(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = ?, last_status = ?, last_error = ?, next_attempt_at = ?, updated_at = ?
			WHERE id = ?`, status, a.Attempt, a.Status, a.Error, nextAt, ts(a.At), deliveryID)
		if err != nil {
			return fmt.Errorf("database: update delivery: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("delivery %s: %w", deliveryID, ErrNotFound)
		}
		// A job retried after its worker died may repeat an attempt
		// number: the later record wins.
		if _, err := tx.exec(ctx, `DELETE FROM webhook_attempts WHERE delivery_id = ? AND attempt = ?`, deliveryID, a.Attempt); err != nil {
			return fmt.Errorf("database: record attempt: %w", err)
		}
		if _, err := tx.exec(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)`,
			deliveryID, a.Attempt, ts(a.At), a.Status, a.Error, a.Duration.Milliseconds()); err != nil {
			return fmt.Errorf("database: record attempt: %w", err)
		}
		return nil
	})
}

// FailDelivery ends a delivery that will not be attempted (again).
func (db *DB) FailDelivery(ctx context.Context, deliveryID, reason string, at time.Time) error {
	_, err := db.conn().exec(ctx, `UPDATE webhook_deliveries SET status = ?, last_error = ?, next_attempt_at = '', updated_at = ? WHERE id = ?`,
		DeliveryFailed, reason, ts(at), deliveryID)
	if err != nil {
		return fmt.Errorf("database: fail delivery: %w", err)
	}
	return nil
}

// Readiness is the readiness last recorded of an application.
type Readiness struct {
	Recorded bool  // never recorded: counts as not ready
	Ready    bool  // ready to submit
	Version  int64 // counts every recording
}

// ErrReadinessMoved: another recording came between reading the readiness
// and recording a new one; read and evaluate again.
var ErrReadinessMoved = errors.New("database: readiness recorded by someone else meanwhile")

// ReadinessOf reads the readiness last recorded of an application.
func (db *DB) ReadinessOf(ctx context.Context, appID string) (Readiness, error) {
	var r Readiness
	var ready int64
	err := db.conn().queryRow(ctx, `SELECT ready, version FROM readiness_state WHERE application_id = ?`, appID).Scan(&ready, &r.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return Readiness{}, nil
	}
	if err != nil {
		return Readiness{}, fmt.Errorf("database: read readiness: %w", err)
	}
	// Version 0: the row written with the application, never evaluated.
	r.Recorded, r.Ready = r.Version > 0, ready != 0
	return r, nil
}

// SetReadiness records an evaluation of an application's readiness with
// its summary (see Summary), over the readiness seen before it was
// evaluated, and tells whether the verdict changed. ErrReadinessMoved if
// another recording came in between: this evaluation may be older than
// that one and must not overwrite it. onChange, if not nil, runs in the
// same transaction when the verdict changed (the event that says so).
func (db *DB) SetReadiness(ctx context.Context, appID string, sum Summary, at time.Time, seen Readiness, onChange TxHook) (changed bool, err error) {
	if onChange == nil {
		return db.setReadiness(ctx, db.conn(), appID, sum, at, seen)
	}
	err = db.inTx(ctx, func(tx conn) error {
		if changed, err = db.setReadiness(ctx, tx, appID, sum, at, seen); err != nil || !changed {
			return err
		}
		return onChange(ctx, tx.tx)
	})
	return changed && err == nil, err
}

func (db *DB) setReadiness(ctx context.Context, c conn, appID string, sum Summary, at time.Time, seen Readiness) (changed bool, err error) {
	var res sql.Result
	if err := db.ready(ctx); err != nil {
		return false, err
	}
	cols := c.k.summaryArgs(sum)
	if seen.Recorded {
		res, err = c.exec(ctx, `UPDATE readiness_state SET ready = ?, blocking = ?, due_on = ?, expires_on = ?, search_text = ?, snils_hash = ?,
			summarized = 1, updated_at = ?, version = version + 1 WHERE application_id = ? AND version = ?`,
			append(cols, ts(at), appID, seen.Version)...)
	} else {
		// The first evaluation: over the row written with the application
		// (version 0), or a new row for one written before those were.
		res, err = c.exec(ctx, `INSERT INTO readiness_state (ready, blocking, due_on, expires_on, search_text, snils_hash, summarized, updated_at, version, application_id)
			VALUES (?, ?, ?, ?, ?, ?, 1, ?, 1, ?) ON CONFLICT (application_id) DO UPDATE SET ready = excluded.ready, blocking = excluded.blocking,
			due_on = excluded.due_on, expires_on = excluded.expires_on, search_text = excluded.search_text, snils_hash = excluded.snils_hash,
			summarized = 1, updated_at = excluded.updated_at, version = 1 WHERE readiness_state.version = 0`,
			append(cols, ts(at), appID)...)
	}
	if err != nil {
		return false, fmt.Errorf("database: record readiness: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return false, fmt.Errorf("database: record readiness: %w", err)
	} else if n == 0 {
		return false, ErrReadinessMoved
	}
	return sum.Ready != seen.Ready, nil
}

// UnsentDeliveries lists pending deliveries never attempted and recorded
// before t: their job may have been lost (the process died between the
// row and the job).
func (db *DB) UnsentDeliveries(ctx context.Context, before time.Time, limit int) ([]string, error) {
	rows, err := db.conn().query(ctx, `SELECT id FROM webhook_deliveries WHERE status = ? AND attempts = 0 AND created_at < ? ORDER BY created_at LIMIT ?`,
		DeliveryPending, ts(before), limit)
	if err != nil {
		return nil, fmt.Errorf("database: unsent deliveries: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("database: unsent delivery: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
