// Package keyring holds the master keys that protect personal data at rest.
// A master key never encrypts data itself: it wraps the data keys (one per
// stored file, one for the database's personal columns, one for lookup
// hashes), so rotating it re-wraps a few bytes per object instead of
// re-encrypting every file.
//
// A key file holds one key per line, "ID BASE64", the last line being the
// current key; older lines stay so that what they wrapped can still be
// unwrapped until it is re-wrapped. Lines starting with '#' are comments.
package keyring

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// KeySize is the size of every key: AES-256.
const KeySize = 32

// ErrUnknownKey reports wrapped data whose master key is not in the ring.
var ErrUnknownKey = errors.New("keyring: wrapped by a key that is not in the key file")

// ErrWrapped reports wrapped data that is damaged or was wrapped for
// another purpose.
var ErrWrapped = errors.New("keyring: wrapped key does not open")

// Ring is a set of master keys, one of them current.
type Ring struct {
	current string
	keys    map[string][]byte
	order   []string
}

var validID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// Parse reads a key file's content.
func Parse(data []byte) (*Ring, error) {
	r := &Ring{keys: map[string][]byte{}}
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, b64, ok := strings.Cut(line, " ")
		if !ok || !validID.MatchString(id) {
			return nil, fmt.Errorf("keyring: line %d: want \"ID BASE64\"", n+1)
		}
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil || len(key) != KeySize {
			return nil, fmt.Errorf("keyring: line %d: the key must be %d bytes in base64", n+1, KeySize)
		}
		if _, dup := r.keys[id]; dup {
			return nil, fmt.Errorf("keyring: line %d: key %q twice", n+1, id)
		}
		r.keys[id] = key
		r.order = append(r.order, id)
		r.current = id
	}
	if r.current == "" {
		return nil, errors.New("keyring: no key in the key file")
	}
	return r, nil
}

// FromBase64 makes a ring of one key given in base64 (a variable), with
// the id "env".
func FromBase64(s string) (*Ring, error) {
	return Parse([]byte("env " + strings.TrimSpace(s)))
}

// Load reads a key file. It refuses a file others may read.
func Load(path string) (*Ring, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("keyring: %s may be read by others (mode %v): chmod 600 it", path, info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	r, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, path)
	}
	return r, nil
}

// LoadOrCreate reads the key file at path, or creates it (mode 0600) with a
// fresh key when there is none; created tells which.
func LoadOrCreate(path string) (r *Ring, created bool, err error) {
	r, err = Load(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return r, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("keyring: %w", err)
	}
	content := header + line(newID(time.Now()), fresh())
	if err := writeNew(path, []byte(content)); err != nil {
		if errors.Is(err, fs.ErrExist) { // another process made it first
			r, err = Load(path)
			return r, false, err
		}
		return nil, false, err
	}
	r, err = Load(path)
	return r, err == nil, err
}

const header = "# accredpack master keys: the last line is the current key.\n" +
	"# Without this file the encrypted files and personal data cannot be read:\n" +
	"# keep a copy apart from the data and its backups.\n"

// Rotate adds a fresh key to the key file at path as the current one and
// returns the new ring; what the older keys wrapped stays readable until it
// is re-wrapped.
func Rotate(path string, now time.Time) (*Ring, error) {
	old, err := Load(path)
	if err != nil {
		return nil, err
	}
	id := newID(now)
	for old.keys[id] != nil {
		id += "x"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	data = append(data, line(id, fresh())...)
	tmp := path + ".new"
	os.Remove(tmp)
	if err := writeNew(tmp, data); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return Load(path)
}

// Retire writes the key file without the keys in ids (never the current
// one): once nothing is wrapped by them any more.
func Retire(path string, ids ...string) error {
	r, err := Load(path)
	if err != nil {
		return err
	}
	drop := map[string]bool{}
	for _, id := range ids {
		if id == r.current {
			return fmt.Errorf("keyring: %q is the current key", id)
		}
		drop[id] = true
	}
	var b strings.Builder
	b.WriteString(header)
	for _, id := range r.order {
		if !drop[id] {
			b.WriteString(line(id, r.keys[id]))
		}
	}
	tmp := path + ".new"
	os.Remove(tmp)
	if err := writeNew(tmp, []byte(b.String())); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

func newID(now time.Time) string { return "k" + now.UTC().Format("20060102T150405") }

func fresh() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic(fmt.Sprintf("keyring: no randomness: %v", err))
	}
	return k
}

