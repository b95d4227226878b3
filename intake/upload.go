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
}

// Discard removes the spool files; safe to call after Commit.
func (st *Staged) Discard() {
	if st == nil {
		return
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
// *checks.Problem. Nothing is stored yet. With addOnly the slot row must be
// empty (a training center adds, never replaces).
func (s *Service) Stage(ctx context.Context, appID, slotRef string, body io.Reader, fileName string, addOnly bool) (*Staged, error) {
	// Refuse before reading the body when the target is wrong.
	ref, err := s.writable(ctx, appID, slotRef, addOnly)
	if err != nil {
		return nil, err
	}
	spool, verdict, err := s.files.CheckStream(ctx, body, s.spoolDir)
	if err != nil {
		if p, ok := checks.AsProblem(err); ok {
			s.log.InfoContext(ctx, "file refused", "application", appID, "slot", ref.String(), "code", p.Code, "detail", p.Detail)
		}
		return nil, err
	}
	return &Staged{appID: appID, ref: ref, fileName: cleanFileName(fileName), spool: spool, verdict: verdict, addOnly: addOnly}, nil
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
	f, err := st.spool.Open()
	if err != nil {
		s.removeObjects(ctx, sourceKeys(sources))
		return dossier.Document{}, nil, fmt.Errorf("intake: reopen spooled upload: %w", err)
	}
	defer f.Close()
	key := storage.NewKey()
	if err := s.store.Put(ctx, key, f, st.verdict.Size, st.verdict.SHA256); err != nil {
		s.removeObjects(ctx, sourceKeys(sources))
		return dossier.Document{}, nil, backend(fmt.Errorf("store object: %w", err))
	}
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
		// No row points at the objects: remove them. If even that fails,
		// they are orphans, harmless and found by their keys being in no row.
		s.removeObjects(ctx, append(sourceKeys(sources), key))
		if errors.Is(err, database.ErrNotFound) {
			return dossier.Document{}, nil, notFound("Заявление не найдено.")
		}
		return dossier.Document{}, nil, backend(err)
	}
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
