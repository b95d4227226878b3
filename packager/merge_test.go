package packager

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"accredpack/checks"
	"accredpack/internal/testdocs"
	"accredpack/internal/testenv"
	"accredpack/sandbox"
)

// The merge copies each document's pages as its page tree means them:
// inherited resources, box and rotation resolved into the page, a box
// whose origin is not zero, a source filed in object streams. The output
// opens in poppler and passes qpdf --check; every page carries its stamp,
// bottom-centre of the page as it is viewed; bookmarks lead to each
// document's first page.
func TestPortfolioPageShapes(t *testing.T) {
	f := newFixture(t, 1<<30)
	f.put(t, "identity_document", testdocs.PageTreeShapes(), 3)
	f.put(t, "snils", testdocs.WithObjectStreams(t, testdocs.PDF(t, 2, "objstm")), 2)
	f.put(t, "education_diploma", testdocs.PDF(t, 1, "diploma"), 1)
	var out bytes.Buffer
	if err := f.pk.Portfolio(context.Background(), f.plan(false), &out, noProgress); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "portfolio.pdf")
	if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(testenv.Tool(t, "qpdf"), "--check", path).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, b)
	}
	const pages = 3 + 3 + 2 + 1
	info, err := exec.Command(testenv.Tool(t, "pdfinfo"), "-f", "1", "-l", strconv.Itoa(pages), path).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	flat := strings.Join(strings.Fields(string(info)), " ")
	for _, want := range []string{"Pages: " + strconv.Itoa(pages), "Page 4 rot: 90", "Page 5 rot: 90", "Page 6 rot: 0",
		"Page 6 size: 600 x 800", "Page 4 size: 600 x 800"} {
		if !strings.Contains(flat, want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, info)
		}
	}

	// The newest source (pdfcpu's, with object streams) sets the version.
	if !strings.Contains(flat, "PDF version: 1.7") {
		t.Errorf("pdfinfo: want PDF 1.7 (the object-stream source's):\n%s", info)
	}
	got := bookmarks(t, out.Bytes())
	want := []string{"1. Паспорт (разворот с фотографией и страница с регистрацией)@4", "2. СНИЛС@7",
		"3. Диплом о высшем или среднем медицинском образовании с приложением@9"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("bookmarks =\n%q\nwant\n%q", got, want)
	}

	text := strings.Split(testenv.PDFText(t, out.Bytes()), "\f")
	for i := 1; i <= pages; i++ {
		if want := fmt.Sprintf("стр. %d из %d", i, pages); !strings.Contains(text[i-1], want) {
			t.Errorf("page %d lacks %q: %q", i, want, text[i-1])
		}
	}
	// Each document's own text, on its page: the pages inheriting their
	// font from the page tree still show it.
	for page, want := range map[int]string{4: "shape page 1", 5: "shape page 2", 6: "shape page 3", 7: "objstm - page 1 of 2", 8: "objstm - page 2 of 2", 9: "diploma - page 1 of 1"} {
		if !strings.Contains(text[page-1], want) {
			t.Errorf("page %d lacks %q: %q", page, want, text[page-1])
		}
	}
	for _, page := range []int{1, 4, 5, 6, 7} {
		stampPlacement(t, path, page, pages, page == 4 || page == 5)
	}
}

