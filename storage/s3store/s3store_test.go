package s3store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"accredpack/internal/testenv"
	"accredpack/storage"
	"accredpack/storage/storagetest"
)

func open(t *testing.T, m *testenv.MinIO, sse string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: m.Bucket(t), Region: "us-east-1", SSE: sse})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	m := testenv.StartMinIO(t)
	storagetest.Run(t, func(t *testing.T) storage.Store { return open(t, m, SSEAuto) })
}

func TestObjectsAreEncryptedAndCarryOnlyTheChecksum(t *testing.T) {
	m := testenv.StartMinIO(t)
	s := open(t, m, SSEAuto)
	if s.Encryption() != SSES3 {
		t.Fatalf("auto chose %q; want SSE-S3 on a server with a KMS", s.Encryption())
	}
	data := []byte("%PDF-1.4 паспорт")
	key := storage.NewKey()
	if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), storagetest.Sum(data)); err != nil {
		t.Fatal(err)
	}
	info, err := s.client.StatObject(context.Background(), s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Metadata.Get("X-Amz-Server-Side-Encryption") != "AES256" {
		t.Errorf("object not encrypted with SSE-S3: %v", info.Metadata)
	}
	if info.UserMetadata["Sha256"] != storagetest.Sum(data) {
		t.Errorf("user metadata = %v; want only the sha256", info.UserMetadata)
	}
	if len(info.UserMetadata) != 1 || len(info.UserTags) != 0 {
		t.Errorf("object carries more than its checksum: %v %v", info.UserMetadata, info.UserTags)
	}
}

func TestSSECNeedsTLS(t *testing.T) {
	m := testenv.StartMinIO(t)
	_, err := Open(context.Background(), Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: m.Bucket(t), SSE: SSEC, SSECKey: bytes.Repeat([]byte{7}, 32)})
	if err == nil {
		t.Fatal("SSE-C over plain HTTP must be refused at start")
	}
}

func TestSSECWithTLS(t *testing.T) {
	m := testenv.StartMinIOTLS(t)
	key := bytes.Repeat([]byte{7}, 32)
	cfg := Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: m.Bucket(t),
		Region: "us-east-1", UseSSL: true, CAFile: m.CAFile, SSE: SSEAuto, SSECKey: key}
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Encryption() != SSEC {
		t.Fatalf("auto with a key chose %q; want SSE-C", s.Encryption())
	}
	data := []byte("%PDF-1.4 SSE-C")
	k := storage.NewKey()
	if err := s.Put(context.Background(), k, bytes.NewReader(data), int64(len(data)), storagetest.Sum(data)); err != nil {
		t.Fatal(err)
	}
	got, err := storagetest.ReadBack(t, s, k, int64(len(data)), storagetest.Sum(data))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read with the key: %v", err)
	}
	// Without the key the server will not give the bytes out.
	obj, err := s.client.GetObject(context.Background(), s.bucket, k, minio.GetObjectOptions{})
	if err == nil {
		_, err = io.ReadAll(obj)
	}
	if err == nil {
		t.Error("an SSE-C object was readable without its key")
	}
	// A different key does not open it either.
	cfg.SSECKey = bytes.Repeat([]byte{8}, 32)
	other, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storagetest.ReadBack(t, other, k, int64(len(data)), storagetest.Sum(data)); err == nil {
		t.Error("an SSE-C object was readable with another key")
	}
	if _, err := s.PresignGet(context.Background(), k, "x.pdf", time.Minute); err == nil {
		t.Error("SSE-C objects cannot have plain presigned links")
	}
}

func TestPresignedLink(t *testing.T) {
	m := testenv.StartMinIO(t)
	s := open(t, m, SSEAuto)
	data := []byte("%PDF-1.4 presigned")
	key := storage.NewKey()
	s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), storagetest.Sum(data))
	link, err := s.PresignGet(context.Background(), key, "Паспорт.pdf", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(got, data) || res.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("link: %d %q %q", res.StatusCode, got, res.Header.Get("Content-Type"))
	}
	expired, _ := s.PresignGet(context.Background(), key, "x.pdf", time.Second)
	time.Sleep(2 * time.Second)
	if res, err := http.Get(expired); err != nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("an expired link must be refused: %v %v", res.StatusCode, err)
	}
}

