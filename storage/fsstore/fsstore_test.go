package fsstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"accredpack/storage"
	"accredpack/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestVerifyDetectsCorruptionOnRead(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, _ := Open(root)
	data := []byte("original document bytes")
	key := storage.NewKey()
	if err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), storagetest.Sum(data)); err != nil {
		t.Fatal(err)
	}
	// Flip a byte on disk behind the store's back.
	p := filepath.Join(root, "objects", filepath.FromSlash(key))
	raw, _ := os.ReadFile(p)
	raw[0] ^= 0xff
	os.WriteFile(p, raw, 0o600)
	rc, _ := s.Open(ctx, key)
	defer rc.Close()
	if _, err := io.ReadAll(storage.Verify(rc, int64(len(data)), storagetest.Sum(data))); !errors.Is(err, storage.ErrChecksum) {
		t.Errorf("corruption not detected: %v", err)
	}
}

func TestStagingLeavesNothing(t *testing.T) {
	s, _ := Open(t.TempDir())
	data := []byte("x")
	s.Put(context.Background(), storage.NewKey(), bytes.NewReader([]byte("y")), 1, storagetest.Sum(data))
	if left, _ := os.ReadDir(s.tmp); len(left) != 0 {
		t.Errorf("staging left files: %v", left)
	}
}

// Objects of every size against the direct writes' block and buffer
// (a padded last block, cut back to size) are stored whole, with their
// size on disk exact, through the direct writes and through the plain file
// used where the file system refuses them.
func TestPutAroundDirectBlocks(t *testing.T) {
	sizes := []int{0, 1, directAlign - 1, directAlign, directAlign + 1, directSize - 1, directSize, directSize + 1, (directBuffers+3)*directSize + 777}
	for _, direct := range []bool{true, false} {
		root := t.TempDir()
		s, _ := Open(root)
		s.direct = direct
		for _, n := range sizes {
			data := make([]byte, n)
			for i := range data {
				data[i] = byte(i*7 + n)
			}
			key := storage.NewKey()
			if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(n), storagetest.Sum(data)); err != nil {
				t.Fatalf("direct %v, %d bytes: %v", direct, n, err)
			}
			got, err := storagetest.ReadBack(t, s, key, int64(n), storagetest.Sum(data))
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("direct %v: read back %d bytes (%v), stored %d", direct, len(got), err, n)
			}
			if fi, err := os.Stat(filepath.Join(root, "objects", filepath.FromSlash(key))); err != nil {
				t.Errorf("direct %v: %d bytes stored: %v", direct, n, err)
			} else if fi.Size() != int64(n) {
				t.Errorf("direct %v: %d bytes stored, a file of %d", direct, n, fi.Size())
			}
		}
	}
}

// On the test folder's file system (a disk here and in CI) the staging
// does bypass the page cache (else the test above would cover the plain
// file twice, and the next one nothing), with aligned buffers taken as
// the object grows.
func TestStagingIsDirect(t *testing.T) {
	dir := t.TempDir()
	if !directWorks(dir) {
		t.Fatalf("%s refuses direct writes: run the tests with TMPDIR on a disk's file system (ext4, xfs), as the test command does", dir)
	}
	f, err := os.CreateTemp(dir, "staged-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pool := alignedBuffers()
	st := newStaging(f, true, pool)
	defer st.abandon()
	if st.direct == nil {
		t.Fatal("O_DIRECT refused on the test folder's file system")
	}
	for _, b := range [][]byte{st.buf, pool.Get().([]byte), pool.Get().([]byte)} {
		if uintptr(unsafe.Pointer(&b[0]))%directAlign != 0 || len(b) != directSize {
			t.Errorf("buffer of %d bytes at %p: not aligned to %d", len(b), &b[0], directAlign)
		}
	}
	// A small object takes one buffer, a large one directBuffers at most.
	st.Write(make([]byte, 1000))
	if st.taken != 1 {
		t.Errorf("1000 bytes took %d buffers", st.taken)
	}
	st.Write(make([]byte, 3*directBuffers*directSize))
	if st.taken != directBuffers {
		t.Errorf("%d MiB took %d buffers; want %d", 3*directBuffers, st.taken, directBuffers)
	}
	if err := st.finish(); err != nil {
		t.Fatal(err)
	}
}

// A direct write that fails (here: its descriptor closed under it) is
// answered by a later Write or by finish, without a hang (PutStream then
// stores nothing: its caller's error path, TestStagingLeavesNothing).
func TestStagingAnswersAFailedWrite(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "staged-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st := newStaging(f, true, alignedBuffers())
	if st.direct == nil {
		t.Skip("O_DIRECT refused here: TestStagingIsDirect says so")
	}
	st.direct.Close()
	chunk := make([]byte, 100_000)
	for i := 0; i < 10*directBuffers*directSize/len(chunk) && err == nil; i++ {
		_, err = st.Write(chunk)
	}
	if ferr := st.finish(); err == nil {
		err = ferr
	}
	if err == nil || !strings.Contains(err.Error(), "fsstore: write") {
		t.Errorf("writes on a closed descriptor: %v; want the write's error", err)
	}
}

// A write callback that panics (a bug of the caller's) leaves no staged
// file, no writer goroutine and no descriptor behind: the panic goes on up.
func TestPutStreamPanicLeavesNothing(t *testing.T) {
	s, _ := Open(t.TempDir())
	before := runtime.NumGoroutine()
	func() {
		defer func() {
			if r := recover(); r != "sealing bug" {
				t.Errorf("recovered %v; want the callback's panic", r)
			}
		}()
		s.PutStream(context.Background(), storage.NewKey(), func(w io.Writer) error {
			w.Write(make([]byte, 3*directSize+5))
			panic("sealing bug")
		})
	}()
	if left, _ := os.ReadDir(s.tmp); len(left) != 0 {
		t.Errorf("staging left files: %v", left)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the panic, %d before: the staging's writers were left running", n, before)
	}
}
