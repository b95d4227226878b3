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
	"runtime/debug"

	"accredpack/checks"
	"accredpack/identifiers"
	"accredpack/sandbox"
	"accredpack/storage"
	"accredpack/templates"
)

// Packager builds bundles.
type Packager struct {
	store   storage.Store
	files   *checks.Checker
	merger  *sandbox.Runner
	wording *templates.Wording
	tmpDir  string
}

// New returns a packager. merger runs the merge of portfolios; its limits
// are those of one merge (memory, time), usually larger than a parse's.
func New(store storage.Store, files *checks.Checker, merger *sandbox.Runner, tmpDir string) (*Packager, error) {
	wd, err := templates.LoadWording()
	if err != nil {
		return nil, err
	}
	return &Packager{store: store, files: files, merger: merger, wording: wd, tmpDir: tmpDir}, nil
}

// Progress reports documents done of total.
type Progress func(done, total int)

// DocumentError is a failure caused by one document of the bundle.
type DocumentError struct {
	Title string
	Err   error
}

func (e *DocumentError) Error() string {
	return fmt.Sprintf("документ «%s»: %v", e.Title, e.Err)
}
func (e *DocumentError) Unwrap() error { return e.Err }

// Reason is the Russian explanation of a failed build, for the user.
func Reason(err error) string {
	var de *DocumentError
	if errors.As(err, &de) {
		if p, ok := checks.AsProblem(de.Err); ok {
			return fmt.Sprintf("Документ «%s» не прошёл повторную проверку: %s", de.Title, p.Message)
		}
		var te *sandbox.TaskError
		if errors.Is(de.Err, sandbox.ErrCrashed) || errors.Is(de.Err, sandbox.ErrTimeout) || errors.As(de.Err, &te) {
			return fmt.Sprintf("Документ «%s» не удалось объединить с остальными: программа сборки не справилась с ним. Сохраните этот документ заново и загрузите его ещё раз.", de.Title)
		}
		return fmt.Sprintf("Документ «%s» не удалось прочитать из хранилища. Повторите сборку позже.", de.Title)
	}
	if errors.Is(err, ErrPortfolioTooLarge) {
		return "Портфолио получилось слишком большим: на сборку не хватило памяти или времени. Уменьшите объём документов (сканируйте в 150-200 dpi) или соберите пакет для ФРМР."
	}
	return "Сборка не удалась из-за временной ошибки сервиса. Повторите сборку позже."
}

// fetch copies an item's stored bytes (verified against their SHA-256) to
// a spool file and checks them again as an upload would be.
func (p *Packager) fetch(ctx context.Context, it Item) (*checks.Spooled, checks.Verdict, error) {
	rc, err := p.store.Open(ctx, it.Doc.ObjectKey)
	if err != nil {
		return nil, checks.Verdict{}, &DocumentError{Title: it.Title, Err: err}
	}
	defer rc.Close()
	s, v, err := p.files.CheckStream(ctx, storage.Verify(rc, it.Doc.Size, it.Doc.SHA256), p.tmpDir)
	if err != nil {
		return nil, v, &DocumentError{Title: it.Title, Err: err}
	}
	return s, v, nil
}

