package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"accredpack/checks"
	"accredpack/compose"
	"accredpack/database"
	"accredpack/dossier"
	"accredpack/fault"
	"accredpack/sandbox"
	"accredpack/storage"
)

// ComposeLimits bound what a composition takes and how it fits a file
// into the size limit.
type ComposeLimits struct {
	MaxParts      int   // parts in one composition
	OptimizeBytes int64 // largest part, and file, taken when optimizing
	MaxPixels     int64 // largest image, in pixels
	Fit           compose.Fit
}

// Composition gathers the parts of one slot file (photos, scans, PDFs),
// each spooled and checked as it arrives, then makes them one PDF.
type Composition struct {
	s        *Service
	appID    string
	ref      dossier.SlotRef
	addOnly  bool
	optimize bool
	parts    []*part
	total    int64
}

type part struct {
	spool   *checks.Spooled
	kind    compose.Kind
	name    string
	verdict checks.Verdict // PDFs only
}

// ComposeResult is what a composition stored.
type ComposeResult struct {
	Document  dossier.Document
	Parts     int
	Sources   []dossier.Source // the originals kept; none when the file is the one part as sent
	Optimized *compose.Report  // nil when the file fitted as composed
}

// BeginCompose checks that the slot row accepts a file, before any part is
// read. With optimize, parts may be larger than a slot file (up to
// OptimizeBytes): page images are re-encoded to fit.
func (s *Service) BeginCompose(ctx context.Context, appID, slotRef string, addOnly, optimize bool) (*Composition, error) {
	if s.composer == nil {
		return nil, errors.New("intake: no composer configured")
	}
	ref, err := s.writable(ctx, appID, slotRef, addOnly)
	if err != nil {
		return nil, err
	}
	return &Composition{s: s, appID: appID, ref: ref, addOnly: addOnly, optimize: optimize}, nil
}

// Discard removes every spooled part; safe after Finish.
func (c *Composition) Discard() {
	for _, p := range c.parts {
		p.spool.Remove()
	}
	c.parts = nil
}

func (c *Composition) partLimit() int64 {
	if c.optimize {
		return c.s.compose.OptimizeBytes
	}
	return c.s.files.MaxBytes()
}

// label names a part for the user: «Часть 2 («скан.jpg»)».
func label(n int, name string) string {
	if name == "" {
		return fmt.Sprintf("Часть %d", n)
	}
	return fmt.Sprintf("Часть %d («%s»)", n, name)
}

// partProblem is p said of part n.
func partProblem(n int, name string, p *checks.Problem) *checks.Problem {
	return &checks.Problem{Code: p.Code, Message: label(n, name) + ": " + p.Message, Detail: fmt.Sprintf("part %d: %s", n, p.Detail)}
}

// Add spools one part and checks it: an image by its header (readable,
// not too many pixels), a PDF by the file rules. A part that breaks a rule
// is refused with the part named.
func (c *Composition) Add(ctx context.Context, r io.Reader, fileName string) error {
	n := len(c.parts) + 1
	name := cleanName(fileName, "") // for messages; stored with its kind's extension
	if n > c.s.compose.MaxParts {
		return fault.BadRequest(fmt.Sprintf("Частей больше %d: соберите документ из меньшего числа файлов.", c.s.compose.MaxParts))
	}
	limit := c.partLimit()
	totalLimit := 2 * limit
	spool, err := checks.Spool(ctx, r, c.s.spoolDir, min(limit, totalLimit-c.total))
	if p, ok := checks.AsProblem(err); ok && p.Code == checks.CodeTooLarge {
		if c.total > 0 && totalLimit-c.total < limit {
			return &checks.Problem{Code: checks.CodeTooLarge, Message: fmt.Sprintf("Части вместе больше %s: загрузите документ меньшим числом страниц или в меньшем разрешении.", checks.HumanSize(totalLimit))}
		}
		msg := fmt.Sprintf("%s больше %s.", label(n, name), checks.HumanSize(limit))
		if !c.optimize {
			msg += fmt.Sprintf(" Добавьте optimize=true: тогда принимаются части до %s, и изображения страниц пережимаются, чтобы файл уместился в лимит портала.", checks.HumanSize(c.s.compose.OptimizeBytes))
		}
		return &checks.Problem{Code: checks.CodeTooLarge, Message: msg}
	}
	if err != nil {
		return err
	}
	p := &part{spool: spool, kind: compose.Sniff(spool.Head), name: name}
	if err := c.s.checkPart(ctx, p, n); err != nil {
		spool.Remove()
		return err
	}
	p.name = cleanName(fileName, kindExtension(p.kind))
	c.parts = append(c.parts, p)
	c.total += spool.Size
	return nil
}

