package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Organization is a consultancy or a training center.
type Organization struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
}

// User is a person's account.
type User struct {
	ID           string     `json:"id"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	Role         string     `json:"role"`
	OrgID        string     `json:"organization_id,omitempty"`
	PasswordHash string     `json:"-"`
	CreatedAt    time.Time  `json:"created_at"`
	DisabledAt   *time.Time `json:"disabled_at,omitempty"`
}

// Session is a login.
type Session struct {
	TokenHash string
	UserID    string
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
	// PasswordHash, when set, is the hash the login's password was
	// verified against: the session is created only while it is still the
	// user's (a password changed meanwhile refuses it).
	PasswordHash string
}

// APIKey is a bearer key of an integration; only its hash is kept.
type APIKey struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	SecretHash string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	// Scope is what the key may do: KeyScopeFull, KeyScopeRead or
	// KeyScopeImport.
	Scope string `json:"scope"`
	// ExpiresAt is when the key stops working; nil: never.
	ExpiresAt *time.Time `json:"expires_at"`
}

// Scopes of an API key.
const (
	KeyScopeFull   = "full"   // every action of its owner
	KeyScopeRead   = "read"   // reading only
	KeyScopeImport = "import" // the certificate import, and what it reads
)

// Grant is an application shared with an organization.
type Grant struct {
	ApplicationID string    `json:"application_id"`
	OrgID         string    `json:"organization_id"`
	OrgName       string    `json:"organization_name"`
	OrgKind       string    `json:"organization_kind"`
	CreatedAt     time.Time `json:"created_at"`
	CreatedBy     string    `json:"created_by"`
}

// ShareCode is a one-time code that shares an application.
type ShareCode struct {
	CodeHash      string
	ApplicationID string
	CreatedBy     string
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

func nullTS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

func scanNullTS(v sql.NullString) (*time.Time, error) {
	if !v.Valid {
		return nil, nil
	}
	t, err := parseTS(v.String)
	return &t, err
}

// CreateOrganization inserts an organization.
func (db *DB) CreateOrganization(ctx context.Context, o Organization) error {
	_, err := db.conn().exec(ctx, `INSERT INTO organizations (id, name, kind, created_at) VALUES (?, ?, ?, ?)`,
		o.ID, o.Name, o.Kind, ts(o.CreatedAt))
	if err != nil {
		return fmt.Errorf("database: insert organization: %w", err)
	}
	return nil
}

func scanOrganization(s scanner) (Organization, error) {
	var o Organization
	var created string
	if err := s.Scan(&o.ID, &o.Name, &o.Kind, &created); err != nil {
		return o, err
	}
	var err error
	o.CreatedAt, err = parseTS(created)
	return o, err
}

// Organization reads one organization.
func (db *DB) Organization(ctx context.Context, id string) (Organization, error) {
	o, err := scanOrganization(db.conn().queryRow(ctx, `SELECT id, name, kind, created_at FROM organizations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("organization %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return o, fmt.Errorf("database: read organization: %w", err)
	}
	return o, nil
}

// Organizations lists every organization by name.
func (db *DB) Organizations(ctx context.Context) ([]Organization, error) {
	return queryAll(ctx, db.conn(), "list organizations", scanOrganization, `SELECT id, name, kind, created_at FROM organizations ORDER BY name, id`)
}

const userColumns = `id, email, name, role, organization_id, password_hash, created_at, disabled_at`

