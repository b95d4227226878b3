package storage

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
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
