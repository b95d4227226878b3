package api

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"accredpack/checks"
	"accredpack/intake"
	"accredpack/report"
)

// ReportJSON is an application's report on professional activity as the
// API shows it: the draft with its version (also the ETag), what comes
// from the application and its ledger (facts), the indicator rows of the
// table, what a commission would raise (findings), and the structure the
// page is built from.
type ReportJSON struct {
	Version        int                `json:"version"`
	UpdatedAt      *time.Time         `json:"updated_at"`
	Draft          report.Draft       `json:"draft"`
	Facts          report.Facts       `json:"facts"`
	IndicatorSet   setJSON            `json:"indicator_set"`
	Indicators     []report.Indicator `json:"indicators"`
	Findings       []report.Finding   `json:"findings"`
	SlotHoldsDraft bool               `json:"slot_holds_draft"`
	FileName       string             `json:"file_name"`
	Structure      structureJSON      `json:"structure"`
	IndicatorSets  []setJSON          `json:"indicator_sets"`
}

type setJSON struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type structureJSON struct {
	Sections         []report.Section `json:"sections"`
	AchievementKinds []report.Choice  `json:"achievement_kinds"`
}

func (s *Server) reportJSON(v *intake.ReportView) ReportJSON {
	d := s.svc.ReportData()
	out := ReportJSON{Version: v.Version, UpdatedAt: v.UpdatedAt, Draft: v.Draft, Facts: v.Facts,
		IndicatorSet: setJSON{v.Set.ID, v.Set.Title}, Indicators: v.Indicators, Findings: v.Findings,
		SlotHoldsDraft: v.SlotHoldsDraft, FileName: v.FileName,
		Structure: structureJSON{d.Structure.Sections, d.Structure.AchievementKinds}}
	for _, set := range d.Sets {
		out.IndicatorSets = append(out.IndicatorSets, setJSON{set.ID, set.Title})
	}
	// Empty lists are lists in JSON, never null.
	if out.Findings == nil {
		out.Findings = []report.Finding{}
	}
	if out.Facts.Courses == nil {
		out.Facts.Courses = []report.Course{}
	}
	if out.Draft.Workplaces == nil {
		out.Draft.Workplaces = []report.Workplace{}
	}
	if out.Draft.Achievements == nil {
		out.Draft.Achievements = []report.Achievement{}
	}
	if out.Draft.CustomIndicators == nil {
		out.Draft.CustomIndicators = []report.Indicator{}
	}
	if out.Draft.Volume == nil {
		out.Draft.Volume = map[string]map[string]int{}
	}
	return out
}

func (s *Server) sendReport(c echo.Context, v *intake.ReportView) error {
	c.Response().Header().Set("ETag", `"`+strconv.Itoa(v.Version)+`"`)
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return c.JSON(http.StatusOK, s.reportJSON(v))
}

func (s *Server) getReport(c echo.Context) error {
	v, err := s.svc.Report(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return s.sendReport(c, v)
}

// reportSave is the body of a save: the draft and the version it was made
// from (0 for the first save). If-Match may carry the version instead.
type reportSave struct {
	Version *int          `json:"version"`
	Draft   *report.Draft `json:"draft"`
}

func (s *Server) putReport(c echo.Context) error {
	var body reportSave
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.Version == nil {
		if m := strings.Trim(c.Request().Header.Get("If-Match"), `"W/ `); m != "" {
			if v, err := strconv.Atoi(m); err == nil {
				body.Version = &v
			}
		}
	}
	var missing []checks.FieldError
	if body.Version == nil || *body.Version < 0 {
		missing = append(missing, checks.FieldError{Field: "version", Code: "required",
			Message: "Укажите версию, с которой сделана правка (0 — первое сохранение), или заголовок If-Match."})
	}
	if body.Draft == nil {
		missing = append(missing, checks.FieldError{Field: "draft", Code: "required", Message: "Нет черновика отчёта."})
	}
	if len(missing) > 0 {
		return &checks.ValidationError{Fields: missing}
	}
	v, err := s.svc.SaveReport(c.Request().Context(), c.Param("id"), *body.Draft, *body.Version, actor(principal(c)))
	if err != nil {
		return err
	}
	return s.sendReport(c, v)
}

// getReportFile sends the report as a PDF or a DOCX, named after the
// specialist; ?inline=1 shows the PDF in the browser.
func (s *Server) getReportFile(format string) echo.HandlerFunc {
	return func(c echo.Context) error {
		inline, err := inlineParam(c)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		doc, v, err := s.svc.ReportDocument(ctx, c.Param("id"))
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		name, contentType := v.FileName, "application/pdf"
		if format == "docx" {
			name = strings.TrimSuffix(name, ".pdf") + ".docx"
			contentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
			inline = false
			err = s.svc.WriteReportDOCX(&buf, doc)
		} else {
			err = s.svc.WriteReportPDF(&buf, doc)
		}
		if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set("Cache-Control", "private, no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Disposition", disposition(name, inline))
		return c.Blob(http.StatusOK, contentType, buf.Bytes())
	}
}

// putReportInSlot puts the report's PDF into the report's slot, on the
// user's request (201 with the document, as an upload).
func (s *Server) putReportInSlot(c echo.Context) error {
	doc, err := s.svc.PutReportInSlot(c.Request().Context(), c.Param("id"), actor(principal(c)))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"document": documentJSON(doc)})
}

func (s *Server) listReportTemplates(c echo.Context) error {
	list, err := s.svc.ReportTemplates(c.Request().Context(), principal(c).OrgID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"templates": list})
}

func (s *Server) createReportTemplate(c echo.Context) error {
	var body intake.ReportTemplate
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	t, err := s.svc.CreateReportTemplate(c.Request().Context(), principal(c).OrgID, body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

func (s *Server) deleteReportTemplate(c echo.Context) error {
	if err := s.svc.DeleteReportTemplate(c.Request().Context(), principal(c).OrgID, c.Param("tid")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// startReportFromTemplate starts a client's empty report from a template
// of the caller's organization (another organization's is not found).
func (s *Server) startReportFromTemplate(c echo.Context) error {
	var body struct {
		TemplateID string `json:"template_id"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	// Only a consultancy has templates: for anyone else every template is
	// another organization's, so not found.
	p := principal(c)
	v, err := s.svc.StartReportFromTemplate(c.Request().Context(), c.Param("id"), p.OrgID, body.TemplateID, actor(p))
	if err != nil {
		return err
	}
	return s.sendReport(c, v)
}
