package storage

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// writeBehind passes what is written to it through stages, each on a
// goroutine of its own, buffer by buffer and in order: while one buffer is
// hashed, the one before it is sealed and written, and the caller produces
// the next (a bundle's ZIP or merge on one core, its hash, sealing and
// file writes spread over the others). It holds at most behindBuffers
// buffers of behindSize bytes. The first error of a stage stops every
// stage (the later buffers pass through untouched) and is answered to a
// later Write (the caller may have handed over the buffers already queued)
// and to Close; Close must be called (it ends the goroutines), and returns
// once every byte written before it went through every stage.
type writeBehind struct {
	free   chan []byte
	queues []chan []byte // queues[i] feeds stages[i]; the last stage frees
	done   sync.WaitGroup
	buf    []byte
	failed atomic.Pointer[error]
}

const (
	behindBuffers = 6
	behindSize    = 256 << 10
)

func newWriteBehind(stages ...io.Writer) *writeBehind {
	b := &writeBehind{free: make(chan []byte, behindBuffers), queues: make([]chan []byte, len(stages))}
	for i := range stages {
		b.queues[i] = make(chan []byte, behindBuffers)
	}
	for range behindBuffers - 1 {
		b.free <- make([]byte, 0, behindSize)
	}
	b.buf = make([]byte, 0, behindSize)
	b.done.Add(len(stages))
	for i, w := range stages {
		go b.run(i, w)
	}
	return b
}

// run is stage i: it hands each buffer, once through w, to the next stage,
// or back to the free ones after the last.
func (b *writeBehind) run(i int, w io.Writer) {
	defer b.done.Done()
	last := i == len(b.queues)-1
	for p := range b.queues[i] {
		if b.failed.Load() == nil {
			b.write(w, p)
		}
		if last {
			b.free <- p[:0]
		} else {
			b.queues[i+1] <- p
		}
	}
	if !last {
		close(b.queues[i+1])
	}
}

// write passes p through one stage; its error, or its panic (on the
// caller's goroutine it would have failed the build, here it would end
// the process), stops the writer.
func (b *writeBehind) write(w io.Writer, p []byte) {
	defer func() {
		if r := recover(); r != nil {
			err := fmt.Errorf("storage: write panicked: %v", r)
			b.failed.CompareAndSwap(nil, &err)
		}
	}()
	if _, err := w.Write(p); err != nil {
		b.failed.CompareAndSwap(nil, &err)
	}
}

func (b *writeBehind) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if err := b.failed.Load(); err != nil {
			return written, *err
		}
		b.handOverFull()
		k := copy(b.buf[len(b.buf):cap(b.buf)], p)
		b.buf = b.buf[:len(b.buf)+k]
		p = p[k:]
		written += k
	}
	return written, nil
}

// handOverFull hands a full buffer to the first stage and takes a free one.
func (b *writeBehind) handOverFull() {
	if len(b.buf) == cap(b.buf) {
		b.queues[0] <- b.buf
		b.buf = <-b.free
	}
}

// ReadFrom reads r straight into the buffers until its end (io.Copy uses
// it): no copy through a buffer of the caller's. A bundle's merge output,
// 240 MB, came through a 256 KiB buffer before.
func (b *writeBehind) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		if err := b.failed.Load(); err != nil {
			return total, *err
		}
		b.handOverFull()
		n, err := r.Read(b.buf[len(b.buf):cap(b.buf)])
		b.buf = b.buf[:len(b.buf)+n]
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// Close hands over what is left and waits for every stage to be done
// with it.
func (b *writeBehind) Close() error {
	if len(b.buf) > 0 {
		b.queues[0] <- b.buf
		b.buf = nil
	}
	close(b.queues[0])
	b.done.Wait()
	if err := b.failed.Load(); err != nil {
		return *err
	}
	return nil
}

// ReadAhead reads r on a goroutine of its own, up to aheadBuffers buffers
// of behindSize bytes ahead of the caller: the source's work (reading a
// sealed object and opening its chunks) runs on one core while the caller
// uses the bytes before on the other. What r answers, bytes and then its
// error, comes out in order (its panic is an error). Close stops the
// goroutine and waits for it; it does not close r.
func ReadAhead(r io.Reader) io.ReadCloser {
	a := &readAhead{full: make(chan chunk, aheadBuffers), free: make(chan []byte, aheadBuffers), stop: make(chan struct{}), done: make(chan struct{})}
	for range aheadBuffers {
		a.free <- make([]byte, behindSize)
	}
	go a.run(r)
	return a
}

const aheadBuffers = 4

type chunk struct {
	p   []byte
	err error
}

type readAhead struct {
	full chan chunk
	free chan []byte
	stop chan struct{}
	done chan struct{}
	held []byte // the buffer being read from, to give back
	cur  []byte // what is left of it
	err  error  // r's error, once cur is used up
}

func (a *readAhead) run(r io.Reader) {
	defer close(a.done)
	defer close(a.full)
	send := func(c chunk) bool {
		select {
		case a.full <- c:
			return true
		case <-a.stop:
			return false
		}
	}
	defer func() {
		if p := recover(); p != nil {
			send(chunk{err: fmt.Errorf("storage: read panicked: %v", p)})
		}
	}()
	for {
		var p []byte
		select {
		case p = <-a.free:
		case <-a.stop:
			return
		}
		n, err := 0, error(nil)
		for n < len(p) && err == nil {
			var k int
			k, err = r.Read(p[n:])
			n += k
		}
		if !send(chunk{p: p[:n], err: err}) || err != nil {
			return
		}
	}
}

// next makes the next buffer current; false when there is nothing more
// (a.err says why).
func (a *readAhead) next() bool {
	for len(a.cur) == 0 {
		if a.err != nil {
			return false
		}
		if a.held != nil {
			a.free <- a.held[:cap(a.held)]
			a.held = nil
		}
		c, ok := <-a.full
		if !ok {
			a.err = errAheadClosed
			return false
		}
		a.held, a.cur, a.err = c.p, c.p, c.err
	}
	return true
}

func (a *readAhead) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if !a.next() {
		return 0, a.err
	}
	n := copy(p, a.cur)
	a.cur = a.cur[n:]
	return n, nil
}

// WriteTo hands each buffer to w as it comes (io.Copy uses it: no copy
// into the caller's buffer).
func (a *readAhead) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for a.next() {
		n, err := w.Write(a.cur)
		total += int64(n)
		a.cur = a.cur[n:]
		if err != nil {
			return total, err
		}
	}
	if a.err == io.EOF {
		return total, nil
	}
	return total, a.err
}

var errAheadClosed = errors.New("storage: read ahead: closed")

// Close stops the reading; a later Read answers an error.
func (a *readAhead) Close() error {
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
	<-a.done
	a.cur, a.err = nil, errAheadClosed
	return nil
}
