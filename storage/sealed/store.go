package sealed

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync/atomic"

	"accredpack/keyring"
	"accredpack/storage"
)

// StreamPutter is an inner store that can take an object as a stream its
// caller writes and vouches for (storage.StreamPutter). fsstore.Store and
// s3store.Store are ones. With it a sealed Put on the local store is one
// pass; on S3, Put spools the ciphertext to a temporary file first, since
// the inner Put needs its size and SHA-256 up front.
type StreamPutter = storage.StreamPutter

// Store encrypts the objects of an inner store. Put, Open and List speak
// plaintext: sizes and SHA-256 are those of the plaintext, as the database
// records them. Objects written before encryption (no sealed header) are
// still read as they are, so a store can be migrated while in use
// (EncryptInPlace); PlainOpens counts them.
//
// Store deliberately does not implement storage.Presigner: a direct link
// to the inner store would hand out ciphertext.
type Store struct {
	inner  storage.Store
	ring   *keyring.Ring
	tmpDir string
	plain  atomic.Int64
}

var (
	_ storage.Store        = (*Store)(nil)
	_ storage.StreamPutter = (*Store)(nil)
)

// New wraps inner so that every object is sealed with a data key wrapped
// by ring.
func New(inner storage.Store, ring *keyring.Ring) *Store {
	return &Store{inner: inner, ring: ring, tmpDir: os.TempDir()}
}

// PlainOpens is how many objects without a sealed header were opened
// since the store was made: objects of before encryption.
func (s *Store) PlainOpens() int64 { return s.plain.Load() }

// Put implements storage.Store: size and sha256hex are the plaintext's.
// The plaintext is hashed while it is sealed; on a mismatch nothing is
// stored.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, sha256hex string) error {
	if err := storage.CheckKey(key); err != nil {
		return err
	}
	if sp, ok := s.inner.(StreamPutter); ok {
		return sp.PutStream(ctx, key, func(w io.Writer) error {
			return s.seal(ctx, key, w, r, size, sha256hex)
		})
	}
	f, err := os.CreateTemp(s.tmpDir, "seal-*")
	if err != nil {
		return fmt.Errorf("sealed: stage %s: %w", key, err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	ch := sha256.New()
	if err := s.seal(ctx, key, io.MultiWriter(f, ch), r, size, sha256hex); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("sealed: stage %s: %w", key, err)
	}
	return s.inner.Put(ctx, key, f, SealedSize(size), hex.EncodeToString(ch.Sum(nil)))
}