// CreateUser inserts a user; an e-mail already taken is ErrDuplicate.
func (db *DB) CreateUser(ctx context.Context, u User) error {
	var org any
	if u.OrgID != "" {
		org = u.OrgID
	}
	if err := db.ready(ctx); err != nil {
		return err
	}
	k := db.keys
	_, err := db.conn().exec(ctx, `INSERT INTO users (`+userColumns+`, email_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, k.seal("users.email", u.Email), k.seal("users.name", u.Name), u.Role, org, u.PasswordHash, ts(u.CreatedAt), nullTS(u.DisabledAt),
		k.emailHash(u.Email))
	if uniqueViolation(err) {
		return fmt.Errorf("user e-mail: %w", ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("database: insert user: %w", err)
	}
	return nil
}

func scanUser(s scanner, k *keys) (User, error) {
	var u User
	var org, disabled sql.NullString
	var created string
	if err := s.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &org, &u.PasswordHash, &created, &disabled); err != nil {
		return u, err
	}
	if err := k.openUser(&u.Email, &u.Name); err != nil {
		return u, err
	}
	u.OrgID = org.String
	var err error
	if u.CreatedAt, err = parseTS(created); err != nil {
		return u, err
	}
	u.DisabledAt, err = scanNullTS(disabled)
	return u, err
}

func (db *DB) userWhere(ctx context.Context, where string, arg any) (User, error) {
	u, err := scanUser(db.conn().queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg), db.keys)
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user: %w", ErrNotFound)
	}
	if err != nil {
		return u, fmt.Errorf("database: read user: %w", err)
	}
	return u, nil
}

// UserByEmail reads the user with a (lower-case) e-mail.
func (db *DB) UserByEmail(ctx context.Context, email string) (User, error) {
	if err := db.ready(ctx); err != nil {
		return User{}, err
	}
	return db.userWhere(ctx, "email_hash = ?", db.keys.emailHash(email))
}

// User reads one user.
func (db *DB) User(ctx context.Context, id string) (User, error) {
	return db.userWhere(ctx, "id = ?", id)
}

// Users lists every user by e-mail (sorted here: e-mails are sealed).
func (db *DB) Users(ctx context.Context) ([]User, error) {
	users, err := queryAll(ctx, db.conn(), "list users", func(s scanner) (User, error) { return scanUser(s, db.keys) }, `SELECT `+userColumns+` FROM users`)
	slices.SortFunc(users, func(a, b User) int { return strings.Compare(a.Email+"\x00"+a.ID, b.Email+"\x00"+b.ID) })
	return users, err
}

// CreateSession inserts a session. With s.PasswordHash it reads the user's
// row locked and inserts only if that is still the password hash and the
// user is not disabled, else ErrNotFound: a login verified against a
// password that a change has just replaced, or of a user disabled
// meanwhile, opens nothing, whichever of the two commits first.
func (db *DB) CreateSession(ctx context.Context, s Session) error {
	if s.PasswordHash == "" {
		_, err := db.conn().exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			s.TokenHash, s.UserID, s.CSRFToken, ts(s.CreatedAt), ts(s.ExpiresAt))
		if err != nil {
			return fmt.Errorf("database: insert session: %w", err)
		}
		return nil
	}
	return db.inTx(ctx, func(tx conn) error {
		var id string
		err := tx.queryRow(ctx, `SELECT id FROM users WHERE id = ? AND password_hash = ? AND disabled_at IS NULL`+tx.forUpdate(), s.UserID, s.PasswordHash).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("session of %s: password changed: %w", s.UserID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("database: read user for a session: %w", err)
		}
		_, err = tx.exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			s.TokenHash, s.UserID, s.CSRFToken, ts(s.CreatedAt), ts(s.ExpiresAt))
		if err != nil {
			return fmt.Errorf("database: insert session: %w", err)
		}
		return nil
	})
}

// SetPassword replaces a user's password hash old (the one the current
// password was verified against) with hash, and ends every session of the
// user except the one whose token hash is keep (empty: all of them), in one
// transaction. It answers how many sessions ended. An unknown user, or a
// hash that is no longer old (another change came first), is ErrNotFound.
func (db *DB) SetPassword(ctx context.Context, userID, old, hash, keep string) (int64, error) {
	var ended int64
	err := db.inTx(ctx, func(tx conn) error {
		res, err := tx.exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`, hash, userID, old)
		if err != nil {
			return fmt.Errorf("database: set password: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return fmt.Errorf("user %s: %w", userID, ErrNotFound)
		}
		res, err = tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, keep)
		if err != nil {
			return fmt.Errorf("database: end sessions: %w", err)
		}
		ended, err = res.RowsAffected()
		if err != nil {
			return fmt.Errorf("database: end sessions: %w", err)
		}
		return nil
	})
	return ended, err
}

