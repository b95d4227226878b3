package storage

import (
	"fmt"
	"io"
	"sync/atomic"
)

// writeBehind passes what is written to it to another goroutine, which
// writes it to w: the destination's work (sealing, the file's write calls)
// runs on one core while the caller produces and hashes the next bytes on
// the other. It holds at most behindBuffers buffers of behindSize bytes.
// The first error of w is answered to a later Write (the caller may have
// handed over the buffers already queued) and to Close;
// Close must be called (it ends the goroutine), and returns once every
// byte written before it reached w.
type writeBehind struct {
	w      io.Writer
	free   chan []byte
	full   chan []byte
	done   chan struct{}
	buf    []byte
	failed atomic.Pointer[error]
}

const (
	behindBuffers = 4
	behindSize    = 256 << 10
)

func newWriteBehind(w io.Writer) *writeBehind {
	b := &writeBehind{w: w, free: make(chan []byte, behindBuffers), full: make(chan []byte, behindBuffers), done: make(chan struct{})}
	for range behindBuffers - 1 {
		b.free <- make([]byte, 0, behindSize)
	}
	b.buf = make([]byte, 0, behindSize)
	go b.run()
	return b
}

func (b *writeBehind) run() {
	defer close(b.done)
	for p := range b.full {
		if b.failed.Load() == nil {
			b.write(p)
		}
		b.free <- p[:0]
	}
}

// write writes p to the destination; its error, or its panic (on the
// caller's goroutine it would have failed the build, here it would end
// the process), stops the writer.
func (b *writeBehind) write(p []byte) {
	defer func() {
		if r := recover(); r != nil {
			err := fmt.Errorf("storage: write panicked: %v", r)
			b.failed.Store(&err)
		}
	}()
	if _, err := b.w.Write(p); err != nil {
		b.failed.Store(&err)
	}
}

func (b *writeBehind) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if err := b.failed.Load(); err != nil {
			return written, *err
		}
		if len(b.buf) == cap(b.buf) {
			b.full <- b.buf
			b.buf = <-b.free
		}
		k := copy(b.buf[len(b.buf):cap(b.buf)], p)
		b.buf = b.buf[:len(b.buf)+k]
		p = p[k:]
		written += k
	}
	return written, nil
}

// Close hands over what is left and waits for the goroutine to write it.
func (b *writeBehind) Close() error {
	if len(b.buf) > 0 {
		b.full <- b.buf
		b.buf = nil
	}
	close(b.full)
	<-b.done
	if err := b.failed.Load(); err != nil {
		return *err
	}
	return nil
}
