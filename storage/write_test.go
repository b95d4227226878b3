package storage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"accredpack/storage"
	"accredpack/storage/fsstore"
	"accredpack/storage/storagetest"
)

// putOnly is a Store without streams: WriteObject hands it a temporary
// file.
type putOnly struct {
	storage.Store
	put error // answered by Put, after reading what it was given
}

func (p putOnly) Put(ctx context.Context, key string, r io.Reader, size int64, sum string) error {
	if p.put != nil {
		io.Copy(io.Discard, r)
		return p.put
	}
	return p.Store.Put(ctx, key, r, size, sum)
}

// A bundle of several megabytes written in uneven pieces, as the ZIP
// writer does: both kinds of store get every byte, and WriteObject answers
// its size and SHA-256.
func TestWriteObject(t *testing.T) {
	fs, err := fsstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("accredpack bundle bytes "), 300_000) // about 7 MB
	sum := storagetest.Sum(data)
	for name, s := range map[string]storage.Store{"stream": fs, "put": putOnly{Store: fs}} {
		t.Run(name, func(t *testing.T) {
			key := "bundles/" + name
			size, got, err := storage.WriteObject(context.Background(), s, key, t.TempDir(), func(w io.Writer) error {
				for rest := data; len(rest) > 0; {
					k := min(len(rest), 100_003)
					if _, err := w.Write(rest[:k]); err != nil {
						return err
					}
					rest = rest[k:]
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if size != int64(len(data)) || got != sum {
				t.Errorf("WriteObject = %d, %s; want %d, %s", size, got, len(data), sum)
			}
			if stored, err := storagetest.ReadBack(t, s, key, size, got); err != nil || !bytes.Equal(stored, data) {
				t.Errorf("read back %d bytes, %v", len(stored), err)
			}
		})
	}
}

// A write that fails, on either kind of store, or a store that fails,
// stores nothing and answers the failure; its temporary file is gone.
func TestWriteObjectFailures(t *testing.T) {
	fs, err := fsstore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	broken := errors.New("the merge child died")
	full := errors.New("store full")
	cases := []struct {
		name  string
		store storage.Store
		write error
		want  error
	}{
		{"stream, write fails", fs, broken, broken},
		{"put, write fails", putOnly{Store: fs}, broken, broken},
		{"put, store fails", putOnly{Store: fs, put: full}, nil, full},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			key := "bundles/failed"
			_, _, err := storage.WriteObject(context.Background(), c.store, key, dir, func(w io.Writer) error {
				if _, err := w.Write(bytes.Repeat([]byte("x"), 3<<20)); err != nil {
					return err
				}
				return c.write
			})
			if !errors.Is(err, c.want) {
				t.Errorf("err = %v; want %v", err, c.want)
			}
			if _, err := fs.Open(context.Background(), key); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("after a failure, Open: %v; want ErrNotFound", err)
			}
			if left, _ := os.ReadDir(dir); len(left) > 0 {
				t.Errorf("left %d temporary files", len(left))
			}
		})
	}
}
