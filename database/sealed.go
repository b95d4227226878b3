package database

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"accredpack/identifiers"
	"accredpack/keyring"
)

// Personal columns (names, SNILS, birth date, phone, e-mail, comment, file
// names) are sealed with AES-256-GCM under the columns key when the
// database is given master keys (UseKeys): a sealed value is "enc1:" and
// base64 of nonce, ciphertext and tag, authenticated with its column's
// name. Exact lookups go through keyed hashes (HMAC-SHA-256 under the
// lookup key): a SNILS beside the applications, the NMO codes' SNILS, and
// the words of names for the list's search. Both keys are kept in the
// settings table wrapped by the master key, so rotating the master key
// re-wraps 2 values.

const sealedPrefix = "enc1:"

// clearMark precedes a clear value (columns in clear) that begins like a
// sealed one, or like a marked one.
const clearMark = "enc0:"

// Names of the wrapped keys in the settings table; the lookup key was kept
// in clear (as hex) under clearLookupName before there were master keys.
const (
	columnsKeyName  = "columns_key"
	lookupKeyName   = "lookup_key"
	clearLookupName = "snils_search_key"
)

// ErrSealed reports a sealed value read without the keys to open it.
var ErrSealed = errors.New("database: personal data is encrypted and no master key was given (ACCREDPACK_KEY_FILE or ACCREDPACK_MASTER_KEY)")

// keys are the data keys of a database: nil aead while columns are clear.
type keys struct {
	mu     sync.Mutex
	given  bool // UseKeys ran
	aead   cipher.AEAD
	lookup []byte
}

// UseKeys loads (or makes, the first time) the columns and lookup keys
// under ring; nil ring: columns stay clear and the lookup key is the one
// kept in clear, refused when the database holds wrapped keys. Call it
// once after Migrate, before any other use.
func (db *DB) UseKeys(ctx context.Context, ring *keyring.Ring) error {
	db.keys.mu.Lock()
	defer db.keys.mu.Unlock()
	if ring == nil {
		var wrapped string
		err := db.conn().queryRow(ctx, `SELECT value FROM settings WHERE name = ?`, lookupKeyName).Scan(&wrapped)
		if err == nil {
			return ErrSealed
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("database: keys: %w", err)
		}
		lookup, err := db.clearLookupKey(ctx)
		if err != nil {
			return err
		}
		db.keys.aead, db.keys.lookup, db.keys.given = nil, lookup, true
		return nil
	}
	// The lookup key made before there were master keys goes on (the
	// hashes recorded with it stay valid), wrapped from now on.
	var clear string
	err := db.conn().queryRow(ctx, `SELECT value FROM settings WHERE name = ?`, clearLookupName).Scan(&clear)
	switch {
	case err == nil:
		old, derr := hex.DecodeString(clear)
		if derr != nil || len(old) != 32 {
			return errors.New("database: keys: the clear lookup key is not 32 bytes in hex")
		}
		if err := db.adoptLookupKey(ctx, ring, old); err != nil {
			return err
		}
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("database: keys: %w", err)
	}
	columns, err := db.wrappedKey(ctx, ring, columnsKeyName)
	if err != nil {
		return err
	}
	lookup, err := db.wrappedKey(ctx, ring, lookupKeyName)
	if err != nil {
		return err
	}
	block, err := aes.NewCipher(columns)
	if err != nil {
		return fmt.Errorf("database: keys: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("database: keys: %w", err)
	}
	db.keys.aead, db.keys.lookup, db.keys.given = aead, lookup, true
	return nil
}

// adoptLookupKey wraps the clear lookup key and removes the clear one, in
// one transaction.
func (db *DB) adoptLookupKey(ctx context.Context, ring *keyring.Ring, key []byte) error {
	w, err := ring.Wrap(key, lookupKeyName)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx conn) error {
		if _, err := tx.exec(ctx, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
			lookupKeyName, base64.StdEncoding.EncodeToString(w)); err != nil {
			return fmt.Errorf("database: keys: %w", err)
		}
		// Another process may have made a wrapped lookup key first (two
		// first starts at once, one without keys): the hashes made with
		// the clear one would stop matching, so the two must agree.
		var v string
		if err := tx.queryRow(ctx, `SELECT value FROM settings WHERE name = ?`, lookupKeyName).Scan(&v); err != nil {
			return fmt.Errorf("database: keys: %w", err)
		}
		stored, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return fmt.Errorf("database: keys: %s is not base64", lookupKeyName)
		}
		if got, err := ring.Unwrap(stored, lookupKeyName); err != nil || !hmac.Equal(got, key) {
			return errors.New("database: keys: the database holds a clear lookup key and a different wrapped one (a process without keys started beside one with keys?): refusing to drop either")
		}
		if _, err := tx.exec(ctx, `DELETE FROM settings WHERE name = ?`, clearLookupName); err != nil {
			return fmt.Errorf("database: keys: %w", err)
		}
		return nil
	})
}

