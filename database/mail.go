package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Purposes of e-mail tokens.
const (
	TokenConfirm = "confirm"
	TokenReset   = "reset"
	TokenInvite  = "invite"
)

// Errors of a token that cannot be used (an unknown one is ErrNotFound).
var (
	ErrTokenUsed    = errors.New("database: token already used")
	ErrTokenExpired = errors.New("database: token expired")
	// ErrOwned: the application of an invitation already has an owner.
	ErrOwned = errors.New("database: application already has an owner")
)

// EmailToken is a one-time token sent by e-mail; only its hash is kept.
type EmailToken struct {
	TokenHash     string
	Purpose       string
	UserID        string
	ApplicationID string
	Email         string
	CreatedBy     string
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// CreateEmailToken inserts a token.
func (db *DB) CreateEmailToken(ctx context.Context, t EmailToken) error {
	_, err := db.conn().exec(ctx, `INSERT INTO email_tokens (token_hash, purpose, user_id, application_id, email, created_by, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.TokenHash, t.Purpose, t.UserID, t.ApplicationID, db.keys.seal("email_tokens.email", t.Email), t.CreatedBy, ts(t.CreatedAt), ts(t.ExpiresAt))
	if err != nil {
		return fmt.Errorf("database: insert e-mail token: %w", err)
	}
	return nil
}

// useToken marks a token of purpose used at now by by, in tx, and returns
// it: ErrNotFound, ErrTokenUsed or ErrTokenExpired when it cannot be.
func useToken(ctx context.Context, tx conn, hash, purpose string, now time.Time, by string) (EmailToken, error) {
	t := EmailToken{TokenHash: hash, Purpose: purpose}
	var created, expires string
	var used sql.NullString
	err := tx.queryRow(ctx, `SELECT user_id, application_id, email, created_by, created_at, expires_at, used_at FROM email_tokens
		WHERE token_hash = ? AND purpose = ?`+tx.forUpdate(), hash, purpose).Scan(&t.UserID, &t.ApplicationID, &t.Email, &t.CreatedBy, &created, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("e-mail token: %w", ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("database: read e-mail token: %w", err)
	}
	if err := tx.k.open("email_tokens.email", &t.Email); err != nil {
		return t, err
	}
	if t.CreatedAt, err = parseTS(created); err == nil {
		t.ExpiresAt, err = parseTS(expires)
	}
	if err != nil {
		return t, fmt.Errorf("database: read e-mail token: %w", err)
	}
	switch {
	case used.Valid:
		return t, ErrTokenUsed
	case !t.ExpiresAt.After(now):
		return t, ErrTokenExpired
	}
	if _, err := tx.exec(ctx, `UPDATE email_tokens SET used_at = ?, used_by = ? WHERE token_hash = ?`, ts(now), by, hash); err != nil {
		return t, fmt.Errorf("database: use e-mail token: %w", err)
	}
	return t, nil
}

// ConfirmEmail uses a confirmation token and marks its user's address
// confirmed; it returns the user's id.
func (db *DB) ConfirmEmail(ctx context.Context, hash string, now time.Time) (string, error) {
	var userID string
	err := db.inTx(ctx, func(tx conn) error {
		t, err := useToken(ctx, tx, hash, TokenConfirm, now, "")
		if err != nil {
			return err
		}
		userID = t.UserID
		_, err = tx.exec(ctx, `UPDATE users SET email_confirmed_at = COALESCE(email_confirmed_at, ?) WHERE id = ? AND email_hash = ?`, ts(now), t.UserID, tx.k.emailHash(t.Email))
		if err != nil {
			return fmt.Errorf("database: confirm e-mail: %w", err)
		}
		return nil
	})
	return userID, err
}

// SetEmailConfirmed marks a user's address confirmed (when no e-mail can
// be sent to confirm it).
func (db *DB) SetEmailConfirmed(ctx context.Context, userID string, at time.Time) error {
	_, err := db.conn().exec(ctx, `UPDATE users SET email_confirmed_at = COALESCE(email_confirmed_at, ?) WHERE id = ?`, ts(at), userID)
	if err != nil {
		return fmt.Errorf("database: confirm e-mail: %w", err)
	}
	return nil
}

// EmailConfirmed tells whether a user's address is confirmed.
func (db *DB) EmailConfirmed(ctx context.Context, userID string) (bool, error) {
	var at sql.NullString
	err := db.conn().queryRow(ctx, `SELECT email_confirmed_at FROM users WHERE id = ?`, userID).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("user %s: %w", userID, ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("database: read e-mail confirmation: %w", err)
	}
	return at.Valid, nil
}

// ResetPassword uses a reset token: the user's password hash becomes hash
// and every session of the user ends, in one transaction. It returns the
// user's id. Following the link also proves the address.
func (db *DB) ResetPassword(ctx context.Context, tokenHash, hash string, now time.Time) (string, error) {
	var userID string
	err := db.inTx(ctx, func(tx conn) error {
		t, err := useToken(ctx, tx, tokenHash, TokenReset, now, "")
		if err != nil {
			return err
		}
		userID = t.UserID
		res, err := tx.exec(ctx, `UPDATE users SET password_hash = ?, email_confirmed_at = COALESCE(email_confirmed_at, ?) WHERE id = ? AND email_hash = ?`,
			hash, ts(now), t.UserID, tx.k.emailHash(t.Email))
		if err != nil {
			return fmt.Errorf("database: set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			// The address changed since the link was sent.
			return fmt.Errorf("user of a reset token: %w", ErrNotFound)
		}
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, t.UserID); err != nil {
			return fmt.Errorf("database: end sessions: %w", err)
		}
		return nil
	})
	return userID, err
}

// EndSessions ends every session of a user and returns how many.
func (db *DB) EndSessions(ctx context.Context, userID string) (int64, error) {
	res, err := db.conn().exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	if err != nil {
		return 0, fmt.Errorf("database: end sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// RedeemInvitation uses an invitation token for userID: the application
// it names becomes theirs, if it has no owner yet (else ErrOwned, and the
// token stays unused). Grants stay as they are. It returns the
// application's id.
func (db *DB) RedeemInvitation(ctx context.Context, hash, userID string, now time.Time) (string, error) {
	var appID string
	err := db.inTx(ctx, func(tx conn) error {
		t, err := useToken(ctx, tx, hash, TokenInvite, now, userID)
		appID = t.ApplicationID
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE applications SET owner = ? WHERE id = ? AND owner = ''`, userID, t.ApplicationID)
		if err != nil {
			return fmt.Errorf("database: take over application: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var owner string
			err := tx.queryRow(ctx, `SELECT owner FROM applications WHERE id = ?`, t.ApplicationID).Scan(&owner)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("application of an invitation: %w", ErrNotFound)
			}
			return ErrOwned
		}
		return nil
	})
	return appID, err
}