// ManifestEntry is one file of the FRMR package.
type ManifestEntry struct {
	Slot     string `json:"slot"`
	Title    string `json:"title"`
	FileName string `json:"file_name"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Pages    int    `json:"pages"`
}

// Manifest is manifest.json: the specialist's own record of what was sent.
type Manifest struct {
	Application string          `json:"application"`
	Kind        string          `json:"kind"`
	Specialist  string          `json:"specialist"`
	Generated   string          `json:"generated_at"`
	Draft       bool            `json:"draft"`
	Files       []ManifestEntry `json:"files"`
	Missing     []string        `json:"missing"`
}

// FRMRPackage writes the ZIP for the portal to w, one document at a time,
// each streamed from the store (addDocument): memory holds one copy
// buffer, never a document or the package.
func (p *Packager) FRMRPackage(ctx context.Context, plan Plan, w io.Writer, progress Progress) error {
	zw := zip.NewWriter(w)
	m := Manifest{Application: plan.App.ID, Kind: plan.App.Form.Kind, Specialist: FullName(plan.App.Form.Specialist),
		Generated: plan.Generated.Format("2006-01-02T15:04:05Z07:00"), Draft: plan.Draft, Files: []ManifestEntry{}, Missing: plan.Missing}
	if m.Missing == nil {
		m.Missing = []string{}
	}
	total := len(plan.Items)
	progress(0, total)
	buf := make([]byte, 256<<10)
	for i, it := range plan.Items {
		if err := p.addDocument(ctx, zw, it, &m, buf); err != nil {
			return err
		}
		progress(i+1, total)
	}
	var checklist bytes.Buffer
	if _, err := p.wording.DrawChecklist(&checklist, FullName(plan.App.Form.Specialist), plan.Checklist, plan.Missing, plan.Draft, plan.Generated); err != nil {
		return err
	}
	releaseDrawing()
	if err := addBytes(zw, "checklist.pdf", checklist.Bytes(), plan); err != nil {
		return err
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("packager: manifest: %w", err)
	}
	if err := addBytes(zw, "manifest.json", manifest, plan); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("packager: finish zip: %w", err)
	}
	return nil
}

// addDocument streams one document from the store into its ZIP entry,
// hashed on the way (storage.Verify: a sealed object's chunks are
// authenticated instead): a document whose bytes are not those recorded
// fails the package, and the caller's store write with it, so no package
// holds them. A document that passed the current rules at upload is not
// parsed again: its SHA-256, recorded when the check passed and verified
// here, proves these are the checked bytes. One stored under older rules
// (Doc.Rules below checks.RulesVersion: uploaded before a rule existed) is
// checked again as an upload, since the new rule may refuse it.
func (p *Packager) addDocument(ctx context.Context, zw *zip.Writer, it Item, m *Manifest, buf []byte) error {
	if it.Doc.Rules < checks.RulesVersion {
		return p.addRechecked(ctx, zw, it, m, buf)
	}
	rc, err := p.store.Open(ctx, it.Doc.ObjectKey)
	if err != nil {
		return &DocumentError{Title: it.Title, Err: err}
	}
	defer rc.Close()
	entry, err := p.entry(zw, it)
	if err != nil {
		return err
	}
	// Read (and a sealed object opened) on another core while the entry
	// is written; ahead ends before rc is closed. The reading runs ahead
	// of the writes, so a failure is the destination's if a write failed,
	// else the document's (its bytes, the store's read, a panic there).
	src := &sourceReader{ctx: ctx, r: storage.Verify(rc, it.Doc.Size, it.Doc.SHA256)}
	ahead := storage.ReadAhead(src)
	defer ahead.Close()
	dst := &entryWriter{w: entry}
	_, err = io.Copy(dst, ahead)
	ahead.Close()
	switch {
	case dst.err != nil:
		return fmt.Errorf("packager: write %s: %w", it.FileName, dst.err)
	case err != nil:
		return &DocumentError{Title: it.Title, Err: err}
	}
	m.Files = append(m.Files, ManifestEntry{Slot: it.Ref.String(), Title: it.Title, FileName: it.FileName, Size: it.Doc.Size, SHA256: it.Doc.SHA256, Pages: it.Doc.Pages})
	return nil
}

// addRechecked copies a document to a spool file, verified, checks it as
// an upload in a sandboxed child, then adds it.
func (p *Packager) addRechecked(ctx context.Context, zw *zip.Writer, it Item, m *Manifest, buf []byte) error {
	spool, v, err := p.fetch(ctx, it)
	if err != nil {
		return err
	}
	defer spool.Remove()
	f, err := spool.Open()
	if err != nil {
		return fmt.Errorf("packager: reopen %s: %w", it.Ref, err)
	}
	defer f.Close()
	entry, err := p.entry(zw, it)
	if err != nil {
		return err
	}
	if _, err := io.CopyBuffer(entry, f, buf); err != nil {
		return fmt.Errorf("packager: write %s: %w", it.FileName, err)
	}
	m.Files = append(m.Files, ManifestEntry{Slot: it.Ref.String(), Title: it.Title, FileName: it.FileName, Size: v.Size, SHA256: v.SHA256, Pages: v.Pages})
	return nil
}

func (p *Packager) entry(zw *zip.Writer, it Item) (io.Writer, error) {
	// PDFs are compressed already: store them as they are.
	entry, err := zw.CreateHeader(&zip.FileHeader{Name: it.FileName, Method: zip.Store, Modified: it.Doc.UploadedAt})
	if err != nil {
		return nil, fmt.Errorf("packager: zip entry %s: %w", it.FileName, err)
	}
	return entry, nil
}

// entryWriter keeps the destination's error of a copy (the package's
// fault, not the document's).
type entryWriter struct {
	w   io.Writer
	err error
}

func (e *entryWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// sourceReader keeps a read error apart from a write error in a copy (a
// document's fault against the destination's), and stops at a cancelled
// context.
type sourceReader struct {
	ctx context.Context
	r   io.Reader
	err error
}

func (s *sourceReader) Read(b []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		s.err = err
		return 0, err
	}
	n, err := s.r.Read(b)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

func addBytes(zw *zip.Writer, name string, b []byte, plan Plan) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: plan.Generated})
	if err != nil {
		return fmt.Errorf("packager: zip entry %s: %w", name, err)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("packager: write %s: %w", name, err)
	}
	return nil
}

// rechecked reports whether the portfolio checks a document again as an
// upload (in a child) before merging it: as in addDocument, one stored
// under older rules, or without a page count on record. The others passed
// the current rules at upload, and their SHA-256, recorded then and
// verified as they are spooled, proves these are the checked bytes.
func rechecked(it Item) bool { return it.Doc.Rules < checks.RulesVersion || it.Doc.Pages <= 0 }

// spoolVerified copies a document from the store into the spool file
// *slot (created on first use, overwritten from its start after), buf at
// a time, its SHA-256 checked on the way (storage.Verify), and returns
// the file's path.
func (p *Packager) spoolVerified(ctx context.Context, it Item, buf []byte, slot **os.File) (path string, err error) {
	defer func() {
		// On spoolAll's goroutine, a panic (of the store's reader) would
		// end the service: it fails this build instead.
		if r := recover(); r != nil {
			err = fmt.Errorf("packager: spool %s: panicked: %v", it.Ref, r)
		}
	}()
	rc, err := p.store.Open(ctx, it.Doc.ObjectKey)
	if err != nil {
		return "", &DocumentError{Title: it.Title, Err: err}
	}
	defer rc.Close()
	f := *slot
	if f == nil {
		if f, err = os.CreateTemp(p.tmpDir, "merge-doc-*.pdf"); err != nil {
			return "", fmt.Errorf("packager: spool %s: %w", it.Ref, err)
		}
		*slot = f
	}
	path = f.Name() // to remove, whatever happens next (a panic included)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return f.Name(), fmt.Errorf("packager: spool %s: %w", it.Ref, err)
	}
	src := &sourceReader{ctx: ctx, r: storage.Verify(rc, it.Doc.Size, it.Doc.SHA256)}
	// buf at a time (the file's ReadFrom would copy 32 KiB at a time).
	n, err := io.CopyBuffer(struct{ io.Writer }{f}, src, buf)
	if err == nil {
		err = f.Truncate(n) // what is left of a longer document before
	}
	if err != nil {
		if src.err != nil {
			return f.Name(), &DocumentError{Title: it.Title, Err: src.err}
		}
		return f.Name(), fmt.Errorf("packager: spool %s: %w", it.Ref, err)
	}
	return f.Name(), nil
}

// writeTexts keeps a document's page texts in a private temporary file
// for the merge child.
func (p *Packager) writeTexts(texts []string) (string, error) {
	f, err := os.CreateTemp(p.tmpDir, "texts-*.json")
	if err != nil {
		return "", fmt.Errorf("packager: text layer file: %w", err)
	}
	err = json.NewEncoder(f).Encode(texts)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("packager: text layer file: %w", err)
	}
	return f.Name(), nil
}

// Portfolio writes the merged portfolio PDF to w: cover, inventory, then
// every document in catalog order with a bookmark each, pages stamped
// "стр. N из M". Documents are fetched while earlier ones merge, and the
// merged PDF streams into w as it is written: a failure leaves w with a
// part of it, to discard, as FRMRPackage does.
func (p *Packager) Portfolio(ctx context.Context, plan Plan, w io.Writer, progress Progress) error {
	if plan.Readiness == nil {
		return errors.New("packager: a portfolio needs the application's readiness (its reporting period and readiness page)")
	}
	total := len(plan.Items)
	progress(0, 2*total) // documents fetched, documents merged
	spools := make([]string, total)
	defer func() {
		for _, s := range spools {
			if s != "" {
				os.Remove(s)
			}
		}
	}()
	var rows []templates.InventoryRow
	in := mergeInput{Stamp: p.wording.PageStamp}
	if plan.Draft {
		in.DraftStamp = p.wording.DraftStamp
	}
	// Page counts first (the inventory and every stamp need them): on
	// record, or from the new check of a document of older rules.
	first := 1
	for i, it := range plan.Items {
		pages := it.Doc.Pages
		if rechecked(it) {
			s, v, err := p.fetch(ctx, it)
			if err != nil {
				return err
			}
			spools[i], pages = s.Path, v.Pages
		}
		rows = append(rows, templates.InventoryRow{Title: it.Title, Pages: pages, FirstPage: first})
		// Bookmark titles must be unique (pdfcpu #1187): number them.
		md := mergeDoc{Title: fmt.Sprintf("%d. %s", i+1, it.Title), Pages: pages}
		if texts := plan.PageTexts[it.Doc.ObjectKey]; len(texts) > 0 {
			tf, err := p.writeTexts(texts)
			if err != nil {
				return err
			}
			defer os.Remove(tf)
			md.Texts = tf
		}
		in.Docs = append(in.Docs, md)
		first += pages
	}

	// From here on, three things at once: the documents are fetched, the
	// front pages drawn, and the merge child starts (it prepares its stamp
	// face, then takes the front pages and each document as each is ready).
	// The spooling and the drawing end (the defers) before their files are
	// removed.
	sctx, stopSpooling := context.WithCancel(ctx)
	read := make(chan struct{}, total) // documents the child has read
	spooled := p.spoolAll(sctx, plan.Items, spools, read)
	defer func() {
		stopSpooling()
		for range spooled {
		}
	}()
	front, err := os.CreateTemp(p.tmpDir, "front-*.pdf")
	if err != nil {
		return fmt.Errorf("packager: front pages: %w", err)
	}
	defer os.Remove(front.Name())
	cover := templates.Cover{Kind: plan.App.Form.Kind, Specialist: FullName(plan.App.Form.Specialist),
		SNILS: identifiers.FormatSNILS(plan.App.Form.Specialist.SNILS), Specialty: plan.App.Form.Specialty,
		Period: plan.Readiness.Period, Documents: total, Generated: plan.Generated}
	drawn := make(chan error, 1)
	go func() {
		defer close(drawn)
		drawn <- p.drawFront(front, cover, rows, plan.Readiness)
	}()
	defer func() {
		for range drawn {
		}
	}()
	return p.merge(ctx, in, front.Name(), drawn, plan.Items, spools, spooled, read, w, func(done int) { progress(done, 2*total) })
}

// drawFront draws the front pages into f and closes it. It runs on a
// goroutine of its own: a panic of the drawing is its error, not the
// service's end.
func (p *Packager) drawFront(f *os.File, cover templates.Cover, rows []templates.InventoryRow, ready *templates.ReadinessPage) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("packager: front pages: drawing panicked: %v", r)
		}
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("packager: front pages: %w", cerr)
		}
	}()
	if _, err := p.wording.DrawFront(f, cover, rows, ready); err != nil {
		return fmt.Errorf("packager: front pages: %w", err)
	}
	releaseDrawing()
	return nil
}

// spoolSlots is how many spool files a portfolio's documents take turns
// in: a document goes into the file of the one spoolSlots before it, once
// the merge child has read that one. The page cache's pages are reused
// (taking fresh ones cost more than the copy itself on the virtual
// machines measured, docs/benchmarks.md), and of the documents spooled
// here at most spoolSlots wait on disk, not the whole portfolio.
const spoolSlots = 3

// spoolAll copies the documents not spooled yet (spools[i] empty) into
// spool files, verified, one after the other in a goroutine of its own,
// and answers each one's outcome on the channel, in order (spools[i] is
// set, to remove, before it). read gives a value for each document the
// merge child has read, in order. It stops at the first failure, and the
// channel is closed when it is done, its spool files closed.
func (p *Packager) spoolAll(ctx context.Context, items []Item, spools []string, read <-chan struct{}) <-chan error {
	out := make(chan error, len(items))
	go func() {
		defer close(out)
		var slots [spoolSlots]*os.File
		defer func() {
			for _, f := range slots {
				if f != nil {
					f.Close()
				}
			}
		}()
		buf := make([]byte, 256<<10)
		seen := 0 // documents the child has read
		for i, it := range items {
			var err error
			if spools[i] == "" {
				// The slot's document before must have been read.
				for seen < i-spoolSlots+1 && err == nil {
					select {
					case <-read:
						seen++
					case <-ctx.Done():
						err = fmt.Errorf("packager: spool %s: %w", it.Ref, ctx.Err())
					}
				}
				if err == nil {
					spools[i], err = p.spoolVerified(ctx, it, buf, &slots[i%spoolSlots])
				}
			}
			out <- err
			if err != nil {
				return
			}
		}
	}()
	return out
}

// releaseDrawing hands back to the system the memory a generated page has
// just used. fpdf parses and subsets the embedded DejaVu for every document
// it draws (about 60 MB allocated for the front pages, most of it garbage
// at once), and the Go collector would otherwise keep that heap until its
// next cycles and the scavenger's minutes: the service's resident memory
// stayed 40 MiB higher through the rest of the build (make bench rows 2
// and 3: 94-101 -> 53-56 MiB for the ZIP, 82-121 -> 74-75 MiB for the
// portfolio's whole process tree). A forced collection of the service's
// small live heap costs a few milliseconds, once per bundle.
func releaseDrawing() { debug.FreeOSMemory() }
