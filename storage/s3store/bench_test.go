package s3store

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"accredpack/internal/testenv"
	"accredpack/storage"
	"accredpack/storage/storagetest"
)

// BenchmarkPut25MiB uploads a 25 MiB file (the FRMR limit) from disk, as
// intake does from its spool file. B/op shows the upload is streamed: far
// below the file's size.
func BenchmarkPut25MiB(b *testing.B) {
	m := testenv.StartMinIO(b)
	s, err := Open(context.Background(), Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: m.Bucket(b), Region: "us-east-1", SSE: SSEAuto})
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 25<<20)
	rand.Read(data)
	path := filepath.Join(b.TempDir(), "spool")
	os.WriteFile(path, data, 0o600)
	sum := storagetest.Sum(data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, _ := os.Open(path)
		if err := s.Put(context.Background(), storage.NewKey(), f, int64(len(data)), sum); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