// PutStream implements storage.StreamPutter: what write writes is sealed
// on its way into the inner store's stream. write vouches for the
// plaintext (it hashes it for its row); the chunks' tags authenticate it
// at every read. An inner store without streams gets the ciphertext
// spooled to a temporary file and Put.
func (s *Store) PutStream(ctx context.Context, key string, write func(w io.Writer) error) error {
	if err := storage.CheckKey(key); err != nil {
		return err
	}
	sealTo := func(w io.Writer) error {
		sw, err := NewWriter(w, s.ring, key)
		if err != nil {
			return err
		}
		if err := write(sw); err != nil {
			return err
		}
		if err := sw.Close(); err != nil {
			return fmt.Errorf("sealed: put %s: %w", key, err)
		}
		return nil
	}
	if sp, ok := s.inner.(StreamPutter); ok {
		return sp.PutStream(ctx, key, sealTo)
	}
	f, err := os.CreateTemp(s.tmpDir, "seal-*")
	if err != nil {
		return fmt.Errorf("sealed: stage %s: %w", key, err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	ch := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, ch)}
	if err := sealTo(cw); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("sealed: stage %s: %w", key, err)
	}
	return s.inner.Put(ctx, key, f, cw.n, hex.EncodeToString(ch.Sum(nil)))
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// seal writes r sealed into w, checking that it is size bytes hashing to
// sha256hex.
func (s *Store) seal(ctx context.Context, key string, w io.Writer, r io.Reader, size int64, sha256hex string) error {
	sw, err := NewWriter(w, s.ring, key)
	if err != nil {
		return err
	}
	// The plaintext is hashed in a second goroutine while it is sealed,
	// block by block: on two cores SHA-256 and AES-GCM overlap.
	h := sha256.New()
	buf := make([]byte, 256<<10)
	lr := io.LimitReader(r, size+1)
	var n int64
	for {
		k, rerr := fill(lr, buf)
		if k > 0 {
			hashed := make(chan struct{})
			go func(b []byte) { h.Write(b); close(hashed) }(buf[:k])
			_, werr := sw.Write(buf[:k])
			<-hashed
			n += int64(k)
			if werr != nil {
				return fmt.Errorf("sealed: put %s: %w", key, werr)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("sealed: put %s: %w", key, rerr)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sealed: put %s: %w", key, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != size || got != sha256hex {
		return fmt.Errorf("sealed: put %s: %w: got %d bytes %s, want %d bytes %s", key, storage.ErrChecksum, n, got, size, sha256hex)
	}
	return sw.Close()
}

// fill reads into buf until it is full or r ends (io.EOF, exactly) or
// fails (its error, as it is: unlike io.ReadFull, a reader's own
// io.ErrUnexpectedEOF stays an error).
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := r.Read(buf[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Object is what Open returns for a sealed object on a seekable inner
// store: a plaintext io.ReadSeeker whose bytes are authenticated chunk by
// chunk.
type Object struct {
	*ReadSeeker
	io.Closer
}

type streamObject struct {
	*Reader
	io.Closer
}

type plainStream struct {
	io.Reader
	io.Closer
}

// Open implements storage.Store. A sealed object on a seekable inner
// store (a file, an S3 object) opens as an *Object; a plain one is
// returned as the inner store gave it.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := s.inner.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	out, err := s.open(rc, key)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("sealed: open %s: %w", key, err)
	}
	return out, nil
}

func (s *Store) open(rc io.ReadCloser, key string) (io.ReadCloser, error) {
	rs, ok := rc.(io.ReadSeeker)
	if !ok {
		br := bufio.NewReader(rc)
		start, _ := br.Peek(len(magic) + 1)
		if !IsSealed(start) {
			s.plain.Add(1)
			return plainStream{br, rc}, nil
		}
		r, err := NewReader(br, s.ring, key)
		if err != nil {
			return nil, err
		}
		return streamObject{r, rc}, nil
	}
	var raw [HeaderSize]byte
	n, err := io.ReadFull(rs, raw[:])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, err
	}
	if !IsSealed(raw[:n]) {
		s.plain.Add(1)
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return rc, nil
	}
	if n < HeaderSize {
		return nil, fmt.Errorf("%w: shorter than its header", ErrCorrupt)
	}
	size, err := sizeOf(rs)
	if err != nil {
		return nil, err
	}
	r, err := readSeekerAfterHeader(rs, raw[:], size, s.ring, key)
	if err != nil {
		return nil, err
	}
	return Object{r, rc}, nil
}

// sizeOf tells the size of a seekable object, at HeaderSize afterwards.
func sizeOf(rs io.ReadSeeker) (int64, error) {
	if f, ok := rs.(interface{ Stat() (fs.FileInfo, error) }); ok {
		info, err := f.Stat()
		if err != nil {
			return 0, err
		}
		return info.Size(), nil
	}
	size, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	_, err = rs.Seek(HeaderSize, io.SeekStart)
	return size, err
}

func readSeekerAfterHeader(rs io.ReadSeeker, raw []byte, size int64, ring *keyring.Ring, label string) (*ReadSeeker, error) {
	c, err := openHeader(raw, ring, label)
	if err != nil {
		return nil, err
	}
	plainN, ok := PlainSize(size, c.chunk)
	if !ok {
		return nil, fmt.Errorf("%w: cut (%d bytes)", ErrCorrupt, size)
	}
	full := int64(c.chunk + Overhead)
	return &ReadSeeker{rs: rs, c: c, size: size, plainN: plainN, chunks: (size - HeaderSize + full - 1) / full,
		buf: make([]byte, full), cur: -1, upos: HeaderSize}, nil
}

// Delete implements storage.Store.
func (s *Store) Delete(ctx context.Context, key string) error { return s.inner.Delete(ctx, key) }

// Ping implements storage.Store.
func (s *Store) Ping(ctx context.Context) error { return s.inner.Ping(ctx) }

// List implements storage.Store with plaintext sizes: it reads each
// object's header.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.Object) error) error {
	return s.inner.List(ctx, prefix, func(o storage.Object) error {
		size, err := s.plainSize(ctx, o)
		if err != nil {
			return err
		}
		o.Size = size
		return fn(o)
	})
}

func (s *Store) plainSize(ctx context.Context, o storage.Object) (int64, error) {
	if o.Size < HeaderSize {
		return o.Size, nil
	}
	rc, err := s.inner.Open(ctx, o.Key)
	if errors.Is(err, storage.ErrNotFound) {
		return o.Size, nil // removed meanwhile
	}
	if err != nil {
		return 0, fmt.Errorf("sealed: list %s: %w", o.Key, err)
	}
	defer rc.Close()
	var raw [16]byte
	if _, err := io.ReadFull(rc, raw[:]); err != nil {
		return 0, fmt.Errorf("sealed: list %s: %w", o.Key, err)
	}
	if !IsSealed(raw[:]) {
		return o.Size, nil
	}
	h, err := parseHeader(append(raw[:], make([]byte, HeaderSize-16)...))
	if err != nil {
		return 0, fmt.Errorf("sealed: list %s: %w", o.Key, err)
	}
	n, ok := PlainSize(o.Size, h.chunk)
	if !ok {
		return 0, fmt.Errorf("sealed: list %s: %w: cut (%d bytes)", o.Key, ErrCorrupt, o.Size)
	}
	return n, nil
}
