package intake

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
	"testing"
	"time"

	"accredpack/catalog"
	"accredpack/checks"
	"accredpack/compose"
	"accredpack/database"
	"accredpack/dossier"
	"accredpack/internal/testdocs"
	"accredpack/sandbox"
	"accredpack/storage"
	"accredpack/storage/fsstore"
)

func TestMain(m *testing.M) {
	tasks := checks.SandboxTasks()
	for k, v := range compose.SandboxTasks() {
		tasks[k] = v
	}
	sandbox.ServeChild(tasks)
	os.Exit(m.Run())
}

// faultyStore fails Put while failPut is set; everything else passes
// through to a real filesystem store.
type faultyStore struct {
	storage.Store
	failPut bool
	failAt  int      // when > 0, the failAt-th Put from now fails
	keys    []string // keys Put succeeded for
	began   []string // keys Put was called for (and not refused as down)
}

func (f *faultyStore) Put(ctx context.Context, key string, r io.Reader, size int64, sum string) error {
	if f.failAt > 0 {
		f.failAt--
		if f.failAt == 0 {
			return errors.New("injected: store is down")
		}
	}
	if f.failPut {
		return errors.New("injected: store is down")
	}
	f.began = append(f.began, key)
	err := f.Store.Put(ctx, key, r, size, sum)
	if err == nil {
		f.keys = append(f.keys, key)
	}
	return err
}

func newService(t *testing.T) (*Service, *database.DB, *faultyStore) {
	t.Helper()
	fs, err := fsstore.Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	store := &faultyStore{Store: fs}
	svc, db := newServiceWith(t, store)
	return svc, db, store
}