func (s *Service) checkPart(ctx context.Context, p *part, n int) error {
	if p.kind == "" {
		if pr := checks.SniffProblem(p.spool.Head, p.spool.Size); pr != nil {
			return &checks.Problem{Code: pr.Code, Message: label(n, p.name) + ": не PDF и не изображение JPEG или PNG. " + pr.Message, Detail: pr.Detail}
		}
		p.kind = compose.KindPDF
		v, err := s.files.CheckSpooled(ctx, p.spool)
		if pr, ok := checks.AsProblem(err); ok {
			return partProblem(n, p.name, pr)
		}
		p.verdict = v
		return err
	}
	f, err := os.Open(p.spool.Path)
	if err != nil {
		return fmt.Errorf("intake: reopen part: %w", err)
	}
	defer f.Close()
	_, err = compose.Inspect(p.spool.Head, f, s.compose.MaxPixels)
	var tm *compose.TooManyPixelsError
	switch {
	case errors.As(err, &tm):
		return &checks.Problem{Code: checks.CodeImageInvalid, Detail: err.Error(),
			Message: fmt.Sprintf("%s: изображение %d×%d пикселей — больше %d Мпикс. Уменьшите его или сохраните в PDF.", label(n, p.name), tm.Width, tm.Height, tm.Max/1_000_000)}
	case err != nil:
		return &checks.Problem{Code: checks.CodeImageInvalid, Detail: err.Error(),
			Message: fmt.Sprintf("%s: изображение повреждено или не читается. Сохраните фотографию заново в JPEG или PNG.", label(n, p.name))}
	}
	return nil
}

