package fsstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

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

// An object larger than the writeback step (the disk is asked to write it
// as it comes) is stored whole.
func TestPutBeyondWritebackStep(t *testing.T) {
	s, _ := Open(t.TempDir())
	data := bytes.Repeat([]byte("0123456789abcdef"), (2*writebackStep+777)/16)
	key := storage.NewKey()
	if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), storagetest.Sum(data)); err != nil {
		t.Fatal(err)
	}
	got, err := storagetest.ReadBack(t, s, key, int64(len(data)), storagetest.Sum(data))
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("read back %d bytes (%v), stored %d", len(got), err, len(data))
	}
}
