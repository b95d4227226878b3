package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"accredpack/internal/testdocs"
)

// compose posts parts, in order, to a slot's compose endpoint.
func (c *client) compose(appID, slot, query string, names []string, parts ...[]byte) response {
	c.t.Helper()
	f := partsForm(c.t, names, parts...)
	return c.do("POST", "/api/v1/applications/"+appID+"/slots/"+slot+"/compose"+query, bytes.NewReader(f.body), f.contentType, 0, true)
}

func names(n int, format string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i+1)
	}
	return out
}

func photo(t *testing.T, w, h, q int, seed uint64) []byte {
	return testdocs.EncodeJPEG(t, testdocs.DocumentPhoto(w, h, seed), q)
}

// testComposeAndOptimize: phone photos and PDFs become one slot file, the
// originals are kept and readable, bad parts are refused by name, an
// oversize result is fitted on request or refused below the legibility
// floor; a refusal leaves the slot as it was.
func testComposeAndOptimize(t *testing.T, c *client) {
	id := c.create()
	// A photo taken with the phone on its side (EXIF orientation 6), a PNG
	// screenshot and a two-page PDF: the passport spread and registration.
	jpg := testdocs.WithEXIF(testdocs.EncodeJPEG(t, testdocs.Stored(testdocs.DocumentPhoto(600, 800, 7), 6), 85), 6)
	pngPart, pdfPart := testdocs.PNG(t), testdocs.PDF(t, 2, "registration")
	r := c.compose(id, "identity_document", "", []string{"разворот.jpg", "скрин.png", "регистрация.pdf"}, jpg, pngPart, pdfPart)
	if r.status != http.StatusCreated {
		t.Fatalf("compose: %d %s", r.status, r.body)
	}
	body := r.json(t)
	doc := body["document"].(map[string]any)
	report := body["compose"].(map[string]any)
	if report["parts"] != 3.0 || report["pages"] != 4.0 || doc["pages"] != 4.0 || report["optimized"] != nil || doc["file_name"] != "разворот.pdf" {
		t.Errorf("compose answer: %s", r.body)
	}
	sources := body["sources"].([]any)
	wantKinds := []string{"jpeg", "png", "pdf"}
	wantData := [][]byte{jpg, pngPart, pdfPart}
	for i, s := range sources {
		s := s.(map[string]any)
		if s["position"] != float64(i+1) || s["kind"] != wantKinds[i] || s["sha256"] != sum(wantData[i]) {
			t.Errorf("source %d: %v", i+1, s)
		}
	}
	if len(sources) != 3 {
		t.Fatalf("sources: %v", sources)
	}
	file := c.do("GET", "/api/v1/applications/"+id+"/slots/identity_document/file", nil, "", 0, true)
	if file.status != 200 || !bytes.HasPrefix(file.body, []byte("%PDF-")) || float64(len(file.body)) != doc["size"] || sum(file.body) != doc["sha256"] {
		t.Fatalf("composed file: %d, %d bytes", file.status, len(file.body))
	}
	listed := c.jsonCall("GET", "/api/v1/applications/"+id+"/slots/identity_document/sources", nil)
	if listed.status != 200 || len(listed.json(t)["sources"].([]any)) != 3 {
		t.Fatalf("sources listing: %d %s", listed.status, listed.body)
	}
	firstID := sources[0].(map[string]any)["id"].(string)
	orig := c.do("GET", "/api/v1/applications/"+id+"/sources/"+firstID, nil, "", 0, true)
	if orig.status != 200 || !bytes.Equal(orig.body, jpg) || orig.header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("original part: %d %s, %d bytes", orig.status, orig.header.Get("Content-Type"), len(orig.body))
	}
	if r := c.do("GET", "/api/v1/applications/"+c.create()+"/sources/"+firstID, nil, "", 0, true); r.status != 404 {
		t.Errorf("a part read through another application: %d", r.status)
	}

	// Replaced by a plain upload: the composed file and its parts are history.
	if r := c.putRaw(id, "identity_document", testdocs.PDF(t, 1, "rescan")); r.status != 201 {
		t.Fatalf("replace: %d %s", r.status, r.body)
	}
	h := c.jsonCall("GET", "/api/v1/applications/"+id+"/slots/identity_document/history", nil).json(t)["history"].([]any)
	if len(h) != 1 || len(h[0].(map[string]any)["sources"].([]any)) != 3 {
		t.Fatalf("history: %v", h)
	}
	if r := c.do("GET", "/api/v1/applications/"+id+"/sources/"+firstID, nil, "", 0, true); r.status != 200 || !bytes.Equal(r.body, jpg) {
		t.Errorf("the original of a replaced file: %d", r.status)
	}
	if l := c.jsonCall("GET", "/api/v1/applications/"+id+"/slots/identity_document/sources", nil).json(t)["sources"].([]any); len(l) != 0 {
		t.Errorf("a plain upload lists sources: %v", l)
	}

	// Refusals name the part and leave the slot as it was.
	before := c.slotSHA(id, "identity_document")
	big := [][]byte{photo(t, 2400, 1800, 85, 1), photo(t, 2400, 1800, 85, 2), photo(t, 2400, 1800, 85, 3)}
	twoMid := [][]byte{photo(t, 2000, 1500, 80, 4), photo(t, 2000, 1500, 80, 5)}
	encrypted := testdocs.Encrypted(t, testdocs.PDF(t, 1, "locked"))
	jpegBytes := testdocs.JPEG(t)
	for _, tc := range []struct {
		name, query string
		parts       [][]byte
		status      int
		code, says  string
	}{
		{"a Word file", "", [][]byte{jpg, testdocs.DOCX(t)}, 415, "not_pdf", "Часть 2"},
		{"a broken photo", "", [][]byte{jpegBytes[:len(jpegBytes)/3]}, 422, "image_invalid", "Часть 1"},
		{"an encrypted PDF", "", [][]byte{encrypted, jpg}, 422, "pdf_encrypted", "Часть 1"},
		{"too many parts", "", func() [][]byte {
			p := make([][]byte, 21)
			for i := range p {
				p[i] = jpegBytes
			}
			return p
		}(), 400, "bad_request", "20"},
		{"no parts", "", nil, 400, "bad_request", "нет файлов"},
		{"a bad optimize value", "?optimize=maybe", [][]byte{jpg}, 400, "bad_request", "optimize"},
		{"an oversize result", "", twoMid, 413, "file_too_large", "optimize=true"},
		{"an oversize part", "", big[:1], 413, "file_too_large", "optimize=true"},
		{"fitting below the floor", "?optimize=true", big, 422, "optimize_unreadable", "150 dpi"},
	} {
		r := c.compose(id, "identity_document", tc.query, names(len(tc.parts), "часть-%d"), tc.parts...)
		if r.status != tc.status || r.errorCode(t) != tc.code || !strings.Contains(string(r.body), tc.says) {
			t.Errorf("%s: %d %s; want %d %s saying %q", tc.name, r.status, r.body, tc.status, tc.code, tc.says)
		}
	}
	if r := c.do("POST", "/api/v1/applications/"+id+"/slots/identity_document/compose", bytes.NewReader(jpg), "image/jpeg", 0, true); r.status != 400 {
		t.Errorf("a compose that is not a form: %d", r.status)
	}
	if after := c.slotSHA(id, "identity_document"); after != before || c.historyLen(id, "identity_document") != 1 {
		t.Errorf("refusals changed the slot: %s -> %s", before, after)
	}

	// With a lower floor the same photos fit: re-encoded, under the limit,
	// the originals kept as they were sent.
	cfg := c.cfg
	cfg.DataDir, cfg.OptimizeDPI, cfg.OptimizeMinDPI = t.TempDir(), 150, 60
	lenient := startService(t, cfg)
	id = lenient.create()
	r = lenient.compose(id, "identity_document", "?optimize=true", names(3, "фото-%d.jpg"), big...)
	if r.status != http.StatusCreated {
		t.Fatalf("optimized compose: %d %s", r.status, r.body)
	}
	body = r.json(t)
	opt := body["compose"].(map[string]any)["optimized"].(map[string]any)
	size := body["document"].(map[string]any)["size"].(float64)
	if opt["before"].(float64) <= float64(c.cfg.MaxFileBytes) || opt["after"] != size || size > float64(c.cfg.MaxFileBytes) ||
		opt["dpi"].(float64) < 60 || opt["dpi"].(float64) > 150 || opt["images"] != 3.0 {
		t.Errorf("optimized: %s", r.body)
	}
	t.Logf("3 photos 2400x1800: %v -> %v bytes at %v dpi", opt["before"], opt["after"], opt["dpi"])
	for i, s := range body["sources"].([]any) {
		if s.(map[string]any)["sha256"] != sum(big[i]) {
			t.Errorf("original %d not kept as sent", i+1)
		}
	}
	// One photo straight to PUT with optimize: a one-page PDF, the photo kept.
	r = lenient.do("PUT", "/api/v1/applications/"+id+"/slots/snils/file?optimize=true&filename=snils.jpg", bytes.NewReader(big[0]), "image/jpeg", 0, true)
	if r.status != 201 || r.json(t)["document"].(map[string]any)["pages"] != 1.0 || len(r.json(t)["sources"].([]any)) != 1 {
		t.Errorf("PUT a photo with optimize: %d %s", r.status, r.body)
	}
	// A PDF that fits is stored as sent, with no sources.
	small := testdocs.PDF(t, 1, "fits")
	r = lenient.do("PUT", "/api/v1/applications/"+id+"/slots/snils/file?optimize=true", bytes.NewReader(small), "application/pdf", 0, true)
	if r.status != 201 || r.json(t)["document"].(map[string]any)["sha256"] != sum(small) || len(r.json(t)["sources"].([]any)) != 0 {
		t.Errorf("PUT a fitting PDF with optimize: %d %s", r.status, r.body)
	}
}