// Finish makes one PDF of the parts in their order, fits it into the size
// limit when optimizing, checks the result with the file rules and stores
// it as the slot row's file, with the parts kept as its sources.
func (c *Composition) Finish(ctx context.Context, by string) (ComposeResult, error) {
	defer c.Discard()
	s := c.s
	if len(c.parts) == 0 {
		return ComposeResult{}, fault.BadRequest("В форме нет файлов: передайте части документа по порядку, каждую в своей части формы.")
	}
	var tmp []string
	defer func() {
		for _, p := range tmp {
			os.Remove(p)
		}
	}()
	newTemp := func(pattern string) (string, error) {
		f, err := os.CreateTemp(s.spoolDir, pattern)
		if err != nil {
			return "", fmt.Errorf("intake: temporary file: %w", err)
		}
		f.Close()
		tmp = append(tmp, f.Name())
		return f.Name(), nil
	}

	res := ComposeResult{Parts: len(c.parts)}
	path := c.parts[0].spool.Path
	made := len(c.parts) > 1 || c.parts[0].kind != compose.KindPDF
	if made {
		out, err := newTemp("compose-*.pdf")
		if err != nil {
			return res, err
		}
		inputs := make([]compose.Part, len(c.parts))
		for i, p := range c.parts {
			inputs[i] = compose.Part{Path: p.spool.Path, Kind: p.kind}
		}
		if _, err := s.composer.Compose(ctx, inputs, out); err != nil {
			return res, c.composeProblem(ctx, err)
		}
		path = out
	}
	fi, err := os.Stat(path)
	if err != nil {
		return res, fmt.Errorf("intake: composed file: %w", err)
	}
	if limit := s.files.MaxBytes(); fi.Size() > limit {
		if !c.optimize {
			return res, &checks.Problem{Code: checks.CodeTooLarge, Message: fmt.Sprintf(
				"Получился файл %s — больше %s: портал ФРМР не примет его. Повторите с optimize=true: изображения страниц будут пережаты (до %d dpi), или уберите лишние страницы.",
				checks.HumanSize(fi.Size()), checks.HumanSize(limit), s.compose.Fit.DPI)}
		}
		out, err := newTemp("optimized-*.pdf")
		if err != nil {
			return res, err
		}
		fit := s.compose.Fit
		fit.Limit = limit
		rep, err := s.composer.Optimize(ctx, path, out, fit)
		if err != nil {
			return res, optimizeProblem(ctx, err, fi.Size(), limit)
		}
		res.Optimized, path, made = &rep, out, true
		s.log.InfoContext(ctx, "file optimized", "application", c.appID, "slot", c.ref.String(), "before", rep.Before, "after", rep.After, "dpi", rep.DPI)
	}

	st := &Staged{appID: c.appID, ref: c.ref, fileName: resultName(c.parts[0].name), addOnly: c.addOnly}
	if !made {
		// The one PDF part as sent: already checked, stored as it is.
		p := c.parts[0]
		st.fileName, st.spool, st.verdict = p.name, p.spool, p.verdict
		c.parts = nil // the staged file owns the spool now
	} else {
		f, err := os.Open(path)
		if err != nil {
			return res, fmt.Errorf("intake: reopen composed file: %w", err)
		}
		st.spool, st.verdict, err = s.files.CheckStream(ctx, f, s.spoolDir)
		f.Close()
		if err != nil {
			if p, ok := checks.AsProblem(err); ok {
				return res, &checks.Problem{Code: p.Code, Message: "Собранный файл не прошёл проверку: " + p.Message, Detail: p.Detail}
			}
			return res, err
		}
		for i, p := range c.parts {
			st.sources = append(st.sources, stagedSource{spool: p.spool, kind: p.kind, name: p.name, position: i + 1})
		}
	}
	doc, sources, err := s.commit(ctx, st, by)
	if err != nil {
		return res, err
	}
	res.Document, res.Sources = doc, sources
	return res, nil
}

// composeProblem explains a composition that failed on a part, or ran out
// of memory or time.
func (c *Composition) composeProblem(ctx context.Context, err error) error {
	var pe *compose.PartError
	switch {
	case ctx.Err() != nil:
		return err
	case errors.As(err, &pe) && pe.Index < len(c.parts):
		p := c.parts[pe.Index]
		code, what := checks.CodeImageInvalid, "изображение не удалось превратить в страницу"
		if p.kind == compose.KindPDF {
			code, what = checks.CodePDFInvalid, "PDF не удалось присоединить к остальным"
		}
		return &checks.Problem{Code: code, Message: fmt.Sprintf("%s: %s. Сохраните его заново и повторите.", label(pe.Index+1, p.name), what), Detail: err.Error()}
	case errors.Is(err, sandbox.ErrCrashed), errors.Is(err, sandbox.ErrTimeout):
		return &checks.Problem{Code: checks.CodePDFInvalid, Detail: err.Error(),
			Message: "Части не удалось собрать в один файл: не хватило памяти или времени. Загрузите документ меньшим числом частей или в меньшем разрешении."}
	}
	return err
}

func optimizeProblem(ctx context.Context, err error, size, limit int64) error {
	var ue *compose.UnreadableError
	switch {
	case ctx.Err() != nil:
		return err
	case errors.Is(err, compose.ErrNoImages):
		return &checks.Problem{Code: checks.CodeTooLarge, Detail: err.Error(), Message: fmt.Sprintf(
			"Файл %s больше %s, а изображений страниц, которые можно пережать, в нём нет: уменьшить его нельзя. Разделите документ или сохраните его заново с меньшим размером.",
			checks.HumanSize(size), checks.HumanSize(limit))}
	case errors.As(err, &ue) && ue.NeededDPI == 0:
		return &checks.Problem{Code: checks.CodeTooLarge, Detail: err.Error(), Message: fmt.Sprintf(
			"Файл %s больше %s даже без изображений страниц: уменьшить его пережатием нельзя. Разделите документ.", checks.HumanSize(size), checks.HumanSize(limit))}
	case errors.As(err, &ue):
		return &checks.Problem{Code: checks.CodeUnreadable, Detail: err.Error(), Message: fmt.Sprintf(
			"Чтобы файл %s уместился в %s, страницы пришлось бы сжать примерно до %d dpi — ниже порога читаемости %d dpi (при %d dpi получается %s). Текст стал бы неразборчив: разделите документ на несколько строк слота или отсканируйте его в оттенках серого.",
			checks.HumanSize(size), checks.HumanSize(limit), ue.NeededDPI, ue.FloorDPI, ue.FloorDPI, checks.HumanSize(ue.AtFloor))}
	case errors.Is(err, sandbox.ErrCrashed), errors.Is(err, sandbox.ErrTimeout):
		return &checks.Problem{Code: checks.CodePDFInvalid, Detail: err.Error(),
			Message: "Файл не удалось пережать: не хватило памяти или времени. Разделите документ на части поменьше."}
	}
	return err
}

