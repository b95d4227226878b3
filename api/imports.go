package api

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/labstack/echo/v4"

	"accredpack/certimport"
)

// importCertificates takes a training center's batch of certificates as
// application/json {"rows": [...]}, as text/csv, or as a multipart form
// with a part batch (CSV or JSON) and an optional part files (a ZIP of
// the PDFs the rows name). A batch that cannot be read is refused as a
// whole (400, 413); otherwise the answer is 200 with a report on every
// row, whatever became of it.
func (s *Server) importCertificates(c echo.Context) error {
	rows, files, err := s.readImport(c)
	if err != nil {
		return err
	}
	defer files.Close()
	rep, err := s.imports.Import(c.Request().Context(), s.auditRequest(c), rows, files)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}

func (s *Server) readImport(c echo.Context) ([]certimport.Row, *certimport.Archive, error) {
	req := c.Request()
	lim := s.imports.Limits()
	mediaType, params, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	switch mediaType {
	case "multipart/form-data":
		if req.ContentLength > lim.BatchBytes+lim.ArchiveBytes+multipartSlack {
			return nil, nil, certimport.RequestTooLarge(lim)
		}
		if params["boundary"] == "" {
			return nil, nil, badRequest("В заголовке Content-Type нет boundary для multipart.", nil)
		}
		return s.readImportForm(c, multipart.NewReader(req.Body, params["boundary"]))
	case echo.MIMEApplicationJSON, "text/csv":
		if req.ContentLength > lim.BatchBytes {
			return nil, nil, certimport.RequestTooLarge(lim)
		}
		rows, err := s.imports.ReadBatch(req.Body, certimport.FormatOf(mediaType, ""))
		return rows, nil, err
	}
	return nil, nil, badRequest("Пакет удостоверений передаётся как application/json, text/csv или форма multipart/form-data с частями batch и files.", nil)
}

// readImportForm reads the parts batch (once) and files (at most once),
// in either order; any other part is refused.
func (s *Server) readImportForm(c echo.Context, mr *multipart.Reader) (rows []certimport.Row, files *certimport.Archive, err error) {
	defer func() {
		if err != nil {
			files.Close()
			files = nil
		}
	}()
	read := false
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, files, badRequest("Тело multipart повреждено.", err)
		}
		switch p.FormName() {
		case "batch":
			if read {
				return nil, files, badRequest("В форме две части batch: пакет передаётся одной частью.", nil)
			}
			partType, _, _ := mime.ParseMediaType(p.Header.Get(echo.HeaderContentType))
			if rows, err = s.imports.ReadBatch(p, certimport.FormatOf(partType, p.FileName())); err != nil {
				return nil, files, err
			}
			read = true
		case "files":
			if files != nil {
				return nil, files, badRequest("В форме две части files: все PDF передаются одним ZIP-архивом.", nil)
			}
			if files, err = s.imports.OpenArchive(c.Request().Context(), p); err != nil {
				return nil, nil, err
			}
		default:
			return nil, files, badRequest("В форме неизвестная часть: ожидаются batch (CSV или JSON) и files (ZIP с PDF).", nil)
		}
	}
	if !read {
		return nil, files, badRequest("В форме нет части batch с пакетом удостоверений (CSV или JSON).", nil)
	}
	return rows, files, nil
}
