package s3store

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"

	"accredpack/internal/testenv"
	"accredpack/storage"
	"accredpack/storage/storagetest"
)

// Benchmarks of one 25 MiB upload (the FRMR limit) from a file on disk, as
// intake stores its spool file, on one MinIO with SSE-S3:
//
//	ACCREDPACK_TEST_MINIO=… go test -run XXX -bench Put25MiB -benchtime 10x ./storage/s3store
//
// BenchmarkRawPut25MiB is the floor: minio-go's PutObject with no hashing
// of its own (unsigned payload, no checksum), the same bytes and the same
// server-side encryption. BenchmarkPut25MiB is the service's Put. B/op
// shows the upload is streamed: far below the file's size.

type putBench struct {
	m    *testenv.MinIO
	path string
	size int64
	sum  string
}

func newPutBench(b *testing.B) *putBench {
	m := testenv.StartMinIO(b)
	data := make([]byte, 25<<20)
	rand.Read(data)
	path := filepath.Join(b.TempDir(), "spool")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		b.Fatal(err)
	}
	return &putBench{m: m, path: path, size: int64(len(data)), sum: storagetest.Sum(data)}
}

func (p *putBench) run(b *testing.B, put func(f *os.File) error) {
	b.SetBytes(p.size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(p.path)
		if err != nil {
			b.Fatal(err)
		}
		if err := put(f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

func BenchmarkPut25MiB(b *testing.B) {
	p := newPutBench(b)
	s, err := Open(context.Background(), Config{Endpoint: p.m.Endpoint, AccessKey: p.m.AccessKey, SecretKey: p.m.SecretKey,
		Bucket: p.m.Bucket(b), Region: "us-east-1", SSE: SSES3})
	if err != nil {
		b.Fatal(err)
	}
	p.run(b, func(f *os.File) error {
		return s.Put(context.Background(), storage.NewKey(), f, p.size, p.sum)
	})
}

func BenchmarkRawPut25MiB(b *testing.B) {
	p := newPutBench(b)
	bucket := p.m.Bucket(b)
	c, err := minio.New(p.m.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(p.m.AccessKey, p.m.SecretKey, ""), Region: "us-east-1"})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.MakeBucket(context.Background(), bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		b.Fatal(err)
	}
	p.run(b, func(f *os.File) error {
		_, err := c.PutObject(context.Background(), bucket, storage.NewKey(), f, p.size, minio.PutObjectOptions{
			ServerSideEncryption: encrypt.NewSSE(), DisableContentSha256: true, PartSize: singlePutMax})
		return err
	})
}
