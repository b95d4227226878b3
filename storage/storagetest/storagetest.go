// Package storagetest is the conformance suite every storage.Store passes:
// the filesystem store and the S3 store run the same tests.
package storagetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sync"
	"testing"

	"accredpack/storage"
)

// Sum is the hex SHA-256 of b.
func Sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// Run runs the suite; newStore returns an empty store for each test.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"PutOpenDelete", putOpenDelete},
		{"PutRefusesWrongBytes", putRefusesWrongBytes},
		{"List", list},
		{"KeysCannotEscape", keysCannotEscape},
		{"ParallelPuts", parallelPuts},
		{"LargeObject", largeObject},
		{"SeekWhereSeekable", seekWhereSeekable},
		{"PutStream", putStream},
		{"PutStreamFailureStoresNothing", putStreamFailure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

func put(t *testing.T, s storage.Store, data []byte) string {
	t.Helper()
	key := storage.NewKey()
	if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), Sum(data)); err != nil {
		t.Fatalf("put: %v", err)
	}
	return key
}

// ReadBack reads an object through Verify.
func ReadBack(t *testing.T, s storage.Store, key string, size int64, sum string) ([]byte, error) {
	t.Helper()
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(storage.Verify(rc, size, sum))
}

func putOpenDelete(t *testing.T, s storage.Store) {
	ctx := context.Background()
	data := []byte("%PDF-1.4 test bytes")
	key := put(t, s, data)
	got, err := ReadBack(t, s, key, int64(len(data)), Sum(data))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %q, %v", got, err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadBack(t, s, key, int64(len(data)), Sum(data)); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after delete: %v; want ErrNotFound", err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Error(err)
	}
}

func putRefusesWrongBytes(t *testing.T, s storage.Store) {
	ctx := context.Background()
	data := []byte("expected content")
	key := storage.NewKey()
	if err := s.Put(ctx, key, bytes.NewReader([]byte("other content!!!")), int64(len(data)), Sum(data)); !errors.Is(err, storage.ErrChecksum) {
		t.Errorf("wrong content: %v; want ErrChecksum", err)
	}
	if err := s.Put(ctx, key, bytes.NewReader(data[:5]), int64(len(data)), Sum(data)); err == nil {
		t.Error("short content accepted")
	}
	if _, err := s.Open(ctx, key); err == nil {
		// Some stores open lazily: reading must then fail.
		if _, err := ReadBack(t, s, key, int64(len(data)), Sum(data)); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a refused put left an object: %v", err)
		}
	}
	var n int
	s.List(ctx, "", func(storage.Object) error { n++; return nil })
	if n != 0 {
		t.Errorf("a refused put left %d object(s)", n)
	}
}

func list(t *testing.T, s storage.Store) {
	ctx := context.Background()
	want := map[string]bool{}
	for i := 0; i < 3; i++ {
		want[put(t, s, []byte{byte(i), 1, 2, 3})] = true
	}
	got := map[string]bool{}
	err := s.List(ctx, "documents/", func(o storage.Object) error {
		if o.Size != 4 || o.Modified.IsZero() {
			t.Errorf("object %+v", o)
		}
		got[o.Key] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Errorf("listed %v; want %v", got, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("%s not listed", k)
		}
	}
	none := 0
	s.List(ctx, "bundles/", func(storage.Object) error { none++; return nil })
	if none != 0 {
		t.Errorf("prefix not applied: %d", none)
	}
}

func keysCannotEscape(t *testing.T, s storage.Store) {
	for _, key := range []string{"../etc/passwd", "documents/../../x", "/abs", "Documents/UPPER", "", "a//b"} {
		if err := s.Put(context.Background(), key, bytes.NewReader(nil), 0, Sum(nil)); err == nil {
			t.Errorf("key %q accepted", key)
		}
	}
}

func parallelPuts(t *testing.T, s storage.Store) {
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			data := bytes.Repeat([]byte{byte(i)}, 10_000+i)
			key := storage.NewKey()
			if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), Sum(data)); err != nil {
				t.Errorf("put %d: %v", i, err)
				return
			}
			if got, err := ReadBack(t, s, key, int64(len(data)), Sum(data)); err != nil || !bytes.Equal(got, data) {
				t.Errorf("read %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
}

// largeObject crosses the sizes where S3 clients switch strategies.
func largeObject(t *testing.T, s storage.Store) {
	data := make([]byte, 25<<20)
	for i := range data {
		data[i] = byte(i * 31 >> 8)
	}
	key := put(t, s, data)
	got, err := ReadBack(t, s, key, int64(len(data)), Sum(data))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("25 MiB object: %v", err)
	}
}

