package fsstore

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"unsafe"
)

// directSize is the size of each write that bypasses the page cache, and
// directBuffers how many of them may be gathered or in flight at once, two
// of them written at a time (directWriters); directAlign is the alignment
// such a write needs (of its memory, offset and length: the largest
// logical block size in use).
const (
	directSize    = 1 << 20
	directBuffers = 4
	directWriters = 2
	directAlign   = 4096
)

// staging is where PutStream writes an object before it is placed: a file
// opened for writes that bypass the page cache (O_DIRECT) where the file
// system allows it, else the plain file.
//
// Why: a bundle is hundreds of megabytes written once and not read soon.
// Through the page cache each write first takes fresh pages of memory,
// which on the virtual machines measured costs from 0.2 to 6 ms of kernel
// CPU time per MiB, varying with the host's state (240 MiB took 47 ms to
// 1.6 s of writes; the fsync then wrote it all again). Written directly,
// 1 MiB at a time, the same 240 MiB took 110-140 ms with 22-30 ms of
// kernel time, whatever the state, leaving the fsync only the device's
// cache and the file's size (docs/benchmarks.md). The fsync stays what
// makes the object durable.
//
// A direct write waits for the device: the full buffers are written by
// directWriters goroutines (at their offsets), while the caller fills the
// next ones.
type staging struct {
	f      *os.File // the staged file: Sync and Close are the caller's
	direct *os.File // the same file opened with O_DIRECT, or nil
	free   chan []byte
	full   chan block
	done   sync.WaitGroup
	failed atomic.Pointer[error]
	buf    []byte // being filled: n bytes of directSize, at offset off
	n      int
	off    int64
	size   int64 // bytes written in all
	closed bool  // full is closed, the writers are done
	pool   *sync.Pool
	taken  int // buffers taken from the pool
}

type block struct {
	p   []byte
	off int64
}

// newStaging stages into f, with direct writes if direct (directWorks)
// and the file allows them at open, in buffers taken from pool (alignedBuffers) as the
// object grows: a small upload takes one.
func newStaging(f *os.File, direct bool, pool *sync.Pool) *staging {
	s := &staging{f: f, pool: pool}
	if !direct {
		return s
	}
	d := openDirect(f.Name())
	if d == nil {
		return s
	}
	s.direct = d
	s.free = make(chan []byte, directBuffers)
	s.full = make(chan block, directBuffers)
	s.buf = s.take()
	s.done.Add(directWriters)
	for range directWriters {
		go s.write()
	}
	return s
}

// alignedBuffers is a pool of directSize buffers aligned for direct
// writes, for newStaging.
func alignedBuffers() *sync.Pool {
	return &sync.Pool{New: func() any { return aligned(directSize) }}
}

// aligned answers n bytes of memory aligned for direct writes.
func aligned(n int) []byte {
	raw := make([]byte, n+directAlign)
	skip := (directAlign - int(uintptr(unsafe.Pointer(&raw[0]))%directAlign)) % directAlign
	return raw[skip : skip+n : skip+n]
}

// take answers a buffer to fill: a new one from the pool while fewer than
// directBuffers are out, else one given back by the writers.
func (s *staging) take() []byte {
	if s.taken < directBuffers {
		s.taken++
		return s.pool.Get().([]byte)
	}
	return <-s.free
}

// write writes full buffers at their offsets until there are no more;
// after a failure it only gives them back.
func (s *staging) write() {
	defer s.done.Done()
	for b := range s.full {
		if s.failed.Load() == nil {
			if _, err := s.direct.WriteAt(b.p, b.off); err != nil {
				err = fmt.Errorf("fsstore: write: %w", err)
				s.failed.CompareAndSwap(nil, &err)
			}
		}
		s.free <- b.p[:cap(b.p)]
	}
}

func (s *staging) Write(p []byte) (int, error) {
	if s.closed {
		return 0, errors.New("fsstore: write after the staging ended")
	}
	if s.direct == nil {
		n, err := s.f.Write(p)
		s.size += int64(n)
		return n, err
	}
	written := 0
	for len(p) > 0 {
		if err := s.failed.Load(); err != nil {
			return written, *err
		}
		k := copy(s.buf[s.n:], p)
		s.n += k
		p = p[k:]
		written += k
		s.size += int64(k)
		if s.n == len(s.buf) {
			s.full <- block{p: s.buf, off: s.off}
			s.off += int64(s.n)
			s.buf, s.n = s.take(), 0
		}
	}
	return written, nil
}

// stop ends the writers once they have written what they were given, and
// gives the buffers back to the pool.
func (s *staging) stop() {
	if s.direct == nil || s.closed {
		return
	}
	s.closed = true
	close(s.full)
	s.done.Wait()
	close(s.free)
	for b := range s.free {
		s.pool.Put(b)
	}
	if s.buf != nil {
		s.pool.Put(s.buf[:cap(s.buf)])
		s.buf = nil
	}
}

// finish writes what is left, the last block padded with zeros, waits for
// every write, then cuts the file to the bytes written. The caller's fsync
// follows.
func (s *staging) finish() error {
	if s.direct == nil {
		return nil
	}
	defer s.direct.Close()
	if s.n > 0 {
		padded := (s.n + directAlign - 1) / directAlign * directAlign
		clear(s.buf[s.n:padded])
		s.full <- block{p: s.buf[:padded], off: s.off}
		s.buf = nil // the writers give it back
	}
	s.stop()
	if err := s.failed.Load(); err != nil {
		return *err
	}
	if err := s.f.Truncate(s.size); err != nil {
		return fmt.Errorf("fsstore: cut to size: %w", err)
	}
	return nil
}

// abandon ends the writers of a staging that failed and lets go of its
// direct descriptor; after finish it does nothing more.
func (s *staging) abandon() {
	if s.direct != nil {
		s.stop()
		s.direct.Close()
	}
}

// directWorks says whether files in dir take direct writes: a file
// system may refuse O_DIRECT at open (tmpfs) or only at the first write
// (some FUSE and network file systems), so one aligned block is written.
func directWorks(dir string) bool {
	f, err := os.CreateTemp(dir, "direct-*")
	if err != nil {
		return false
	}
	defer os.Remove(f.Name())
	defer f.Close()
	d := openDirect(f.Name())
	if d == nil {
		return false
	}
	defer d.Close()
	_, err = d.WriteAt(aligned(directAlign), 0)
	return err == nil
}

var _ io.Writer = (*staging)(nil)