// newServiceWith is a service on a fresh SQLite database and store.
func newServiceWith(t *testing.T, store storage.Store) (*Service, *database.DB) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := database.Open(ctx, filepath.Join(dir, "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cat, _ := catalog.Load()
	forms, _ := checks.NewFormValidator(cat)
	exe, _ := os.Executable()
	runner, _ := sandbox.NewRunner(exe, sandbox.Limits{Memory: 256 << 20, Timeout: 30 * time.Second, Parallel: 2})
	spool := filepath.Join(dir, "spool")
	os.Mkdir(spool, 0o700)
	svc := New(Deps{DB: db, Store: store, Files: checks.NewChecker(1<<20, runner), Forms: forms, Catalog: cat,
		SpoolDir: spool, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Composer: compose.New(runner, compose.Page{MarginMM: 10}),
		ComposeLimits: ComposeLimits{MaxParts: 5, OptimizeBytes: 4 << 20, MaxPixels: 10_000_000,
			Fit: compose.Fit{DPI: 200, MinDPI: 150, Quality: 75}}})
	return svc, db
}

func form() dossier.Form {
	yes := true
	return dossier.Form{Kind: "periodic", Specialist: dossier.Specialist{LastName: "Сидоров", FirstName: "Олег", SNILS: "112-233-445 95", BirthDate: "1970-05-05"},
		Contact: dossier.Contact{Phone: "+79001234567", Email: "o@example.ru"}, EducationLevel: "higher", Specialty: "Хирургия", ReportAgreed: &yes, Consent: true}
}

func upload(svc *Service, appID, slot string, data []byte) (dossier.Document, error) {
	ctx := context.Background()
	st, err := svc.Stage(ctx, appID, slot, bytes.NewReader(data), "scan.pdf", false)
	if err != nil {
		return dossier.Document{}, err
	}
	return svc.Commit(ctx, st, "tester")
}

func currentBytes(t *testing.T, svc *Service, appID, slot string) []byte {
	t.Helper()
	rc, _, err := svc.Open(context.Background(), appID, slot)
	if err != nil {
		t.Fatalf("open %s: %v", slot, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestStoreFailureLeavesSlotAsItWas(t *testing.T) {
	svc, _, store := newService(t)
	v, err := svc.Create(context.Background(), "tester", form())
	if err != nil {
		t.Fatal(err)
	}
	first := testdocs.PDF(t, 1, "first")
	if _, err := upload(svc, v.App.ID, "snils", first); err != nil {
		t.Fatal(err)
	}
	store.failPut = true
	_, err = upload(svc, v.App.ID, "snils", testdocs.PDF(t, 2, "second"))
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v; want ErrUnavailable", err)
	}
	if !bytes.Equal(currentBytes(t, svc, v.App.ID, "snils"), first) {
		t.Error("the slot changed after a failed store write")
	}
	if h, _ := svc.History(context.Background(), v.App.ID, "snils"); len(h) != 0 {
		t.Errorf("a failed upload wrote history: %v", h)
	}
}

func TestDatabaseFailureRemovesTheNewObject(t *testing.T) {
	svc, db, store := newService(t)
	v, err := svc.Create(context.Background(), "tester", form())
	if err != nil {
		t.Fatal(err)
	}
	st, err := svc.Stage(context.Background(), v.App.ID, "snils", bytes.NewReader(testdocs.PDF(t, 1, "x")), "x.pdf", false)
	if err != nil {
		t.Fatal(err)
	}
	db.Close() // the database goes away between the checks and the commit
	_, err = svc.Commit(context.Background(), st, "tester")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v; want ErrUnavailable", err)
	}
	if len(store.keys) != 1 {
		t.Fatalf("the object was not written first: %v", store.keys)
	}
	if _, err := store.Open(context.Background(), store.keys[0]); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the object of a failed commit is still stored: %v", err)
	}
	if _, err := os.Stat(st.spool.Path); !errors.Is(err, os.ErrNotExist) {
		t.Error("the spool file was left behind")
	}
}

// TestRefusedFileLeavesNoObject: the object is written while the child
// parses the file, so a file refused by the parse (it looks like a PDF,
// header and end marker, but is none) has had an object written: it is
// removed before the refusal is answered, and the slot keeps its file. With
// the store down the answer is still the refusal, not the store's outage.
func TestRefusedFileLeavesNoObject(t *testing.T) {
	ctx := context.Background()
	svc, _, store := newService(t)
	v, err := svc.Create(ctx, "tester", form())
	if err != nil {
		t.Fatal(err)
	}
	first := testdocs.PDF(t, 1, "first")
	if _, err := upload(svc, v.App.ID, "snils", first); err != nil {
		t.Fatal(err)
	}
	fake := []byte("%PDF-1.7\n" + strings.Repeat("no objects here\n", 4000) + "startxref\n12\n%%EOF\n")
	for _, down := range []bool{false, true} {
		store.failPut = down
		_, err := upload(svc, v.App.ID, "snils", fake)
		if p, ok := checks.AsProblem(err); !ok || p.Code != checks.CodePDFInvalid {
			t.Fatalf("store down %v: err = %v; want the refusal %s", down, err, checks.CodePDFInvalid)
		}
	}
	store.failPut = false
	var stored []string
	if err := store.List(ctx, "", func(o storage.Object) error { stored = append(stored, o.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	// The refused file's write began (it may have been cancelled before
	// it finished, as the refusal came first).
	if len(store.began) != 2 || len(stored) != 1 || stored[0] != store.keys[0] {
		t.Errorf("writes begun %v, stored now %v: want the refused file's begun and gone, the first file's kept", store.began, stored)
	}
	if !bytes.Equal(currentBytes(t, svc, v.App.ID, "snils"), first) {
		t.Error("the slot changed after a refused upload")
	}
	if entries, _ := os.ReadDir(svc.spoolDir); len(entries) != 0 {
		t.Errorf("spool files left: %v", entries)
	}
}

func composeParts(svc *Service, appID, slot string, parts ...[]byte) (ComposeResult, error) {
	ctx := context.Background()
	c, err := svc.BeginCompose(ctx, appID, slot, false, false)
	if err != nil {
		return ComposeResult{}, err
	}
	defer c.Discard()
	for i, p := range parts {
		if err := c.Add(ctx, bytes.NewReader(p), fmt.Sprintf("part-%d.jpg", i+1)); err != nil {
			return ComposeResult{}, err
		}
	}
	return c.Finish(ctx, "tester")
}

// TestComposeFailuresLeaveNothing: whichever write fails (an original, the
// composed file, the database rows), the slot keeps its file, every object
// written on the way is removed, and no temporary file is left.
func TestComposeFailuresLeaveNothing(t *testing.T) {
	photo, pdf := testdocs.JPEG(t), testdocs.PDF(t, 1, "annex")
	for _, failAt := range []int{1, 2, 3, 4} { // original 1, original 2, original 3, the composed file
		svc, _, store := newService(t)
		v, err := svc.Create(context.Background(), "tester", form())
		if err != nil {
			t.Fatal(err)
		}
		first := testdocs.PDF(t, 1, "first")
		if _, err := upload(svc, v.App.ID, "snils", first); err != nil {
			t.Fatal(err)
		}
		store.keys, store.failAt = nil, failAt
		if _, err := composeParts(svc, v.App.ID, "snils", photo, pdf, photo); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("put %d failing: err = %v; want ErrUnavailable", failAt, err)
		}
		if len(store.keys) != failAt-1 {
			t.Errorf("put %d failing: %d objects written before it", failAt, len(store.keys))
		}
		assertGone(t, svc, store.keys)
		if !bytes.Equal(currentBytes(t, svc, v.App.ID, "snils"), first) {
			t.Errorf("put %d failing: the slot changed", failAt)
		}
	}

	svc, db, store := newService(t)
	v, err := svc.Create(context.Background(), "tester", form())
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.BeginCompose(context.Background(), v.App.ID, "snils", false, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range [][]byte{photo, pdf} {
		if err := c.Add(context.Background(), bytes.NewReader(p), "p"); err != nil {
			t.Fatal(err)
		}
	}
	db.Close() // the database goes away between the parts and the commit
	if _, err := c.Finish(context.Background(), "tester"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v; want ErrUnavailable", err)
	}
	if len(store.keys) != 3 {
		t.Fatalf("objects written before the rows: %v; want 2 originals and the file", store.keys)
	}
	assertGone(t, svc, store.keys)
}

// assertGone checks the objects are removed and the spool folder is empty.
func assertGone(t *testing.T, svc *Service, keys []string) {
	t.Helper()
	for _, k := range keys {
		if _, err := svc.store.Open(context.Background(), k); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("object %s of a failed composition is still stored: %v", k, err)
		}
	}
	left, _ := os.ReadDir(svc.spoolDir)
	for _, e := range left {
		t.Errorf("left in the spool folder: %s", e.Name())
	}
}

// A specialty checked against a list marked uncertain (176н, which order
// 435н probably replaces) carries a warning; one from a list not so marked
// does not.
func TestUncertainNomenclatureIsSaid(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := context.Background()
	f := form()
	f.EducationLevel, f.Specialty = "secondary_vocational", "Сестринское дело"
	v, err := svc.Create(ctx, "o", f)
	if err != nil {
		t.Fatal(err)
	}
	warned := func(v *View) bool {
		for _, f := range v.Readiness.Findings {
			if f.Code == "nomenclature_uncertain" && f.Severity == "warning" && strings.Contains(f.Message, "176н") {
				return true
			}
		}
		return false
	}
	if !warned(v) {
		t.Errorf("secondary education: %+v", v.Readiness.Findings)
	}
	h, err := svc.Create(ctx, "o", form())
	if err != nil {
		t.Fatal(err)
	}
	if warned(h) {
		t.Errorf("higher education under 435н: %+v", h.Readiness.Findings)
	}
}
