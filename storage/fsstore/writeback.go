package fsstore

import "os"

// writebackStep is how much a staged object accumulates before the disk
// is asked to start writing it.
const writebackStep = 8 << 20

// writeback writes to a staging file and, every writebackStep bytes, asks
// the kernel to start writing the range just written to the disk
// (startWriteback), without waiting for it. Left alone, the kernel keeps
// a large object's pages dirty in memory until the Put's fsync, which then
// writes all of them while the caller waits (about 150 ms for a 240 MB
// bundle here); this way the disk writes while the object is still being
// produced, and the fsync finds little left. The fsync stays what makes
// the object durable, and what reports a write error.
type writeback struct {
	f       *os.File
	n       int64 // bytes written
	started int64 // bytes whose writeback was started
}

func (w *writeback) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.n += int64(n)
	if w.n-w.started >= writebackStep {
		startWriteback(w.f, w.started, w.n-w.started)
		w.started = w.n
	}
	return n, err
}