// wrappedKey reads the data key kept wrapped under name, making it first
// when there is none (the first process to insert wins).
func (db *DB) wrappedKey(ctx context.Context, ring *keyring.Ring, name string) ([]byte, error) {
	fresh, err := ring.Wrap(keyring.NewDataKey(), name)
	if err != nil {
		return nil, err
	}
	c := db.conn()
	if _, err := c.exec(ctx, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
		name, base64.StdEncoding.EncodeToString(fresh)); err != nil {
		return nil, fmt.Errorf("database: keys: %w", err)
	}
	var v string
	if err := c.queryRow(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v); err != nil {
		return nil, fmt.Errorf("database: keys: %w", err)
	}
	w, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("database: keys: %s is not base64", name)
	}
	key, err := ring.Unwrap(w, name)
	if err != nil {
		return nil, fmt.Errorf("database: keys: %s: %w", name, err)
	}
	return key, nil
}

// RewrapKeys wraps the database's data keys with ring's current master
// key; it tells how many it re-wrapped (0 when they already were).
func (db *DB) RewrapKeys(ctx context.Context, ring *keyring.Ring) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx conn) error {
		for _, name := range []string{columnsKeyName, lookupKeyName} {
			var v string
			err := tx.queryRow(ctx, `SELECT value FROM settings WHERE name = ?`+tx.forUpdate(), name).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return fmt.Errorf("database: rewrap: %w", err)
			}
			w, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return fmt.Errorf("database: rewrap: %s is not base64", name)
			}
			out, changed, err := ring.Rewrap(w, name)
			if err != nil {
				return fmt.Errorf("database: rewrap %s: %w", name, err)
			}
			if !changed {
				continue
			}
			if _, err := tx.exec(ctx, `UPDATE settings SET value = ? WHERE name = ?`, base64.StdEncoding.EncodeToString(out), name); err != nil {
				return fmt.Errorf("database: rewrap: %w", err)
			}
			n++
		}
		return nil
	})
	return n, err
}

