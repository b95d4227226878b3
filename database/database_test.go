package database

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"accredpack/access"
	"accredpack/dossier"
	"accredpack/internal/testenv"
)

// suite runs against every backend: the same tests, parameterized.
var suite = []struct {
	name string
	test func(t *testing.T, db *DB)
}{
	{"ApplicationRoundTrip", testApplicationRoundTrip},
	{"ListPages", testListPages},
	{"ReplaceKeepsHistory", testReplaceKeepsHistory},
	{"ConcurrentPutsToOneSlot", testConcurrentPutsToOneSlot},
	{"ReferencedKeys", testReferencedKeys},
	{"Ledger", testLedger},
	{"Accounts", testAccounts},
	{"PasswordChange", testPasswordChange},
	{"SharingAndScope", testSharingAndScope},
	{"AuditIsAppendOnly", testAuditIsAppendOnly},
	{"ImportedCourses", testImportedCourses},
	{"DeleteApplication", testDeleteApplication},
	{"Sources", testSources},
	{"Webhooks", testWebhooks},
	{"ToSummarize", testToSummarize},
	{"ClientList", testClientList},
	{"FormQuestionsMigration", testFormQuestionsMigration},
	{"SubmittedOnMigration", testSubmittedOnMigration},
	{"DisableUser", testDisableUser},
	{"AuditFilters", testAuditFilters},
	{"EmailTokens", testEmailTokens},
	{"SealedColumns", testSealedColumns},
	{"ReportDrafts", testReportDrafts},
	{"Readings", testReadings},
}

