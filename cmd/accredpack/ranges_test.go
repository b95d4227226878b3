package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"accredpack/internal/testdocs"
	"accredpack/storage/s3store"
	"accredpack/storage/sealed"
)

// rangeGet asks for path with a Range header.
func (c *client) rangeGet(path, rng string) response {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Range", rng)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b.Bytes()}
}

// TestRangeReadsEmbedded: on the embedded default files are sealed on
// disk, and a Range request gets exactly the plaintext slice (206).
func TestRangeReadsEmbedded(t *testing.T) {
	cfg := testConfig(t)
	c := startService(t, cfg)
	id := c.create()
	doc := testdocs.SizedPDF(t, 600_000) // ten chunks
	if r := c.putRaw(id, "identity_document", doc); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	// On disk: sealed, nothing of the PDF visible.
	var files int
	filepath.WalkDir(filepath.Join(cfg.StoreDir(), "objects"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			raw, _ := os.ReadFile(p)
			if !sealed.IsSealed(raw) || bytes.Contains(raw, doc[:32]) {
				t.Errorf("%s is stored in clear", d.Name())
			}
			files++
		}
		return nil
	})
	if files == 0 {
		t.Fatal("no object on disk")
	}

	path := "/api/v1/applications/" + id + "/slots/identity_document/file"
	n := len(doc)
	for _, tc := range []struct {
		rng      string
		from, to int // slice [from, to)
	}{
		{"bytes=0-0", 0, 1},
		{"bytes=100000-200000", 100000, 200001},
		{"bytes=65530-65545", 65530, 65546}, // across a chunk boundary
		{fmt.Sprintf("bytes=%d-", n-10), n - 10, n},
		{"bytes=-300", n - 300, n},
		{fmt.Sprintf("bytes=%d-%d", n-5, n+1000), n - 5, n},
	} {
		r := c.rangeGet(path, tc.rng)
		want := fmt.Sprintf("bytes %d-%d/%d", tc.from, tc.to-1, n)
		if r.status != 206 || r.header.Get("Content-Range") != want || !bytes.Equal(r.body, doc[tc.from:tc.to]) {
			t.Errorf("%s: %d %q, %d bytes; want 206 %q, %d bytes", tc.rng, r.status, r.header.Get("Content-Range"), len(r.body), want, tc.to-tc.from)
		}
		if r.header.Get("Content-Disposition") == "" || r.header.Get("Cache-Control") != "private, no-store" {
			t.Errorf("%s: headers %v", tc.rng, r.header)
		}
	}
	if r := c.rangeGet(path, fmt.Sprintf("bytes=%d-", n)); r.status != 416 {
		t.Errorf("beyond the end: %d", r.status)
	}
	// Two ranges: multipart/byteranges with both slices.
	r := c.rangeGet(path, "bytes=10-19,500000-500009")
	if r.status != 206 || !strings.HasPrefix(r.header.Get("Content-Type"), "multipart/byteranges") ||
		!bytes.Contains(r.body, doc[10:20]) || !bytes.Contains(r.body, doc[500000:500010]) {
		t.Errorf("two ranges: %d %s", r.status, r.header.Get("Content-Type"))
	}
	// If-Range with another ETag: the whole file.
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Range", "bytes=0-9")
	req.Header.Set("If-Range", `"other"`)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var whole bytes.Buffer
	whole.ReadFrom(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(whole.Bytes(), doc) {
		t.Errorf("If-Range of another version: %d, %d bytes", res.StatusCode, whole.Len())
	}
	// Without Range, the whole file, verified.
	if r := c.do("GET", path, nil, "", 0, true); r.status != 200 || !bytes.Equal(r.body, doc) {
		t.Errorf("whole file: %d", r.status)
	}
}

// TestRangeOfPlainFileIsWhole: with encryption off, a stored file cannot
// authenticate a slice of itself, so a Range request gets the whole file,
// verified against its SHA-256.
func TestRangeOfPlainFileIsWhole(t *testing.T) {
	cfg := testConfig(t)
	cfg.Encryption.Mode = "off"
	c := startService(t, cfg)
	id := c.create()
	doc := testdocs.SizedPDF(t, 100_000)
	if r := c.putRaw(id, "identity_document", doc); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	r := c.rangeGet("/api/v1/applications/"+id+"/slots/identity_document/file", "bytes=10-19")
	if r.status != 200 || !bytes.Equal(r.body, doc) {
		t.Errorf("plain file with Range: %d, %d bytes", r.status, len(r.body))
	}
}

// TestS3EncryptInTheService: with s3-encrypt the objects in the bucket are
// sealed, downloads (whole and ranges) give the plaintext, and direct
// links are refused since they would hand out ciphertext.
func TestS3EncryptInTheService(t *testing.T) {
	_, _, real := realServers(t)
	cfg := testConfig(t)
	real(t, &cfg)
	cfg.Encryption.EncryptS3 = true
	cfg.PresignTTL = time.Minute
	c := startService(t, cfg)
	id := c.create()
	doc := testdocs.SizedPDF(t, 300_000)
	if r := c.putRaw(id, "snils", doc); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	keys := objectKeys(t, cfg)
	if len(keys) != 1 {
		t.Fatalf("objects %v", keys)
	}
	raw, err := s3store.Open(context.Background(), s3store.Config{Endpoint: cfg.S3.Endpoint, AccessKey: cfg.S3.AccessKey,
		SecretKey: cfg.S3.SecretKey, Bucket: cfg.S3.Bucket, Region: cfg.S3.Region, SSE: cfg.S3.SSE})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := raw.Open(context.Background(), keys[0])
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(rc)
	rc.Close()
	if !sealed.IsSealed(stored) || bytes.Contains(stored, doc[:32]) {
		t.Error("the object in the bucket is not sealed")
	}
	path := "/api/v1/applications/" + id + "/slots/snils/file"
	if r := c.do("GET", path, nil, "", 0, true); r.status != 200 || !bytes.Equal(r.body, doc) {
		t.Errorf("download: %d", r.status)
	}
	if r := c.rangeGet(path, "bytes=200000-200099"); r.status != 206 || !bytes.Equal(r.body, doc[200000:200100]) {
		t.Errorf("range: %d, %d bytes", r.status, len(r.body))
	}
	if r := c.jsonCall("POST", path+"/link", nil); r.status != 409 || r.errorCode(t) != "conflict" {
		t.Errorf("link to a sealed S3 object: %d %s", r.status, r.body)
	}
}