// resultName is the name of a composed file: the first part's, as a PDF.
func resultName(first string) string { return cleanFileName(first) }

// kindExtension is the extension an original of kind is stored with, not
// the one its user gave it.
func kindExtension(k compose.Kind) string {
	switch k {
	case compose.KindPDF:
		return ".pdf"
	case compose.KindJPEG:
		return ".jpg"
	case compose.KindPNG:
		return ".png"
	}
	return ""
}

// stagedSource is an original part waiting to be stored with the document
// made from it.
type stagedSource struct {
	spool    *checks.Spooled
	kind     compose.Kind
	name     string
	position int
}

// putSources stores the originals of a document. On failure it removes
// what it stored and returns the error.
func (s *Service) putSources(ctx context.Context, st *Staged) ([]dossier.Source, error) {
	var out []dossier.Source
	for _, src := range st.sources {
		key := storage.NewKey()
		f, err := src.spool.Open()
		if err == nil {
			err = s.store.Put(ctx, key, f, src.spool.Size, src.spool.SHA256)
			f.Close()
		}
		if err != nil {
			s.removeObjects(ctx, sourceKeys(out))
			return nil, backend(fmt.Errorf("store source %d: %w", src.position, err))
		}
		out = append(out, dossier.Source{ID: newID(), Position: src.position, ObjectKey: key, Kind: string(src.kind),
			SHA256: src.spool.SHA256, Size: src.spool.Size, FileName: src.name, UploadedAt: s.now()})
	}
	return out, nil
}

func sourceKeys(src []dossier.Source) []string {
	keys := make([]string, len(src))
	for i, s := range src {
		keys[i] = s.ObjectKey
	}
	return keys
}

// removeObjects removes objects no row points at; one that cannot be
// removed is an orphan for gc.
func (s *Service) removeObjects(ctx context.Context, keys []string) {
	for _, key := range keys {
		if err := s.store.Delete(context.WithoutCancel(ctx), key); err != nil {
			s.log.WarnContext(ctx, "orphan object left after a failed commit", "key", key, "error", err)
		}
	}
}

// Sources lists the originals of the current file of a slot row, and of
// its earlier files, by document object key.
func (s *Service) Sources(ctx context.Context, appID string) (map[string][]dossier.Source, error) {
	if _, err := s.app(ctx, appID); err != nil {
		return nil, err
	}
	src, err := s.db.Sources(ctx, appID)
	return src, backend(err)
}

// OpenSource returns one original part, verified as it is read.
func (s *Service) OpenSource(ctx context.Context, appID, id string) (io.ReadCloser, dossier.Source, error) {
	if _, err := s.app(ctx, appID); err != nil {
		return nil, dossier.Source{}, err
	}
	src, err := s.db.Source(ctx, appID, id)
	if errors.Is(err, database.ErrNotFound) {
		return nil, src, notFound("Исходный файл не найден.")
	}
	if err != nil {
		return nil, src, backend(err)
	}
	rc, err := s.store.Open(ctx, src.ObjectKey)
	if err != nil {
		return nil, src, backend(fmt.Errorf("open source %s: %w", id, err))
	}
	return storage.Verify(rc, src.Size, src.SHA256), src, nil
}