// seekWhereSeekable: the reader Open returns seeks (a file, an S3 object,
// a sealed object over either: ranged downloads rely on it), reads the
// right bytes after any seek, and its end is the object's size.
func seekWhereSeekable(t *testing.T, s storage.Store) {
	data := make([]byte, 300_000)
	for i := range data {
		data[i] = byte(i * 7 >> 3)
	}
	key := put(t, s, data)
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	rs, ok := rc.(io.ReadSeeker)
	if !ok {
		t.Fatalf("%T does not seek", rc)
	}
	if end, err := rs.Seek(0, io.SeekEnd); err != nil || end != int64(len(data)) {
		t.Fatalf("end at %d, %v; want %d", end, err, len(data))
	}
	for _, r := range [][2]int{{150_000, 151_000}, {0, 10}, {65_530, 65_600}, {299_990, 300_000}, {1, 299_999}} {
		if _, err := rs.Seek(int64(r[0]), io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, r[1]-r[0])
		if _, err := io.ReadFull(rs, got); err != nil || !bytes.Equal(got, data[r[0]:r[1]]) {
			t.Errorf("bytes %d-%d after a seek: %v", r[0], r[1], err)
		}
	}
}

// putStream: a store that takes streams of unknown size (storage.StreamPutter:
// every store here) keeps exactly what was written, over several writes and
// across the sizes where S3 uploads go in parts; an empty stream is an
// empty object.
func putStream(t *testing.T, s storage.Store) {
	sp, ok := s.(storage.StreamPutter)
	if !ok {
		t.Fatalf("%T takes no streams of unknown size", s)
	}
	ctx := context.Background()
	for _, size := range []int{0, 1000, 20<<20 + 12345} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i*7 + i>>13)
		}
		key := storage.NewKey()
		err := sp.PutStream(ctx, key, func(w io.Writer) error {
			for rest := data; len(rest) > 0; {
				n := min(len(rest), 100_000)
				if _, err := w.Write(rest[:n]); err != nil {
					return err
				}
				rest = rest[n:]
			}
			return nil
		})
		if err != nil {
			t.Fatalf("stream of %d bytes: %v", size, err)
		}
		got, err := ReadBack(t, s, key, int64(size), Sum(data))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("stream of %d bytes read back: %d bytes, %v", size, len(got), err)
		}
	}
}

// putStreamFailure: a writer that fails, after some bytes or after more
// than an S3 part, leaves no object, and its own error is what PutStream
// returns.
func putStreamFailure(t *testing.T, s storage.Store) {
	sp, ok := s.(storage.StreamPutter)
	if !ok {
		t.Fatalf("%T takes no streams of unknown size", s)
	}
	ctx := context.Background()
	boom := errors.New("a document did not verify")
	for _, before := range []int{10, 17 << 20} {
		key := storage.NewKey()
		err := sp.PutStream(ctx, key, func(w io.Writer) error {
			if _, err := w.Write(make([]byte, before)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("failed after %d bytes: %v; want the writer's error", before, err)
		}
		if _, err := ReadBack(t, s, key, int64(before), Sum(make([]byte, before))); err == nil {
			t.Errorf("failed after %d bytes: an object was stored", before)
		}
	}
	var n int
	s.List(ctx, "", func(storage.Object) error { n++; return nil })
	if n != 0 {
		t.Errorf("failed streams left %d object(s)", n)
	}
}
