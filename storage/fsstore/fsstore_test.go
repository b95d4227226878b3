package fsstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"accredpack/storage"
)

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("%PDF-1.4 test bytes")
	key := storage.NewKey()
	if err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), sum(data)); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(storage.Verify(rc, int64(len(data)), sum(data)))
	rc.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %q, %v", got, err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if err := s.Delete(ctx, key); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Error(err)
	}
}

func TestPutRefusesWrongBytes(t *testing.T) {
	ctx := context.Background()
	s, _ := Open(t.TempDir())
	data := []byte("expected content")
	key := storage.NewKey()
	if err := s.Put(ctx, key, bytes.NewReader([]byte("other content!!!")), int64(len(data)), sum(data)); !errors.Is(err, storage.ErrChecksum) {
		t.Errorf("wrong content: %v", err)
	}
	if err := s.Put(ctx, key, bytes.NewReader(data[:5]), int64(len(data)), sum(data)); !errors.Is(err, storage.ErrChecksum) {
		t.Errorf("short content: %v", err)
	}
	if _, err := s.Open(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a refused put left an object: %v", err)
	}
	if left, _ := os.ReadDir(s.tmp); len(left) != 0 {
		t.Errorf("staging left files: %v", left)
	}
}

func TestVerifyDetectsCorruptionOnRead(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, _ := Open(root)
	data := []byte("original document bytes")
	key := storage.NewKey()
	if err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), sum(data)); err != nil {
		t.Fatal(err)
	}
	// Flip a byte on disk behind the store's back.
	p := filepath.Join(root, "objects", filepath.FromSlash(key))
	raw, _ := os.ReadFile(p)
	raw[0] ^= 0xff
	os.WriteFile(p, raw, 0o600)
	rc, _ := s.Open(ctx, key)
	defer rc.Close()
	if _, err := io.ReadAll(storage.Verify(rc, int64(len(data)), sum(data))); !errors.Is(err, storage.ErrChecksum) {
		t.Errorf("corruption not detected: %v", err)
	}
}

func TestKeysCannotEscape(t *testing.T) {
	s, _ := Open(t.TempDir())
	for _, key := range []string{"../etc/passwd", "documents/../../x", "/abs", "Documents/UPPER", "", "a//b"} {
		if err := s.Put(context.Background(), key, bytes.NewReader(nil), 0, sum(nil)); err == nil {
			t.Errorf("key %q accepted", key)
		}
	}
}
