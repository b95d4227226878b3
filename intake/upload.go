package intake

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"accredpack/catalog"
	"accredpack/checks"
	"accredpack/database"
	"accredpack/dossier"
	"accredpack/packager"
	"accredpack/readings"
	"accredpack/storage"
)

// Staged is an upload that passed the checks and waits to be committed. Its
// spool file is removed by Commit or Discard.
type Staged struct {
	appID    string
	ref      dossier.SlotRef
	fileName string
	spool    *checks.Spooled
	verdict  checks.Verdict
	addOnly  bool
	sources  []stagedSource // the originals it was made from, if any
	// replaces, when set, is the object key the slot must still hold at
	// commit (a file turned upright replaces only the file it was made from).
	replaces string
	// stored is the object written while the file was being checked (nil
	// for a composed file, which Commit stores itself); Commit takes it,
	// Discard removes it when Commit did not.
	stored    *storing
	committed bool
	discard   func(keys []string) // removes objects no row points at
}

// Discard removes the spool files and an object no row points at; safe to
// call after Commit.
func (st *Staged) Discard() {
	if st == nil {
		return
	}
	if st.stored != nil {
		st.stored.stop()
		// A write that failed stored nothing (a PUT, a rename): only a
		// written object no row took is removed, and only once.
		if !st.committed && st.stored.err == nil {
			st.discard([]string{st.stored.key})
		}
		st.stored = nil
	}
	if st.spool != nil {
		st.spool.Remove()
	}
	for _, src := range st.sources {
		src.spool.Remove()
	}
}

// resolve finds the slot a reference names in the application's kind, and
// checks the row of a repeatable slot against the rows that exist.
func (s *Service) resolve(a *dossier.Application, docs []dossier.Document, slotRef string) (dossier.SlotRef, *catalog.Slot, error) {
	ref, err := dossier.ParseSlotRef(slotRef)
	if err != nil {
		return ref, nil, notFound(fmt.Sprintf("Слот %q не существует.", slotRef))
	}
	kind, ok := s.catalog.Kind(a.Form.Kind)
	if !ok {
		return ref, nil, notFound("Вид заявления не найден в каталоге.")
	}
	slot, ok := kind.Slot(ref.Slot)
	if !ok {
		return ref, nil, notFound(fmt.Sprintf("В заявлении вида %q нет слота %q.", kind.ID, ref.Slot))
	}
	switch {
	case slot.Repeatable && ref.Row == 0:
		return ref, nil, notFound(fmt.Sprintf("Слот %q состоит из строк: укажите строку, например %s.1.", slot.ID, slot.ID))
	case !slot.Repeatable && ref.Row != 0:
		return ref, nil, notFound(fmt.Sprintf("Слот %q не состоит из строк.", slot.ID))
	case slot.Repeatable && ref.Row > catalog.NextRow(slot.ID, docs):
		return ref, nil, notFound(fmt.Sprintf("Строки %s нет: следующая новая строка — %s.%d.", ref, slot.ID, catalog.NextRow(slot.ID, docs)))
	}
	return ref, slot, nil
}

// checkChange is the rule for changing a slot: the application is not
// locked and the slot row may exist. It returns the row's reference.
func (s *Service) checkChange(a *dossier.Application, docs []dossier.Document, slotRef string, addOnly bool) (dossier.SlotRef, error) {
	if a.Status == dossier.StatusSubmitted {
		return dossier.SlotRef{}, lockedErr()
	}
	ref, _, err := s.resolve(a, docs, slotRef)
	if err != nil || !addOnly {
		return ref, err
	}
	for _, d := range docs {
		if d.Ref == ref {
			return ref, conflict(fmt.Sprintf("Строка %s уже заполнена: здесь можно только добавить новый документ в свободную строку.", ref))
		}
	}
	return ref, nil
}

// allowChange is checkChange run again inside the transaction that changes
// the slot, on the rows as they are at that moment.
func (s *Service) allowChange(slotRef string, addOnly bool) database.SlotChange {
	return func(a *dossier.Application, docs []dossier.Document) error {
		_, err := s.checkChange(a, docs, slotRef, addOnly)
		return err
	}
}

