package packager

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"accredpack/catalog"
	"accredpack/checks"
	"accredpack/dossier"
	"accredpack/internal/testdocs"
	"accredpack/internal/testenv"
	"accredpack/readiness"
	"accredpack/sandbox"
	"accredpack/storage"
	"accredpack/storage/fsstore"
	"accredpack/storage/storagetest"
)

func TestMain(m *testing.M) {
	tasks := SandboxTasks()
	for k, v := range checks.SandboxTasks() {
		tasks[k] = v
	}
	sandbox.ServeChild(tasks)
	api.DisableConfigDir()
	code := m.Run()
	if benchCache != nil {
		os.RemoveAll(benchCache.dir)
	}
	os.Exit(code)
}

type fixture struct {
	pk     *Packager
	parser *sandbox.Runner // the checker's
	store  storage.Store
	app    *dossier.Application
	kind   *catalog.Kind
	docs   []dossier.Document
	data   map[string][]byte // by slot ref
}

func runner(t testing.TB, l sandbox.Limits) *sandbox.Runner {
	exe, _ := os.Executable()
	r, err := sandbox.NewRunner(exe, l)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newFixture(t testing.TB, mergeMemory int64) *fixture {
	return newFixtureIn(t, t.TempDir(), mergeMemory)
}

// newFixtureIn keeps the store and temporary files under dir.
func newFixtureIn(t testing.TB, dir string, mergeMemory int64) *fixture {
	t.Helper()
	tmp := filepath.Join(dir, "tmp")
	os.MkdirAll(tmp, 0o700)
	store, err := fsstore.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	parser := runner(t, sandbox.Limits{Memory: 1 << 30, Timeout: time.Minute, Parallel: 2})
	checker := checks.NewChecker(30<<20, parser)
	pk, err := New(store, checker, runner(t, sandbox.Limits{Memory: mergeMemory, Timeout: time.Minute, Parallel: 1}), tmp)
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := catalog.Load()
	kind, _ := cat.Kind("periodic")
	agreed := true
	f := &fixture{pk: pk, parser: parser, store: store, kind: kind, data: map[string][]byte{},
		app: &dossier.Application{ID: "app1", Form: dossier.Form{Kind: "periodic", Specialty: "Терапия", ReportAgreed: &agreed,
			Specialist: dossier.Specialist{LastName: "Иванова", FirstName: "Анна", MiddleName: "Сергеевна", SNILS: "11223344595"}}}}
	return f
}

// put stores a document as intake does after its check passed under the
// current rules.
func (f *fixture) put(t testing.TB, ref string, data []byte, pages int) {
	t.Helper()
	f.putChecked(t, ref, data, pages, checks.RulesVersion)
}

func (f *fixture) putChecked(t testing.TB, ref string, data []byte, pages, rules int) {
	t.Helper()
	r, _ := dossier.ParseSlotRef(ref)
	key := storage.NewKey()
	if err := f.store.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), storagetest.Sum(data)); err != nil {
		t.Fatal(err)
	}
	f.docs = append(f.docs, dossier.Document{Ref: r, ObjectKey: key, SHA256: storagetest.Sum(data), Size: int64(len(data)), Pages: pages, UploadedAt: time.Now(), Rules: rules})
	f.data[ref] = data
}

