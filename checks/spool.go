package checks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// Spooled is an upload copied to a temporary file, with what was learned on
// the way: size, SHA-256, and the first and last bytes for the content checks.
type Spooled struct {
	Path   string
	Size   int64
	SHA256 string
	Head   []byte // up to the first 1024 bytes
	Tail   []byte // up to the last 1024 bytes
}

// Remove deletes the temporary file.
func (s *Spooled) Remove() error {
	if err := os.Remove(s.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove spool file: %w", err)
	}
	return nil
}

// Open opens the spooled file for reading.
func (s *Spooled) Open() (*os.File, error) { return os.Open(s.Path) }

const edge = 1024

// Spool copies r into a new file in dir while counting and hashing. It reads
// at most limit+1 bytes: one byte past the limit is proof enough, and the
// rest of r is never read. Such an input gives a *Problem with
// CodeTooLarge and leaves no file behind; so does any other error.
func Spool(ctx context.Context, r io.Reader, dir string, limit int64) (*Spooled, error) {
	f, err := os.CreateTemp(dir, "upload-*.part")
	if err != nil {
		return nil, fmt.Errorf("create spool file: %w", err)
	}
	s := &Spooled{Path: f.Name()}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			s.Remove()
		}
	}()

	h := sha256.New()
	tail := &tailBuffer{}
	head := &headBuffer{}
	// The buffer is only read into: no reader's WriteTo nor writer's
	// ReadFrom (MultiWriter has none) takes the copy over.
	n, err := io.CopyBuffer(io.MultiWriter(f, h, head, tail), io.LimitReader(ctxReader{ctx, r}, limit+1), make([]byte, spoolBuffer))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if n > limit {
		return nil, TooLarge(limit)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("close spool file: %w", err)
	}
	s.Size, s.SHA256, s.Head, s.Tail = n, hex.EncodeToString(h.Sum(nil)), head.b, tail.bytes()
	ok = true
	return s, nil
}

// spoolBuffer is the copy's buffer: 32 KiB (io.Copy's) makes a write call
// for every 32 KiB, a 25 MB upload about 760 of them.
const spoolBuffer = 512 << 10

// ctxReader stops a long copy when the request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type headBuffer struct{ b []byte }

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := edge - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// tailBuffer keeps the last edge bytes written.
type tailBuffer struct {
	b [edge]byte
	n int // total bytes written
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	// Bytes older than the last edge would be overwritten anyway; skip them
	// but count them, so every byte lands at its position modulo edge.
	skip := max(0, len(p)-edge)
	t.n += skip
	for _, c := range p[skip:] {
		t.b[t.n%edge] = c
		t.n++
	}
	return len(p), nil
}

func (t *tailBuffer) bytes() []byte {
	if t.n <= edge {
		return append([]byte(nil), t.b[:t.n]...)
	}
	start := t.n % edge
	return append(append([]byte(nil), t.b[start:]...), t.b[:start]...)
}