// SessionUser reads a session that has not expired at now, with its user.
func (db *DB) SessionUser(ctx context.Context, tokenHash string, now time.Time) (Session, User, error) {
	var s Session
	var created, expires string
	row := db.conn().queryRow(ctx, `SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at, s.expires_at,
		u.id, u.email, u.name, u.role, u.organization_id, u.password_hash, u.created_at, u.disabled_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?`, tokenHash, ts(now))
	var u User
	var org, disabled sql.NullString
	var ucreated string
	err := row.Scan(&s.TokenHash, &s.UserID, &s.CSRFToken, &created, &expires,
		&u.ID, &u.Email, &u.Name, &u.Role, &org, &u.PasswordHash, &ucreated, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return s, u, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return s, u, fmt.Errorf("database: read session: %w", err)
	}
	if err := db.keys.openUser(&u.Email, &u.Name); err != nil {
		return s, u, err
	}
	u.OrgID = org.String
	if s.CreatedAt, err = parseTS(created); err == nil {
		if s.ExpiresAt, err = parseTS(expires); err == nil {
			if u.CreatedAt, err = parseTS(ucreated); err == nil {
				u.DisabledAt, err = scanNullTS(disabled)
			}
		}
	}
	return s, u, err
}

// DeleteSession ends a session; expired sessions go with it.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string, now time.Time) error {
	_, err := db.conn().exec(ctx, `DELETE FROM sessions WHERE token_hash = ? OR expires_at <= ?`, tokenHash, ts(now))
	if err != nil {
		return fmt.Errorf("database: delete session: %w", err)
	}
	return nil
}

const keyColumns = `id, user_id, name, secret_hash, created_at, last_used_at, revoked_at, scope, expires_at`

// CreateAPIKey inserts a key.
func (db *DB) CreateAPIKey(ctx context.Context, k APIKey) error {
	if k.Scope == "" {
		k.Scope = KeyScopeFull
	}
	_, err := db.conn().exec(ctx, `INSERT INTO api_keys (`+keyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.UserID, k.Name, k.SecretHash, ts(k.CreatedAt), nullTS(k.LastUsedAt), nullTS(k.RevokedAt), k.Scope, nullTS(k.ExpiresAt))
	if err != nil {
		return fmt.Errorf("database: insert API key: %w", err)
	}
	return nil
}

func scanKey(s scanner) (APIKey, error) {
	var k APIKey
	var created string
	var used, revoked, expires sql.NullString
	if err := s.Scan(&k.ID, &k.UserID, &k.Name, &k.SecretHash, &created, &used, &revoked, &k.Scope, &expires); err != nil {
		return k, err
	}
	var err error
	if k.CreatedAt, err = parseTS(created); err != nil {
		return k, err
	}
	if k.LastUsedAt, err = scanNullTS(used); err != nil {
		return k, err
	}
	if k.RevokedAt, err = scanNullTS(revoked); err != nil {
		return k, err
	}
	k.ExpiresAt, err = scanNullTS(expires)
	return k, err
}

// APIKey reads a key.
func (db *DB) APIKey(ctx context.Context, id string) (APIKey, error) {
	k, err := scanKey(db.conn().queryRow(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return k, fmt.Errorf("API key: %w", ErrNotFound)
	}
	if err != nil {
		return k, fmt.Errorf("database: read API key: %w", err)
	}
	return k, nil
}

// APIKeys lists a user's keys, newest first.
func (db *DB) APIKeys(ctx context.Context, userID string) ([]APIKey, error) {
	return queryAll(ctx, db.conn(), "list API keys", scanKey, `SELECT `+keyColumns+` FROM api_keys WHERE user_id = ? ORDER BY created_at DESC, id`, userID)
}

// TouchAPIKey records a use of a key (at most once a minute per key, to
// keep writes off the hot path).
func (db *DB) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	_, err := db.conn().exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
		ts(at), id, ts(at.Add(-time.Minute)))
	if err != nil {
		return fmt.Errorf("database: record API key use: %w", err)
	}
	return nil
}