// ApplicationIDs lists application ids in id order after the given one
// ("" for the first), at most limit.
func (db *DB) ApplicationIDs(ctx context.Context, after string, limit int) ([]string, error) {
	return queryAll(ctx, db.conn(), "application ids", func(s scanner) (string, error) {
		var id string
		err := s.Scan(&id)
		return id, err
	}, `SELECT id FROM applications WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
}

// Reminder names one reminder of an application.
type Reminder struct {
	ApplicationID string
	Kind          string
	ConcernsOn    string // YYYY-MM-DD
	Detail        string // the stage of a stage reminder
}

// ReminderSent tells whether a reminder was sent to a user.
func (db *DB) ReminderSent(ctx context.Context, r Reminder, userID string) (bool, error) {
	var one int
	err := db.conn().queryRow(ctx, `SELECT 1 FROM reminders_sent WHERE application_id = ? AND kind = ? AND concerns_on = ? AND detail = ? AND user_id = ?`,
		r.ApplicationID, r.Kind, r.ConcernsOn, r.Detail, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("database: read sent reminder: %w", err)
	}
	return true, nil
}

// RecordReminder records a reminder sent to a user (again: no change).
func (db *DB) RecordReminder(ctx context.Context, r Reminder, userID string, at time.Time) error {
	_, err := db.conn().exec(ctx, `INSERT INTO reminders_sent (application_id, kind, concerns_on, detail, user_id, sent_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (application_id, kind, concerns_on, detail, user_id) DO NOTHING`, r.ApplicationID, r.Kind, r.ConcernsOn, r.Detail, userID, ts(at))
	if err != nil {
		return fmt.Errorf("database: record sent reminder: %w", err)
	}
	return nil
}

// CreateUnsubscribeToken inserts the token of an unsubscription link.
func (db *DB) CreateUnsubscribeToken(ctx context.Context, hash, userID string, at time.Time) error {
	_, err := db.conn().exec(ctx, `INSERT INTO unsubscribe_tokens (token_hash, user_id, created_at) VALUES (?, ?, ?)`, hash, userID, ts(at))
	if err != nil {
		return fmt.Errorf("database: insert unsubscribe token: %w", err)
	}
	return nil
}

// Unsubscribe records that the person of an unsubscription token wants
// no more reminders (again: no change); ErrNotFound for an unknown token.
func (db *DB) Unsubscribe(ctx context.Context, hash string, at time.Time) (string, error) {
	var userID string
	err := db.conn().queryRow(ctx, `SELECT user_id FROM unsubscribe_tokens WHERE token_hash = ?`, hash).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("unsubscribe token: %w", ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("database: read unsubscribe token: %w", err)
	}
	_, err = db.conn().exec(ctx, `INSERT INTO mail_opt_outs (user_id, created_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING`, userID, ts(at))
	if err != nil {
		return "", fmt.Errorf("database: record unsubscription: %w", err)
	}
	return userID, nil
}

// OptedOut tells whether a user asked for no more reminders.
func (db *DB) OptedOut(ctx context.Context, userID string) (bool, error) {
	var one int
	err := db.conn().queryRow(ctx, `SELECT 1 FROM mail_opt_outs WHERE user_id = ?`, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("database: read unsubscription: %w", err)
	}
	return true, nil
}