func (f *fixture) plan(draft bool) Plan {
	p := NewPlan(f.app, f.kind, f.docs, draft, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	p.Readiness = ReadinessPage(readiness.Report{Education: true, PeriodFrom: "2021-09-15", PeriodTo: "2026-09-14"})
	return p
}

func noProgress(int, int) {}

func TestFileNames(t *testing.T) {
	if got := ShortName(dossier.Specialist{LastName: "Иванов", FirstName: "иван", MiddleName: "Иванович"}); got != "Иванов И.И." {
		t.Errorf("ShortName = %q", got)
	}
	if got := ShortName(dossier.Specialist{LastName: "Смит", FirstName: "Джон"}); got != "Смит Д." {
		t.Errorf("ShortName without patronymic = %q", got)
	}
	if got := SafeFileName(`Иванов И.И. - Диплом: "копия" <1/2>?*. `); got != "Иванов И.И. - Диплом_ _копия_ _1_2___.pdf" {
		t.Errorf("SafeFileName = %q", got)
	}
}

func TestFRMRPackage(t *testing.T) {
	f := newFixture(t, 1<<30)
	f.put(t, "identity_document", testdocs.PDF(t, 2, "passport"), 2)
	f.put(t, "snils", testdocs.PDF(t, 1, "snils"), 1)
	f.put(t, "qualification_certificates.1", testdocs.PDF(t, 1, "cert 1"), 1)
	f.put(t, "qualification_certificates.2", testdocs.PDF(t, 3, "cert 2"), 3)
	var out bytes.Buffer
	var steps []string
	err := f.pk.FRMRPackage(context.Background(), f.plan(true), &out, func(d, n int) { steps = append(steps, fmt.Sprintf("%d/%d", d, n)) })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(steps, " ") != "0/4 1/4 2/4 3/4 4/4" {
		t.Errorf("progress = %v", steps)
	}
	zr, err := zip.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	files := map[string][]byte{}
	for _, e := range zr.File {
		names = append(names, e.Name)
		if e.Flags&0x800 == 0 && e.Name != "manifest.json" && e.Name != "checklist.pdf" {
			t.Errorf("%s is not flagged UTF-8", e.Name)
		}
		rc, _ := e.Open()
		files[e.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	want := []string{
		"Иванова А.С. - Паспорт.pdf",
		"Иванова А.С. - СНИЛС.pdf",
		"Иванова А.С. - Удостоверение о повышении квалификации 1.pdf",
		"Иванова А.С. - Удостоверение о повышении квалификации 2.pdf",
		"checklist.pdf",
		"manifest.json",
	}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Fatalf("entries = %q", names)
	}
	if !bytes.Equal(files[want[0]], f.data["identity_document"]) {
		t.Error("the passport's bytes changed in the package")
	}
	var m Manifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	if !m.Draft || len(m.Files) != 4 || len(m.Missing) == 0 {
		t.Errorf("manifest = %+v", m)
	}
	for _, e := range m.Files {
		if storagetest.Sum(files[e.FileName]) != e.SHA256 || int64(len(files[e.FileName])) != e.Size {
			t.Errorf("manifest entry %s does not match the file", e.FileName)
		}
	}
	if m.Files[3].Pages != 3 || m.Files[3].Slot != "qualification_certificates.2" {
		t.Errorf("manifest entry = %+v", m.Files[3])
	}
	text := testenv.PDFText(t, files["checklist.pdf"])
	for _, w := range []string{"ЧЕРНОВИК", "Паспорт", "Ещё не хватает", "Отчёт о профессиональной деятельности"} {
		if !strings.Contains(text, w) {
			t.Errorf("checklist lacks %q", w)
		}
	}
}

func TestFRMRPackageRefusesADocumentThatChanged(t *testing.T) {
	f := newFixture(t, 1<<30)
	f.put(t, "snils", testdocs.PDF(t, 1, "snils"), 1)
	f.docs[0].SHA256 = storagetest.Sum([]byte("something else"))
	err := f.pk.FRMRPackage(context.Background(), f.plan(false), io.Discard, noProgress)
	var de *DocumentError
	if !errors.As(err, &de) || !errors.Is(err, storage.ErrChecksum) || de.Title != "СНИЛС" {
		t.Fatalf("err = %v; want a checksum failure naming СНИЛС", err)
	}
	if r := Reason(err); !strings.Contains(r, "СНИЛС") {
		t.Errorf("reason = %q", r)
	}
}

// failingAfter accepts n bytes, then fails every write.
type failingAfter struct {
	n   int
	err error
}

func (f *failingAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, f.err
	}
	f.n -= len(p)
	return len(p), nil
}

// A destination that fails while a document is read ahead of it is the
// package's failure, not the document's (its bytes are fine), and the
// reading stops with the package.
func TestFRMRPackageDestinationFailureIsNoDocuments(t *testing.T) {
	f := newFixture(t, 1<<30)
	big := testdocs.PDF(t, 40, "long")
	f.put(t, "snils", big, 40)
	full := errors.New("no space left on device")
	err := f.pk.FRMRPackage(context.Background(), f.plan(false), &failingAfter{n: len(big) / 3, err: full}, noProgress)
	var de *DocumentError
	if !errors.Is(err, full) || errors.As(err, &de) {
		t.Fatalf("err = %v; want the destination's failure, naming no document", err)
	}
}

// Documents that passed the current rules at upload are streamed into the
// package and not parsed again (no child starts: their SHA-256, verified
// on the way, proves they are the checked bytes); a document stored under
// older rules is checked again, and a rule added since refuses it.
func TestFRMRPackageRechecksOnlyDocumentsOfOlderRules(t *testing.T) {
	var children atomic.Int64
	build := func(rules int) (*fixture, []byte, error) {
		f := newFixture(t, 1<<30)
		f.parser.OnExit = func(sandbox.Exit) { children.Add(1) }
		f.put(t, "identity_document", testdocs.PDF(t, 2, "passport"), 2)
		// Active content: refused since rules version 2.
		f.putChecked(t, "snils", testdocs.WithJavaScript(), 1, rules)
		var out bytes.Buffer
		err := f.pk.FRMRPackage(context.Background(), f.plan(true), &out, noProgress)
		return f, out.Bytes(), err
	}

	children.Store(0)
	f, out, err := build(checks.RulesVersion)
	if err != nil {
		t.Fatalf("documents of the current rules: %v", err)
	}
	if n := children.Load(); n != 0 {
		t.Errorf("%d documents parsed again although checked under the current rules", n)
	}
	zr, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range zr.File {
		if e.Name == "Иванова А.С. - СНИЛС.pdf" {
			rc, _ := e.Open()
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, f.data["snils"]) {
				t.Error("the streamed document's bytes changed")
			}
		}
	}

	children.Store(0)
	_, _, err = build(1)
	var de *DocumentError
	p, ok := checks.AsProblem(err)
	if !errors.As(err, &de) || de.Title != "СНИЛС" || !ok || p.Code != checks.CodePDFInvalid {
		t.Fatalf("a document of rules version 1 with JavaScript: %v; want pdf_invalid naming СНИЛС", err)
	}
	if n := children.Load(); n != 1 {
		t.Errorf("%d documents parsed; want the one of older rules only", n)
	}
}

