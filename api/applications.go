package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"accredpack/access"
	"accredpack/audit"
	"accredpack/catalog"
	"accredpack/checks"
	"accredpack/contents"
	"accredpack/database"
	"accredpack/dossier"
	"accredpack/identifiers"
	"accredpack/intake"
	"accredpack/readiness"
)

// ApplicationJSON is an application as the API shows it.
type ApplicationJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	dossier.Form
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	SubmittedAt *time.Time `json:"submitted_at"`
	// SubmittedOn is the day the FRMR portal took the application
	// (YYYY-MM-DD); null while it is a draft.
	SubmittedOn *string    `json:"submitted_on"`
	Slots       []SlotJSON `json:"slots"`
	Missing     []string   `json:"missing"`
	// Ready is the verdict of the application's readiness (fields,
	// documents, education, dates); Blocking lists what keeps it false.
	Ready     bool                 `json:"ready"`
	Blocking  []readiness.Finding  `json:"blocking"`
	Problems  []checks.FieldError  `json:"problems"`
	Deadlines *readiness.Deadlines `json:"deadlines"`
	// Report is where the report on professional activity stands: state
	// empty (not begun), draft (written here), unsigned (the generated PDF
	// in its slot) or scan (another file in its slot); absent for a kind
	// without a report.
	Report *intake.ReportState `json:"report,omitempty"`
}

// SlotJSON is one row of the checklist.
type SlotJSON struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	Required    bool          `json:"required"`
	Requirement string        `json:"requirement"`
	Hint        string        `json:"hint,omitempty"`
	Repeatable  bool          `json:"repeatable"`
	Status      string        `json:"status"`
	Document    *DocumentJSON `json:"document"`
}

