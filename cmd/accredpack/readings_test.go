package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	apiclient "accredpack/client"
	"accredpack/internal/testscans"
)

func TestReadingsEmbedded(t *testing.T) {
	cfg := testConfig(t)
	cfg.OCR.Mode = "on"
	testReadings(t, startService(t, cfg))
}

// TestPortfolioTextLayer: with the option, the text read on a scan is in
// the portfolio, invisible but found by text extraction (the scan itself
// is one image, without text of its own).
func TestPortfolioTextLayer(t *testing.T) {
	cfg := testConfig(t)
	cfg.OCR.Mode, cfg.OCR.TextLayer = "on", true
	c := startService(t, cfg)
	id := c.create()
	scan := scanFor(t, testscans.SNILS, testscans.People[0])
	if r := c.putRaw(id, "snils", scan); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	if rd := c.reading(id, "snils"); rd["status"] != "done" {
		t.Fatalf("reading: %v", rd)
	}
	dir := t.TempDir()
	scanPath := filepath.Join(dir, "scan.pdf")
	os.WriteFile(scanPath, scan, 0o600)
	if out, _ := exec.Command("pdftotext", scanPath, "-").Output(); strings.TrimSpace(string(out)) != "" {
		t.Fatalf("the scan has text of its own: %q", out)
	}
	r := c.requestBundle(id, "portfolio_pdf", true)
	if r.status != 202 {
		t.Fatalf("bundle: %d %s", r.status, r.body)
	}
	b := c.waitBundle(r.json(t)["id"].(string))
	if b["status"] != "done" {
		t.Fatalf("bundle: %v", b)
	}
	file := c.do("GET", "/api/v1/bundles/"+b["id"].(string)+"/file", nil, "", 0, true)
	if file.status != 200 {
		t.Fatalf("download: %d", file.status)
	}
	pdf := filepath.Join(dir, "portfolio.pdf")
	os.WriteFile(pdf, file.body, 0o600)
	out, err := exec.Command("pdftotext", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"СТРАХОВОЕ", "Иванова", "112-233-445"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the portfolio's text lacks %q", want)
		}
	}
	if err := exec.Command("qpdf", "--check", pdf).Run(); err != nil {
		t.Errorf("qpdf --check: %v", err)
	}
	// For a person's eyes: the scan's page of the portfolio, as rendered.
	if art := os.Getenv("ACCREDPACK_TEST_ARTIFACTS"); art != "" {
		exec.Command("pdftoppm", "-r", "50", "-png", "-f", "4", "-l", "6", pdf, filepath.Join(art, "portfolio-text-layer")).Run()
	}
}

func TestReadingsPostgresMinIO(t *testing.T) {
	_, _, real := realServers(t)
	cfg := testConfig(t)
	cfg.OCR.Mode = "on"
	real(t, &cfg)
	testReadings(t, startService(t, cfg))
}

