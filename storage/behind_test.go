package storage

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
)

// Every byte written reaches the destination, in order, whatever the sizes
// of the writes against the buffers'.
func TestWriteBehindPassesEveryByte(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	want := make([]byte, behindBuffers*behindSize*3+12345)
	for i := range want {
		want[i] = byte(r.UintN(256))
	}
	var got bytes.Buffer
	wb := newWriteBehind(&got)
	for rest := want; len(rest) > 0; {
		k := min(len(rest), 1+int(r.UintN(3*behindSize)))
		if n, err := wb.Write(rest[:k]); n != k || err != nil {
			t.Fatalf("Write(%d) = %d, %v", k, n, err)
		}
		rest = rest[k:]
	}
	if err := wb.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("the destination got %d bytes, not the %d written", got.Len(), len(want))
	}
}

type failAfter struct {
	n   int
	err error
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n < len(p) {
		return 0, f.err
	}
	f.n -= len(p)
	return len(p), nil
}

// A failed write of the destination stops the writer (the next writes
// fail, not block) and is what Close answers.
func TestWriteBehindAnswersTheDestinationsError(t *testing.T) {
	full := errors.New("disk full")
	dst := &failAfter{n: behindSize, err: full}
	wb := newWriteBehind(dst)
	chunk := make([]byte, 64<<10)
	var err error
	for i := 0; i < 100*behindBuffers*behindSize/len(chunk) && err == nil; i++ {
		_, err = wb.Write(chunk)
	}
	if !errors.Is(err, full) {
		t.Errorf("writing on after the destination failed: %v; want its error", err)
	}
	if err := wb.Close(); !errors.Is(err, full) {
		t.Errorf("Close: %v; want the destination's error", err)
	}
}

// Close of a writer given nothing writes nothing.
func TestWriteBehindEmpty(t *testing.T) {
	var got bytes.Buffer
	wb := newWriteBehind(&got)
	if err := wb.Close(); err != nil || got.Len() != 0 {
		t.Errorf("Close: %v, %d bytes written", err, got.Len())
	}
}

type panicking struct{}

func (panicking) Write([]byte) (int, error) { panic("sealing bug") }

// A destination that panics on the writer's goroutine fails the write
// (Close answers it) instead of ending the process.
func TestWriteBehindRecoversAPanic(t *testing.T) {
	wb := newWriteBehind(panicking{})
	wb.Write(make([]byte, 2*behindSize))
	if err := wb.Close(); err == nil || !strings.Contains(err.Error(), "sealing bug") {
		t.Errorf("Close: %v; want the panic as an error", err)
	}
}

// With two stages (a hash, then the destination), each gets every byte in
// order; the destination's failure is answered even though the hash
// stage before it succeeded.
func TestWriteBehindStages(t *testing.T) {
	want := pattern(behindBuffers*behindSize*2+999, 31)
	h := sha256.New()
	var got bytes.Buffer
	wb := newWriteBehind(h, &got)
	for rest := want; len(rest) > 0; {
		k := min(len(rest), 100_000)
		wb.Write(rest[:k])
		rest = rest[k:]
	}
	if err := wb.Close(); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(want); !bytes.Equal(h.Sum(nil), sum[:]) || !bytes.Equal(got.Bytes(), want) {
		t.Errorf("hash stage or destination did not get the %d bytes in order (destination: %d)", len(want), got.Len())
	}

	full := errors.New("disk full")
	wb = newWriteBehind(sha256.New(), &failAfter{n: behindSize, err: full})
	wb.Write(make([]byte, 3*behindSize))
	if err := wb.Close(); !errors.Is(err, full) {
		t.Errorf("Close: %v; want the last stage's error", err)
	}
}

// chunky answers its bytes a few at a time, then err.
type chunky struct {
	data []byte
	r    *rand.Rand
	err  error
}

func (c *chunky) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, c.err
	}
	k := min(len(p), len(c.data), 1+int(c.r.UintN(100_000)))
	copy(p, c.data[:k])
	c.data = c.data[k:]
	return k, nil
}

