package certimport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"accredpack/access"
	"accredpack/accounts"
	"accredpack/audit"
	"accredpack/catalog"
	"accredpack/checks"
	"accredpack/database"
	"accredpack/dossier"
	"accredpack/fault"
	"accredpack/intake"
	"accredpack/internal/testdocs"
	"accredpack/sandbox"
	"accredpack/storage"
	"accredpack/storage/fsstore"
)

func TestMain(m *testing.M) {
	sandbox.ServeChild(checks.SandboxTasks())
	os.Exit(m.Run())
}

// faultyStore fails Put while failPut is set.
type faultyStore struct {
	storage.Store
	mu      sync.Mutex
	failPut bool
}

func (f *faultyStore) Put(ctx context.Context, key string, r io.Reader, size int64, sum string) error {
	f.mu.Lock()
	fail := f.failPut
	f.mu.Unlock()
	if fail {
		return errors.New("injected: store is down")
	}
	return f.Store.Put(ctx, key, r, size, sum)
}

func (f *faultyStore) setFail(v bool) {
	f.mu.Lock()
	f.failPut = v
	f.mu.Unlock()
}

// failingDelete is intake whose DeleteCourse fails.
type failingDelete struct{ *intake.Service }

func (failingDelete) DeleteCourse(context.Context, string, string) error {
	return fmt.Errorf("%w: injected: database is down", fault.ErrUnavailable)
}

// env is the real service behind an importer: SQLite, a file store, the
// file checks in a sandbox, accounts, the audit log and the policy.
type env struct {
	t      testing.TB
	ctx    context.Context
	db     *database.DB
	in     *intake.Service
	acc    *accounts.Service
	audit  *audit.Log
	store  *faultyStore
	policy access.Policy
	logs   *logBuffer // every logger of the env writes here
	lim    Limits
	im     *Importer
	org    database.Organization
	center access.Principal
}

func explainForTest(err error) (string, string) {
	var r *fault.Refusal
	msg := "сбой"
	if errors.As(err, &r) {
		msg = r.Message
	}
	for kind, code := range map[error]string{fault.ErrConflict: "conflict", fault.ErrNotFound: "not_found", fault.ErrUnavailable: "unavailable"} {
		if errors.Is(err, kind) {
			return code, msg
		}
	}
	return "internal", msg
}

func newEnv(t testing.TB) *env { return newEnvWith(t, importLimits) }

