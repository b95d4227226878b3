package sealed

import (
	"bytes"
	"context"
	"io"
	"testing"

	"accredpack/storage"
	"accredpack/storage/fsstore"
	"accredpack/storage/storagetest"
)

// go test -run XXX -bench . -count 5 ./storage/sealed

const benchSize = 25 << 20

// onlyStore hides fsstore's PutStream: the sealed store then spools the
// ciphertext first, as it does for S3.
type onlyStore struct{ storage.Store }

func benchStores(b *testing.B) map[string]func() storage.Store {
	ring := testRing(b)
	fs := func() *fsstore.Store {
		s, err := fsstore.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	return map[string]func() storage.Store{
		"plain":  func() storage.Store { return fs() },
		"sealed": func() storage.Store { return New(fs(), ring) },
		"sealed-spooled": func() storage.Store {
			s := New(onlyStore{fs()}, ring)
			s.tmpDir = b.TempDir()
			return s
		},
	}
}

var benchOrder = []string{"plain", "sealed", "sealed-spooled"}

func benchData() []byte {
	data := make([]byte, benchSize)
	for i := range data {
		data[i] = byte(i * 31 >> 8)
	}
	return data
}

// BenchmarkPut25MiB: a 25 MiB upload into the local store, synced.
func BenchmarkPut25MiB(b *testing.B) {
	data := benchData()
	sum := storagetest.Sum(data)
	for _, name := range benchOrder {
		b.Run(name, func(b *testing.B) {
			s := benchStores(b)[name]()
			ctx := context.Background()
			b.SetBytes(benchSize)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				key := storage.NewKey()
				if err := s.Put(ctx, key, bytes.NewReader(data), benchSize, sum); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				s.Delete(ctx, key)
				b.StartTimer()
			}
		})
	}
}

// BenchmarkOpenRead25MiB: a whole download, verified against its SHA-256
// as the API does.
func BenchmarkOpenRead25MiB(b *testing.B) {
	data := benchData()
	sum := storagetest.Sum(data)
	for _, name := range benchOrder[:2] {
		b.Run(name, func(b *testing.B) {
			s := benchStores(b)[name]()
			ctx := context.Background()
			key := storage.NewKey()
			if err := s.Put(ctx, key, bytes.NewReader(data), benchSize, sum); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(benchSize)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rc, err := s.Open(ctx, key)
				if err != nil {
					b.Fatal(err)
				}
				if n, err := io.Copy(io.Discard, storage.Verify(rc, benchSize, sum)); err != nil || n != benchSize {
					b.Fatal(n, err)
				}
				rc.Close()
			}
		})
	}
}

// BenchmarkRange1MiB: 1 MiB from the middle of a 25 MiB object.
func BenchmarkRange1MiB(b *testing.B) {
	data := benchData()
	sum := storagetest.Sum(data)
	const from, n = benchSize/2 - 12345, 1 << 20
	for _, name := range benchOrder[:2] {
		b.Run(name, func(b *testing.B) {
			s := benchStores(b)[name]()
			ctx := context.Background()
			key := storage.NewKey()
			if err := s.Put(ctx, key, bytes.NewReader(data), benchSize, sum); err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, n)
			b.SetBytes(n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rc, err := s.Open(ctx, key)
				if err != nil {
					b.Fatal(err)
				}
				rs := rc.(io.ReadSeeker)
				if _, err := rs.Seek(from, io.SeekStart); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(rs, buf); err != nil {
					b.Fatal(err)
				}
				rc.Close()
			}
			if !bytes.Equal(buf, data[from:from+n]) {
				b.Fatal("wrong bytes")
			}
		})
	}
}
