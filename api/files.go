package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"accredpack/checks"
	"accredpack/storage"
)

// multipartSlack is what a multipart body may carry beyond the file:
// boundaries, part headers, small form fields.
const multipartSlack = 64 << 10

// putFile takes one file into a slot, as the raw body or as the one file
// part of a multipart form. Nothing is read before the target is known to
// exist; the file is read at most to the limit plus one byte.
func (s *Server) putFile(c echo.Context) error { return s.countUpload(s.takeFile(c)) }

// countUpload records an upload's outcome (accepted, or the error code) in
// the metrics and passes err on.
func (s *Server) countUpload(err error) error {
	result := "accepted"
	if err != nil {
		_, detail := publicError(err)
		result = detail.Code
	}
	s.metrics.uploads.WithLabelValues(result).Inc()
	return err
}

func (s *Server) takeFile(c echo.Context) error {
	req := c.Request()
	ctx := req.Context()
	limit := s.cfg.MaxFileBytes
	optimize, err := optimizeParam(c)
	if err != nil {
		return err
	}
	if optimize {
		limit = s.cfg.OptimizeMaxBytes
	}
	mediaType, params, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))

	var body io.Reader = req.Body
	size := req.ContentLength // the file's, for a raw body; -1: not known
	fileName := c.QueryParam("filename")
	if mediaType == "multipart/form-data" {
		if req.ContentLength > limit+multipartSlack {
			return checks.TooLarge(limit)
		}
		boundary := params["boundary"]
		if boundary == "" {
			return badRequest("В заголовке Content-Type нет boundary для multipart.", nil)
		}
		part, err := firstFilePart(multipart.NewReader(req.Body, boundary))
		if err != nil {
			return err
		}
		body, size = part, -1
		if fileName == "" {
			fileName = part.part.FileName()
		}
	} else {
		if req.ContentLength > limit {
			return checks.TooLarge(limit)
		}
		if fileName == "" {
			if _, p, err := mime.ParseMediaType(req.Header.Get("Content-Disposition")); err == nil {
				fileName = p["filename"]
			}
		}
	}

	if optimize {
		return s.takeOptimized(c, body, fileName)
	}
	staged, err := s.svc.StageSized(ctx, c.Param("id"), c.Param("slot"), body, size, fileName, decision(c).AddOnly)
	if err != nil {
		return err
	}
	defer staged.Discard()
	doc, err := s.svc.Commit(ctx, staged, actor(principal(c)))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"document": documentJSON(doc)})
}

func isFilePart(p *multipart.Part) bool { return p.FileName() != "" || p.FormName() == "file" }

// filePart reads the one file part of a multipart body. At the end of the
// part it reads the rest of the form: another file part fails the read with
// errExtraFilePart, so the upload is refused before any check of content.
type filePart struct {
	mr   *multipart.Reader
	part *multipart.Part
	end  error // set once the part is read to its end
	form formBudget
}

// formBudget bounds what a form may carry besides its file: a chunked body
// has no Content-Length to refuse early, and thousands of small fields
// must not keep the server reading.
type formBudget struct {
	parts int
	bytes int64
}

// maxFormParts is the most parts a form may have, the file included.
const maxFormParts = 32

func firstFilePart(mr *multipart.Reader) (*filePart, error) {
	var budget formBudget
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, badRequest("В форме нет файла: передайте его в части с именем file.", nil)
		}
		if err != nil {
			return nil, badRequest("Тело multipart повреждено.", err)
		}
		if isFilePart(p) {
			return &filePart{mr: mr, part: p, form: budget}, nil
		}
		if err := budget.skip(p); err != nil {
			return nil, err
		}
	}
}

// skip reads a form field to its end within the budget.
func (b *formBudget) skip(p *multipart.Part) error {
	b.parts++
	if b.parts >= maxFormParts {
		return badRequest(fmt.Sprintf("В форме больше %d частей: передайте один файл в части file.", maxFormParts), nil)
	}
	left := multipartSlack - b.bytes
	n, err := io.Copy(io.Discard, io.LimitReader(p, left+1))
	b.bytes += n
	if err != nil {
		return badRequest("Тело multipart повреждено.", err)
	}
	if n > left {
		return badRequest("Поля формы рядом с файлом слишком длинные (больше 64 КБ вместе).", nil)
	}
	return nil
}

func (f *filePart) Read(b []byte) (int, error) {
	if f.end != nil {
		return 0, f.end
	}
	n, err := f.part.Read(b)
	if errors.Is(err, io.EOF) {
		f.end = f.rest()
		return n, f.end
	}
	if err != nil {
		return n, badRequest("Тело multipart повреждено.", err)
	}
	return n, nil
}

// rest reads the parts after the file: small fields are fine, files not.
func (f *filePart) rest() error {
	for {
		p, err := f.mr.NextPart()
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		if err != nil {
			return badRequest("Тело multipart повреждено.", err)
		}
		if isFilePart(p) {
			return errExtraFilePart
		}
		if err := f.form.skip(p); err != nil {
			return err
		}
	}
}

// getFile sends a slot row's file under the name the FRMR package gives it
// («Иванова А.С. - Паспорт.pdf»); with ?inline=1 for the browser to show
// rather than save.
func (s *Server) getFile(c echo.Context) error {
	inline, err := inlineParam(c)
	if err != nil {
		return err
	}
	rc, f, err := s.svc.Open(c.Request().Context(), c.Param("id"), c.Param("slot"))
	if err != nil {
		return err
	}
	defer rc.Close()
	return s.sendObject(c, rc, f.Size, f.SHA256, disposition(f.Name, inline), "application/pdf", f.UploadedAt)
}