// scanFor draws a realistic 200 dpi scan of a document of person p.
func scanFor(t *testing.T, typ string, p testscans.Person) []byte {
	t.Helper()
	pdf, err := testscans.Scan(context.Background(), testscans.Doc{Type: typ, Person: p},
		testscans.Spoil{DPI: 200, Skew: 0.8, Noise: 8, Quality: 70, Seed: 7}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return pdf
}

// reading waits until the reading of a slot's document has ended and
// returns it.
func (c *client) reading(appID, slot string) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		r := c.do("GET", "/api/v1/applications/"+appID, nil, "", 0, true)
		if r.status != 200 {
			c.t.Fatalf("get application: %d %s", r.status, r.body)
		}
		for _, s := range r.json(c.t)["slots"].([]any) {
			s := s.(map[string]any)
			if s["id"] != slot || s["document"] == nil {
				continue
			}
			rd, _ := s["document"].(map[string]any)["reading"].(map[string]any)
			if rd == nil {
				c.t.Fatalf("slot %s: document without reading: %v", slot, s)
			}
			if rd["status"] != "pending" {
				return rd
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("slot %s: not read within 2 minutes", slot)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func warningCodes(rd map[string]any) []string {
	var out []string
	for _, w := range rd["warnings"].([]any) {
		out = append(out, w.(map[string]any)["code"].(string))
	}
	slices.Sort(out)
	return out
}

// readinessWarnings are the codes of the readiness report's findings on a
// slot row.
func (c *client) readinessWarnings(appID, slot string) []string {
	c.t.Helper()
	r := c.do("GET", "/api/v1/applications/"+appID+"/readiness", nil, "", 0, true)
	if r.status != 200 {
		c.t.Fatalf("readiness: %d %s", r.status, r.body)
	}
	var out []string
	for _, f := range r.json(c.t)["findings"].([]any) {
		f := f.(map[string]any)
		if f["slot"] == slot {
			if f["severity"] != "warning" {
				c.t.Errorf("a content finding that blocks: %v", f)
			}
			out = append(out, f["code"].(string))
		}
	}
	slices.Sort(out)
	return out
}

// testReadings: an accepted scan is read in the background (the upload
// does not wait); another person's SNILS gives warnings on its row and in
// the readiness report, never a refusal; «документ верный» dismisses them
// and is audited; a replaced file is read again; a file OCR cannot read is
// a warning of its own.
func testReadings(t *testing.T, c *client) {
	id := c.create() // Иванова Анна Сергеевна, 112-233-445 95
	anna := testscans.People[0]
	stranger := testscans.People[1] // Сидоров Павел Игоревич, 123-456-789 64

	if r := c.putRaw(id, "snils", scanFor(t, testscans.SNILS, stranger)); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	rd := c.reading(id, "snils")
	if rd["status"] != "done" {
		t.Fatalf("reading: %v", rd)
	}
	if got := warningCodes(rd); !slices.Equal(got, []string{"content_person", "content_snils"}) {
		t.Errorf("another person's SNILS: warnings %v", got)
	}
	if got := c.readinessWarnings(id, "snils"); !slices.Equal(got, []string{"content_person", "content_snils"}) {
		t.Errorf("readiness warnings on snils: %v", got)
	}

	// «Документ верный».
	r := c.do("POST", "/api/v1/applications/"+id+"/slots/snils/confirm", nil, "", 0, true)
	if r.status != 200 {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	conf := r.json(t)["document"].(map[string]any)["reading"].(map[string]any)
	if conf["confirmed"] != true || len(warningCodes(conf)) != 2 {
		t.Errorf("confirmed reading: %v", conf)
	}
	if got := c.readinessWarnings(id, "snils"); len(got) != 0 {
		t.Errorf("confirmed document still warned of: %v", got)
	}
	audit := c.do("GET", "/api/v1/applications/"+id+"/audit", nil, "", 0, true)
	if audit.status != 200 || !containsAction(t, audit.json(t), "document.confirm", "snils") {
		t.Errorf("confirmation not audited: %d %s", audit.status, audit.body)
	}
	if r := c.do("POST", "/api/v1/applications/"+id+"/slots/identity_document/confirm", nil, "", 0, true); r.status != 404 {
		t.Errorf("confirming an empty slot: %d %s", r.status, r.body)
	}

	// Replaced by her own SNILS: read again, nothing to say, not confirmed.
	if r := c.putRaw(id, "snils", scanFor(t, testscans.SNILS, anna)); r.status != 201 {
		t.Fatalf("replace: %d %s", r.status, r.body)
	}
	rd = c.reading(id, "snils")
	if rd["status"] != "done" || len(warningCodes(rd)) != 0 || rd["confirmed"] != false {
		t.Errorf("her own SNILS: %v", rd)
	}

	// The Go client sees the same, and confirms through its own call.
	cl := apiclient.New(c.base, token, nil)
	got, err := cl.Application(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got.Slots {
		if s.ID == "snils" && (s.Document == nil || s.Document.Reading == nil || s.Document.Reading.Status != "done") {
			t.Errorf("client: snils reading %+v", s.Document)
		}
	}
	if s, err := cl.ConfirmDocument(context.Background(), id, "snils"); err != nil || !s.Document.Reading.Confirmed {
		t.Errorf("client confirm: %+v, %v", s, err)
	}

	// A diploma in the passport's row: the type and the page count.
	if r := c.putRaw(id, "identity_document", scanFor(t, testscans.Diploma, anna)); r.status != 201 {
		t.Fatalf("upload diploma: %d %s", r.status, r.body)
	}
	if got := warningCodes(c.reading(id, "identity_document")); !slices.Equal(got, []string{"content_pages", "content_part_missing", "content_type"}) {
		t.Errorf("diploma as a passport: %v", got)
	}
}

// TestTurnedScanIsStoredUpright: a scan lying on its side is read upright
// and stored again turned through its page rotation (the image untouched),
// the original kept in the slot's history; the new file is read again.
func TestTurnedScanIsStoredUpright(t *testing.T) {
	cfg := testConfig(t)
	cfg.OCR.Mode = "on"
	c := startService(t, cfg)
	id := c.create()
	turned, err := testscans.Scan(context.Background(), testscans.Doc{Type: testscans.SNILS, Person: testscans.People[0]},
		testscans.Spoil{DPI: 200, Turn: 90, Noise: 6, Quality: 75, Seed: 9}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if r := c.putRaw(id, "snils", turned); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		h := c.do("GET", "/api/v1/applications/"+id+"/slots/snils/history", nil, "", 0, true)
		if h.status == 200 && len(h.json(t)["history"].([]any)) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the turned scan was not stored upright within 2 minutes; its reading: %v", c.reading(id, "snils"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	rd := c.reading(id, "snils")
	if rd["status"] != "done" || len(warningCodes(rd)) != 0 {
		t.Errorf("the upright file's reading: %v", rd)
	}
	file := c.do("GET", "/api/v1/applications/"+id+"/slots/snils/file", nil, "", 0, true)
	dir := t.TempDir()
	orig, now := filepath.Join(dir, "orig.pdf"), filepath.Join(dir, "now.pdf")
	os.WriteFile(orig, turned, 0o600)
	os.WriteFile(now, file.body, 0o600)
	info, _ := exec.Command("pdfinfo", "-f", "1", "-l", "1", now).Output()
	if !strings.Contains(strings.Join(strings.Fields(string(info)), " "), "rot: 270") {
		t.Errorf("the stored file's page rotation:\n%s", info)
	}
	a, _ := exec.Command("pdfimages", "-list", orig).Output()
	b, _ := exec.Command("pdfimages", "-list", now).Output()
	if lastLine(a) == "" || lastLine(a) != lastLine(b) {
		t.Errorf("the image changed:\n%s\n%s", a, b)
	}
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) < 15 {
		return ""
	}
	return strings.Join(append(f[2:11:11], f[14]), " ") // type .. interp, size (object numbers move)
}

func containsAction(t *testing.T, m map[string]any, action, target string) bool {
	t.Helper()
	entries, _ := m["items"].([]any)
	for _, e := range entries {
		e := e.(map[string]any)
		if e["action"] == action && e["target"] == target {
			return true
		}
	}
	return false
}