func TestUnavailableServer(t *testing.T) {
	m := testenv.StartMinIO(t)
	s := open(t, m, SSEAuto)
	m.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Ping(ctx); err == nil {
		t.Error("ping of a stopped server succeeded")
	}
	data := []byte("x")
	if err := s.Put(ctx, storage.NewKey(), bytes.NewReader(data), 1, storagetest.Sum(data)); err == nil {
		t.Error("put to a stopped server succeeded")
	}
	m.Start()
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("ping after restart: %v", err)
	}
}

// An object above one PUT goes in parts, hashed as it streams (no single
// checksum header covers parts): right bytes round-trip, wrong ones are
// refused and leave nothing.
func TestObjectInParts(t *testing.T) {
	m := testenv.StartMinIO(t)
	s := open(t, m, SSEAuto)
	ctx := context.Background()
	data := make([]byte, singlePutMax+12345)
	for i := range data {
		data[i] = byte(i * 13 >> 9)
	}
	key := storage.NewKey()
	if err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data)), storagetest.Sum(data)); err != nil {
		t.Fatal(err)
	}
	got, err := storagetest.ReadBack(t, s, key, int64(len(data)), storagetest.Sum(data))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v", err)
	}
	bad := storage.NewKey()
	wrong := storagetest.Sum(data[1:])
	if err := s.Put(ctx, bad, bytes.NewReader(data), int64(len(data)), wrong); !errors.Is(err, storage.ErrChecksum) {
		t.Fatalf("wrong bytes in parts: %v; want ErrChecksum", err)
	}
	if _, err := s.Open(ctx, bad); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a refused put in parts left an object: %v", err)
	}
}

// TestPutSizedStream: an object of known size streamed with a CRC32C
// trailer (over TLS only): it reads back verified against the SHA-256 the
// caller computed, and a stream that ends early or fails stores nothing.
func TestPutSizedStream(t *testing.T) {
	ctx := context.Background()
	if plain := open(t, testenv.StartMinIO(t), SSEAuto); plain.SizedStreamMax() != 0 {
		t.Errorf("over plain HTTP SizedStreamMax = %d; want 0 (the trailer is not signed: TLS only)", plain.SizedStreamMax())
	}
	m := testenv.StartMinIOTLS(t)
	s, err := Open(ctx, Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: m.Bucket(t),
		Region: "us-east-1", UseSSL: true, CAFile: m.CAFile, SSE: SSEAuto})
	if err != nil {
		t.Fatal(err)
	}
	if s.SizedStreamMax() != singlePutMax {
		t.Fatalf("over TLS SizedStreamMax = %d; want %d (the probe failed?)", s.SizedStreamMax(), int64(singlePutMax))
	}
	data := bytes.Repeat([]byte("%PDF-1.4 скан паспорта "), 50_000)
	key := storage.NewKey()
	if err := s.PutSizedStream(ctx, key, struct{ io.Reader }{bytes.NewReader(data)}, int64(len(data))); err != nil {
		t.Fatal(err)
	}
	got, err := storagetest.ReadBack(t, s, key, int64(len(data)), storagetest.Sum(data))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v", err)
	}
	short := storage.NewKey()
	if err := s.PutSizedStream(ctx, short, bytes.NewReader(data[:1000]), int64(len(data))); err == nil {
		t.Error("a stream that ended early was stored")
	}
	failed := storage.NewKey()
	pr, pw := io.Pipe()
	go func() {
		pw.Write(data[:len(data)/2])
		pw.CloseWithError(errors.New("the client went away"))
	}()
	if err := s.PutSizedStream(ctx, failed, pr, int64(len(data))); err == nil {
		t.Error("a stream that failed was stored")
	}
	for _, k := range []string{short, failed} {
		if _, err := s.Open(ctx, k); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s: a failed put left an object: %v", k, err)
		}
	}
	if err := s.PutSizedStream(ctx, storage.NewKey(), bytes.NewReader(data), s.SizedStreamMax()+1); err == nil {
		t.Error("a size beyond one PUT was taken")
	}
}