// inlineParam reads ?inline=: 1 (or true) asks to show a PDF in the
// browser instead of saving it.
func inlineParam(c echo.Context) (bool, error) {
	v := c.QueryParam("inline")
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("Параметр inline: 1 — открыть в браузере, 0 — скачать.", err)
	}
	return b, nil
}

// disposition is a Content-Disposition for a download named name: inline
// or attachment, a non-ASCII name in RFC 5987 encoding (filename*=utf-8”…,
// RFC 6266).
func disposition(name string, inline bool) string {
	kind := "attachment"
	if inline {
		kind = "inline"
	}
	return mime.FormatMediaType(kind, map[string]string{"filename": name})
}

// sendObject sends a stored object (a slot file, an original part, a
// bundle) with its Content-Disposition: private, its checksum as ETag,
// Last-Modified when known. rc verifies the checksum as it is read: a
// mismatch surfaces at the end of the copy, and the answer is then cut
// short rather than completed with bad bytes.
//
// A Range request is answered 206 (http.ServeContent: one or several
// ranges, If-Range) when the object authenticates every byte it returns,
// as sealed files do chunk by chunk (storage.RangeSource); a plain object
// is sent whole, since a range of it would skip the checksum.
func (s *Server) sendObject(c echo.Context, rc io.Reader, size int64, sha256, disposition, contentType string, modified time.Time) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentLength, strconv.FormatInt(size, 10))
	h.Set("ETag", `"`+sha256+`"`)
	if !modified.IsZero() {
		h.Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	}
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", disposition)
	req := c.Request()
	if rs, ok := storage.RangeSource(rc); ok && req.Header.Get("Range") != "" {
		h.Set("Accept-Ranges", "bytes")
		h.Set(echo.HeaderContentType, contentType)
		src := &errSeeker{rs: rs}
		http.ServeContent(c.Response(), req, "", time.Time{}, src)
		if src.err != nil {
			s.log.Error("stored object read failed", "request_id", requestID(c), "error", src.err)
			panic(http.ErrAbortHandler)
		}
		return nil
	}
	if req.Method == http.MethodHead {
		return c.NoContent(http.StatusOK)
	}
	if err := c.Stream(http.StatusOK, contentType, rc); err != nil {
		s.log.Error("stored object read failed", "request_id", requestID(c), "error", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// errSeeker keeps the read error http.ServeContent would drop, so that a
// range cut by a damaged chunk aborts the answer.
type errSeeker struct {
	rs  io.ReadSeeker
	err error
}

func (e *errSeeker) Read(p []byte) (int, error) {
	n, err := e.rs.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		e.err = err
	}
	return n, err
}

func (e *errSeeker) Seek(offset int64, whence int) (int64, error) {
	n, err := e.rs.Seek(offset, whence)
	if err != nil {
		e.err = err
	}
	return n, err
}

func (s *Server) deleteFile(c echo.Context) error {
	if err := s.svc.Delete(c.Request().Context(), c.Param("id"), c.Param("slot")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// confirmDocument records that a slot's document is the right one despite
// the warnings reading its scan gave («документ верный»); the guard has
// audited it. It answers with the slot's row.
func (s *Server) confirmDocument(c echo.Context) error {
	ctx := c.Request().Context()
	doc, err := s.svc.ConfirmDocument(ctx, c.Param("id"), c.Param("slot"), actor(principal(c)))
	if err != nil {
		return err
	}
	v, err := s.svc.Get(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	for _, sj := range applicationJSON(v).Slots {
		if sj.ID == doc.Ref.String() {
			return c.JSON(http.StatusOK, sj)
		}
	}
	return c.JSON(http.StatusOK, SlotJSON{ID: doc.Ref.String(), Status: "accepted", Document: documentJSON(doc)})
}

// HistoryJSON is an earlier file of a slot.
type HistoryJSON struct {
	DocumentJSON
	EndedAt     time.Time    `json:"ended_at"`
	EndedReason string       `json:"ended_reason"`
	Sources     []SourceJSON `json:"sources"` // the originals it was made from
}

func (s *Server) getHistory(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := s.svc.History(ctx, c.Param("id"), c.Param("slot"))
	if err != nil {
		return err
	}
	sources, err := s.svc.Sources(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]HistoryJSON, 0, len(h))
	for _, e := range h {
		out = append(out, HistoryJSON{DocumentJSON: *documentJSON(e.Document), EndedAt: e.EndedAt, EndedReason: e.EndedReason,
			Sources: sourcesJSON(sources[e.ObjectKey])})
	}
	return c.JSON(http.StatusOK, map[string]any{"history": out})
}

// linkFile answers a time-limited direct download link (S3 storage with
// presign-ttl set), so large downloads need not pass through the service.
func (s *Server) linkFile(c echo.Context) error {
	link, err := s.svc.Link(c.Request().Context(), c.Param("id"), c.Param("slot"), s.cfg.PresignTTL)
	if err != nil {
		return err
	}
	shownOnce(c, "url") // the signed link opens the file to whoever holds it
	return c.JSON(http.StatusOK, map[string]any{"url": link.URL, "expires_at": link.ExpiresAt})
}