// KeysWrappedBy lists the master key ids that wrap the database's data keys.
func (db *DB) KeysWrappedBy(ctx context.Context) ([]string, error) {
	var out []string
	for _, name := range []string{columnsKeyName, lookupKeyName} {
		var v string
		err := db.conn().queryRow(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("database: keys: %w", err)
		}
		w, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, fmt.Errorf("database: keys: %s is not base64", name)
		}
		id, err := keyring.WrappedBy(w)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// clearLookupKey is the lookup key kept in clear: made once, at random, by
// the first process that asks.
func (db *DB) clearLookupKey(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("database: lookup key: %w", err)
	}
	c := db.conn()
	if _, err := c.exec(ctx, `INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, clearLookupName, hex.EncodeToString(fresh)); err != nil {
		return nil, fmt.Errorf("database: lookup key: %w", err)
	}
	var v string
	if err := c.queryRow(ctx, `SELECT value FROM settings WHERE name = ?`, clearLookupName).Scan(&v); err != nil {
		return nil, fmt.Errorf("database: lookup key: %w", err)
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) != 32 {
		return nil, errors.New("database: lookup key: stored value is not 32 bytes in hex")
	}
	return key, nil
}

// ready makes sure the keys are loaded: a database never given keys
// (tools, tests) works in clear, as UseKeys(nil) would.
func (db *DB) ready(ctx context.Context) error {
	db.keys.mu.Lock()
	given := db.keys.given
	db.keys.mu.Unlock()
	if given {
		return nil
	}
	return db.UseKeys(ctx, nil)
}

// Sealed tells whether personal columns are encrypted.
func (db *DB) Sealed() bool {
	db.keys.mu.Lock()
	defer db.keys.mu.Unlock()
	return db.keys.aead != nil
}

// seal encrypts a column's value; empty stays empty (a form not yet
// filled), clear columns stay clear.
func (k *keys) seal(column, v string) string {
	k.mustBeGiven()
	if v == "" {
		return v
	}
	if k.aead == nil {
		// A clear value that begins like a sealed one is marked, so that
		// reading it back does not take it for one.
		if strings.HasPrefix(v, sealedPrefix) || strings.HasPrefix(v, clearMark) {
			return clearMark + v
		}
		return v
	}
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(v)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(fmt.Sprintf("database: no randomness: %v", err))
	}
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(k.aead.Seal(nonce, nonce, []byte(v), []byte(column)))
}

// open decrypts a column's value in place; clear values (written before
// the keys) pass as they are.
func (k *keys) open(column string, v *string) error {
	if strings.HasPrefix(*v, clearMark) {
		*v = (*v)[len(clearMark):]
		return nil
	}
	if !strings.HasPrefix(*v, sealedPrefix) {
		return nil
	}
	if k.aead == nil {
		return ErrSealed
	}
	raw, err := base64.RawStdEncoding.DecodeString((*v)[len(sealedPrefix):])
	if err != nil || len(raw) < k.aead.NonceSize()+k.aead.Overhead() {
		return fmt.Errorf("database: %s: sealed value damaged", column)
	}
	plain, err := k.aead.Open(nil, raw[:k.aead.NonceSize()], raw[k.aead.NonceSize():], []byte(column))
	if err != nil {
		return fmt.Errorf("database: %s: sealed value does not open (damaged, or another key)", column)
	}
	*v = string(plain)
	return nil
}

// hash is the keyed hash of a value for exact lookup, in hex; empty stays
// empty.
func (k *keys) hash(purpose, v string) string {
	k.mustBeGiven()
	if v == "" {
		return ""
	}
	m := hmac.New(sha256.New, k.lookup)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))
}

// snilsHash is the lookup hash of a SNILS (its 11 digits), as the list and
// ApplicationsBySNILS find it. Kept as before keys existed: HMAC of the
// digits alone, so that recorded hashes stay valid.
func (k *keys) snilsHash(snils string) string {
	k.mustBeGiven()
	digits, err := identifiers.NormalizeSNILS(snils)
	if err != nil || digits == "" {
		return ""
	}
	m := hmac.New(sha256.New, k.lookup)
	m.Write([]byte(digits))
	return hex.EncodeToString(m.Sum(nil))
}

// SNILSHash is the lookup hash of a SNILS written any usual way; empty
// for an empty or malformed one.
func (db *DB) SNILSHash(ctx context.Context, snils string) (string, error) {
	if err := db.ready(ctx); err != nil {
		return "", err
	}
	return db.keys.snilsHash(snils), nil
}

// mustBeGiven stops a write that would store personal data in clear, or
// a hash under no key, in a database whose keys were never loaded: a
// sealed database opened without UseKeys.
func (k *keys) mustBeGiven() {
	k.mu.Lock()
	given := k.given
	k.mu.Unlock()
	if !given {
		panic("database: personal data written before UseKeys loaded the keys")
	}
}

// wordTokens are the search tokens of text: for every word (lower case,
// ё as е, at most 24 letters), the hash of each of its beginnings, so that
// a search finds a word by its first letters without the words being
// stored. Tokens are 12 hex digits, separated and surrounded by spaces.
func (k *keys) wordTokens(words string) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, w := range strings.Fields(foldWord(words)) {
		r := []rune(w)
		if len(r) > 24 {
			r = r[:24]
		}
		for i := 1; i <= len(r); i++ {
			t := k.wordToken(string(r[:i]))
			if !seen[t] {
				seen[t] = true
				b.WriteString(" ")
				b.WriteString(t)
			}
		}
	}
	if b.Len() == 0 {
		return ""
	}
	b.WriteString(" ")
	return b.String()
}

// wordToken is the token of a word's beginning.
func (k *keys) wordToken(prefix string) string {
	prefix = foldWord(prefix)
	r := []rune(prefix)
	if len(r) > 24 {
		prefix = string(r[:24])
	}
	return k.hash("word", prefix)[:12]
}

// nmoSNILS is what the NMO codes record of their specialist, unique with
// the code: the SNILS's lookup hash when columns are sealed, the SNILS
// itself in clear.
func (k *keys) nmoSNILS(snils string) string {
	k.mustBeGiven()
	if k.aead == nil {
		return snils
	}
	if h := k.snilsHash(snils); h != "" {
		return h
	}
	return k.hash("nmo-snils", snils)
}

// personalColumns are the sealed columns of applications.
var personalColumns = []string{"last_name", "first_name", "middle_name", "snils", "birth_date", "phone", "email", "comment"}

// SealColumns brings rows written before the keys (or before the SNILS
// hash existed) up to date, in batches, each its own transaction, so that
// an interrupted run leaves every row either as it was or done, and a
// rerun goes on: personal columns and file names sealed, NMO codes keyed
// by the SNILS's hash, the SNILS's hash beside each application. It tells
// how many rows it changed; the service runs it at every start (a query
// that finds nothing when there is nothing to do).
func (db *DB) SealColumns(ctx context.Context, progress func(table string, rows int)) (int, error) {
	if err := db.ready(ctx); err != nil {
		return 0, err
	}
	if progress == nil {
		progress = func(string, int) {}
	}
	sealed := db.Sealed()
	total := 0
	// Applications: personal columns and the SNILS's hash.
	clear := `(snils_hash = '' AND snils <> '')`
	if sealed {
		for _, col := range personalColumns {
			clear += fmt.Sprintf(` OR (%s <> '' AND SUBSTR(%s, 1, 5) <> 'enc1:')`, col, col)
		}
	}
	n, err := db.sealBatches(ctx, "applications", `SELECT id, `+strings.Join(personalColumns, ", ")+` FROM applications
		WHERE id > ? AND (`+clear+`) ORDER BY id LIMIT 200`, func(tx conn, vals []string) error {
		id, v := vals[0], vals[1:]
		for i, col := range personalColumns {
			if err := tx.k.open(col, &v[i]); err != nil {
				return err
			}
		}
		args := []any{}
		for i, col := range personalColumns {
			args = append(args, tx.k.seal(col, v[i]))
		}
		args = append(args, tx.k.snilsHash(v[3]), id)
		_, err := tx.exec(ctx, `UPDATE applications SET last_name = ?, first_name = ?, middle_name = ?, snils = ?, birth_date = ?,
			phone = ?, email = ?, comment = ?, snils_hash = ? WHERE id = ?`, args...)
		return err
	}, progress)
	total += n
	if err != nil {
		return total, err
	}
	usersClear := `email_hash = ''`
	if sealed {
		usersClear += ` OR SUBSTR(email, 1, 5) <> 'enc1:' OR (name <> '' AND SUBSTR(name, 1, 5) <> 'enc1:')`
	}
	// Accounts: e-mail and name sealed, the e-mail's hash filled in (every
	// account has one: the login finds it by it).
	n, err = db.sealBatches(ctx, "users", `SELECT id, email, name FROM users WHERE id > ? AND (`+usersClear+`) ORDER BY id LIMIT 200`,
		func(tx conn, v []string) error {
			if err := tx.k.openUser(&v[1], &v[2]); err != nil {
				return err
			}
			_, err := tx.exec(ctx, `UPDATE users SET email = ?, name = ?, email_hash = ? WHERE id = ?`,
				tx.k.seal("users.email", v[1]), tx.k.seal("users.name", v[2]), tx.k.emailHash(v[1]), v[0])
			return err
		}, progress)
	total += n
	if err != nil {
		return total, err
	}
	if !sealed {
		return total, nil
	}
	// NMO codes: keyed by the SNILS's hash instead of the SNILS (a hash is
	// 64 hex digits, a SNILS 11 digits).
	n, err = db.sealBatches(ctx, "nmo_activities", `SELECT id, snils FROM nmo_activities WHERE id > ? AND snils <> '' AND LENGTH(snils) <> 64 ORDER BY id LIMIT 200`,
		func(tx conn, v []string) error {
			_, err := tx.exec(ctx, `UPDATE nmo_activities SET snils = ? WHERE id = ?`, tx.k.nmoSNILS(v[1]), v[0])
			return err
		}, progress)
	total += n
	if err != nil {
		return total, err
	}
	n, err = db.sealBatches(ctx, "email_tokens", `SELECT token_hash, email FROM email_tokens WHERE token_hash > ? AND email <> '' AND SUBSTR(email, 1, 5) <> 'enc1:' ORDER BY token_hash LIMIT 200`,
		func(tx conn, v []string) error {
			if err := tx.k.open("email_tokens.email", &v[1]); err != nil {
				return err
			}
			_, err := tx.exec(ctx, `UPDATE email_tokens SET email = ? WHERE token_hash = ?`, tx.k.seal("email_tokens.email", v[1]), v[0])
			return err
		}, progress)
	total += n
	if err != nil {
		return total, err
	}
	// Report drafts saved before the keys.
	n, err = db.sealBatches(ctx, "report_drafts", `SELECT application_id, body FROM report_drafts WHERE application_id > ? AND body <> '' AND SUBSTR(body, 1, 5) <> 'enc1:' ORDER BY application_id LIMIT 200`,
		func(tx conn, v []string) error {
			if err := tx.k.open(reportBodyColumn, &v[1]); err != nil {
				return err
			}
			_, err := tx.exec(ctx, `UPDATE report_drafts SET body = ? WHERE application_id = ?`, tx.k.seal(reportBodyColumn, v[1]), v[0])
			return err
		}, progress)
	total += n
	if err != nil {
		return total, err
	}
	// Texts read by OCR.
	n, err = db.sealBatches(ctx, "document_readings", `SELECT object_key, result FROM document_readings
		WHERE object_key > ? AND result <> '' AND SUBSTR(result, 1, 5) <> 'enc1:' ORDER BY object_key LIMIT 200`,
		func(tx conn, v []string) error {
			if err := tx.k.open(readingColumn, &v[1]); err != nil {
				return err
			}
			_, err := tx.exec(ctx, `UPDATE document_readings SET result = ? WHERE object_key = ?`, tx.k.seal(readingColumn, v[1]), v[0])
			return err
		}, progress)
	total += n
	if err != nil {
		return total, err
	}
	// The audit log is append-only (triggers refuse changes): lines
	// written before the keys keep who and from where in clear; new ones
	// are sealed.
	// File names of documents, their history and their parts.
	for _, t := range []struct{ table, id string }{
		{"documents", "object_key"}, {"document_history", "id"}, {"document_sources", "id"},
	} {
		n, err = db.sealBatches(ctx, t.table, `SELECT `+castText(db, t.id)+`, file_name FROM `+t.table+`
			WHERE `+castText(db, t.id)+` > ? AND file_name <> '' AND SUBSTR(file_name, 1, 5) <> 'enc1:' ORDER BY `+castText(db, t.id)+` LIMIT 200`,
			func(tx conn, v []string) error {
				if err := tx.k.open("file_name", &v[1]); err != nil {
					return err
				}
				_, err := tx.exec(ctx, `UPDATE `+t.table+` SET file_name = ? WHERE `+castText(db, t.id)+` = ?`, tx.k.seal("file_name", v[1]), v[0])
				return err
			}, progress)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// castText compares an id column as text (document_history's is a
// number), in an order both databases keep.
func castText(db *DB, col string) string {
	if db.dialect == "postgres" {
		return col + "::text"
	}
	return "CAST(" + col + " AS TEXT)"
}

// sealBatches runs query (its one argument: the last id done) in
// transactions until it selects nothing, calling fix for every row (the
// row's columns as text, its id first).
func (db *DB) sealBatches(ctx context.Context, table, query string, fix func(tx conn, row []string) error, progress func(string, int)) (int, error) {
	after, total := "", 0
	for {
		n := 0
		err := db.inTx(ctx, func(tx conn) error {
			rows, err := tx.query(ctx, query+tx.forUpdate(), after)
			if err != nil {
				return err
			}
			var batch [][]string
			for rows.Next() {
				cols, _ := rows.Columns()
				vals := make([]string, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, vals)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, row := range batch {
				if err := fix(tx, row); err != nil {
					return err
				}
				after = row[0]
			}
			n = len(batch)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("database: seal %s: %w", table, err)
		}
		if n == 0 {
			return total, nil
		}
		total += n
		progress(table, total)
	}
}

// foldWord is how words are compared: lower case, ё as е.
func foldWord(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "ё", "е")
}

// emailHash is the lookup hash of an account's e-mail (lower case).
func (k *keys) emailHash(email string) string {
	return k.hash("email", strings.ToLower(strings.TrimSpace(email)))
}

// openUser opens an account's sealed e-mail and name.
func (k *keys) openUser(email, name *string) error {
	if err := k.open("users.email", email); err != nil {
		return err
	}
	return k.open("users.name", name)
}