// What the source answers comes out of ReadAhead in order, through Read
// and through WriteTo (io.Copy), then its error: a plain end, or a
// failure such as a checksum's, after every byte before it.
func TestReadAheadPassesEveryByteThenTheError(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	want := make([]byte, aheadBuffers*behindSize*3+4321)
	for i := range want {
		want[i] = byte(r.UintN(256))
	}
	broken := errors.New("checksum mismatch")
	for _, end := range []error{io.EOF, broken} {
		// Read, a random amount at a time.
		a := ReadAhead(&chunky{data: want, r: rand.New(rand.NewPCG(5, 6)), err: end})
		var got []byte
		var err error
		for err == nil {
			p := make([]byte, 1+r.UintN(2*behindSize))
			var n int
			n, err = a.Read(p)
			got = append(got, p[:n]...)
		}
		a.Close()
		if !bytes.Equal(got, want) || err != end {
			t.Errorf("Read: %d bytes then %v; want %d then %v", len(got), err, len(want), end)
		}
		// WriteTo.
		a = ReadAhead(&chunky{data: want, r: rand.New(rand.NewPCG(7, 8)), err: end})
		var buf bytes.Buffer
		_, err = io.Copy(&buf, a)
		a.Close()
		wantErr := end
		if end == io.EOF {
			wantErr = nil
		}
		if !bytes.Equal(buf.Bytes(), want) || err != wantErr {
			t.Errorf("io.Copy: %d bytes, %v; want %d, %v", buf.Len(), err, len(want), wantErr)
		}
	}
}

type panickingReader struct{}

func (panickingReader) Read([]byte) (int, error) { panic("opening bug") }

// A panic of the source is the reader's error, not the process's end; a
// reader closed early stops reading the source, and answers errors after.
func TestReadAheadPanicAndEarlyClose(t *testing.T) {
	a := ReadAhead(panickingReader{})
	if _, err := io.ReadAll(a); err == nil || !strings.Contains(err.Error(), "opening bug") {
		t.Errorf("ReadAll: %v; want the panic as an error", err)
	}
	a.Close()

	// Close returns once the goroutine is done: the source was read at
	// most the buffers ahead, not on to its end.
	src := &counting{}
	a = ReadAhead(src)
	a.Read(make([]byte, 10))
	a.Close()
	if n := src.n.Load(); n > int64((aheadBuffers+1)*behindSize) {
		t.Errorf("an endless source read %d bytes before Close stopped it; at most %d", n, (aheadBuffers+1)*behindSize)
	}
	if _, err := a.Read(make([]byte, 10)); err == nil {
		t.Error("Read after Close answered no error")
	}
}

// counting is an endless source that counts what it gives.
type counting struct{ n atomic.Int64 }

func (c *counting) Read(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// io.Copy into a writeBehind reads the source straight into its buffers
// (ReadFrom): every byte in order through every stage, the source's
// failure answered, a stage's failure stopping the copy.
func TestWriteBehindReadFrom(t *testing.T) {
	want := pattern(behindBuffers*behindSize*2+777, 13)
	h := sha256.New()
	var got bytes.Buffer
	wb := newWriteBehind(h, &got)
	n, err := io.Copy(wb, &chunky{data: want, r: rand.New(rand.NewPCG(9, 10)), err: io.EOF})
	if cerr := wb.Close(); err == nil {
		err = cerr
	}
	if sum := sha256.Sum256(want); err != nil || n != int64(len(want)) || !bytes.Equal(got.Bytes(), want) || !bytes.Equal(h.Sum(nil), sum[:]) {
		t.Errorf("io.Copy: %d bytes, %v; the destination got %d of %d", n, err, got.Len(), len(want))
	}

	broken := errors.New("checksum mismatch")
	wb = newWriteBehind(io.Discard)
	if _, err := io.Copy(wb, &chunky{data: want[:1000], r: rand.New(rand.NewPCG(1, 1)), err: broken}); err != broken {
		t.Errorf("a failing source: %v", err)
	}
	wb.Close()

	full := errors.New("disk full")
	wb = newWriteBehind(&failAfter{n: behindSize, err: full})
	_, err = io.Copy(wb, &counting{}) // endless: only the stage's failure ends it
	if cerr := wb.Close(); !errors.Is(err, full) || !errors.Is(cerr, full) {
		t.Errorf("a failing stage: copy %v, Close %v", err, cerr)
	}
}

// pattern is n bytes, byte i being i*step (mod 256).
func pattern(n, step int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * step)
	}
	return b
}