func newEnvWith(t testing.TB, lim Limits) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := database.Open(ctx, filepath.Join(dir, "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	fs, err := fsstore.Open(filepath.Join(dir, "store"))
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := catalog.Load()
	forms, _ := checks.NewFormValidator(cat)
	exe, _ := os.Executable()
	runner, err := sandbox.NewRunner(exe, sandbox.Limits{Memory: 256 << 20, Timeout: 30 * time.Second, Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	spool := filepath.Join(dir, "spool")
	os.Mkdir(spool, 0o700)
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	e := &env{t: t, ctx: ctx, db: db, store: &faultyStore{Store: fs}, logs: logs, lim: lim}
	e.in = intake.New(intake.Deps{DB: db, Store: e.store, Files: checks.NewChecker(lim.FileBytes, runner), Forms: forms, Catalog: cat,
		SpoolDir: spool, Log: log})
	if e.acc, err = accounts.New(ctx, db, accounts.Config{HashParallel: 1}, log); err != nil {
		t.Fatal(err)
	}
	e.audit = audit.New(db)
	e.policy = access.Policy{TrainingSlot: cat.IssuedByTrainingCenters}
	e.im = e.importer(e.in)
	if e.org, err = e.acc.CreateOrganization(ctx, "УЦ «Тест»", access.TrainingProvider); err != nil {
		t.Fatal(err)
	}
	e.center = access.Principal{UserID: "center-user", Role: access.TrainingCenter, OrgID: e.org.ID, Label: "СДО"}
	return e
}

func (e *env) importer(in Intake) *Importer {
	return New(Deps{Intake: in, Accounts: e.acc, Audit: e.audit, Policy: e.policy, Log: slog.New(slog.NewTextHandler(e.logs, nil)),
		Limits: e.lim, SpoolDir: e.t.TempDir(), Explain: explainForTest})
}

// logBuffer keeps what several loggers write at once (one lock for all:
// a lock per logger let two of them write the buffer together).
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// application creates a draft of a specialist with snils (owner "u-"+snils),
// shared with orgs.
func (e *env) application(snils string, orgs ...string) string {
	e.t.Helper()
	yes := true
	f := dossier.Form{Kind: "periodic", Specialist: dossier.Specialist{LastName: "Сидоров", FirstName: "Олег", SNILS: snils, BirthDate: "1970-05-05"},
		Contact: dossier.Contact{Phone: "+79001234567", Email: "o@example.ru"}, EducationLevel: "higher", Specialty: "Хирургия", ReportAgreed: &yes, Consent: true}
	v, err := e.in.Create(e.ctx, "u-"+snils, f)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, o := range orgs {
		if _, err := e.acc.Share(e.ctx, v.App.ID, o, access.Principal{UserID: "u-" + snils, Role: access.Specialist}); err != nil {
			e.t.Fatal(err)
		}
	}
	return v.App.ID
}

func (e *env) run(rows []Row, zipData []byte) *Report {
	e.t.Helper()
	return e.runWith(e.im, rows, zipData)
}

func (e *env) runWith(im *Importer, rows []Row, zipData []byte) *Report {
	e.t.Helper()
	var a *Archive
	if zipData != nil {
		var err error
		if a, err = im.OpenArchive(e.ctx, bytes.NewReader(zipData)); err != nil {
			e.t.Fatal(err)
		}
		defer a.Close()
	}
	rep, err := im.Import(e.ctx, audit.Request{Principal: e.center, RequestID: "req-1"}, rows, a)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep
}

func (e *env) courses(appID string) []dossier.Course {
	e.t.Helper()
	c, err := e.in.Courses(e.ctx, appID)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) certificates(appID string) map[string]dossier.Document {
	e.t.Helper()
	docs, err := e.db.Documents(e.ctx, appID)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]dossier.Document{}
	for _, d := range docs {
		if d.Ref.Slot == CertificateSlot {
			out[d.Ref.String()] = d
		}
	}
	return out
}

// rowsOf parses a CSV batch for a test.
func rowsOf(t testing.TB, csv string) []Row {
	t.Helper()
	rows, err := Parse([]byte("snils;title;hours;start_date;end_date;frdo_number;file;application_id\n"+csv), CSV, DefaultLimits(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func statuses(rep *Report) string {
	var out []string
	for _, r := range rep.Rows {
		s := fmt.Sprintf("%d:%s", r.Row, r.Status)
		if r.Status != Added && r.Status != Duplicate {
			s += "/" + r.Code
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// importLimits are testLimits with room for the rows of these tests.
var importLimits = func() Limits { l := testLimits; l.Rows = 50; return l }()

const (
	snilsA = "11223344595"
	snilsB = "02600238900"
	snilsC = "12610307301" // nobody's
)

// TestImport: rows with and without files, refused, invalid and
// duplicate in the batch; then the same batch again adds nothing.
func TestImport(t *testing.T) {
	e := newEnv(t)
	a := e.application(snilsA, e.org.ID)
	b := e.application(snilsB) // not shared
	pdf1, pdf2 := testdocs.PDF(t, 1, "one"), testdocs.PDF(t, 2, "two")
	zipData := zipOf(t, "certs/one.pdf", string(pdf1), "two.pdf", string(pdf2), "photo.pdf", string(testdocs.JPEG(t)),
		"locked.pdf", string(testdocs.Encrypted(t, pdf1)))
	rows := rowsOf(t, ""+
		"112-233-445 95;Терапия;36;01.02.2025;20.02.2025;Ф-1;certs/one.pdf;\n"+ // 2 added with a file
		"112-233-445 95;Кардиология;72;2025-03-01;2025-03-20;Ф-2;;\n"+ // 3 added, no file
		"026-002-389 00;Хирургия;36;2025-03-01;2025-03-20;Ф-3;;\n"+ // 4 not shared
		"126-103-073 01;Хирургия;36;2025-03-01;2025-03-20;Ф-4;;\n"+ // 5 nobody's
		"112-233-445 95;;0;2025-03-20;2025-03-01;Ф-5;;\n"+ // 6 invalid
		"112-233-445 95;Неврология;36;2025-03-01;2025-03-20;Ф-6;missing.pdf;\n"+ // 7 no such entry
		"112-233-445 95;Неврология;36;2025-03-01;2025-03-20;Ф-7;photo.pdf;\n"+ // 8 not a PDF
		"112-233-445 95;Неврология;36;2025-03-01;2025-03-20;Ф-8;locked.pdf;\n"+ // 9 encrypted
		"112-233-445 95;Терапия 2;36;2025-03-01;2025-03-20;ф-1;two.pdf;\n"+ // 10 the number of row 2 again
		"112-233-445 95;Онкология;18;2025-04-01;2025-04-03;Ф-9;two.pdf;\n") // 11 added with a file
	rep := e.run(rows, zipData)
	want := "2:added 3:added 4:refused/no_access 5:refused/no_access 6:invalid/validation_failed 7:invalid/validation_failed " +
		"8:invalid/not_pdf 9:invalid/pdf_encrypted 10:invalid/validation_failed 11:added"
	if got := statuses(rep); got != want {
		t.Fatalf("statuses:\n got %s\nwant %s", got, want)
	}
	if s := rep.Summary; s != (Summary{Rows: 10, Added: 3, Refused: 2, Invalid: 5}) {
		t.Errorf("summary = %+v", s)
	}
	r2 := rep.Rows[0]
	if r2.SNILS != "***-***-*** 95" || r2.FRDONumber != "Ф-1" || len(r2.Applications) != 1 || r2.Applications[0].ApplicationID != a ||
		r2.Applications[0].CertificateSlot != "qualification_certificates.1" || r2.Applications[0].CourseID == "" {
		t.Errorf("row 2 = %+v", r2)
	}
	if r := rep.Rows[1]; r.Applications[0].CertificateSlot != "" {
		t.Errorf("row 3 without a file has a slot: %+v", r)
	}
	if r := rep.Rows[9]; r.Applications[0].CertificateSlot != "qualification_certificates.2" {
		t.Errorf("row 11 = %+v", r)
	}
	if r := rep.Rows[2]; r.Message != rep.Rows[3].Message || len(r.Applications) != 0 || r.SNILS != "***-***-*** 00" {
		t.Errorf("an unshared specialist's row differs from nobody's: %+v vs %+v", r, rep.Rows[3])
	}
	fields := map[int]string{}
	for _, r := range rep.Rows {
		for _, f := range r.Fields {
			fields[r.Row] += f.Field + ":" + f.Code + " "
		}
	}
	if fields[6] != "title:required hours:min end_date:order " || fields[7] != "file:not_in_zip " || fields[10] != "frdo_number:duplicate " {
		t.Errorf("fields = %v", fields)
	}
	if !strings.Contains(rep.Rows[8].Message, "строке 2") && !strings.Contains(fmt.Sprint(rep.Rows[8].Fields), "строке 2") {
		t.Errorf("the duplicate row does not name the first: %+v", rep.Rows[8])
	}

	// What was stored: three courses of the center, two certificates.
	courses := e.courses(a)
	if len(courses) != 3 {
		t.Fatalf("courses = %+v", courses)
	}
	byFRDO := map[string]dossier.Course{}
	for _, c := range courses {
		byFRDO[c.FRDONumber] = c
		if c.Organization != "УЦ «Тест»" || c.ImportedBy != e.org.ID {
			t.Errorf("course %+v: organization or importer", c)
		}
	}
	if c := byFRDO["Ф-1"]; c.CertificateSlot != "qualification_certificates.1" || c.StartDate != "2025-02-01" || !c.InSpecialty || c.Hours != 36 {
		t.Errorf("course Ф-1 = %+v", c)
	}
	certs := e.certificates(a)
	if len(certs) != 2 || certs["qualification_certificates.1"].SHA256 != sha(pdf1) || certs["qualification_certificates.2"].SHA256 != sha(pdf2) ||
		certs["qualification_certificates.1"].FileName != "one.pdf" || certs["qualification_certificates.1"].UploadedBy != "center-user" {
		t.Errorf("certificates = %+v", certs)
	}
	if len(e.courses(b)) != 0 || len(e.certificates(b)) != 0 {
		t.Error("the unshared application changed")
	}

	// The audit: granted lines on a, a denied one on b (the specialist sees
	// the attempt), nothing for the SNILS nobody has.
	lines := e.auditLines(a)
	if !strings.Contains(lines, "certificates.import granted qualification_certificates") || !strings.Contains(lines, "certificates.import granted \n") {
		t.Errorf("audit of a:\n%s", lines)
	}
	if got := e.auditLines(b); got != "certificates.import denied \n" {
		t.Errorf("audit of b:\n%s", got)
	}

	// The same batch again adds nothing.
	again := e.run(rows, zipData)
	want = strings.NewReplacer("2:added", "2:duplicate", "3:added", "3:duplicate", "11:added", "11:duplicate").Replace(want)
	if got := statuses(again); got != want {
		t.Errorf("second run:\n got %s\nwant %s", got, want)
	}
	if r := again.Rows[0]; r.Code != Duplicate || r.Applications[0].CourseID != rep.Rows[0].Applications[0].CourseID ||
		r.Applications[0].CertificateSlot != "qualification_certificates.1" {
		t.Errorf("duplicate row 2 = %+v", r)
	}
	if len(e.courses(a)) != 3 || len(e.certificates(a)) != 2 {
		t.Errorf("the second run stored something: %d courses, %d certificates", len(e.courses(a)), len(e.certificates(a)))
	}
	for _, ref := range []string{"qualification_certificates.1", "qualification_certificates.2"} {
		if h, _ := e.in.History(e.ctx, a, ref); len(h) != 0 {
			t.Errorf("%s has a history after two imports: %+v", ref, h)
		}
	}
	if strings.Contains(e.logs.String(), snilsA) || strings.Contains(e.logs.String(), "233-445") {
		t.Errorf("a SNILS reached the log:\n%s", e.logs.String())
	}
}

func sha(b []byte) string {
	st, _ := checks.Spool(context.Background(), bytes.NewReader(b), os.TempDir(), 1<<30)
	defer st.Remove()
	return st.SHA256
}

func (e *env) auditLines(appID string) string {
	var b strings.Builder
	e.audit.Each(e.ctx, audit.Filter{ApplicationID: appID}, func(x audit.Entry) error {
		if x.Action == string(access.ImportCertificates) {
			if x.ActorID != "center-user" || x.OrgID != e.org.ID || x.RequestID != "req-1" {
				e.t.Errorf("audit line %+v", x)
			}
			fmt.Fprintf(&b, "%s %s %s\n", x.Action, x.Outcome, x.Target)
		}
		return nil
	})
	return b.String()
}

// TestImportMatching: a row goes to every open application of its SNILS,
// or to the one it names; submitted ones are closed; other organizations'
// grants do not count; a caller without an organization cannot import.
func TestImportMatching(t *testing.T) {
	e := newEnv(t)
	other, _ := e.acc.CreateOrganization(e.ctx, "Другой УЦ", access.TrainingProvider)
	a1 := e.application(snilsA, e.org.ID)
	a2 := e.application(snilsA, e.org.ID, other.ID)
	b := e.application(snilsB, other.ID)
	done := e.application(snilsC, e.org.ID)
	if _, err := e.db.UpdateApplication(e.ctx, done, func(a *dossier.Application) error { a.Status = dossier.StatusSubmitted; return nil }); err != nil {
		t.Fatal(err)
	}
	rep := e.run(rowsOf(t, ""+
		"11223344595;Т;36;2025-03-01;2025-03-20;M-1;;\n"+
		"11223344595;Т;36;2025-03-01;2025-03-20;M-2;;"+a2+"\n"+
		"11223344595;Т;36;2025-03-01;2025-03-20;M-3;;"+b+"\n"+
		"02600238900;Т;36;2025-03-01;2025-03-20;M-4;;\n"+
		"12610307301;Т;36;2025-03-01;2025-03-20;M-5;;\n"), nil)
	if got := statuses(rep); got != "2:added 3:added 4:refused/no_access 5:refused/no_access 6:refused/submitted" {
		t.Fatalf("statuses = %s", got)
	}
	if apps := rep.Rows[0].Applications; len(apps) != 2 || apps[0].ApplicationID != a1 || apps[1].ApplicationID != a2 {
		t.Errorf("row 2 went to %+v; want both applications", apps)
	}
	if apps := rep.Rows[1].Applications; len(apps) != 1 || apps[0].ApplicationID != a2 {
		t.Errorf("row 3 went to %+v; want the one named", apps)
	}
	if len(e.courses(a1)) != 1 || len(e.courses(a2)) != 2 || len(e.courses(b)) != 0 || len(e.courses(done)) != 0 {
		t.Error("courses landed in the wrong applications")
	}
	// A row with a file for both: each gets its certificate.
	pdf := testdocs.PDF(t, 1, "both")
	rep = e.run(rowsOf(t, "11223344595;Т;36;2025-03-01;2025-03-20;M-6;c.pdf;\n"), zipOf(t, "c.pdf", string(pdf)))
	if got := statuses(rep); got != "2:added" || len(rep.Rows[0].Applications) != 2 {
		t.Fatalf("a row with a file for two applications: %s %+v", got, rep.Rows[0])
	}
	if len(e.certificates(a1)) != 1 || len(e.certificates(a2)) != 1 {
		t.Error("the certificate did not reach both applications")
	}

	staff := access.Principal{UserID: "x", Role: access.TrainingCenter}
	if _, err := e.im.Import(e.ctx, audit.Request{Principal: staff}, nil, nil); !errors.Is(err, fault.ErrForbidden) {
		t.Errorf("a training center account without an organization: %v", err)
	}
	admin := access.Principal{Role: access.Admin}
	if _, err := e.im.Import(e.ctx, audit.Request{Principal: admin}, nil, nil); !errors.Is(err, fault.ErrForbidden) {
		t.Errorf("an administrator: %v", err)
	}
}

// TestImportCommitFailure: the store fails when the certificate is
// committed: the course added for it is removed again, the row failed;
// sent again, the row is added. When even the removal fails, the report
// says the course stayed without its file.
func TestImportCommitFailure(t *testing.T) {
	e := newEnv(t)
	a := e.application(snilsA, e.org.ID)
	zipData := zipOf(t, "c.pdf", string(testdocs.PDF(t, 1, "cert")))
	rows := rowsOf(t, "11223344595;Т;36;2025-03-01;2025-03-20;F-1;c.pdf;\n11223344595;Т;36;2025-03-01;2025-03-20;F-2;;\n")

	e.store.setFail(true)
	rep := e.run(rows, zipData)
	if got := statuses(rep); got != "2:failed/unavailable 3:added" {
		t.Fatalf("statuses = %s", got)
	}
	if app := rep.Rows[0].Applications[0]; app.CourseID != "" || app.Status != Failed {
		t.Errorf("failed row = %+v", app)
	}
	if c := e.courses(a); len(c) != 1 || c[0].FRDONumber != "F-2" {
		t.Errorf("courses after a failed commit = %+v", c)
	}
	e.store.setFail(false)
	if got := statuses(e.run(rows, zipData)); got != "2:added 3:duplicate" {
		t.Errorf("sent again: %s", got)
	}
	if len(e.courses(a)) != 2 || len(e.certificates(a)) != 1 {
		t.Error("the retry did not finish the row")
	}

	e.store.setFail(true)
	stuck := rowsOf(t, "11223344595;Т;36;2025-03-01;2025-03-20;F-3;c.pdf;\n")
	rep = e.runWith(e.importer(failingDelete{e.in}), stuck, zipData)
	if r := rep.Rows[0]; r.Status != Failed || !strings.Contains(r.Message, "qualification_certificates.2 пуста") || r.Applications[0].CourseID == "" {
		t.Errorf("commit and undo failing: %+v", r)
	}
	if !strings.Contains(e.logs.String(), "imported course left without its file") {
		t.Error("the course left without its file was not logged")
	}
}

// TestImportTwiceAtOnce: the same batch sent twice at the same moment
// adds every row once.
func TestImportTwiceAtOnce(t *testing.T) {
	e := newEnv(t)
	a := e.application(snilsA, e.org.ID)
	var csv strings.Builder
	var files []string
	for i := 1; i <= 5; i++ {
		file := ""
		if i%2 == 1 {
			file = fmt.Sprintf("%d.pdf", i)
			files = append(files, file, string(testdocs.PDF(t, 1, file)))
		}
		fmt.Fprintf(&csv, "11223344595;Т;36;2025-03-01;2025-03-20;R-%d;%s;\n", i, file)
	}
	rows, zipData := rowsOf(t, csv.String()), zipOf(t, files...)
	var wg sync.WaitGroup
	reports := make([]*Report, 2)
	for i := range reports {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			reports[i] = e.run(rows, zipData)
		}(i)
	}
	wg.Wait()
	added := reports[0].Summary.Added + reports[1].Summary.Added
	failed := reports[0].Summary.Failed + reports[1].Summary.Failed
	if added+failed < 5 || added > 5 {
		t.Errorf("two runs at once: %+v and %+v", reports[0].Summary, reports[1].Summary)
	}
	// A failure (two rows racing for one certificate row) is finished by
	// sending the batch once more.
	e.run(rows, zipData)
	if c, d := e.courses(a), e.certificates(a); len(c) != 5 || len(d) != 3 {
		t.Errorf("after the race: %d courses, %d certificates; want 5 and 3", len(c), len(d))
	}
}

// BenchmarkImport100WithPDFs: 100 rows, each with its own 1 MiB PDF in the
// ZIP, into one application (SQLite, file store, a sandboxed check per
// file); then the same batch again (100 duplicates).
func BenchmarkImport100WithPDFs(b *testing.B) {
	lim := importLimits
	lim.Rows, lim.Entries, lim.FileBytes, lim.ArchiveBytes = 1000, 1000, 2<<20, 1<<30
	e := newEnvWith(b, lim)
	e.application(snilsA, e.org.ID)
	pdf := string(testdocs.SizedPDF(b, 1<<20))
	batch := func(prefix string) ([]Row, []byte) {
		var csv strings.Builder
		var files []string
		for i := 0; i < 100; i++ {
			name := fmt.Sprintf("%s-%d.pdf", prefix, i)
			files = append(files, name, pdf)
			fmt.Fprintf(&csv, "11223344595;Т;36;2025-03-01;2025-03-20;%s-%d;%s;\n", prefix, i, name)
		}
		return rowsOf(b, csv.String()), zipOf(b, files...)
	}
	runs := 0
	b.Run("new", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			runs++
			rows, zipData := batch(fmt.Sprintf("N%d", runs))
			b.StartTimer()
			if rep := e.run(rows, zipData); rep.Summary.Added != 100 {
				b.Fatalf("summary = %+v", rep.Summary)
			}
		}
	})
	b.Run("again", func(b *testing.B) {
		rows, zipData := batch("A")
		e.run(rows, zipData)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if rep := e.run(rows, zipData); rep.Summary.Duplicate != 100 {
				b.Fatalf("summary = %+v", rep.Summary)
			}
		}
	})
}
