// Package fsstore is the embedded default Store: objects are files under a
// folder. A Put writes a temporary file, checks its size and SHA-256, syncs
// it, renames it into place and syncs the folder, so an object is either
// whole and durable or absent.
package fsstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"accredpack/storage"
)

// Store keeps objects under root/objects, staging writes in root/tmp.
type Store struct {
	objects string
	tmp     string
	direct  bool       // stage objects with writes that bypass the page cache (staging)
	buffers *sync.Pool // the direct writes' aligned buffers
}

var (
	_ storage.Store        = (*Store)(nil)
	_ storage.StreamPutter = (*Store)(nil)
)

// Open prepares the folders under root.
func Open(root string) (*Store, error) {
	s := &Store{objects: filepath.Join(root, "objects"), tmp: filepath.Join(root, "tmp"), buffers: alignedBuffers()}
	for _, dir := range []string{s.objects, s.tmp} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("fsstore: create %s: %w", dir, err)
		}
	}
	s.direct = directWorks(s.tmp)
	// Staged files of a process killed mid-Put never became objects.
	if entries, err := os.ReadDir(s.tmp); err == nil {
		for _, e := range entries {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
				os.Remove(filepath.Join(s.tmp, e.Name()))
			}
		}
	}
	return s, nil
}

func (s *Store) path(key string) (string, error) {
	if err := storage.CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.objects, filepath.FromSlash(key)), nil
}

// Put implements storage.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, sha256hex string) error {
	return s.PutStream(ctx, key, func(w io.Writer) error {
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(r, size+1))
		if err != nil {
			return fmt.Errorf("fsstore: write %s: %w", key, err)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("fsstore: write %s: %w", key, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); n != size || got != sha256hex {
			return fmt.Errorf("fsstore: put %s: %w: got %d bytes %s, want %d bytes %s", key, storage.ErrChecksum, n, got, size, sha256hex)
		}
		return nil
	})
}

// PutStream stores under key what write writes, with Put's guarantees of
// durability: write is called once with the staging writer and vouches
// for its content (the sealed store checks the plaintext it encrypts); if
// it returns an error (or panics), nothing is stored.
func (s *Store) PutStream(ctx context.Context, key string, write func(w io.Writer) error) error {
	dst, err := s.path(key)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(s.tmp, "put-*")
	if err != nil {
		return fmt.Errorf("fsstore: stage %s: %w", key, err)
	}
	staged := f.Name()
	defer func() {
		f.Close()
		os.Remove(staged) // no-op after the rename
	}()
	st := newStaging(f, s.direct, s.buffers)
	defer st.abandon() // after finish, or when write fails or panics
	if err := write(st); err != nil {
		return err
	}
	if err := st.finish(); err != nil {
		return fmt.Errorf("fsstore: stage %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fsstore: write %s: %w", key, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("fsstore: sync %s: %w", key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("fsstore: close %s: %w", key, err)
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("fsstore: create folder for %s: %w", key, err)
	}
	if err := os.Rename(staged, dst); err != nil {
		return fmt.Errorf("fsstore: place %s: %w", key, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsstore: open folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsstore: sync folder %s: %w", dir, err)
	}
	return nil
}

// Open implements storage.Store.
func (s *Store) Open(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("fsstore: %s: %w", key, storage.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("fsstore: open %s: %w", key, err)
	}
	return f, nil
}

// Delete implements storage.Store.
func (s *Store) Delete(_ context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("fsstore: delete %s: %w", key, err)
	}
	return nil
}

// Ping implements storage.Store: the staging folder must accept a file.
func (s *Store) Ping(_ context.Context) error {
	f, err := os.CreateTemp(s.tmp, "ping-*")
	if err != nil {
		return fmt.Errorf("fsstore: not writable: %w", err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// List implements storage.Store.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.Object) error) error {
	return filepath.WalkDir(s.objects, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("fsstore: list: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(s.objects, path)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		// Files that are no key (".seal-*" of an encryption in progress)
		// are no objects.
		if !strings.HasPrefix(key, prefix) || storage.CheckKey(key) != nil {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("fsstore: list %s: %w", key, err)
		}
		return fn(storage.Object{Key: key, Size: info.Size(), Modified: info.ModTime()})
	})
}
