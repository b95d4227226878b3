package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"strings"
	"testing"

	"accredpack/internal/testdocs"
)

// contentDisposition reads an answer's Content-Disposition: its type and
// file name (RFC 2231/5987 decoded).
func contentDisposition(t *testing.T, r response) (string, string) {
	t.Helper()
	kind, params, err := mime.ParseMediaType(r.header.Get("Content-Disposition"))
	if err != nil {
		t.Fatalf("Content-Disposition %q: %v", r.header.Get("Content-Disposition"), err)
	}
	return kind, params["filename"]
}

// testDownloadNames: a slot file downloads under the name the FRMR package
// gives its row (every row checked against the package's own manifest),
// not the name it was uploaded with, Cyrillic in RFC 5987 encoding; the
// name follows the specialist's current name; ?inline=1 makes it inline.
// Bundles download under the specialist's name, drafts saying so, a
// portfolio inline on request, a package always saved. Originals keep their
// own names.
func testDownloadNames(t *testing.T, c *client) {
	id, files := c.readyApplication()
	base := "/api/v1/applications/" + id
	if r := c.do("PUT", base+"/slots/identity_document/file?filename=scan_0001.pdf", bytes.NewReader(files["identity_document"]), "application/pdf", 0, true); r.status != 201 {
		t.Fatalf("upload with a name: %d %s", r.status, r.body)
	}
	form := partsForm(t, []string{"снилс лицевая.jpg"}, testdocs.JPEG(t))
	made := c.do("POST", base+"/slots/snils/compose", bytes.NewReader(form.body), form.contentType, 0, true)
	if made.status != 201 {
		t.Fatalf("compose: %d %s", made.status, made.body)
	}
	source := made.json(t)["sources"].([]any)[0].(map[string]any)["id"].(string)

	download := func(slot, query string) response {
		t.Helper()
		r := c.do("GET", base+"/slots/"+slot+"/file"+query, nil, "", 0, true)
		if r.status != 200 {
			t.Fatalf("download %s%s: %d %s", slot, query, r.status, r.body)
		}
		return r
	}
	r := download("identity_document", "")
	if kind, name := contentDisposition(t, r); kind != "attachment" || name != "Иванова А.С. - Паспорт.pdf" {
		t.Errorf("passport: %s %q; want attachment «Иванова А.С. - Паспорт.pdf»", kind, name)
	}
	if h := r.header.Get("Content-Disposition"); !strings.Contains(h, "filename*=utf-8''") {
		t.Errorf("Content-Disposition %q: want the name in RFC 5987 encoding", h)
	}
	if kind, name := contentDisposition(t, download("identity_document", "?inline=1")); kind != "inline" || name != "Иванова А.С. - Паспорт.pdf" {
		t.Errorf("passport inline: %s %q", kind, name)
	}
	if kind, _ := contentDisposition(t, download("identity_document", "?inline=0")); kind != "attachment" {
		t.Errorf("inline=0: %s", kind)
	}
	head := c.do("HEAD", base+"/slots/identity_document/file?inline=1", nil, "", 0, true)
	if kind, name := contentDisposition(t, head); head.status != 200 || kind != "inline" || name != "Иванова А.С. - Паспорт.pdf" {
		t.Errorf("HEAD inline: %d %s %q", head.status, kind, name)
	}
	if r := c.do("GET", base+"/slots/identity_document/file?inline=maybe", nil, "", 0, true); r.status != 400 || r.errorCode(t) != "bad_request" {
		t.Errorf("inline=maybe: %d %s", r.status, r.body)
	}

	// Every row is named as in the package built from the same documents.
	pkg := c.requestBundle(id, "frmr_package", false)
	if pkg.status != 202 {
		t.Fatalf("package: %d %s", pkg.status, pkg.body)
	}
	pkgID := pkg.json(t)["id"].(string)
	c.waitBundle(pkgID)
	zipped := c.do("GET", "/api/v1/bundles/"+pkgID+"/file", nil, "", 0, true)
	zr, err := zip.NewReader(bytes.NewReader(zipped.body), int64(len(zipped.body)))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Files []struct {
			Slot     string `json:"slot"`
			FileName string `json:"file_name"`
		} `json:"files"`
	}
	for _, e := range zr.File {
		if e.Name == "manifest.json" {
			rc, _ := e.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			json.Unmarshal(b, &manifest)
		}
	}
	if len(manifest.Files) != len(files) {
		t.Fatalf("manifest has %d files; want %d", len(manifest.Files), len(files))
	}
	for _, f := range manifest.Files {
		if _, name := contentDisposition(t, download(f.Slot, "")); name != f.FileName {
			t.Errorf("%s downloads as %q; the package names it %q", f.Slot, name, f.FileName)
		}
	}
	if _, name := contentDisposition(t, download("qualification_certificates.2", "")); name != "Иванова А.С. - Удостоверение о повышении квалификации 2.pdf" {
		t.Errorf("certificate row 2: %q", name)
	}
	if kind, name := contentDisposition(t, zipped); kind != "attachment" || name != "Иванова А.С. - пакет для ФРМР.zip" {
		t.Errorf("package: %s %q", kind, name)
	}
	if kind, _ := contentDisposition(t, c.do("GET", "/api/v1/bundles/"+pkgID+"/file?inline=1", nil, "", 0, true)); kind != "attachment" {
		t.Errorf("a package asked inline: %s; a ZIP is always saved", kind)
	}

	port := c.requestBundle(id, "portfolio_pdf", true)
	portID := port.json(t)["id"].(string)
	c.waitBundle(portID)
	got := c.do("GET", "/api/v1/bundles/"+portID+"/file?inline=1", nil, "", 0, true)
	if kind, name := contentDisposition(t, got); got.status != 200 || kind != "inline" || name != "Иванова А.С. - черновик портфолио.pdf" ||
		got.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("draft portfolio inline: %d %s %q %s", got.status, kind, name, got.header.Get("Content-Type"))
	}
	if kind, _ := contentDisposition(t, c.do("GET", "/api/v1/bundles/"+portID+"/file", nil, "", 0, true)); kind != "attachment" {
		t.Errorf("portfolio without inline: %s", kind)
	}

	// Originals keep the names they were sent with.
	src := c.do("GET", base+"/sources/"+source, nil, "", 0, true)
	if kind, name := contentDisposition(t, src); src.status != 200 || kind != "attachment" || name != "снилс лицевая.jpg" {
		t.Errorf("original: %d %s %q", src.status, kind, name)
	}

	// The names follow the specialist's name as it is now.
	if r := c.jsonCall("PATCH", base, map[string]any{"specialist": map[string]any{"last_name": "Петрова"}}); r.status != 200 {
		t.Fatalf("rename: %d %s", r.status, r.body)
	}
	if _, name := contentDisposition(t, download("identity_document", "")); name != "Петрова А.С. - Паспорт.pdf" {
		t.Errorf("after the rename: %q", name)
	}
	if _, name := contentDisposition(t, c.do("GET", "/api/v1/bundles/"+portID+"/file", nil, "", 0, true)); name != "Петрова А.С. - черновик портфолио.pdf" {
		t.Errorf("portfolio after the rename: %q", name)
	}
}