func line(id string, key []byte) string {
	return id + " " + base64.StdEncoding.EncodeToString(key) + "\n"
}

func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("keyring: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("keyring: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("keyring: sync %s: %w", dir, err)
	}
	return nil
}

// CurrentID is the id of the key new data keys are wrapped with.
func (r *Ring) CurrentID() string { return r.current }

// IDs lists the key ids, oldest first.
func (r *Ring) IDs() []string { return append([]string(nil), r.order...) }

// NewDataKey returns a fresh random data key.
func NewDataKey() []byte { return fresh() }

// Wrap encrypts a data key with the current master key. purpose binds the
// result to its use (e.g. "file", "columns"): it is authenticated, and
// Unwrap with another purpose fails. The result is
// len(id) | id | 12-byte nonce | AES-GCM(key) and tag.
func (r *Ring) Wrap(key []byte, purpose string) ([]byte, error) {
	id := r.current
	aead, err := newGCM(r.keys[id])
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 1+len(id)+aead.NonceSize()+len(key)+aead.Overhead())
	out = append(out, byte(len(id)))
	out = append(out, id...)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("keyring: no randomness: %w", err)
	}
	out = append(out, nonce...)
	return aead.Seal(out, nonce, key, aad(id, purpose)), nil
}

// Unwrap opens what Wrap made, with whichever key of the ring wrapped it.
func (r *Ring) Unwrap(wrapped []byte, purpose string) ([]byte, error) {
	id, rest, err := splitID(wrapped)
	if err != nil {
		return nil, err
	}
	master, ok := r.keys[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKey, id)
	}
	aead, err := newGCM(master)
	if err != nil {
		return nil, err
	}
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrWrapped
	}
	key, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], aad(id, purpose))
	if err != nil {
		return nil, ErrWrapped
	}
	return key, nil
}

// WrappedBy tells the id of the master key that wrapped a data key.
func WrappedBy(wrapped []byte) (string, error) {
	id, _, err := splitID(wrapped)
	return id, err
}

// Rewrap unwraps with whichever key wrapped and wraps again with the
// current key; changed is false when the current key already wrapped it.
func (r *Ring) Rewrap(wrapped []byte, purpose string) (out []byte, changed bool, err error) {
	id, _, err := splitID(wrapped)
	if err != nil {
		return nil, false, err
	}
	if id == r.current {
		return wrapped, false, nil
	}
	key, err := r.Unwrap(wrapped, purpose)
	if err != nil {
		return nil, false, err
	}
	out, err = r.Wrap(key, purpose)
	return out, err == nil, err
}

// WrappedSize is the length of a wrapped data key of KeySize bytes under
// the current key.
func (r *Ring) WrappedSize() int { return 1 + len(r.current) + 12 + KeySize + 16 }

func splitID(wrapped []byte) (string, []byte, error) {
	if len(wrapped) < 1 || len(wrapped) < 1+int(wrapped[0]) || wrapped[0] == 0 {
		return "", nil, ErrWrapped
	}
	n := int(wrapped[0])
	return string(wrapped[1 : 1+n]), wrapped[1+n:], nil
}

func aad(id, purpose string) []byte {
	return bytes.Join([][]byte{[]byte("accredpack/keyring/v1"), []byte(id), []byte(purpose)}, []byte{0})
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	return aead, nil
}