// load reads an application and its current documents.
func (s *Service) load(ctx context.Context, appID string) (*dossier.Application, []dossier.Document, error) {
	a, err := s.app(ctx, appID)
	if err != nil {
		return nil, nil, err
	}
	docs, err := s.db.Documents(ctx, appID)
	if err != nil {
		return nil, nil, backend(err)
	}
	return a, docs, nil
}

// locate loads an application and resolves a slot reference in it.
func (s *Service) locate(ctx context.Context, appID, slotRef string) (dossier.SlotRef, []dossier.Document, error) {
	a, docs, err := s.load(ctx, appID)
	if err != nil {
		return dossier.SlotRef{}, nil, err
	}
	ref, _, err := s.resolve(a, docs, slotRef)
	return ref, docs, err
}

// writable checks that a slot row may take a file now, before any of it
// is read, and returns the row's reference.
func (s *Service) writable(ctx context.Context, appID, slotRef string, addOnly bool) (dossier.SlotRef, error) {
	a, docs, err := s.load(ctx, appID)
	if err != nil {
		return dossier.SlotRef{}, err
	}
	return s.checkChange(a, docs, slotRef, addOnly)
}

// Stage checks that the application and slot exist and accept files, then
// spools body and applies the file rules. A rule the file breaks is a
// *checks.Problem. The file's object is written meanwhile (see
// StageSized), but no row points at it before Commit. With addOnly the
// slot row must be empty (a training center adds, never replaces).
func (s *Service) Stage(ctx context.Context, appID, slotRef string, body io.Reader, fileName string, addOnly bool) (*Staged, error) {
	return s.StageSized(ctx, appID, slotRef, body, -1, fileName, addOnly)
}

// StageSized is Stage for a body whose size is known before it is read
// (an upload's Content-Length; -1: not known).
//
// The object is written while the file is checked, so an upload takes
// about the longer of the two, not their sum: with a store that takes a
// stream of known size (S3 over TLS, storage.SizedStreamPutter) and a
// known size, the body goes to the store as it is received, beside the
// spool file the checks read (whose SHA-256 is the document's); otherwise
// the spool file is stored while the child parses it. No row
// points at the object until Commit; a refused file's object is removed
// at once (and one a crash leaves behind is an orphan for gc).
func (s *Service) StageSized(ctx context.Context, appID, slotRef string, body io.Reader, size int64, fileName string, addOnly bool) (*Staged, error) {
	// Refuse before reading the body when the target is wrong.
	ref, err := s.writable(ctx, appID, slotRef, addOnly)
	if err != nil {
		return nil, err
	}
	refused := func(err error) error {
		if p, ok := checks.AsProblem(err); ok {
			s.log.InfoContext(ctx, "file refused", "application", appID, "slot", ref.String(), "code", p.Code, "detail", p.Detail)
		}
		return err
	}
	st := &Staged{appID: appID, ref: ref, fileName: cleanFileName(fileName), addOnly: addOnly,
		discard: func(keys []string) { s.removeObjects(ctx, keys) }}
	sp, streams := s.store.(storage.SizedStreamPutter)
	if streams && size > 0 && size <= s.files.MaxBytes() && size <= sp.SizedStreamMax() {
		st.spool, st.stored, err = s.spoolStreaming(ctx, sp, body, size)
	} else {
		st.spool, err = checks.Spool(ctx, body, s.spoolDir, s.files.MaxBytes())
	}
	if err != nil {
		st.Discard()
		return nil, refused(err)
	}
	if err := s.files.Prescreen(st.spool); err != nil {
		st.Discard()
		return nil, refused(err)
	}
	if st.stored == nil {
		st.stored = s.storeSpool(ctx, st.spool)
	}
	st.verdict, err = s.files.CheckSpooled(ctx, st.spool)
	if err != nil {
		st.Discard()
		return nil, refused(err)
	}
	return st, nil
}