func TestPortfolio(t *testing.T) {
	f := newFixture(t, 1<<30)
	pages := map[string]int{"identity_document": 2, "snils": 1, "education_diploma": 4, "qualification_certificates.1": 1, "qualification_certificates.2": 2}
	for _, ref := range []string{"identity_document", "snils", "education_diploma", "qualification_certificates.1", "qualification_certificates.2"} {
		f.put(t, ref, testdocs.PDF(t, pages[ref], "doc "+ref), pages[ref])
	}
	var out bytes.Buffer
	last := ""
	if err := f.pk.Portfolio(context.Background(), f.plan(false), &out, func(d, n int) { last = fmt.Sprintf("%d/%d", d, n) }); err != nil {
		t.Fatal(err)
	}
	if last != "10/10" {
		t.Errorf("last progress = %s", last)
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationStrict
	ctx, err := api.ReadAndValidate(bytes.NewReader(out.Bytes()), conf)
	if err != nil {
		t.Fatalf("strict validation: %v", err)
	}
	const front = 3 // cover, a one-page inventory, the readiness page
	if ctx.PageCount != front+10 {
		t.Errorf("pages = %d; want %d", ctx.PageCount, front+10)
	}
	bms, err := api.Bookmarks(bytes.NewReader(out.Bytes()), conf)
	if err != nil {
		t.Fatal(err)
	}
	wantBM := []string{"1. Паспорт (разворот с фотографией и страница с регистрацией)@4", "2. СНИЛС@6",
		"3. Диплом о высшем или среднем медицинском образовании с приложением@7",
		"4. Удостоверение о повышении квалификации за последние 5 лет (№ 1)@11",
		"5. Удостоверение о повышении квалификации за последние 5 лет (№ 2)@12"}
	var gotBM []string
	for _, b := range bms {
		gotBM = append(gotBM, fmt.Sprintf("%s@%d", b.Title, b.PageFrom))
	}
	if strings.Join(gotBM, "|") != strings.Join(wantBM, "|") {
		t.Errorf("bookmarks =\n%q\nwant\n%q", gotBM, wantBM)
	}
	text := testenv.PDFText(t, out.Bytes())
	pagesText := strings.Split(text, "\f")
	for i := 0; i < ctx.PageCount; i++ {
		if want := fmt.Sprintf("стр. %d из %d", i+1, ctx.PageCount); !strings.Contains(pagesText[i], want) {
			t.Errorf("page %d lacks %q", i+1, want)
		}
	}
	// The inventory gives each document its pages in the bundle.
	for _, want := range []string{"Опись документов", "4–5", "7–10", "12–13", "Иванова Анна Сергеевна", "112-233-445 95"} {
		if !strings.Contains(text, want) {
			t.Errorf("portfolio text lacks %q", want)
		}
	}
	if !strings.Contains(pagesText[3], "doc identity_document - page 1 of 2") {
		t.Error("page 4 is not the passport's first page")
	}
	// One reporting period, the rules' one, on the cover, the inventory
	// and the readiness page; a final portfolio is no draft.
	for i, page := range []string{"обложка", "опись", "готовность"} {
		if !strings.Contains(pagesText[i], "15.09.2021 – 14.09.2026") {
			t.Errorf("the %s (page %d) lacks the reporting period: %q", page, i+1, pagesText[i])
		}
	}
	if strings.Contains(text, "ЧЕРНОВИК") {
		t.Error("a final portfolio is marked as a draft")
	}
	if tool := testenv.Tool(t, "pdfinfo"); tool != "" {
		p := filepath.Join(t.TempDir(), "p.pdf")
		os.WriteFile(p, out.Bytes(), 0o600)
		info, err := exec.Command(tool, p).Output()
		if err != nil || !strings.Contains(strings.Join(strings.Fields(string(info)), " "), "Pages: 13") {
			t.Errorf("pdfinfo: %v %s", err, info)
		}
	}
}

// A document that passes validation but kills the merge (here: 100,000
// pages, ~280 MB parsed, against a 128 MiB merge budget) fails the build
// naming the document.
func TestPortfolioMergeCrashNamesTheDocument(t *testing.T) {
	f := newFixture(t, 128<<20)
	f.put(t, "snils", testdocs.PDF(t, 1, "snils"), 1)
	f.put(t, "education_diploma", testdocs.ManyPages(100_000), 100_000)
	err := f.pk.Portfolio(context.Background(), f.plan(false), io.Discard, noProgress)
	var de *DocumentError
	if !errors.As(err, &de) || !strings.HasPrefix(de.Title, "Диплом") {
		t.Fatalf("err = %v; want a failure naming the diploma", err)
	}
	if r := Reason(err); !strings.Contains(r, "Диплом") || !strings.Contains(r, "объединить") {
		t.Errorf("reason = %q", r)
	}
}

// A draft portfolio says ЧЕРНОВИК on every page, the front pages and each
// document's.
func TestDraftPortfolioIsMarkedOnEveryPage(t *testing.T) {
	f := newFixture(t, 1<<30)
	f.put(t, "identity_document", testdocs.PDF(t, 2, "passport"), 2)
	f.put(t, "snils", testdocs.PDF(t, 1, "snils"), 1)
	var out bytes.Buffer
	if err := f.pk.Portfolio(context.Background(), f.plan(true), &out, noProgress); err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(strings.TrimRight(testenv.PDFText(t, out.Bytes()), "\f"), "\f")
	if len(pages) != 6 {
		t.Fatalf("%d pages; want 3 front and 3 of documents", len(pages))
	}
	for i, p := range pages {
		if !strings.Contains(p, "ЧЕРНОВИК — не для подачи в ФРМР") {
			t.Errorf("page %d of a draft portfolio is not marked: %q", i+1, p)
		}
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationStrict
	if _, err := api.ReadAndValidate(bytes.NewReader(out.Bytes()), conf); err != nil {
		t.Fatalf("strict validation of the draft: %v", err)
	}
}

func TestPortfolioReadinessPage(t *testing.T) {
	f := newFixture(t, 1<<30)
	f.put(t, "snils", testdocs.PDF(t, 1, "snils"), 1)
	plan := f.plan(false)
	var rep readiness.Report
	rep.Education, rep.PeriodFrom, rep.PeriodTo = true, "2021-09-15", "2026-09-14"
	rep.ByYear = []readiness.YearTotals{{Year: 2023, Totals: readiness.Totals{Courses: 144, CoursesInSpecialty: 144}}}
	rep.Findings = []readiness.Finding{{Severity: readiness.Blocking, Code: "missing_document", Message: "Не загружен обязательный документ: Паспорт."}}
	plan.Readiness = ReadinessPage(rep)
	var out bytes.Buffer
	if err := f.pk.Portfolio(context.Background(), plan, &out, noProgress); err != nil {
		t.Fatal(err)
	}
	bms, _ := api.Bookmarks(bytes.NewReader(out.Bytes()), model.NewDefaultConfiguration())
	if len(bms) != 1 || bms[0].PageFrom != 4 {
		t.Fatalf("bookmarks = %+v; want the document after cover, опись and readiness page", bms)
	}
	text := testenv.PDFText(t, out.Bytes())
	for _, want := range []string{"Готовность к аккредитации", "15.09.2021 – 14.09.2026", "Препятствует подаче: Не загружен обязательный документ: Паспорт."} {
		if !strings.Contains(text, want) {
			t.Errorf("portfolio lacks %q", want)
		}
	}
}

// TestDownloadNames: a bundle downloads under the specialist's name, a
// draft says so; a slot row's file is named as in the package, rows and
// repeated titles included; an empty row has no name.
func TestDownloadNames(t *testing.T) {
	anna := dossier.Specialist{LastName: "Иванова", FirstName: "Анна", MiddleName: "Сергеевна"}
	for _, tc := range []struct {
		s     dossier.Specialist
		kind  string
		draft bool
		want  string
	}{
		{anna, dossier.BundleFRMRPackage, false, "Иванова А.С. - пакет для ФРМР.zip"},
		{anna, dossier.BundleFRMRPackage, true, "Иванова А.С. - черновик пакета для ФРМР.zip"},
		{anna, dossier.BundlePortfolio, false, "Иванова А.С. - портфолио.pdf"},
		{anna, dossier.BundlePortfolio, true, "Иванова А.С. - черновик портфолио.pdf"},
		{dossier.Specialist{LastName: `Д"Артаньян/Гасконь`}, dossier.BundlePortfolio, false, "Д_Артаньян_Гасконь - портфолио.pdf"},
		{dossier.Specialist{}, dossier.BundleFRMRPackage, false, "пакет для ФРМР.zip"},
	} {
		if got := BundleFileName(tc.s, tc.kind, tc.draft); got != tc.want {
			t.Errorf("BundleFileName(%q, %s, draft %v) = %q; want %q", tc.s.LastName, tc.kind, tc.draft, got, tc.want)
		}
	}

	f := newFixture(t, 1<<30)
	f.put(t, "identity_document", testdocs.PDF(t, 1, "passport"), 1)
	f.put(t, "qualification_certificates.1", testdocs.PDF(t, 1, "cert 1"), 1)
	f.put(t, "qualification_certificates.2", testdocs.PDF(t, 1, "cert 2"), 1)
	plan := f.plan(false)
	for ref, want := range map[dossier.SlotRef]string{
		{Slot: "identity_document"}:                  ShortName(plan.App.Form.Specialist) + " - Паспорт.pdf",
		{Slot: "qualification_certificates", Row: 2}: ShortName(plan.App.Form.Specialist) + " - Удостоверение о повышении квалификации 2.pdf",
	} {
		if got, ok := plan.FileName(ref); !ok || got != want {
			t.Errorf("FileName(%s) = %q, %v; want %q", ref, got, ok, want)
		}
	}
	if got, ok := plan.FileName(dossier.SlotRef{Slot: "snils"}); ok {
		t.Errorf("an empty row has the name %q", got)
	}
}

// TestReadinessPageSubmitted: the readiness page says when a submitted
// application was taken by the portal, and nothing of it before.
func TestReadinessPageSubmitted(t *testing.T) {
	d := &readiness.Deadlines{Expiry: "2026-09-15", SubmitFrom: "2026-07-01", SubmitBy: "2026-07-31"}
	rows := func() string {
		return fmt.Sprint(ReadinessPage(readiness.Report{Education: true, Deadlines: d}).Deadlines)
	}
	if got := rows(); strings.Contains(got, "Подано") {
		t.Errorf("a draft's deadlines: %s", got)
	}
	d.SubmittedOn = "2026-08-03"
	if got := rows(); !strings.Contains(got, "[Подано в ФРМР 03.08.2026]") {
		t.Errorf("a submitted application's deadlines: %s", got)
	}
}

func TestReasons(t *testing.T) {
	whole := fmt.Errorf("%w: %w", ErrPortfolioTooLarge, sandbox.ErrCrashed)
	if r := Reason(whole); !strings.Contains(r, "слишком большим") {
		t.Errorf("too large: %q", r)
	}
	doc := &DocumentError{Title: "СНИЛС", Err: &checks.Problem{Code: checks.CodeNotPDF, Message: "Файл не PDF."}}
	if r := Reason(doc); !strings.Contains(r, "«СНИЛС»") || !strings.Contains(r, "Файл не PDF.") {
		t.Errorf("document problem: %q", r)
	}
	// The merge child refused the document (pdfcpu could not read it).
	refused := &DocumentError{Title: "СНИЛС", Err: &sandbox.TaskError{Code: "document", Message: "1"}}
	if r := Reason(refused); !strings.Contains(r, "«СНИЛС»") || !strings.Contains(r, "объединить") {
		t.Errorf("document refused by the merge: %q", r)
	}
	if r := Reason(errors.New("disk")); !strings.Contains(r, "временной") {
		t.Errorf("other: %q", r)
	}
}
