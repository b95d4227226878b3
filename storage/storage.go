// Package storage is where document bytes live. Store is the interface both
// backends implement (the local filesystem here, S3 in storage/s3store);
// callers know sizes and checksums up front, so every Put is verified and
// every read can be.
package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"regexp"
	"time"
)

// ErrNotFound reports a key with no object.
var ErrNotFound = errors.New("storage: object not found")

// ErrChecksum reports bytes that do not match their recorded SHA-256.
var ErrChecksum = errors.New("storage: checksum mismatch")

// Store keeps objects by key.
type Store interface {
	// Put stores exactly size bytes from r under key. If the bytes do not
	// hash to sha256 (hex) nothing is stored. Put returns nil only once the
	// object is durable.
	Put(ctx context.Context, key string, r io.Reader, size int64, sha256 string) error
	// Open reads an object. The reader is not yet verified: wrap it with
	// Verify when the checksum is known.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes an object; a missing one is not an error.
	Delete(ctx context.Context, key string) error
	// Ping tells whether the store answers.
	Ping(ctx context.Context) error
	// List calls fn for every object whose key starts with prefix.
	List(ctx context.Context, prefix string, fn func(Object) error) error
}

// SizedStreamPutter is a Store that takes an object of known size as it is
// being produced (an upload streamed to the store while it is still being
// received), before its SHA-256 is known: the bytes travel with a transfer
// checksum the store checks on arrival, and the caller's SHA-256 of the
// same bytes (computed as they go by) is what the row records and every
// read verifies. If r ends early or fails, or the check fails, nothing is
// stored; PutSizedStream returns only once the object is durable, as Put.
// Sizes above SizedStreamMax go through Put.
type SizedStreamPutter interface {
	PutSizedStream(ctx context.Context, key string, r io.Reader, size int64) error
	SizedStreamMax() int64
}

// StreamPutter is a Store that can take an object whose size and SHA-256
// are not known before it is written (a bundle, written as it is built):
// write is called once with the object's writer and vouches for what it
// writes (it hashes and counts it, for the row that will point at the
// object, and reads verify against that). If write returns an error,
// nothing is stored; PutStream returns nil only once the object is
// durable, as Put.
type StreamPutter interface {
	PutStream(ctx context.Context, key string, write func(w io.Writer) error) error
}

// Object is what List tells of an object.
type Object struct {
	Key      string
	Size     int64
	Modified time.Time
}

// Presigner is a Store that can hand out a time-limited link to an object,
// so that a download need not pass through the service.
type Presigner interface {
	PresignGet(ctx context.Context, key, fileName string, ttl time.Duration) (string, error)
}

// NewKey returns a fresh object key that reveals nothing about its content
// or owner: "documents/" and 128 random bits.
func NewKey() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("storage: no randomness: %v", err))
	}
	return "documents/" + hex.EncodeToString(b[:])
}

var validKey = regexp.MustCompile(`^[a-z0-9]+(/[a-z0-9][a-z0-9._-]*)*$`)

// CheckKey refuses keys that could escape a folder or carry odd names.
func CheckKey(key string) error {
	if len(key) > 200 || !validKey.MatchString(key) {
		return fmt.Errorf("storage: invalid key %q", key)
	}
	return nil
}

// Verify wraps rc so that reading it to the end fails with ErrChecksum if
// the bytes are not size bytes hashing to sha256. A reader that
// authenticates every byte it returns (a sealed object: each chunk's GCM
// tag under the object's own key, bound to its storage key, and its
// plaintext hashed against this same SHA-256 when it was stored) is not
// hashed again: only its size is checked. Plain files and S3 objects are.
func Verify(rc io.ReadCloser, size int64, sha256hex string) io.ReadCloser {
	if a, ok := rc.(Authenticated); ok && a.Authenticated() {
		return &verifier{rc: rc, size: size, want: sha256hex}
	}
	return &verifier{rc: rc, h: sha256.New(), size: size, want: sha256hex}
}

type verifier struct {
	rc   io.ReadCloser
	h    hash.Hash // nil: rc authenticates what it returns
	n    int64
	size int64
	want string
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.n += int64(n)
	if v.h != nil {
		v.h.Write(p[:n])
	}
	if v.n > v.size {
		return n, fmt.Errorf("%w: more than %d bytes", ErrChecksum, v.size)
	}
	if errors.Is(err, io.EOF) && v.h == nil && v.n != v.size {
		return n, fmt.Errorf("%w: got %d bytes, want %d", ErrChecksum, v.n, v.size)
	}
	if errors.Is(err, io.EOF) && v.h != nil {
		if got := hex.EncodeToString(v.h.Sum(nil)); v.n != v.size || got != v.want {
			return n, fmt.Errorf("%w: got %d bytes %s, want %d bytes %s", ErrChecksum, v.n, got, v.size, v.want)
		}
	}
	return n, err
}

func (v *verifier) Close() error { return v.rc.Close() }

// Authenticated is implemented by readers that authenticate every byte
// before returning it (the sealed store's chunks): a range of such an
// object can be served without hashing the whole of it.
type Authenticated interface {
	Authenticated() bool
}

// RangeSource returns the seekable reader under r (a store's reader, or
// Verify's around one) when any range of it can be served safely: it must
// seek and authenticate what it returns. A plain file seeks too, but a
// range of it would skip the SHA-256 check, so it is refused and served
// whole.
func RangeSource(r io.Reader) (io.ReadSeeker, bool) {
	if v, ok := r.(*verifier); ok {
		return RangeSource(v.rc)
	}
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		return nil, false
	}
	a, ok := r.(Authenticated)
	if !ok || !a.Authenticated() {
		return nil, false
	}
	return rs, true
}
