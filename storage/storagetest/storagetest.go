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
