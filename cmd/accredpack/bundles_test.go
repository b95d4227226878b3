package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"accredpack/internal/testdocs"
)

// waitBundle polls a bundle until it is done or failed.
func (c *client) waitBundle(id string) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		r := c.jsonCall("GET", "/api/v1/bundles/"+id, nil)
		if r.status != 200 {
			c.t.Fatalf("bundle %s: %d %s", id, r.status, r.body)
		}
		b := r.json(c.t)
		if s := b["status"]; s == "done" || s == "failed" {
			return b
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("bundle %s still %v", id, b["status"])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *client) requestBundle(appID, kind string, draft bool) response {
	c.t.Helper()
	return c.jsonCall("POST", "/api/v1/applications/"+appID+"/bundles", map[string]any{"kind": kind, "draft": draft})
}

// readyApplication creates an application, fills every required slot and
// records 144 hours of education;
// it returns the id and the uploaded bytes by slot.
func (c *client) readyApplication() (string, map[string][]byte) {
	c.t.Helper()
	id := c.create()
	files := map[string][]byte{}
	for i, slot := range []string{"identity_document", "snils", "education_diploma", "previous_accreditation",
		"qualification_certificates.1", "qualification_certificates.2", "work_record", "professional_report"} {
		files[slot] = testdocs.PDF(c.t, 1+i%3, slot)
		if r := c.putRaw(id, slot, files[slot]); r.status != 201 {
			c.t.Fatalf("upload %s: %d %s", slot, r.status, r.body)
		}
	}
	c.addCourse(id, 144)
	return id, files
}

