package api

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"accredpack/compose"
	"accredpack/dossier"
	"accredpack/intake"
)

// SourceJSON is an original part a slot file was made from.
type SourceJSON struct {
	ID         string    `json:"id"`
	Position   int       `json:"position"`
	Kind       string    `json:"kind"`
	FileName   string    `json:"file_name"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	UploadedAt time.Time `json:"uploaded_at"`
}

func sourcesJSON(src []dossier.Source) []SourceJSON {
	out := make([]SourceJSON, 0, len(src))
	for _, s := range src {
		out = append(out, SourceJSON{ID: s.ID, Position: s.Position, Kind: s.Kind, FileName: s.FileName, Size: s.Size, SHA256: s.SHA256, UploadedAt: s.UploadedAt})
	}
	return out
}

// ComposeJSON reports what a composition made.
type ComposeJSON struct {
	Parts     int             `json:"parts"`
	Pages     int             `json:"pages"`
	Size      int64           `json:"size"`
	Optimized *compose.Report `json:"optimized"` // null when the file fitted as made
}

// optimizeParam reads the optimize query parameter (true/false, 1/0).
func optimizeParam(c echo.Context) (bool, error) {
	v := c.QueryParam("optimize")
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("Параметр optimize: ожидается true или false.", err)
	}
	return b, nil
}

// composeFile makes one slot file of several parts sent in order as the
// file parts of a multipart form: PDFs and JPEG/PNG photos. Each part is
// spooled and checked as it arrives; nothing is stored unless all pass.
func (s *Server) composeFile(c echo.Context) error { return s.countUpload(s.takeComposition(c)) }

func (s *Server) takeComposition(c echo.Context) error {
	req := c.Request()
	ctx := req.Context()
	optimize, err := optimizeParam(c)
	if err != nil {
		return err
	}
	mediaType, params, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if mediaType != "multipart/form-data" || params["boundary"] == "" {
		return badRequest("Части документа передаются формой multipart/form-data: каждая часть — файл, по порядку.", nil)
	}
	mr := multipart.NewReader(req.Body, params["boundary"])
	return s.composeInto(c, optimize, func(comp *intake.Composition) error {
		var fields formBudget
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return badRequest("Тело multipart повреждено.", err)
			}
			if !isFilePart(p) {
				if err := fields.skip(p); err != nil {
					return err
				}
				continue
			}
			if err := comp.Add(ctx, p, p.FileName()); err != nil {
				return err
			}
		}
	})
}

// composeInto makes the slot row's file of the parts add gives the
// composition, and answers what was stored.
func (s *Server) composeInto(c echo.Context, optimize bool, add func(*intake.Composition) error) error {
	ctx := c.Request().Context()
	comp, err := s.svc.BeginCompose(ctx, c.Param("id"), c.Param("slot"), decision(c).AddOnly, optimize)
	if err != nil {
		return err
	}
	defer comp.Discard()
	if err := add(comp); err != nil {
		return err
	}
	res, err := comp.Finish(ctx, actor(principal(c)))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, composeAnswer(res))
}

func composeAnswer(res intake.ComposeResult) map[string]any {
	return map[string]any{
		"document": documentJSON(res.Document),
		"compose":  ComposeJSON{Parts: res.Parts, Pages: res.Document.Pages, Size: res.Document.Size, Optimized: res.Optimized},
		"sources":  sourcesJSON(res.Sources),
	}
}

// takeOptimized takes a PUT with optimize=true: the one file (PDF or
// photo) may be up to the optimization limit, and comes out fitted.
func (s *Server) takeOptimized(c echo.Context, body io.Reader, fileName string) error {
	return s.composeInto(c, true, func(comp *intake.Composition) error {
		return comp.Add(c.Request().Context(), body, fileName)
	})
}

// getSources lists the originals of a slot row's current file.
func (s *Server) getSources(c echo.Context) error {
	ctx := c.Request().Context()
	doc, err := s.svc.Document(ctx, c.Param("id"), c.Param("slot"))
	if err != nil {
		return err
	}
	all, err := s.svc.Sources(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"sources": sourcesJSON(all[doc.ObjectKey])})
}

// getSource sends one original part as it was uploaded.
func (s *Server) getSource(c echo.Context) error {
	rc, src, err := s.svc.OpenSource(c.Request().Context(), c.Param("id"), c.Param("sid"))
	if err != nil {
		return err
	}
	defer rc.Close()
	name := src.FileName
	if name == "" {
		name = "part-" + strconv.Itoa(src.Position) + "." + map[string]string{"pdf": "pdf", "jpeg": "jpg", "png": "png"}[src.Kind]
	}
	ctype := map[string]string{"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}[src.Kind]
	return s.sendObject(c, rc, src.Size, src.SHA256, disposition(name, false), ctype, time.Time{})
}