// DocumentJSON is the record of an accepted file.
type DocumentJSON struct {
	Slot       string    `json:"slot"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	Pages      int       `json:"pages"`
	FileName   string    `json:"file_name"`
	UploadedAt time.Time `json:"uploaded_at"`
	// Reading is what reading the scan found; only on a slot's current
	// document.
	Reading *ReadingJSON `json:"reading,omitempty"`
}

// ReadingJSON is the state of a document's reading (OCR) and its
// warnings: status pending, done, failed (a warning says so) or off (not
// read: OCR off, or stored before it existed). Confirmed documents keep
// their warnings here, but no longer in the readiness report.
type ReadingJSON struct {
	Status      string             `json:"status"`
	Warnings    []contents.Finding `json:"warnings"`
	Confirmed   bool               `json:"confirmed"`
	ConfirmedAt *time.Time         `json:"confirmed_at,omitempty"`
}

func readingJSON(r intake.DocumentReading) *ReadingJSON {
	out := &ReadingJSON{Status: r.Status, Warnings: r.Findings, Confirmed: !r.Confirmed.IsZero()}
	if out.Warnings == nil {
		out.Warnings = []contents.Finding{}
	}
	if out.Confirmed {
		t := r.Confirmed
		out.ConfirmedAt = &t
	}
	return out
}

func documentJSON(d dossier.Document) *DocumentJSON {
	return &DocumentJSON{Slot: d.Ref.String(), SHA256: d.SHA256, Size: d.Size, Pages: d.Pages, FileName: d.FileName, UploadedAt: d.UploadedAt}
}

func applicationJSON(v *intake.View) ApplicationJSON {
	a := v.App
	out := ApplicationJSON{ID: a.ID, Status: string(a.Status), Form: a.Form, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		SubmittedAt: a.SubmittedAt, SubmittedOn: nonEmpty(a.SubmittedOn), Slots: []SlotJSON{}, Missing: v.Layout.Missing, Ready: v.Readiness.Ready, Problems: v.Problems, Deadlines: v.Readiness.Deadlines,
		Report: v.Report}
	out.Form.Specialist.SNILS = identifiers.FormatSNILS(a.Form.Specialist.SNILS)
	if out.Missing == nil {
		out.Missing = []string{}
	}
	if out.Problems == nil {
		out.Problems = []checks.FieldError{}
	}
	if out.Blocking = v.Readiness.Blocking(); out.Blocking == nil {
		out.Blocking = []readiness.Finding{}
	}
	for _, st := range v.Layout.Slots {
		sj := SlotJSON{ID: st.Ref.String(), Title: st.Title, Required: st.Required, Requirement: string(st.Slot.Requirement),
			Hint: st.Slot.Hint, Repeatable: st.Slot.Repeatable, Status: "empty"}
		if st.Document != nil {
			sj.Status, sj.Document = "accepted", documentJSON(*st.Document)
			if r, ok := v.Readings[st.Ref.String()]; ok {
				sj.Document.Reading = readingJSON(r)
			}
		}
		out.Slots = append(out.Slots, sj)
	}
	return out
}

const maxJSONBody = 1 << 20

// decodeJSON reads a JSON body of at most 1 MiB into v.
func decodeJSON(c echo.Context, v any) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxJSONBody+1))
	if err != nil {
		return badRequest("Не удалось прочитать тело запроса.", err)
	}
	if len(body) > maxJSONBody {
		return badRequest("Тело запроса больше 1 МБ.", nil)
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return badRequest("Неверный тип значения поля "+typeErr.Field+".", err)
		}
		return badRequest("Тело запроса — не корректный JSON.", err)
	}
	return nil
}

// decodeOptionalJSON reads a JSON body into v if there is one: an empty
// body (or only white space, or null) leaves v as it is.
func decodeOptionalJSON(c echo.Context, v any) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxJSONBody+1))
	if err != nil {
		return badRequest("Не удалось прочитать тело запроса.", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	c.Request().Body = io.NopCloser(bytes.NewReader(body))
	return decodeJSON(c, v)
}

func (s *Server) createApplication(c echo.Context) error {
	var f dossier.Form
	if err := decodeJSON(c, &f); err != nil {
		return err
	}
	// A specialist's application is their own; one created by consultancy
	// staff is shared with their organization from the start; one created
	// by an administrator belongs to nobody until shared.
	p := principal(c)
	var owner string
	var grants []database.Grant
	switch p.Role {
	case access.Specialist:
		owner = p.UserID
	case access.Consultant:
		grants = append(grants, database.Grant{OrgID: p.OrgID, CreatedBy: actor(p)})
	}
	ctx := c.Request().Context()
	v, err := s.svc.Create(ctx, owner, f, grants...)
	if err != nil {
		return err
	}
	err = s.audit.Record(ctx, s.auditRequest(c), audit.Event{Action: access.CreateApplication, ApplicationID: v.App.ID, OwnerID: owner, Outcome: audit.Granted})
	if err != nil {
		s.log.ErrorContext(ctx, "audit line of a created application not written", "application", v.App.ID, "error", err)
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/applications/"+v.App.ID)
	return c.JSON(http.StatusCreated, applicationJSON(v))
}

func (s *Server) getApplication(c echo.Context) error {
	v, err := s.svc.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, applicationJSON(v))
}

// updateApplication merges the JSON body into the stored form: fields
// present in the body change, the rest stay.
func (s *Server) updateApplication(c echo.Context) error {
	var patch json.RawMessage
	if err := decodeJSON(c, &patch); err != nil {
		return err
	}
	v, err := s.svc.Update(c.Request().Context(), c.Param("id"), func(f *dossier.Form) error {
		if err := json.Unmarshal(patch, f); err != nil {
			return badRequest("Тело запроса не подходит к полям заявления.", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, applicationJSON(v))
}

// checkForm applies the form rules to a form without storing anything:
// the web page's inline validation uses the server's own rules. 200 with
// the normalized form, or 422 with every field's problem.
func (s *Server) checkForm(c echo.Context) error {
	var f dossier.Form
	if err := decodeJSON(c, &f); err != nil {
		return err
	}
	if err := s.svc.CheckForm(&f); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"valid": true, "form": f})
}

// deleteApplication removes the application, its files and records; the
// audit log keeps its lines.
func (s *Server) deleteApplication(c echo.Context) error {
	if err := s.svc.DeleteApplication(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// SubmitBody is the optional body of a submission: the day the FRMR
// portal took the application (YYYY-MM-DD); without it, today.
type SubmitBody struct {
	SubmittedOn string `json:"submitted_on"`
}

// submitApplication marks a ready application submitted. The body is
// optional: none (or an empty one) is the call as it always was, today.
func (s *Server) submitApplication(c echo.Context) error {
	var body SubmitBody
	if err := decodeOptionalJSON(c, &body); err != nil {
		return err
	}
	v, err := s.svc.Submit(c.Request().Context(), c.Param("id"), strings.TrimSpace(body.SubmittedOn))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, applicationJSON(v))
}

func (s *Server) reopenApplication(c echo.Context) error {
	v, err := s.svc.Reopen(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, applicationJSON(v))
}

func limitParam(c echo.Context, def, max int) (int, error) {
	l := c.QueryParam("limit")
	if l == "" {
		return def, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > max {
		return 0, badRequest(fmt.Sprintf("limit — число от 1 до %d.", max), err)
	}
	return n, nil
}

// CatalogJSON describes kinds, slots and the nomenclature for clients.
type CatalogJSON struct {
	Kinds           []*catalog.Kind          `json:"kinds"`
	EducationLevels []string                 `json:"education_levels"`
	Specialties     []*catalog.SpecialtyList `json:"specialty_lists"`
	// InForce are the specialties of each education level in force on the
	// day (Date), with the lists they come from.
	Date    string                 `json:"date"`
	InForce map[string]InForceJSON `json:"specialties_in_force"`
}

// InForceJSON is a level's specialties on a day.
type InForceJSON struct {
	Lists       []string `json:"lists"`
	Specialties []string `json:"specialties"`
}

// getCatalog answers the catalog; ?date=ГГГГ-ММ-ДД asks for the
// specialties in force on another day than today.
func (s *Server) getCatalog(c echo.Context) error {
	cat := s.svc.Catalog()
	day := time.Now().UTC()
	if d := c.QueryParam("date"); d != "" {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return badRequest("date — дата в формате ГГГГ-ММ-ДД.", err)
		}
		day = t
	}
	out := CatalogJSON{Kinds: cat.Kinds(), EducationLevels: cat.Nomenclature.EducationLevels(), Specialties: cat.Nomenclature.Lists,
		Date: day.Format(time.DateOnly), InForce: map[string]InForceJSON{}}
	for _, level := range out.EducationLevels {
		names, lists := cat.Nomenclature.InForce(level, day)
		in := InForceJSON{Lists: []string{}, Specialties: names}
		for _, l := range lists {
			in.Lists = append(in.Lists, l.ID)
		}
		if in.Specialties == nil {
			in.Specialties = []string{}
		}
		out.InForce[level] = in
	}
	return c.JSON(http.StatusOK, out)
}
