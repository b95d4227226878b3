package database

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SetUserDisabled disables a user at at (nil: enables them again) and
// answers the user as stored. Disabling ends every session of the user in
// the same transaction, so that enabling later revives none of them; API
// keys stay as they are, refused while the user is disabled (see the
// accounts package). An unknown user is ErrNotFound.
func (db *DB) SetUserDisabled(ctx context.Context, id string, at *time.Time) (User, error) {
	var u User
	err := db.inTx(ctx, func(tx conn) error {
		res, err := tx.exec(ctx, `UPDATE users SET disabled_at = ? WHERE id = ?`, nullTS(at), id)
		if err != nil {
			return fmt.Errorf("database: set user disabled: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("user %s: %w", id, ErrNotFound)
		}
		if at != nil {
			if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return fmt.Errorf("database: end sessions of a disabled user: %w", err)
			}
		}
		u, err = scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id), tx.k)
		if err != nil {
			return fmt.Errorf("database: read user: %w", err)
		}
		return nil
	})
	return u, err
}

// OwnedAPIKey is a key with the account it acts as, for administrators.
type OwnedAPIKey struct {
	APIKey
	OwnerEmail string `json:"owner_email"`
	OwnerName  string `json:"owner_name"`
	OwnerRole  string `json:"owner_role"`
	// OwnerDisabled: the owner's account is disabled, so the key is refused
	// whatever its own state.
	OwnerDisabled bool `json:"owner_disabled"`
}

// AllAPIKeys lists every key of every account, newest first.
func (db *DB) AllAPIKeys(ctx context.Context) ([]OwnedAPIKey, error) {
	return queryAll(ctx, db.conn(), "list every API key", func(s scanner) (OwnedAPIKey, error) {
		var k OwnedAPIKey
		var disabled sql.NullString
		key, err := scanKey(extraScanner{s, []any{&k.OwnerEmail, &k.OwnerName, &k.OwnerRole, &disabled}})
		k.APIKey, k.OwnerDisabled = key, disabled.Valid
		if err == nil {
			err = db.keys.openUser(&k.OwnerEmail, &k.OwnerName)
		}
		return k, err
	}, `SELECT `+prefixed("k.", keyColumns)+`, u.email, u.name, u.role, u.disabled_at
		FROM api_keys k JOIN users u ON u.id = k.user_id ORDER BY k.created_at DESC, k.id`)
}