// spoolStreaming spools body and, as it is read, writes it to a new object
// (the spool's SHA-256 of the same bytes is the document's). A store that
// fails does not stop the spooling (the checks still say whether the file
// is acceptable; Commit reports the store); a body of another size than
// announced is an error (an object the store completed from its first size
// bytes is removed by Discard).
func (s *Service) spoolStreaming(ctx context.Context, sp storage.SizedStreamPutter, body io.Reader, size int64) (*checks.Spooled, *storing, error) {
	pr, pw := io.Pipe()
	stored := s.startStore(ctx, func(ctx context.Context, key string) error {
		err := sp.PutSizedStream(ctx, key, pr, size)
		// Whatever the outcome, the spooling must not wait for a reader.
		pr.CloseWithError(errors.Join(err, errStoreDone))
		return err
	})
	spool, err := checks.Spool(ctx, io.TeeReader(body, &toStore{w: pw}), s.spoolDir, s.files.MaxBytes())
	if err != nil {
		pw.CloseWithError(err) // the store gets no complete object
		return nil, stored, err
	}
	if spool.Size != size { // not from net/http, which holds a body to its length
		err := fmt.Errorf("intake: the body had %d bytes, %d were announced", spool.Size, size)
		pw.CloseWithError(err)
		spool.Remove()
		return nil, stored, err
	}
	pw.Close()
	return spool, stored, nil
}

// errStoreDone ends a tee to a store that has read all it wanted.
var errStoreDone = errors.New("intake: the store has finished reading")

// toStore passes what the spool reads on to the store's pipe, until the
// store fails or finishes: from then on it drops the bytes, so the spool
// goes on to the end.
type toStore struct {
	w      io.Writer
	failed bool
}

func (t *toStore) Write(p []byte) (int, error) {
	if !t.failed {
		if _, err := t.w.Write(p); err != nil {
			t.failed = true
		}
	}
	return len(p), nil
}