func testBundles(t *testing.T, c *client) {
	id, files := c.readyApplication()

	// The FRMR package.
	r := c.requestBundle(id, "frmr_package", false)
	if r.status != 202 || r.json(t)["status"] != "queued" {
		t.Fatalf("request package: %d %s", r.status, r.body)
	}
	b := c.waitBundle(r.json(t)["id"].(string))
	if b["status"] != "done" || b["size"].(float64) <= 0 || len(b["sha256"].(string)) != 64 {
		t.Fatalf("package bundle = %v", b)
	}
	got := c.do("GET", "/api/v1/bundles/"+b["id"].(string)+"/file", nil, "", 0, true)
	if got.status != 200 || got.header.Get("Content-Type") != "application/zip" || sum(got.body) != b["sha256"] {
		t.Fatalf("package download: %d %s", got.status, got.header.Get("Content-Type"))
	}
	zr, err := zip.NewReader(bytes.NewReader(got.body), int64(len(got.body)))
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string][]byte{}
	for _, e := range zr.File {
		rc, _ := e.Open()
		entries[e.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if !bytes.Equal(entries["Иванова А.С. - Паспорт.pdf"], files["identity_document"]) ||
		!bytes.Equal(entries["Иванова А.С. - Удостоверение о повышении квалификации 2.pdf"], files["qualification_certificates.2"]) {
		t.Errorf("entries = %v", keys(entries))
	}
	var m struct {
		Draft bool
		Files []struct {
			Slot, SHA256 string
			Pages        int
		}
	}
	json.Unmarshal(entries["manifest.json"], &m)
	if m.Draft || len(m.Files) != len(files) {
		t.Errorf("manifest: draft=%v files=%d", m.Draft, len(m.Files))
	}
	for _, f := range m.Files {
		if f.SHA256 != sum(files[f.Slot]) {
			t.Errorf("manifest checksum of %s", f.Slot)
		}
	}
	if _, ok := entries["checklist.pdf"]; !ok {
		t.Error("no checklist.pdf")
	}

	// The portfolio.
	r = c.requestBundle(id, "portfolio_pdf", false)
	b = c.waitBundle(r.json(t)["id"].(string))
	if b["status"] != "done" {
		t.Fatalf("portfolio bundle = %v", b)
	}
	if p := b["progress"].(map[string]any); p["done"] != p["total"] || p["total"].(float64) < 1 {
		t.Errorf("progress of a done bundle = %v", p)
	}
	got = c.do("GET", "/api/v1/bundles/"+b["id"].(string)+"/file", nil, "", 0, true)
	if got.header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("portfolio content type %q", got.header.Get("Content-Type"))
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationStrict
	ctx, err := api.ReadAndValidate(bytes.NewReader(got.body), conf)
	if err != nil {
		t.Fatalf("portfolio strict validation: %v", err)
	}
	docPages := 0
	for i := 0; i < len(files); i++ {
		docPages += 1 + i%3
	}
	// Cover, опись, readiness page, then the documents.
	if ctx.PageCount != 3+docPages {
		t.Errorf("portfolio pages = %d; want 3 + %d", ctx.PageCount, docPages)
	}
	if bms, _ := api.Bookmarks(bytes.NewReader(got.body), conf); len(bms) != len(files) || bms[0].PageFrom != 4 {
		t.Errorf("bookmarks = %d, first on page %d; want %d, first on page 4", len(bms), bms[0].PageFrom, len(files))
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func testBundleRules(t *testing.T, c *client) {
	id := c.create()
	c.putRaw(id, "snils", testdocs.PDF(t, 1, "snils"))
	if r := c.requestBundle(id, "frmr_package", false); r.status != 409 || r.errorCode(t) != "conflict" {
		t.Errorf("package of an unready application: %d %s", r.status, r.body)
	}
	r := c.requestBundle(id, "frmr_package", true)
	if r.status != 202 {
		t.Fatalf("draft package: %d %s", r.status, r.body)
	}
	bid := r.json(t)["id"].(string)
	if r := c.do("GET", "/api/v1/bundles/"+bid+"/file", nil, "", 0, true); r.status != 409 && r.status != 200 {
		t.Errorf("file of an unfinished bundle: %d", r.status)
	}
	if b := c.waitBundle(bid); b["status"] != "done" || b["draft"] != true {
		t.Errorf("draft bundle = %v", b)
	}
	if r := c.requestBundle(id, "archive", false); r.status != 422 || r.errorCode(t) != "validation_failed" {
		t.Errorf("unknown kind: %d %s", r.status, r.body)
	}
	if r := c.requestBundle("nope", "portfolio_pdf", false); r.status != 404 {
		t.Errorf("unknown application: %d", r.status)
	}
	if r := c.jsonCall("GET", "/api/v1/bundles/nope", nil); r.status != 404 || r.errorCode(t) != "not_found" {
		t.Errorf("unknown bundle: %d", r.status)
	}
	if r := c.jsonCall("POST", "/api/v1/bundles/"+bid+"/retry", nil); r.status != 409 {
		t.Errorf("retry of a done bundle: %d", r.status)
	}
}

// A document that passes the checks but is too heavy for the merge budget
// fails the portfolio with a reason naming it; after the user replaces it,
// a retry builds the portfolio from the current documents.
func TestBundleFailureAndRetry(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxFileBytes = 20 << 20
	// 128 MiB: plenty for ordinary documents, far below the ~280 MB the
	// 100,000-page document needs, so the merge dies while reading it.
	cfg.MergeMemory = 128 << 20
	c := startService(t, cfg)
	id, _ := c.readyApplication()
	if r := c.putRaw(id, "snils", testdocs.ManyPages(100_000)); r.status != 201 {
		t.Fatalf("heavy upload: %d %s", r.status, r.body)
	}
	r := c.requestBundle(id, "portfolio_pdf", false)
	b := c.waitBundle(r.json(t)["id"].(string))
	if b["status"] != "failed" || !strings.Contains(b["error"].(string), "«СНИЛС»") {
		t.Fatalf("bundle with a document the merge cannot take = %v", b)
	}
	if r := c.jsonCall("GET", "/readyz", nil); r.status != 200 {
		t.Errorf("the service is not ready after a merge crash: %d", r.status)
	}
	c.putRaw(id, "snils", testdocs.PDF(t, 1, "snils again"))
	r = c.jsonCall("POST", "/api/v1/bundles/"+b["id"].(string)+"/retry", nil)
	if r.status != 202 || r.json(t)["status"] != "queued" {
		t.Fatalf("retry: %d %s", r.status, r.body)
	}
	if b := c.waitBundle(b["id"].(string)); b["status"] != "done" || b["error"] != "" {
		t.Errorf("retried bundle = %v", b)
	}
}

// A service killed in the middle of a build: the next process notices the
// silent build and builds it again; it never stays running.
func TestRestartDuringBuild(t *testing.T) {
	cfg := testConfig(t)
	cfg.Heartbeat = 200 * time.Millisecond
	procA, a := serviceProcess(t, cfg)
	id := a.create()
	// Documents of many pages, so that the build lasts long enough to be
	// caught running (the streaming merge takes one-page documents in a
	// fraction of a second).
	const docs, pages = 8, 4000
	for n := 1; n <= docs; n++ {
		if r := a.putRaw(id, fmt.Sprintf("qualification_certificates.%d", n), testdocs.ManyPages(pages)); r.status != 201 {
			t.Fatalf("upload %d: %d %s", n, r.status, r.body)
		}
	}
	r := a.requestBundle(id, "portfolio_pdf", true) // not ready: a draft
	bid := r.json(t)["id"].(string)
	deadline := time.Now().Add(60 * time.Second)
	for {
		b := a.jsonCall("GET", "/api/v1/bundles/"+bid, nil).json(t)
		if b["status"] == "running" && b["progress"].(map[string]any)["done"].(float64) >= 1 {
			break
		}
		if b["status"] == "done" || time.Now().After(deadline) {
			t.Fatalf("could not catch the build running: %v", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	procA.kill()

	_, b := serviceProcess(t, cfg)
	got := b.waitBundle(bid)
	if got["status"] != "done" || got["attempts"].(float64) != 2 {
		t.Fatalf("after the restart the bundle = %v; want done on the second attempt", got)
	}
	pdf := b.do("GET", "/api/v1/bundles/"+bid+"/file", nil, "", 0, true)
	conf := model.NewDefaultConfiguration()
	ctx, err := api.ReadAndValidate(bytes.NewReader(pdf.body), conf)
	if err != nil {
		t.Fatalf("resumed portfolio: %v", err)
	}
	bms, _ := api.Bookmarks(bytes.NewReader(pdf.body), conf)
	if len(bms) != docs || ctx.PageCount != bms[0].PageFrom-1+docs*pages || bms[0].PageFrom < 4 {
		t.Errorf("resumed portfolio: %d pages, %d bookmarks", ctx.PageCount, len(bms))
	}
}

// `serve --workers 0` only queues builds; a separate `accredpack worker`
// process builds them.
func TestSeparateWorker(t *testing.T) {
	cfg := testConfig(t)
	cfg.Workers = 0
	_, c := serviceProcess(t, cfg)
	id, _ := c.readyApplication()
	r := c.requestBundle(id, "frmr_package", false)
	bid := r.json(t)["id"].(string)
	time.Sleep(1500 * time.Millisecond) // several queue polls
	if b := c.jsonCall("GET", "/api/v1/bundles/"+bid, nil).json(t); b["status"] != "queued" {
		t.Fatalf("without workers the bundle = %v; want queued", b["status"])
	}
	cfg.Workers = 1
	startProcess(t, cfg, "worker")
	if b := c.waitBundle(bid); b["status"] != "done" {
		t.Fatalf("the worker process left the bundle %v", b)
	}
}

// testBundleList: GET /applications/{id}/bundles answers the application's
// bundles, newest first, each exactly as GET /bundles/{id} shows it; never
// another application's; an empty list is []; each read is an audit line.
func testBundleList(t *testing.T, c *client) {
	id, _ := c.readyApplication()
	other := c.create()
	list := func(app string) []any {
		t.Helper()
		r := c.jsonCall("GET", "/api/v1/applications/"+app+"/bundles", nil)
		if r.status != 200 {
			t.Fatalf("list of %s: %d %s", app, r.status, r.body)
		}
		b, ok := r.json(t)["bundles"].([]any)
		if !ok {
			t.Fatalf("list of %s: %s; want an array of bundles", app, r.body)
		}
		return b
	}
	if got := list(id); len(got) != 0 {
		t.Errorf("before any build: %v", got)
	}
	var ids []string
	for _, req := range []struct {
		app, kind string
		draft     bool
	}{{id, "frmr_package", false}, {other, "frmr_package", true}, {id, "portfolio_pdf", true}, {id, "frmr_package", true}} {
		r := c.requestBundle(req.app, req.kind, req.draft)
		if r.status != 202 {
			t.Fatalf("request %v: %d %s", req, r.status, r.body)
		}
		bid := r.json(t)["id"].(string)
		c.waitBundle(bid)
		if req.app == id {
			ids = append([]string{bid}, ids...) // newest first
		}
	}
	got := list(id)
	if len(got) != len(ids) {
		t.Fatalf("list = %v; want %d bundles", got, len(ids))
	}
	for i, b := range got {
		one := c.jsonCall("GET", "/api/v1/bundles/"+ids[i], nil).json(t)
		if fmt.Sprint(b) != fmt.Sprint(one) {
			t.Errorf("list[%d] = %v; want GET /bundles/%s = %v", i, b, ids[i], one)
		}
	}
	if kinds := fmt.Sprintf("%v %v %v", got[0].(map[string]any)["kind"], got[1].(map[string]any)["kind"], got[2].(map[string]any)["draft"]); kinds != "frmr_package portfolio_pdf false" {
		t.Errorf("newest first: kinds and draft %s", kinds)
	}
	if got := list(other); len(got) != 1 || got[0].(map[string]any)["application_id"] != other {
		t.Errorf("the other application's list = %v", got)
	}
	if r := c.jsonCall("GET", "/api/v1/applications/nope/bundles", nil); r.status != 404 || r.errorCode(t) != "not_found" {
		t.Errorf("unknown application: %d %s", r.status, r.body)
	}
	// Audited like the other reads of an application: one line a read.
	reads := func() int {
		n := 0
		for _, l := range c.jsonCall("GET", "/api/v1/audit?limit=1000&application_id="+id, nil).json(t)["items"].([]any) {
			e := l.(map[string]any)
			if e["action"] == "bundle.read" && e["target"] == "" && e["outcome"] == "granted" {
				n++
			}
		}
		return n
	}
	before := reads()
	list(id)
	if after := reads(); after != before+1 {
		t.Errorf("audit lines of the list: %d, then %d; want one more", before, after)
	}
}