// testToSummarize: the recheck's pages, in id order, without submitted
// applications once they are summarized.
func testToSummarize(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, id := range []string{"c", "a", "e", "b", "d", "f"} {
		a := newApp(id, now)
		if id == "b" || id == "f" {
			a.Status = dossier.StatusSubmitted
		}
		if err := db.CreateApplication(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	// f is summarized; b never was (as if written before the lists' columns).
	if _, err := db.SetReadiness(ctx, "f", Summary{}, now, Readiness{}, nil); err != nil {
		t.Fatal(err)
	}
	var pages [][]string
	after := ""
	for i := 0; i < 5; i++ {
		ids, err := db.ToSummarize(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, ids)
		if len(ids) < 2 {
			break
		}
		after = ids[len(ids)-1]
	}
	if got := fmt.Sprint(pages); got != "[[a b] [c d] [e]]" {
		t.Errorf("pages %s; want [[a b] [c d] [e]]", got)
	}
}

// testSources: a document made from parts keeps them, in order, also once
// it is replaced; their objects count as referenced; a part belongs to one
// application.
func testSources(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	db.CreateApplication(ctx, newApp("a1", now))
	db.CreateApplication(ctx, newApp("a2", now))
	ref := dossier.SlotRef{Slot: "diploma"}
	parts := []dossier.Source{
		{ID: "s2", Position: 2, ObjectKey: "documents/p2", Kind: "png", SHA256: "b", Size: 20, FileName: "обратная.png", UploadedAt: now},
		{ID: "s1", Position: 1, ObjectKey: "documents/p1", Kind: "jpeg", SHA256: "a", Size: 10, FileName: "лицевая.jpg", UploadedAt: now},
	}
	if _, err := db.PutDocument(ctx, "a1", doc(ref, "documents/made", now), allowAll, nil, parts...); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutDocument(ctx, "a1", doc(ref, "documents/plain", now.Add(time.Second)), allowAll, nil); err != nil {
		t.Fatal(err)
	}
	src, err := db.Sources(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	got := src["documents/made"]
	if len(src) != 1 || len(got) != 2 || got[0].ID != "s1" || got[1].FileName != "обратная.png" || got[1].Size != 20 || !got[0].UploadedAt.Equal(now) {
		t.Fatalf("sources = %+v", src)
	}
	if s, err := db.Source(ctx, "a1", "s2"); err != nil || s.ObjectKey != "documents/p2" || s.Kind != "png" {
		t.Errorf("Source = %+v, %v", s, err)
	}
	if _, err := db.Source(ctx, "a2", "s2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a part read through another application: %v", err)
	}
	keys, _ := db.ReferencedKeys(ctx)
	if !keys["documents/p1"] || !keys["documents/p2"] {
		t.Errorf("sources not referenced: %v", keys)
	}
	// Position is unique per document: a second part 1 fails the whole put.
	dup := []dossier.Source{{ID: "d1", Position: 1, ObjectKey: "documents/d1", Kind: "pdf", UploadedAt: now}, {ID: "d2", Position: 1, ObjectKey: "documents/d2", Kind: "pdf", UploadedAt: now}}
	if _, err := db.PutDocument(ctx, "a2", doc(ref, "documents/dup", now), allowAll, nil, dup...); err == nil {
		t.Fatal("two parts at one position were stored")
	}
	if _, err := db.Document(ctx, "a2", ref); !errors.Is(err, ErrNotFound) {
		t.Errorf("a failed put left its document: %v", err)
	}
}

func TestSQLite(t *testing.T) {
	for _, s := range suite {
		t.Run(s.name, func(t *testing.T) { s.test(t, openTest(t, filepath.Join(t.TempDir(), "test.db"))) })
	}
}

func TestPostgres(t *testing.T) {
	pg := testenv.StartPostgres(t)
	for _, s := range suite {
		t.Run(s.name, func(t *testing.T) {
			db := openTest(t, pg.NewDatabase(t))
			if db.Dialect() != "postgres" {
				t.Fatalf("dialect = %s", db.Dialect())
			}
			s.test(t, db)
		})
	}
}

func openTest(t *testing.T, url string) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	files, _ := migrations.ReadDir("migrations/" + db.folder())
	if n, err := db.Migrate(ctx); err != nil || n != len(files) || n < 2 {
		t.Fatalf("Migrate = %d, %v; want all %d migrations", n, err, len(files))
	}
	if n, err := db.Migrate(ctx); err != nil || n != 0 {
		t.Fatalf("second Migrate = %d, %v; want nothing to do", n, err)
	}
	return db
}

func newApp(id string, created time.Time) *dossier.Application {
	agreed := false
	return &dossier.Application{
		ID: id, Owner: "bootstrap", Status: dossier.StatusDraft, CreatedAt: created, UpdatedAt: created,
		Form: dossier.Form{Kind: "periodic", Specialist: dossier.Specialist{LastName: "Петров", FirstName: "Пётр", SNILS: "11223344595", BirthDate: "1980-01-02"},
			Contact: dossier.Contact{Phone: "+79123456789", Email: "p@example.ru"}, EducationLevel: "higher", Specialty: "Терапия",
			ReportAgreed: &agreed, NameChanged: true, Consent: true, Comment: "декрет 2021-2023"},
	}
}

func allowAll(*dossier.Application, []dossier.Document) error { return nil }

func testApplicationRoundTrip(t *testing.T, db *DB) {
	ctx := context.Background()
	created := time.Date(2026, 11, 23, 10, 0, 0, 123456000, time.UTC)
	a := newApp("a1", created)
	if err := db.CreateApplication(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetApplication(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Form.Specialist.SNILS != "11223344595" || got.Form.ReportAgreed == nil || *got.Form.ReportAgreed ||
		!got.Form.NameChanged || got.Form.Employed != nil || !got.CreatedAt.Equal(created) || got.Form.Comment != a.Form.Comment {
		t.Errorf("round trip changed the application: %+v", got)
	}
	if _, err := db.GetApplication(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing application: %v", err)
	}
	submittedAt := created.Add(time.Hour)
	_, err = db.UpdateApplication(ctx, "a1", func(a *dossier.Application) error {
		a.Status, a.SubmittedAt = dossier.StatusSubmitted, &submittedAt
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = db.GetApplication(ctx, "a1")
	if got.Status != dossier.StatusSubmitted || got.SubmittedAt == nil || !got.SubmittedAt.Equal(submittedAt) {
		t.Errorf("update lost: %+v", got)
	}
	refuse := errors.New("refused")
	if _, err := db.UpdateApplication(ctx, "a1", func(a *dossier.Application) error { a.Form.Specialty = "X"; return refuse }); !errors.Is(err, refuse) {
		t.Errorf("refusal: %v", err)
	}
	if got, _ = db.GetApplication(ctx, "a1"); got.Form.Specialty != "Терапия" {
		t.Error("a refused update was written")
	}
}

func testListPages(t *testing.T, db *DB) {
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 7; i++ {
		a := newApp(fmt.Sprintf("app%d", i), base.Add(time.Duration(i%3)*time.Second)) // equal times too
		if i == 6 {
			a.Owner = "someone-else"
		}
		if err := db.CreateApplication(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	var after *Cursor
	for {
		page, err := db.ListClients(ctx, ListQuery{Scope: access.Scope{Owner: "bootstrap"}, After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range page {
			seen = append(seen, l.App.ID)
		}
		if len(page) < 2 {
			break
		}
		after = &page[len(page)-1].Cursor
	}
	want := []string{"app0", "app3", "app1", "app4", "app2", "app5"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("pages = %v; want %v", seen, want)
	}
	all, _ := db.ListClients(ctx, ListQuery{Scope: access.Scope{All: true}, Limit: 100})
	if len(all) != 7 {
		t.Errorf("all owners: %d", len(all))
	}
	if none, err := db.ListClients(ctx, ListQuery{Scope: access.Scope{}, Limit: 100}); err != nil || len(none) != 0 {
		t.Errorf("empty scope lists %d, %v; want nothing", len(none), err)
	}
}

func doc(ref dossier.SlotRef, key string, at time.Time) dossier.Document {
	return dossier.Document{Ref: ref, ObjectKey: key, SHA256: key + "-sum", Size: 10, Pages: 1, FileName: key + ".pdf", UploadedAt: at, UploadedBy: "bootstrap"}
}

func testReplaceKeepsHistory(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	db.CreateApplication(ctx, newApp("a1", now))
	ref := dossier.SlotRef{Slot: "snils"}
	if prev, err := db.PutDocument(ctx, "a1", doc(ref, "k1", now), allowAll, nil); err != nil || prev != nil {
		t.Fatalf("first put: %v, %v", prev, err)
	}
	// The rules version a document passed is kept, current and in history
	// (k1 stands for a document stored before versions were recorded).
	k2 := doc(ref, "k2", now.Add(time.Minute))
	k2.Rules = 7
	prev, err := db.PutDocument(ctx, "a1", k2, allowAll, nil)
	if err != nil || prev == nil || prev.ObjectKey != "k1" || prev.Rules != 0 {
		t.Fatalf("replace: %v, %v", prev, err)
	}
	cur, err := db.Document(ctx, "a1", ref)
	if err != nil || cur.ObjectKey != "k2" || cur.Rules != 7 {
		t.Fatalf("current = %+v, %v", cur, err)
	}
	if err := db.DeleteDocument(ctx, "a1", ref, now.Add(2*time.Minute), allowAll); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Document(ctx, "a1", ref); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if err := db.DeleteDocument(ctx, "a1", ref, now, allowAll); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting an empty slot: %v", err)
	}
	h, err := db.History(ctx, "a1", ref)
	if err != nil || len(h) != 2 || h[0].ObjectKey != "k1" || h[0].EndedReason != "replaced" || h[1].ObjectKey != "k2" || h[1].EndedReason != "deleted" || h[1].Rules != 7 {
		t.Fatalf("history = %+v, %v", h, err)
	}
	refused := errors.New("locked")
	if _, err := db.PutDocument(ctx, "a1", doc(ref, "k3", now), func(*dossier.Application, []dossier.Document) error { return refused }, nil); !errors.Is(err, refused) {
		t.Errorf("refusal: %v", err)
	}
	if docs, _ := db.Documents(ctx, "a1"); len(docs) != 0 {
		t.Errorf("a refused put was written: %+v", docs)
	}
}

func testConcurrentPutsToOneSlot(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Now()
	db.CreateApplication(ctx, newApp("a1", now))
	ref := dossier.SlotRef{Slot: "identity_document"}
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := db.PutDocument(ctx, "a1", doc(ref, fmt.Sprintf("k%d", i), now), allowAll, nil)
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent put: %v", err)
		}
	}
	docs, _ := db.Documents(ctx, "a1")
	h, _ := db.History(ctx, "a1", ref)
	if len(docs) != 1 || len(h) != n-1 {
		t.Errorf("current %d, history %d; want 1 and %d", len(docs), len(h), n-1)
	}
}

func testReferencedKeys(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Now()
	db.CreateApplication(ctx, newApp("a1", now))
	ref := dossier.SlotRef{Slot: "snils"}
	db.PutDocument(ctx, "a1", doc(ref, "k1", now), allowAll, nil)
	db.PutDocument(ctx, "a1", doc(ref, "k2", now), allowAll, nil)
	db.PutDocument(ctx, "a1", doc(dossier.SlotRef{Slot: "qualification_certificates", Row: 1}, "k3", now), allowAll, nil)
	keys, err := db.ReferencedKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 || !keys["k1"] || !keys["k2"] || !keys["k3"] {
		t.Errorf("keys = %v; want current and history keys", keys)
	}
}

func testLedger(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Now()
	db.CreateApplication(ctx, newApp("a1", now))
	db.CreateApplication(ctx, newApp("a2", now)) // the same specialist (SNILS)
	other := newApp("a3", now)
	other.Form.Specialist.SNILS = "02600238900"
	db.CreateApplication(ctx, other)

	c := dossier.Course{ID: "c1", Title: "Терапия", Organization: "РМАНПО", Hours: 36, StartDate: "2024-01-10", EndDate: "2024-01-20", InSpecialty: true, FRDONumber: "1234"}
	if err := db.PutCourse(ctx, "a1", c, now); err != nil {
		t.Fatal(err)
	}
	c.Hours = 72
	if err := db.PutCourse(ctx, "a1", c, now); err != nil { // replace
		t.Fatal(err)
	}
	courses, _ := db.Courses(ctx, "a1")
	if len(courses) != 1 || courses[0] != c {
		t.Errorf("courses = %+v", courses)
	}
	if err := db.PutCourse(ctx, "nope", c, now); !errors.Is(err, ErrNotFound) {
		t.Errorf("course of a missing application: %v", err)
	}

	act := dossier.NMOActivity{ID: "n1", Title: "Конгресс", Date: "2024-03-01", Credits: 6, Code: "ABCD-12345678", Kind: dossier.NMOEvent}
	if err := db.PutNMOActivity(ctx, "a1", act, now); err != nil {
		t.Fatal(err)
	}
	if err := db.PutNMOActivity(ctx, "a1", act, now); err != nil {
		t.Errorf("replacing an activity with its own code: %v", err)
	}
	dup := act
	dup.ID = "n2"
	if err := db.PutNMOActivity(ctx, "a2", dup, now); !errors.Is(err, ErrDuplicate) {
		t.Errorf("the same code in another application of the same specialist: %v", err)
	}
	theirs := dup
	theirs.ID = "n3"
	if err := db.PutNMOActivity(ctx, "a3", theirs, now); err != nil {
		t.Errorf("the same code for another specialist: %v", err)
	}
	if err := db.DeleteNMOActivity(ctx, "a1", "n1"); err != nil {
		t.Fatal(err)
	}
	if err := db.PutNMOActivity(ctx, "a2", dup, now); err != nil {
		t.Errorf("a code freed by deletion: %v", err)
	}
	if err := db.DeleteCourse(ctx, "a1", "missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete of a missing course: %v", err)
	}
	// Correcting a3's SNILS to a1's moves its codes: the shared code collides.
	_, err := db.UpdateApplication(ctx, "a3", func(a *dossier.Application) error {
		a.Form.Specialist.SNILS = "11223344595"
		return nil
	})
	if !errors.Is(err, ErrDuplicate) {
		t.Errorf("a SNILS change that makes a code used twice: %v", err)
	}
	if a, _ := db.GetApplication(ctx, "a3"); a.Form.Specialist.SNILS != "02600238900" {
		t.Error("the refused change was written")
	}
}

// A '#' or '?' in the data folder's name is part of the path, not the end
// of it: two such folders hold two databases.
func TestSQLitePathWithURICharacters(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	var dbs []*DB
	for _, dir := range []string{"run#1", "run#2", "what?", "100%"} {
		path := filepath.Join(base, dir, "accredpack.db")
		db := openTest(t, path)
		dbs = append(dbs, db)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s: the database is not where it was asked to be: %v", dir, err)
		}
	}
	if err := dbs[0].CreateApplication(ctx, newApp("a1", time.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := dbs[1].GetApplication(ctx, "a1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("run#2 sees run#1's application: %v", err)
	}
	if _, err := os.Stat(filepath.Join(base, "run")); err == nil {
		t.Error("a file named after the path cut at '#' was made")
	}
}

// A new SQLite database and its WAL files are its owner's only.
func TestSQLiteFilesOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "accredpack.db")
	db := openTest(t, path)
	if err := db.CreateApplication(context.Background(), newApp("a1", time.Now())); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v; want no access for others", filepath.Base(f), info.Mode().Perm())
		}
	}
}