// storing is an object being written in the background.
type storing struct {
	key    string
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// storeSpool starts writing a spool file to a new object.
func (s *Service) storeSpool(ctx context.Context, spool *checks.Spooled) *storing {
	return s.startStore(ctx, func(ctx context.Context, key string) error {
		f, err := spool.Open()
		if err != nil {
			return fmt.Errorf("intake: reopen spooled upload: %w", err)
		}
		defer f.Close()
		return s.store.Put(ctx, key, f, spool.Size, spool.SHA256)
	})
}

// startStore starts put, which writes a new object under key.
func (s *Service) startStore(ctx context.Context, put func(ctx context.Context, key string) error) *storing {
	ctx, cancel := context.WithCancel(ctx)
	w := &storing{key: storage.NewKey(), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		w.err = put(ctx, w.key)
	}()
	return w
}

// wait returns when the object is written (nil: it is durable), or why it
// is not.
func (w *storing) wait() error {
	<-w.done
	return w.err
}

// stop cancels a write still going and waits until it has let go of the
// spool file.
func (w *storing) stop() {
	w.cancel()
	<-w.done
}

// Commit stores a staged file: the object first, then the database row in
// one transaction that also moves the slot's previous file to the history.
// If the row cannot be written the new object is removed again; the slot
// keeps its previous file either way.
func (s *Service) Commit(ctx context.Context, st *Staged, by string) (dossier.Document, error) {
	doc, _, err := s.commit(ctx, st, by)
	return doc, err
}

// commit stores the originals of a staged file (if any), then the file,
// then the rows that point at them all, in one transaction.
func (s *Service) commit(ctx context.Context, st *Staged, by string) (dossier.Document, []dossier.Source, error) {
	defer st.Discard()
	sources, err := s.putSources(ctx, st)
	if err != nil {
		return dossier.Document{}, nil, err
	}
	stored := st.stored
	if stored == nil { // a composed file
		stored = s.storeSpool(ctx, st.spool)
		st.stored = stored
		st.discard = func(keys []string) { s.removeObjects(ctx, keys) }
	}
	if err := stored.wait(); err != nil {
		s.removeObjects(ctx, sourceKeys(sources))
		return dossier.Document{}, nil, backend(fmt.Errorf("store object: %w", err))
	}
	key := stored.key
	doc := dossier.Document{Ref: st.ref, ObjectKey: key, SHA256: st.verdict.SHA256, Size: st.verdict.Size,
		Pages: st.verdict.Pages, FileName: st.fileName, UploadedAt: s.now(), UploadedBy: by, Rules: st.verdict.Rules}
	// document.accepted is written in the transaction that stores the row:
	// it is delivered if and only if the document is stored.
	// So is its OCR reading: queued if and only if the document is stored.
	accepted := func(ctx context.Context, tx *sql.Tx, replaced *dossier.Document) error {
		if err := s.events.PublishTx(ctx, tx, documentAccepted(ctx, st.appID, doc, replaced != nil, len(sources))); err != nil {
			return err
		}
		if s.readings == nil {
			return nil
		}
		return s.readings.QueueTx(ctx, tx, readings.Document{ApplicationID: st.appID, ObjectKey: doc.ObjectKey, SHA256: doc.SHA256, Size: doc.Size})
	}
	allow := s.allowChange(st.ref.String(), st.addOnly)
	if st.replaces != "" {
		base := allow
		allow = func(a *dossier.Application, docs []dossier.Document) error {
			if err := base(a, docs); err != nil {
				return err
			}
			for _, d := range docs {
				if d.Ref == st.ref && d.ObjectKey == st.replaces {
					return nil
				}
			}
			return conflict("Файл строки заменён, пока его страницы поворачивались: поворот не сохранён.")
		}
	}
	replaced, err := s.db.PutDocument(ctx, st.appID, doc, allow, accepted, sources...)
	if err != nil {
		// No row points at the objects: remove them (the document's own by
		// Discard). If even that fails, they are orphans, harmless and
		// found by their keys being in no row.
		s.removeObjects(ctx, sourceKeys(sources))
		if errors.Is(err, database.ErrNotFound) {
			return dossier.Document{}, nil, notFound("Заявление не найдено.")
		}
		return dossier.Document{}, nil, backend(err)
	}
	st.committed = true
	s.log.InfoContext(ctx, "document accepted", "application", st.appID, "slot", st.ref.String(),
		"size", doc.Size, "pages", doc.Pages, "sha256", doc.SHA256[:12], "replaced", replaced != nil, "sources", len(sources))
	s.changed(ctx, st.appID)
	return doc, sources, nil
}

// SlotFile is the current file of a slot row as it is downloaded.
type SlotFile struct {
	dossier.Document
	// Name is the file's name in the FRMR package: «Иванова А.С. -
	// Паспорт.pdf» (not the name it was uploaded with, which Document
	// keeps).
	Name string
}

// Open returns the current file of a slot row, verified against its
// checksum as it is read, with the name the FRMR package gives it.
func (s *Service) Open(ctx context.Context, appID, slotRef string) (io.ReadCloser, SlotFile, error) {
	a, docs, doc, err := s.current(ctx, appID, slotRef)
	if err != nil {
		return nil, SlotFile{Document: doc}, err
	}
	f := SlotFile{Document: doc, Name: s.packageName(a, docs, doc)}
	rc, err := s.store.Open(ctx, doc.ObjectKey)
	if err != nil {
		return nil, f, backend(fmt.Errorf("open object of %s: %w", doc.Ref, err))
	}
	return storage.Verify(rc, doc.Size, doc.SHA256), f, nil
}

// packageName is the name the FRMR package gives doc (the same plan, so the
// same name, numbering of repeated titles included); the name it was
// uploaded with if its kind left the catalog.
func (s *Service) packageName(a *dossier.Application, docs []dossier.Document, doc dossier.Document) string {
	if kind, ok := s.catalog.Kind(a.Form.Kind); ok {
		if name, ok := packager.NewPlan(a, kind, docs, false, s.now()).FileName(doc.Ref); ok {
			return name
		}
	}
	if doc.FileName != "" {
		return doc.FileName
	}
	return doc.Ref.String() + ".pdf"
}

// Document returns the record of the current file of a slot row.
func (s *Service) Document(ctx context.Context, appID, slotRef string) (dossier.Document, error) {
	_, _, doc, err := s.current(ctx, appID, slotRef)
	return doc, err
}

// current reads an application, its documents and the current file of one
// slot row.
func (s *Service) current(ctx context.Context, appID, slotRef string) (*dossier.Application, []dossier.Document, dossier.Document, error) {
	a, docs, err := s.load(ctx, appID)
	if err != nil {
		return nil, nil, dossier.Document{}, err
	}
	ref, _, err := s.resolve(a, docs, slotRef)
	if err != nil {
		return nil, nil, dossier.Document{}, err
	}
	for _, d := range docs {
		if d.Ref == ref {
			return a, docs, d, nil
		}
	}
	return nil, nil, dossier.Document{}, notFound(fmt.Sprintf("В слоте %s нет файла.", ref))
}

// Delete empties a slot row. Its file stays in the history.
func (s *Service) Delete(ctx context.Context, appID, slotRef string) error {
	ref, _, err := s.locate(ctx, appID, slotRef)
	if err != nil {
		return err
	}
	err = s.db.DeleteDocument(ctx, appID, ref, s.now(), s.allowChange(slotRef, false))
	if errors.Is(err, database.ErrNotFound) {
		return notFound(fmt.Sprintf("В слоте %s нет файла.", ref))
	}
	if err != nil {
		return backend(err)
	}
	s.log.InfoContext(ctx, "slot emptied", "application", appID, "slot", ref.String())
	s.changed(ctx, appID)
	return nil
}

// History lists the earlier files of a slot row.
func (s *Service) History(ctx context.Context, appID, slotRef string) ([]database.HistoryEntry, error) {
	ref, _, err := s.locate(ctx, appID, slotRef)
	if err != nil {
		return nil, err
	}
	h, err := s.db.History(ctx, appID, ref)
	return h, backend(err)
}

// maxNameRunes bounds a stored file name, extension included.
const maxNameRunes = 120

// cleanFileName is the name a document is stored under, from what the
// user called the file (see cleanName): always ending in .pdf, as the
// stored file is a PDF; "" when no name was given.
func cleanFileName(name string) string { return cleanName(name, ".pdf") }

// cleanName makes a user's file name safe to store and show: the base name
// only (path separators dropped), valid UTF-8 in NFC, without control,
// format (bidi overrides and isolates, zero-width characters) or line
// separator characters, without leading and trailing spaces and dots, at
// most maxNameRunes runes, and ending in ext. A short trailing extension
// the user gave (.exe, .jpg, .PDF) is replaced by ext, not kept before it:
// x.exe becomes x.pdf, so the name never shows a second extension to
// someone whose file manager hides the last. A name given but cleaned to
// nothing becomes "document"+ext; no name at all stays "".
func cleanName(name, ext string) string {
	if name == "" {
		return ""
	}
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
			return -1
		}
		return r
	}, name)
	name = norm.NFC.String(name)
	name = name[strings.LastIndexAny(name, "/\\")+1:]
	name = strings.Trim(name, " .\u00a0")
	if dot := strings.LastIndexByte(name, '.'); dot >= 0 && plainExtension(name[dot+1:]) {
		name = strings.TrimRight(name[:dot], " .\u00a0")
	}
	if name == "" {
		name = "document"
	}
	limit := maxNameRunes - utf8.RuneCountInString(ext)
	if utf8.RuneCountInString(name) > limit {
		name = string([]rune(name)[:limit])
		name = strings.TrimRight(name, " .\u00a0")
	}
	return name + ext
}

// plainExtension: 1 to 5 ASCII letters and digits, at least one a letter
// (.pdf, .jpeg, .mp4; not the "2" of "v1.2" nor the words of "И.И. Иванов").
func plainExtension(e string) bool {
	if len(e) == 0 || len(e) > 5 {
		return false
	}
	letter := false
	for i := 0; i < len(e); i++ {
		c := e[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return letter
}