// RevokeAPIKey revokes a key of a user; ErrNotFound when the user has no
// such key.
func (db *DB) RevokeAPIKey(ctx context.Context, userID, id string, at time.Time) error {
	res, err := db.conn().exec(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND user_id = ?`, ts(at), id, userID)
	if err != nil {
		return fmt.Errorf("database: revoke API key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("API key %s: %w", id, ErrNotFound)
	}
	return nil
}

// Grants lists the organizations an application is shared with.
func (db *DB) Grants(ctx context.Context, appID string) ([]Grant, error) {
	return queryAll(ctx, db.conn(), "list grants", scanGrant, `SELECT g.application_id, g.organization_id, o.name, o.kind, g.created_at, g.created_by
		FROM grants g JOIN organizations o ON o.id = g.organization_id WHERE g.application_id = ? ORDER BY g.created_at, o.id`, appID)
}

func scanGrant(s scanner) (Grant, error) {
	var g Grant
	var created string
	if err := s.Scan(&g.ApplicationID, &g.OrgID, &g.OrgName, &g.OrgKind, &created, &g.CreatedBy); err != nil {
		return g, err
	}
	var err error
	g.CreatedAt, err = parseTS(created)
	return g, err
}

// PutGrant shares an application with an organization (again: no change).
func (db *DB) PutGrant(ctx context.Context, g Grant) error {
	return putGrant(ctx, db.conn(), g)
}

func putGrant(ctx context.Context, c conn, g Grant) error {
	_, err := c.exec(ctx, `INSERT INTO grants (application_id, organization_id, created_at, created_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (application_id, organization_id) DO NOTHING`, g.ApplicationID, g.OrgID, ts(g.CreatedAt), g.CreatedBy)
	if err != nil {
		return fmt.Errorf("database: insert grant: %w", err)
	}
	return nil
}

// DeleteGrant stops sharing; ErrNotFound when it was not shared.
func (db *DB) DeleteGrant(ctx context.Context, appID, orgID string) error {
	res, err := db.conn().exec(ctx, `DELETE FROM grants WHERE application_id = ? AND organization_id = ?`, appID, orgID)
	if err != nil {
		return fmt.Errorf("database: delete grant: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("grant: %w", ErrNotFound)
	}
	return nil
}

// CreateShareCode inserts a share code.
func (db *DB) CreateShareCode(ctx context.Context, s ShareCode) error {
	_, err := db.conn().exec(ctx, `INSERT INTO share_codes (code_hash, application_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		s.CodeHash, s.ApplicationID, s.CreatedBy, ts(s.CreatedAt), ts(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("database: insert share code: %w", err)
	}
	return nil
}

// RedeemShareCode uses a code that is unused and unexpired at now: in one
// transaction it marks the code used and shares its application with org.
// It returns the application id; ErrNotFound for any code that cannot be
// used.
func (db *DB) RedeemShareCode(ctx context.Context, codeHash string, g Grant) (string, error) {
	var appID string
	err := db.inTx(ctx, func(tx conn) error {
		err := tx.queryRow(ctx, `SELECT application_id FROM share_codes WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?`+tx.forUpdate(),
			codeHash, ts(g.CreatedAt)).Scan(&appID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("share code: %w", ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("database: read share code: %w", err)
		}
		if _, err := tx.exec(ctx, `UPDATE share_codes SET used_at = ?, used_by = ? WHERE code_hash = ?`, ts(g.CreatedAt), g.OrgID, codeHash); err != nil {
			return fmt.Errorf("database: use share code: %w", err)
		}
		g.ApplicationID = appID
		return putGrant(ctx, tx, g)
	})
	return appID, err
}

// AccessFacts reads what the access policy needs of an application: its
// kind, owner, and the organizations it is shared with (id to kind).
func (db *DB) AccessFacts(ctx context.Context, appID string) (kind, owner string, orgs map[string]string, err error) {
	err = db.conn().queryRow(ctx, `SELECT kind, owner FROM applications WHERE id = ?`, appID).Scan(&kind, &owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil, fmt.Errorf("application %s: %w", appID, ErrNotFound)
	}
	if err != nil {
		return "", "", nil, fmt.Errorf("database: read application owner: %w", err)
	}
	rows, err := db.conn().query(ctx, `SELECT g.organization_id, o.kind FROM grants g JOIN organizations o ON o.id = g.organization_id
		WHERE g.application_id = ?`, appID)
	if err != nil {
		return "", "", nil, fmt.Errorf("database: read grants: %w", err)
	}
	defer rows.Close()
	orgs = map[string]string{}
	for rows.Next() {
		var id, k string
		if err := rows.Scan(&id, &k); err != nil {
			return "", "", nil, fmt.Errorf("database: read grants: %w", err)
		}
		orgs[id] = k
	}
	return kind, owner, orgs, rows.Err()
}

// queryAll runs a query and scans every row; what names the query in errors.
// The result is never nil.
func queryAll[T any](ctx context.Context, c conn, what string, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("database: %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("database: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("database: %s: %w", what, err)
	}
	return out, nil
}
