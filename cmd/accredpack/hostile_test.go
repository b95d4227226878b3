package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"accredpack/internal/testdocs"
)

// TestHostileUploads: generated attacks through the API each get their
// documented answer, the slot stays empty, and the service keeps serving.
func TestHostileUploads(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxFileBytes = 25 << 20
	cfg.ParseMemory = 256 << 20
	cfg.UploadsPerMinute = 0
	c := startService(t, cfg)
	id := c.create()
	for _, tc := range []struct {
		name   string
		data   []byte
		status int
		code   string
	}{
		{"JavaScript", testdocs.WithJavaScript(), 422, "pdf_invalid"},
		{"Launch", testdocs.WithLaunch(), 422, "pdf_invalid"},
		{"embedded file", testdocs.WithAttachment(t), 422, "pdf_invalid"},
		{"self-referencing page tree", testdocs.SelfReferencing(), 422, "pdf_invalid"},
		{"two billion pages", testdocs.HugePageCount(), 422, "pdf_invalid"},
		{"decompression bomb", testdocs.DecompressionBomb(t, 1<<30), 422, "pdf_invalid"},
		{"ZIP polyglot", testdocs.PolyglotZIP(t), 415, "not_pdf"},
		{"HTML polyglot", testdocs.HTMLWithLatePDF(t), 415, "not_pdf"},
		{"empty user password", testdocs.EmptyUserPassword(t), 422, "pdf_encrypted"},
		{"huge object number", testdocs.HugeObjectNumber(), 422, "pdf_invalid"},
		{"many pages", testdocs.ManyPages(200_000), 422, "pdf_invalid"}, // 21 MB, ~560 MB parsed: twice the 256 MiB budget (100,000 pages, ~280 MB, was too close to call)
	} {
		r := c.putRaw(id, "snils", tc.data)
		if r.status != tc.status || r.errorCode(t) != tc.code {
			t.Errorf("%s: %d %s; want %d %s", tc.name, r.status, r.body, tc.status, tc.code)
		}
	}
	if r := c.do("GET", "/api/v1/applications/"+id+"/slots/snils/file", nil, "", 0, true); r.status != 404 {
		t.Errorf("after the attacks the slot answers %d; want still empty", r.status)
	}
	if r := c.putRaw(id, "snils", testdocs.PDF(t, 1, "fine")); r.status != 201 {
		t.Errorf("a valid file after the attacks: %d %s", r.status, r.body)
	}
}

// rawRequest writes raw bytes to the service and returns what it answers
// (or "" when it closes without an answer) and how long that took.
func rawRequest(t *testing.T, c *client, send string, stall bool) (string, time.Duration) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(c.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, send); err != nil {
		t.Fatal(err)
	}
	if !stall {
		conn.(*net.TCPConn).CloseWrite()
	}
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return "", time.Since(start)
	}
	b, _ := io.ReadAll(res.Body)
	return fmt.Sprintf("%d %s", res.StatusCode, b), time.Since(start)
}

// TestProtocolAbuse: malformed and abusive requests get a clear answer (or
// a closed connection) within the configured timeouts, and change nothing.
func TestProtocolAbuse(t *testing.T) {
	cfg := testConfig(t)
	cfg.ReadHeaderTimeout, cfg.ReadTimeout = 500*time.Millisecond, 2*time.Second
	c := startService(t, cfg)
	id := c.create()
	put := "PUT /api/v1/applications/" + id + "/slots/snils/file HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/pdf\r\n"
	pdf := testdocs.PDF(t, 1, "abuse")

	// A body longer than its Content-Length: only the declared bytes are the
	// upload (a cut PDF, refused); the rest is a malformed next request.
	got, _ := rawRequest(t, c, put+fmt.Sprintf("Content-Length: %d\r\n\r\n", len(pdf)/2)+string(pdf), false)
	if !strings.HasPrefix(got, "422 ") || !strings.Contains(got, "pdf_invalid") {
		t.Errorf("body longer than Content-Length: %q; want 422 pdf_invalid for the declared part", got)
	}
	// Chunked without the final chunk: cut off by the read timeout.
	got, took := rawRequest(t, c, put+"Transfer-Encoding: chunked\r\n\r\n"+fmt.Sprintf("%x\r\n%s\r\n", 100, pdf[:100]), true)
	if took > 8*time.Second {
		t.Errorf("endless chunked body held the connection %s (%q)", took, got)
	}
	// Headers of 100 KB.
	got, _ = rawRequest(t, c, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 100<<10)+"\r\n\r\n", false)
	if !strings.HasPrefix(got, "431 ") {
		t.Errorf("100 KB of headers: %.60q; want 431", got)
	}
	// Path traversal and NUL in slot ids: not found, never a file.
	for _, slot := range []string{"..%2F..%2Fetc%2Fpasswd", "snils%00", "..", "snils.0", "qualification_certificates.1%2F..%2F..", "%2e%2e"} {
		r := c.do("PUT", "/api/v1/applications/"+id+"/slots/"+slot+"/file", bytes.NewReader(pdf), "application/pdf", 0, true)
		if r.status != 404 {
			t.Errorf("slot %q: %d %s; want 404", slot, r.status, r.body)
		}
	}
	// Traversal, NUL and control characters in the file name are cleaned.
	name := "../../etc/passwd\x00\r\n.pdf"
	r := c.do("PUT", "/api/v1/applications/"+id+"/slots/snils/file?filename="+url.QueryEscape(name), bytes.NewReader(pdf), "application/pdf", 0, true)
	if doc, _ := r.json(t)["document"].(map[string]any); r.status != 201 || doc["file_name"] != "passwd.pdf" {
		t.Errorf("file name %q stored as %v (%d)", name, doc["file_name"], r.status)
	}
	// Thousands of multipart parts.
	var form bytes.Buffer
	form.WriteString("--B\r\n")
	for range 5000 {
		form.WriteString("Content-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n--B\r\n")
	}
	r = c.do("PUT", "/api/v1/applications/"+id+"/slots/education_diploma/file", &form, "multipart/form-data; boundary=B", 0, true)
	if r.status != 400 || r.errorCode(t) != "bad_request" {
		t.Errorf("5,000 form parts: %d %s; want 400 bad_request", r.status, r.body)
	}
	if r := c.do("GET", "/healthz", nil, "", 0, false); r.status != 200 {
		t.Errorf("healthz after the abuse: %d", r.status)
	}
}
