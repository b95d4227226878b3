package sealed

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"accredpack/keyring"
)

// Writer seals what is written to it into w. Close seals the last chunk
// (it does not close w); without Close the object is incomplete and does
// not open.
type Writer struct {
	w      io.Writer
	c      *chunker
	buf    []byte // plaintext of the chunk being filled, sealed in place
	chunk  int
	index  int64
	n      int64
	closed bool
	err    error
}

// NewWriter writes the header of a new sealed object to w, with a fresh
// data key wrapped by ring's current key. label binds the object to its
// name (the storage key): the same label must be given to read it.
func NewWriter(w io.Writer, ring *keyring.Ring, label string) (*Writer, error) {
	return newWriter(w, ring, label, ChunkSize)
}

func newWriter(w io.Writer, ring *keyring.Ring, label string, chunk int) (*Writer, error) {
	key := keyring.NewDataKey()
	wrapped, err := ring.Wrap(key, Purpose)
	if err != nil {
		return nil, fmt.Errorf("sealed: wrap the data key: %w", err)
	}
	h, err := newHeader(wrapped, chunk)
	if err != nil {
		return nil, err
	}
	c, err := newChunker(key, h, label)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(h.raw[:]); err != nil {
		return nil, fmt.Errorf("sealed: write header: %w", err)
	}
	return &Writer{w: w, c: c, buf: make([]byte, 0, chunk+Overhead), chunk: chunk}, nil
}

// Write implements io.Writer. A full chunk is sealed only once more bytes
// come (or at Close), since the last chunk is sealed differently.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errors.New("sealed: write after close")
	}
	written := 0
	for len(p) > 0 {
		if len(w.buf) == w.chunk {
			if err := w.flush(false); err != nil {
				return written, err
			}
		}
		k := copy(w.buf[len(w.buf):w.chunk], p)
		w.buf = w.buf[:len(w.buf)+k]
		p = p[k:]
		written += k
		w.n += int64(k)
	}
	return written, nil
}

func (w *Writer) flush(final bool) error {
	out := w.c.seal(w.buf[:0], w.buf, w.index, final)
	w.index++
	if _, err := w.w.Write(out); err != nil {
		w.err = fmt.Errorf("sealed: write chunk %d: %w", w.index-1, err)
		return w.err
	}
	w.buf = w.buf[:0]
	return nil
}

// Close seals the last chunk.
func (w *Writer) Close() error {
	if w.err != nil || w.closed {
		return w.err
	}
	w.closed = true
	return w.flush(true)
}

// Reader opens a sealed stream read from start to end.
type Reader struct {
	r     *bufio.Reader
	c     *chunker
	buf   []byte
	plain []byte // unread plaintext of the current chunk
	index int64
	done  bool
	err   error
}

// NewReader reads the header of a sealed object from r and returns a
// reader of its plaintext. Every chunk is authenticated before any of its
// bytes are returned; a damaged or cut object fails with ErrCorrupt.
func NewReader(r io.Reader, ring *keyring.Ring, label string) (*Reader, error) {
	var raw [HeaderSize]byte
	if _, err := io.ReadFull(r, raw[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: shorter than its header", ErrCorrupt)
		}
		return nil, fmt.Errorf("sealed: read header: %w", err)
	}
	c, err := openHeader(raw[:], ring, label)
	if err != nil {
		return nil, err
	}
	return &Reader{r: bufio.NewReaderSize(r, 4096), c: c, buf: make([]byte, c.chunk+Overhead)}, nil
}

func openHeader(raw []byte, ring *keyring.Ring, label string) (*chunker, error) {
	h, err := parseHeader(raw)
	if err != nil {
		return nil, err
	}
	key, _, err := h.dataKey(ring)
	if err != nil {
		return nil, err
	}
	return newChunker(key, h, label)
}

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		r.err = r.next()
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

func (r *Reader) next() error {
	n, err := io.ReadFull(r.r, r.buf)
	final := false
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		final = true
	case err != nil:
		return fmt.Errorf("sealed: read chunk %d: %w", r.index, err)
	default:
		if _, err := r.r.Peek(1); errors.Is(err, io.EOF) {
			final = true
		} else if err != nil {
			return fmt.Errorf("sealed: read chunk %d: %w", r.index, err)
		}
	}
	if n < Overhead {
		return fmt.Errorf("%w: cut after chunk %d", ErrCorrupt, r.index-1)
	}
	plain, err := r.c.open(r.buf[:0], r.buf[:n], r.index, final)
	if err != nil {
		return err
	}
	r.index++
	r.plain = plain
	r.done = final
	return nil
}

// ReadSeeker opens a sealed object over a seekable ciphertext (a file, an
// S3 object): reads go forward chunk by chunk, and Seek moves to any
// plaintext offset, so a range decrypts only the chunks it covers.
type ReadSeeker struct {
	rs     io.ReadSeeker
	c      *chunker
	size   int64 // ciphertext
	plainN int64
	chunks int64
	buf    []byte
	plain  []byte // current chunk's plaintext
	cur    int64  // index of the chunk in plain; -1 for none
	pos    int64  // plaintext offset of the next Read
	upos   int64  // offset of rs
}

// NewReadSeeker reads the header of the sealed object in rs.
func NewReadSeeker(rs io.ReadSeeker, ring *keyring.Ring, label string) (*ReadSeeker, error) {
	size, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("sealed: size: %w", err)
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("sealed: seek: %w", err)
	}
	var raw [HeaderSize]byte
	if _, err := io.ReadFull(rs, raw[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%w: shorter than its header", ErrCorrupt)
		}
		return nil, fmt.Errorf("sealed: read header: %w", err)
	}
	return readSeekerAfterHeader(rs, raw[:], size, ring, label)
}

// Size is the plaintext size.
func (r *ReadSeeker) Size() int64 { return r.plainN }

// Authenticated tells that every byte read is authenticated as it is
// read: a range of the object can be served without hashing it whole.
func (r *ReadSeeker) Authenticated() bool { return true }

// Read implements io.Reader.
func (r *ReadSeeker) Read(p []byte) (int, error) {
	if r.pos >= r.plainN {
		// An empty object still has its one chunk to authenticate.
		if r.plainN == 0 && r.cur != 0 {
			if err := r.load(0); err != nil {
				return 0, err
			}
		}
		return 0, io.EOF
	}
	i := r.pos / int64(r.c.chunk)
	if i != r.cur {
		if err := r.load(i); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.plain[r.pos-i*int64(r.c.chunk):])
	r.pos += int64(n)
	return n, nil
}

func (r *ReadSeeker) load(i int64) error {
	full := int64(r.c.chunk + Overhead)
	off := HeaderSize + i*full
	if off != r.upos {
		if _, err := r.rs.Seek(off, io.SeekStart); err != nil {
			return fmt.Errorf("sealed: seek chunk %d: %w", i, err)
		}
		r.upos = off
	}
	n := min(full, r.size-off)
	got, err := io.ReadFull(r.rs, r.buf[:n])
	r.upos += int64(got)
	if err != nil {
		r.cur = -1
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: cut in chunk %d", ErrCorrupt, i)
		}
		return fmt.Errorf("sealed: read chunk %d: %w", i, err)
	}
	plain, err := r.c.open(r.buf[:0], r.buf[:n], i, i == r.chunks-1)
	if err != nil {
		r.cur = -1
		return err
	}
	r.plain, r.cur = plain, i
	return nil
}

// Seek implements io.Seeker over the plaintext.
func (r *ReadSeeker) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.plainN
	default:
		return 0, errors.New("sealed: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("sealed: seek before the start")
	}
	r.pos = offset
	return offset, nil
}
