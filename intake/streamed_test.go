package intake

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"accredpack/checks"
	"accredpack/internal/testdocs"
	"accredpack/internal/testenv"
	"accredpack/storage"
	"accredpack/storage/s3store"
	"accredpack/storage/storagetest"
)

// downS3 is MinIO behind s3store, whose streamed puts fail while down is
// set (after reading a little of the stream, as a connection that breaks).
type downS3 struct {
	*s3store.Store
	down     bool
	streamed int // streamed puts begun
	puts     int // plain puts begun
}

func (d *downS3) Put(ctx context.Context, key string, r io.Reader, size int64, sum string) error {
	d.puts++
	return d.Store.Put(ctx, key, r, size, sum)
}

func (d *downS3) PutSizedStream(ctx context.Context, key string, r io.Reader, size int64) error {
	d.streamed++
	if d.down {
		io.CopyN(io.Discard, r, 100)
		return errors.New("injected: the store went away")
	}
	return d.Store.PutSizedStream(ctx, key, r, size)
}

// TestStreamedUploadToS3: an upload whose size is known goes to S3 (over
// TLS) while it is received (one streamed PUT, no second write from the spool); the
// row's SHA-256 is the file's and the object reads back verified. A file
// the checks refuse leaves no object, with the store up or down; a good
// file with the store down is the store's outage and leaves the slot as
// it was; a body shorter than announced stores nothing.
func TestStreamedUploadToS3(t *testing.T) {
	ctx := context.Background()
	m := testenv.StartMinIOTLS(t) // streamed only over TLS
	s3, err := s3store.Open(ctx, s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
		Bucket: m.Bucket(t), Region: "us-east-1", UseSSL: true, CAFile: m.CAFile, SSE: s3store.SSEAuto})
	if err != nil {
		t.Fatal(err)
	}
	store := &downS3{Store: s3}
	svc, _ := newServiceWith(t, store)
	v, err := svc.Create(ctx, "tester", form())
	if err != nil {
		t.Fatal(err)
	}
	stage := func(data []byte, size int64) (*Staged, error) {
		return svc.StageSized(ctx, v.App.ID, "snils", bytes.NewReader(data), size, "scan.pdf", false)
	}
	objects := func() []string {
		var keys []string
		if err := store.List(ctx, "documents/", func(o storage.Object) error { keys = append(keys, o.Key); return nil }); err != nil {
			t.Fatal(err)
		}
		return keys
	}

	first := testdocs.PDF(t, 2, "first")
	st, err := stage(first, int64(len(first)))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := svc.Commit(ctx, st, "tester")
	if err != nil {
		t.Fatal(err)
	}
	if store.streamed != 1 || store.puts != 0 {
		t.Errorf("%d streamed puts and %d plain ones; want the one streamed, no second write from the spool", store.streamed, store.puts)
	}
	if doc.SHA256 != storagetest.Sum(first) || doc.Size != int64(len(first)) || doc.Pages != 2 {
		t.Errorf("document %+v; want the file's SHA-256 %s, size and pages", doc, storagetest.Sum(first))
	}
	if !bytes.Equal(currentBytes(t, svc, v.App.ID, "snils"), first) {
		t.Error("the stored file is not the uploaded one")
	}

	fake := []byte("%PDF-1.7\n" + strings.Repeat("no objects here\n", 4000) + "startxref\n12\n%%EOF\n")
	for _, down := range []bool{false, true} {
		store.down = down
		_, err := stage(fake, int64(len(fake)))
		if p, ok := checks.AsProblem(err); !ok || p.Code != checks.CodePDFInvalid {
			t.Fatalf("store down %v: err = %v; want the refusal %s", down, err, checks.CodePDFInvalid)
		}
	}
	second := testdocs.PDF(t, 1, "second")
	st, err = stage(second, int64(len(second)))
	if err == nil {
		_, err = svc.Commit(ctx, st, "tester")
	}
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("a good file with the store down: %v; want ErrUnavailable", err)
	}
	store.down = false
	if _, err := stage(second[:len(second)/2], int64(len(second))); err == nil {
		t.Error("a body shorter than announced was staged")
	}
	if got := objects(); len(got) != 1 || got[0] != doc.ObjectKey {
		t.Errorf("objects %v; want only the first file's %s", got, doc.ObjectKey)
	}
	if !bytes.Equal(currentBytes(t, svc, v.App.ID, "snils"), first) {
		t.Error("the slot changed after failed uploads")
	}
	if entries, _ := os.ReadDir(svc.spoolDir); len(entries) != 0 {
		t.Errorf("spool files left: %v", entries)
	}
}