// A portfolio of PDF 1.4 documents is a PDF 1.4 file, strictly valid even
// with a document typed in a standard-14 font without widths (which
// pdfcpu's strict mode refuses from PDF 1.5 on; its own merge made such
// portfolios invalid).
func TestPortfolioKeepsTheDocumentsVersion(t *testing.T) {
	f := newFixture(t, 256<<20)
	f.put(t, "identity_document", testdocs.PageTreeShapes(), 3)
	f.put(t, "snils", testdocs.PDF(t, 1, "snils"), 1)
	var out bytes.Buffer
	if err := f.pk.Portfolio(context.Background(), f.plan(true), &out, noProgress); err != nil {
		t.Fatal(err)
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationStrict
	ctx, err := api.ReadAndValidate(bytes.NewReader(out.Bytes()), conf)
	if err != nil {
		t.Fatalf("strict validation: %v", err)
	}
	if v := ctx.XRefTable.Version(); v != model.V14 {
		t.Errorf("version %s; want 1.4", v)
	}
}

var (
	bboxPage = regexp.MustCompile(`<page width="([0-9.]+)" height="([0-9.]+)">`)
	bboxWord = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>`)
)

// stampPlacement checks, with pdftotext -bbox (coordinates of the page as
// viewed, y downwards; its page size is the unrotated one), that the
// page's stamp is one horizontal line centred at the bottom.
func stampPlacement(t *testing.T, path string, page, pages int, quarterTurn bool) {
	t.Helper()
	b, err := exec.Command(testenv.Tool(t, "pdftotext"), "-bbox", "-f", strconv.Itoa(page), "-l", strconv.Itoa(page), path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	m := bboxPage.FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("page %d: no page size in %s", page, b)
	}
	w, h := atof(m[1]), atof(m[2])
	if quarterTurn {
		w, h = h, w
	}
	words := bboxWord.FindAllStringSubmatch(string(b), -1)
	for i := 0; i+3 < len(words); i++ {
		if words[i][5] != "стр." || words[i+1][5] != strconv.Itoa(page) || words[i+2][5] != "из" || words[i+3][5] != strconv.Itoa(pages) {
			continue
		}
		first, last := words[i], words[i+3]
		left, right := atof(first[1]), atof(last[3])
		top, bottom := atof(first[2]), atof(first[4])
		if math.Abs((left+right)/2-w/2) > 3 {
			t.Errorf("page %d (%gx%g): the stamp spans x %g-%g, not centred", page, w, h, left, right)
		}
		if top < h-40 || bottom > h {
			t.Errorf("page %d (%gx%g): the stamp sits at y %g-%g, not at the bottom", page, w, h, top, bottom)
		}
		if atof(last[2]) != top {
			t.Errorf("page %d: the stamp is not one horizontal line: %q", page, words[i:i+4])
		}
		return
	}
	t.Errorf("page %d: no stamp «стр. %d из %d» among %q", page, page, pages, words)
}

func atof(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// A stored document that is not a PDF pdfcpu can read (here: a header and
// noise) fails the portfolio naming it, not the service.
func TestPortfolioBrokenDocumentNamesIt(t *testing.T) {
	f := newFixture(t, 256<<20)
	f.put(t, "identity_document", testdocs.PDF(t, 1, "passport"), 1)
	f.put(t, "snils", testdocs.GarbageAfterHeader(), 1)
	err := f.pk.Portfolio(context.Background(), f.plan(false), &bytes.Buffer{}, noProgress)
	var de *DocumentError
	if !errors.As(err, &de) || de.Title != "СНИЛС" {
		t.Fatalf("err = %v; want a failure naming СНИЛС", err)
	}
	if r := Reason(err); !strings.Contains(r, "«СНИЛС»") || !strings.Contains(r, "объединить") {
		t.Errorf("reason = %q", r)
	}
}

// As the FRMR package does, the portfolio parses again only documents
// stored under older rules: the others are streamed to the merge,
// verified against their SHA-256.
func TestPortfolioRechecksOnlyDocumentsOfOlderRules(t *testing.T) {
	var children atomic.Int64
	build := func(rules int) error {
		f := newFixture(t, 256<<20)
		f.parser.OnExit = func(sandbox.Exit) { children.Add(1) }
		f.put(t, "identity_document", testdocs.PDF(t, 2, "passport"), 2)
		// Active content: refused since rules version 2.
		f.putChecked(t, "snils", testdocs.WithJavaScript(), 1, rules)
		return f.pk.Portfolio(context.Background(), f.plan(false), &bytes.Buffer{}, noProgress)
	}
	if err := build(checks.RulesVersion); err != nil {
		t.Fatalf("documents of the current rules: %v", err)
	}
	if n := children.Load(); n != 0 {
		t.Errorf("%d documents parsed again although checked under the current rules", n)
	}
	children.Store(0)
	err := build(1)
	var de *DocumentError
	p, ok := checks.AsProblem(err)
	if !errors.As(err, &de) || de.Title != "СНИЛС" || !ok || p.Code != checks.CodePDFInvalid {
		t.Fatalf("a document of rules version 1 with JavaScript: %v; want pdf_invalid naming СНИЛС", err)
	}
	if n := children.Load(); n != 1 {
		t.Errorf("%d documents parsed; want the one of older rules only", n)
	}
}

// A document whose bytes changed since upload fails the portfolio.
func TestPortfolioRefusesADocumentThatChanged(t *testing.T) {
	f := newFixture(t, 256<<20)
	f.put(t, "snils", testdocs.PDF(t, 1, "snils"), 1)
	f.docs[0].SHA256 = strings.Repeat("0", 64)
	err := f.pk.Portfolio(context.Background(), f.plan(false), &bytes.Buffer{}, noProgress)
	var de *DocumentError
	if !errors.As(err, &de) || de.Title != "СНИЛС" {
		t.Fatalf("err = %v; want a failure naming СНИЛС", err)
	}
}

type failingWriter struct{ left int }

func (w *failingWriter) Write(b []byte) (int, error) {
	if len(b) > w.left {
		return 0, errors.New("disk full")
	}
	w.left -= len(b)
	return len(b), nil
}

// The merged PDF streams into the destination: when that fails midway,
// the build fails as a write, naming no document, and nothing hangs.
func TestPortfolioDestinationFailureIsNoDocuments(t *testing.T) {
	f := newFixture(t, 256<<20)
	for _, ref := range []string{"identity_document", "snils", "education_diploma"} {
		f.put(t, ref, testdocs.SizedPDF(t, 2<<20), 1)
	}
	failsNamingNoDocument(t, "the destination's failure", "disk full", func() error {
		return f.pk.Portfolio(context.Background(), f.plan(false), &failingWriter{left: 1 << 20}, noProgress)
	})
}

// failsNamingNoDocument runs build and wants it to end within a minute (not
// hang) with an error that names no document and says want.
func failsNamingNoDocument(t *testing.T, what, want string, build func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- build() }()
	select {
	case err := <-done:
		var de *DocumentError
		if err == nil || errors.As(err, &de) || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v; want %s, naming no document", err, what)
		}
	case <-time.After(time.Minute):
		t.Fatalf("the build hangs after %s", what)
	}
}

// MergeMemory: a document that passed an upload's parse within its budget
// merges within MergeMemory of that budget, whatever else the portfolio
// holds. Here the heaviest kind the hostile corpus names: 50,000 blank
// pages, ~140 MB once parsed, accepted by a 256 MiB parse.
func TestMergeMemoryTakesWhatAParseAccepted(t *testing.T) {
	const parse = 256 << 20
	heavy := testdocs.ManyPages(50_000)
	checker := checks.NewChecker(30<<20, runner(t, sandbox.Limits{Memory: parse, Timeout: time.Minute, Parallel: 1}))
	dir := t.TempDir()
	path := filepath.Join(dir, "heavy.pdf")
	if err := os.WriteFile(path, heavy, 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := checker.CheckFile(context.Background(), path)
	if err != nil || v.Pages != 50_000 {
		t.Fatalf("the parse of %d MiB: %+v, %v; want the document accepted", parse>>20, v, err)
	}
	f := newFixture(t, MergeMemory(parse))
	f.put(t, "identity_document", testdocs.PDF(t, 1, "passport"), 1)
	f.put(t, "education_diploma", heavy, 50_000)
	f.put(t, "snils", testdocs.SizedPDF(t, 12<<20), 1)
	var peak int64
	f.pk.merger.OnExit = func(e sandbox.Exit) { peak = e.PeakRSS }
	var out countWriter
	if err := f.pk.Portfolio(context.Background(), f.plan(false), &out, noProgress); err != nil {
		t.Fatalf("portfolio within MergeMemory(%d MiB): %v", parse>>20, err)
	}
	t.Logf("merge child peak %d MiB, output %d MB", peak>>20, out/1e6)
}

type countWriter int64

func (c *countWriter) Write(b []byte) (int, error) { *c += countWriter(len(b)); return len(b), nil }

// tmpLeft lists what a build left in the packager's temporary folder.
func tmpLeft(t *testing.T, f *fixture) []string {
	t.Helper()
	entries, err := os.ReadDir(f.pk.tmpDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// The spool files, the front pages, the progress file: a portfolio build
// removes what it made, whether it succeeds or fails midway (a document
// that changed, the destination full), once its goroutines have ended.
func TestPortfolioLeavesNoTemporaryFiles(t *testing.T) {
	f := newFixture(t, 256<<20)
	for _, ref := range []string{"identity_document", "snils", "education_diploma"} {
		f.put(t, ref, testdocs.SizedPDF(t, 2<<20), 1)
	}
	if err := f.pk.Portfolio(context.Background(), f.plan(false), io.Discard, noProgress); err != nil {
		t.Fatal(err)
	}
	if left := tmpLeft(t, f); len(left) > 0 {
		t.Errorf("a portfolio built left %v", left)
	}
	if err := f.pk.Portfolio(context.Background(), f.plan(false), &failingWriter{left: 1 << 20}, noProgress); err == nil {
		t.Fatal("a full destination: no error")
	}
	if left := tmpLeft(t, f); len(left) > 0 {
		t.Errorf("a portfolio whose destination failed left %v", left)
	}
	f.docs[2].SHA256 = strings.Repeat("0", 64)
	if err := f.pk.Portfolio(context.Background(), f.plan(false), io.Discard, noProgress); err == nil {
		t.Fatal("a changed document: no error")
	}
	if left := tmpLeft(t, f); len(left) > 0 {
		t.Errorf("a portfolio refusing a changed document left %v", left)
	}
}

// The merge child starts before the front pages are drawn; when drawing
// them fails, the merge ends with that failure (the child stopped, nothing
// hanging), naming no document, and leaves no file.
func TestMergeFrontPagesFailure(t *testing.T) {
	f := newFixture(t, 256<<20)
	f.put(t, "snils", testdocs.PDF(t, 1, "snils"), 1)
	plan := f.plan(false)
	drawn := make(chan error, 1)
	drawn <- errors.New("packager: front pages: the font is gone")
	spooled := make(chan error, 1)
	spooled <- nil
	doc := filepath.Join(t.TempDir(), "snils.pdf")
	if err := os.WriteFile(doc, f.data["snils"], 0o600); err != nil {
		t.Fatal(err)
	}
	spools := []string{doc}
	in := mergeInput{Stamp: f.pk.wording.PageStamp, Docs: []mergeDoc{{Title: "1. СНИЛС", Pages: 1}}}
	front := filepath.Join(t.TempDir(), "front.pdf")
	failsNamingNoDocument(t, "the front pages' failure", "the font is gone", func() error {
		return f.pk.merge(context.Background(), in, front, drawn, plan.Items, spools, spooled, make(chan struct{}, 1), io.Discard, func(int) {})
	})
	if left := tmpLeft(t, f); len(left) > 0 {
		t.Errorf("left %v", left)
	}
}

// The front pages may reach the merge child before, between or after the
// documents (they are drawn while these are copied): the portfolio is the
// same, the front pages first in the page tree, the numbering and the
// bookmarks, every page stamped with its number; the child tells the
// parent of each document it has read, once.
func TestMergeFrontPagesAnywhere(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	front := write("front.pdf", testdocs.PDF(t, 2, "front"))
	docs := []string{write("a.pdf", testdocs.PDF(t, 1, "first")), write("b.pdf", testdocs.PageTreeShapes()), write("c.pdf", testdocs.PDF(t, 2, "third"))}
	in := mergeInput{Stamp: "стр. %p из %P", Progress: filepath.Join(dir, "progress"),
		Docs: []mergeDoc{{Title: "1. A", Pages: 1}, {Title: "2. B", Pages: 3}, {Title: "3. C", Pages: 2}}}
	const pages = 2 + 1 + 3 + 2
	var first []string
	for at := 0; at <= len(docs); at++ { // the front pages' line comes after at documents
		var lines []string
		for i, d := range docs {
			if i == at {
				lines = append(lines, "front "+front)
			}
			lines = append(lines, "doc "+d)
		}
		if at == len(docs) {
			lines = append(lines, "front "+front)
		}
		var out, read bytes.Buffer
		res, err := joinPortfolio(in, strings.NewReader(strings.Join(lines, "\n")+"\n"), &read, &out)
		if err != nil {
			t.Fatalf("front after %d documents: %v", at, err)
		}
		if res.Pages != pages || read.Len() != len(docs) {
			t.Errorf("front after %d documents: %d pages, %d documents told read; want %d, %d", at, res.Pages, read.Len(), pages, len(docs))
		}
		path := write(fmt.Sprintf("out%d.pdf", at), out.Bytes())
		if b, err := exec.Command(testenv.Tool(t, "qpdf"), "--check", path).CombinedOutput(); err != nil {
			t.Errorf("front after %d documents: qpdf --check: %v\n%s", at, err, b)
		}
		text := strings.Split(testenv.PDFText(t, out.Bytes()), "\f")
		for i := 1; i <= pages; i++ {
			if want := fmt.Sprintf("стр. %d из %d", i, pages); !strings.Contains(text[i-1], want) {
				t.Errorf("front after %d documents: page %d lacks %q: %q", at, i, want, text[i-1])
			}
		}
		for page, want := range map[int]string{1: "front - page 1 of 2", 2: "front - page 2 of 2", 3: "first - page 1 of 1", 4: "shape page 1", 8: "third - page 2 of 2"} {
			if !strings.Contains(text[page-1], want) {
				t.Errorf("front after %d documents: page %d lacks %q: %q", at, page, want, text[page-1])
			}
		}
		got := bookmarks(t, out.Bytes())
		if want := "1. A@3|2. B@4|3. C@7"; strings.Join(got, "|") != want {
			t.Errorf("front after %d documents: bookmarks %q; want %q", at, got, want)
		}
		if at == 0 {
			first = text
		} else if !slices.Equal(text, first) {
			t.Errorf("front after %d documents: the pages' text differs from the front first", at)
		}
	}
}

// The spooling takes turns in spoolSlots files: a document goes into the
// file of the one spoolSlots before it only once the merge child has read
// that one; cancelled while waiting, it ends with the cancellation.
func TestSpoolSlotsWaitForTheChild(t *testing.T) {
	f := newFixture(t, 256<<20)
	refs := []string{"identity_document", "snils", "education_diploma", "previous_accreditation", "work_record"}
	for i, ref := range refs {
		f.put(t, ref, testdocs.PDF(t, 1+i%2, ref), 1+i%2)
	}
	plan := f.plan(false)
	spools := make([]string, len(plan.Items))
	read := make(chan struct{}, len(plan.Items))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	spooled := f.pk.spoolAll(ctx, plan.Items, spools, read)
	next := func(what string) {
		t.Helper()
		select {
		case err := <-spooled:
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: not spooled", what)
		}
	}
	for i := range spoolSlots {
		next(fmt.Sprintf("document %d", i))
	}
	select {
	case err := <-spooled:
		t.Fatalf("a document spooled (%v) before the child read any", err)
	case <-time.After(200 * time.Millisecond):
	}
	read <- struct{}{}
	next("the document after the first read")
	if spools[spoolSlots] != spools[0] {
		t.Errorf("document %d went to %s, not to the first document's file %s", spoolSlots, spools[spoolSlots], spools[0])
	}
	if got, _ := os.ReadFile(spools[spoolSlots]); !bytes.Equal(got, f.data[plan.Items[spoolSlots].Ref.String()]) {
		t.Errorf("the reused file holds %d bytes, not the document's %d", len(got), len(f.data[plan.Items[spoolSlots].Ref.String()]))
	}
	cancel()
	select {
	case err := <-spooled:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled while waiting for the child: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancelled while waiting for the child: still waiting")
	}
	for range spooled {
	}
	for _, s := range spools {
		if s != "" {
			os.Remove(s)
		}
	}
}

// feed hands the child the front pages first, even when documents are
// spooled before they are drawn, then each document in order; the drawing's
// or the spooling's failure is its answer; the end of its context is not.
func TestFeedOrder(t *testing.T) {
	spools := []string{"/s/a", "/s/b"}
	drawn, spooled := make(chan error, 1), make(chan error, 2)
	spooled <- nil
	spooled <- nil
	var fetched atomic.Int64
	var w bytes.Buffer
	go func() {
		time.Sleep(50 * time.Millisecond) // both documents are ready first
		drawn <- nil
	}()
	if err := feed(context.Background(), &w, "/s/front", drawn, spools, spooled, &fetched); err != nil {
		t.Fatal(err)
	}
	if want := "front /s/front\ndoc /s/a\ndoc /s/b\n"; w.String() != want || fetched.Load() != 2 {
		t.Errorf("lines %q (%d fetched); want %q", w.String(), fetched.Load(), want)
	}

	broken := errors.New("checksum mismatch")
	drawn <- nil
	spooled <- broken
	if err := feed(context.Background(), io.Discard, "/s/front", drawn, spools, spooled, &fetched); err != broken {
		t.Errorf("the spooling failed: %v", err)
	}
	drawn <- errors.New("the font is gone")
	if err := feed(context.Background(), io.Discard, "/s/front", drawn, spools, spooled, &fetched); err == nil {
		t.Error("the drawing failed: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := feed(ctx, io.Discard, "/s/front", drawn, spools, spooled, &fetched); err != nil {
		t.Errorf("cancelled: %v", err)
	}
}

// bookmarks lists a PDF's bookmarks as "title@first page".
func bookmarks(t *testing.T, pdf []byte) []string {
	t.Helper()
	bms, err := api.Bookmarks(bytes.NewReader(pdf), model.NewDefaultConfiguration())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range bms {
		got = append(got, fmt.Sprintf("%s@%d", b.Title, b.PageFrom))
	}
	return got
}
