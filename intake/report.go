package intake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"accredpack/checks"
	"accredpack/database"
	"accredpack/docx"
	"accredpack/dossier"
	"accredpack/packager"
	"accredpack/readiness"
	"accredpack/report"
	"accredpack/templates"
)

// ReportSlot is the slot the report's PDF goes into.
const ReportSlot = "professional_report"

// ReportView is an application's report: the draft and its version, what
// comes from the application and its ledger, the indicator rows of its
// table, and what a commission would raise.
type ReportView struct {
	Draft      report.Draft
	Version    int // 0: nothing saved yet
	UpdatedAt  *time.Time
	Facts      report.Facts
	Set        report.IndicatorSet
	Indicators []report.Indicator
	Findings   []report.Finding
	// SlotHoldsDraft: the report's slot holds the PDF generated here, not
	// yet replaced by the signed scan.
	SlotHoldsDraft bool
	// FileName is the PDF's download name, «Иванова А.С. - отчёт о
	// профессиональной деятельности.pdf»; the DOCX's ends in .docx.
	FileName string
}

// ReportData is the report's structure and indicator sets.
func (s *Service) ReportData() *report.Data { return s.report }

// Report reads an application's report.
func (s *Service) Report(ctx context.Context, appID string) (*ReportView, error) {
	a, docs, err := s.load(ctx, appID)
	if err != nil {
		return nil, err
	}
	if !s.hasReport(a) {
		return nil, noReport()
	}
	l, err := s.ledger(ctx, appID)
	if err != nil {
		return nil, err
	}
	return s.reportView(a, docs, l), nil
}

func (s *Service) reportView(a *dossier.Application, docs []dossier.Document, l ledger) *ReportView {
	title := "отчёт о профессиональной деятельности"
	if short := strings.TrimSpace(packager.ShortName(a.Form.Specialist)); short != "" {
		title = short + " - " + title
	}
	v := &ReportView{Facts: s.reportFacts(a, l), FileName: packager.SafeFileName(title)}
	if l.report != nil {
		v.Draft, v.Version = l.report.draft, l.report.stored.Version
		at := l.report.stored.UpdatedAt
		v.UpdatedAt = &at
		v.SlotHoldsDraft = slotHolds(docs, l.report.stored.SlotSHA256)
	}
	v.Set, v.Indicators = s.report.Indicators(&v.Draft, a.Form.Specialty)
	v.Findings = s.report.Findings(&v.Draft, v.Facts)
	return v
}

// slotHolds tells whether the report's slot holds the file of sha.
func slotHolds(docs []dossier.Document, sha string) bool {
	if sha == "" {
		return false
	}
	for _, d := range docs {
		if d.Ref.Slot == ReportSlot && d.SHA256 == sha {
			return true
		}
	}
	return false
}

// hasReport tells whether an application's kind has the report (its slot).
func (s *Service) hasReport(a *dossier.Application) bool {
	kind, ok := s.catalog.Kind(a.Form.Kind)
	if !ok {
		return false
	}
	_, ok = kind.Slot(ReportSlot)
	return ok
}

func noReport() error {
	return notFound("У этого вида аккредитации нет отчёта о профессиональной деятельности.")
}

// reportFacts are what the report takes from the application and its
// ledger: the period as readiness counts it, the courses ending in it.
func (s *Service) reportFacts(a *dossier.Application, l ledger) report.Facts {
	from, to, known := readiness.Period(a.Form, s.rules, s.now())
	f := report.Facts{
		Specialist: strings.Join(strings.Fields(a.Form.Specialist.LastName+" "+a.Form.Specialist.FirstName+" "+a.Form.Specialist.MiddleName), " "),
		Specialty:  a.Form.Specialty,
		Years:      report.Years(from, to, s.now()),
		Agreed:     a.Form.ReportAgreed,
	}
	if s.rules.Portfolio(a.Form.Kind) {
		f.WorkGapYears = s.rules.WorkGapYears
	}
	if known {
		f.PeriodFrom, f.PeriodTo = from.Format(time.DateOnly), to.Format(time.DateOnly)
	}
	if f.Agreed != nil && !*f.Agreed {
		f.NotAgreedReason = s.report.Structure.NotAgreedReasons[a.Form.ReportNotAgreedReason]
	}
	in := func(day string) bool {
		d, err := time.Parse(time.DateOnly, day)
		return err == nil && !d.Before(from) && !d.After(to)
	}
	for _, c := range l.courses {
		if in(c.EndDate) {
			f.Courses = append(f.Courses, report.Course{Title: c.Title, Organization: c.Organization, EndDate: c.EndDate, Hours: c.Hours, InSpecialty: c.InSpecialty})
		}
	}
	for _, n := range l.activities {
		if in(n.Date) && !n.Foreign {
			f.NMOCredits += n.Credits
		}
	}
	return f
}

// storedReport is a saved draft, opened.
type storedReport struct {
	stored database.ReportDraft
	draft  report.Draft
}

// loadReport reads an application's draft; nil when none is saved.
func (s *Service) loadReport(ctx context.Context, appID string) (*storedReport, error) {
	st, err := s.db.ReportDraft(ctx, appID)
	if errors.Is(err, database.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, backend(err)
	}
	r := &storedReport{stored: st}
	if err := json.Unmarshal([]byte(st.Body), &r.draft); err != nil {
		return nil, fmt.Errorf("intake: report draft of %s: %w", appID, err)
	}
	return r, nil
}

// SaveReport stores a draft made from version from (0: the first). A save
// made meanwhile from another window or device is a conflict that changes
// nothing; a submitted application is locked.
func (s *Service) SaveReport(ctx context.Context, appID string, dr report.Draft, from int, by string) (*ReportView, error) {
	a, err := s.editable(ctx, appID)
	if err != nil {
		return nil, err
	}
	if !s.hasReport(a) {
		return nil, noReport()
	}
	if problems := s.report.Validate(&dr); len(problems) > 0 {
		ve := &checks.ValidationError{}
		for _, p := range problems {
			ve.Fields = append(ve.Fields, checks.FieldError{Field: "draft." + p.Field, Code: "report", Message: p.Message})
		}
		return nil, ve
	}
	body, err := json.Marshal(dr)
	if err != nil {
		return nil, fmt.Errorf("intake: report draft: %w", err)
	}
	_, err = s.db.SaveReportDraft(ctx, appID, string(body), from, by, s.now())
	switch {
	case errors.Is(err, database.ErrVersionMoved):
		return nil, conflict("Отчёт уже изменён в другом окне или на другом устройстве: загрузите последнюю версию, затем внесите правку снова.")
	case errors.Is(err, database.ErrNotFound):
		return nil, notFound("Заявление не найдено.")
	case err != nil:
		return nil, backend(err)
	}
	// A draft changes warnings only, never whether the application is
	// ready: nothing of the recorded readiness to update.
	return s.Report(ctx, appID)
}

// ReportDocument is the report as a document, with the application's
// facts, for PDF and DOCX.
func (s *Service) ReportDocument(ctx context.Context, appID string) (report.Document, *ReportView, error) {
	v, err := s.Report(ctx, appID)
	if err != nil {
		return report.Document{}, nil, err
	}
	return s.report.Compose(&v.Draft, v.Facts), v, nil
}

// WriteReportPDF draws a report document as a PDF.
func (s *Service) WriteReportPDF(w io.Writer, doc report.Document) error {
	_, err := templates.DrawReport(w, doc)
	return err
}

// WriteReportDOCX writes a report document as a DOCX.
func (s *Service) WriteReportDOCX(w io.Writer, doc report.Document) error {
	return docx.Write(w, doc)
}

// PutReportInSlot makes the report's PDF and puts it into the report's
// slot as any upload (checked, the slot's previous file kept in its
// history), and records it as the generated draft: a signed scan uploaded
// later replaces it. Only on the user's request.
func (s *Service) PutReportInSlot(ctx context.Context, appID, by string) (dossier.Document, error) {
	v, err := s.Report(ctx, appID)
	if err != nil {
		return dossier.Document{}, err
	}
	if v.Version == 0 {
		return dossier.Document{}, conflict("Отчёт ещё не написан: заполните его, затем поместите в строку документов.")
	}
	var pdf bytes.Buffer
	if _, err := templates.DrawReport(&pdf, s.report.Compose(&v.Draft, v.Facts)); err != nil {
		return dossier.Document{}, err
	}
	staged, err := s.Stage(ctx, appID, ReportSlot, &pdf, "Отчёт о профессиональной деятельности (черновик без подписи).pdf", false)
	if err != nil {
		return dossier.Document{}, err
	}
	defer staged.Discard()
	doc, err := s.Commit(ctx, staged, by)
	if err != nil {
		return dossier.Document{}, err
	}
	if err := s.db.SetReportSlotSHA256(ctx, appID, doc.SHA256); err != nil {
		return doc, backend(err)
	}
	s.changed(ctx, appID)
	return doc, nil
}

// reportNotes are the report's findings as readiness warnings: shown while
// the report's slot is empty or holds the generated draft (a signed scan
// speaks for itself), and a warning while the slot holds the unsigned
// draft.
func (s *Service) reportNotes(a *dossier.Application, docs []dossier.Document, l ledger) []readiness.Finding {
	if l.report == nil || !s.hasReport(a) {
		return nil
	}
	scan := false
	for _, d := range docs {
		if d.Ref.Slot == ReportSlot {
			scan = d.SHA256 != l.report.stored.SlotSHA256
		}
	}
	if scan {
		return nil
	}
	v := s.reportView(a, docs, l)
	var out []readiness.Finding
	if v.SlotHoldsDraft {
		out = append(out, readiness.Finding{Severity: readiness.Warning, Code: "report_unsigned", Slot: ReportSlot,
			Message: "В строке отчёта — PDF, собранный в сервисе, без подписи и печати: распечатайте его, подпишите, согласуйте и загрузите скан на его место."})
	}
	for _, f := range v.Findings {
		out = append(out, readiness.Finding{Severity: readiness.Warning, Code: f.Code, Slot: ReportSlot, Message: "Отчёт: " + f.Message})
	}
	return out
}

// ReportTemplate is a consultancy's template of the report.
type ReportTemplate struct {
	ID        string       `json:"id"`
	Specialty string       `json:"specialty"`
	Title     string       `json:"title"`
	Draft     report.Draft `json:"draft"`
	CreatedAt time.Time    `json:"created_at"`
}

// ReportTemplates lists an organization's templates.
func (s *Service) ReportTemplates(ctx context.Context, orgID string) ([]ReportTemplate, error) {
	list, err := s.db.ReportTemplates(ctx, orgID)
	if err != nil {
		return nil, backend(err)
	}
	out := []ReportTemplate{}
	for _, t := range list {
		rt := ReportTemplate{ID: t.ID, Specialty: t.Specialty, Title: t.Title, CreatedAt: t.CreatedAt}
		if err := json.Unmarshal([]byte(t.Body), &rt.Draft); err != nil {
			return nil, fmt.Errorf("intake: report template %s: %w", t.ID, err)
		}
		out = append(out, rt)
	}
	return out, nil
}

// CreateReportTemplate stores a template of an organization: a title, the
// specialty it is for (from the nomenclature in force today) and a draft.
func (s *Service) CreateReportTemplate(ctx context.Context, orgID string, t ReportTemplate) (ReportTemplate, error) {
	t.Title, t.Specialty = strings.TrimSpace(t.Title), strings.TrimSpace(t.Specialty)
	ve := &checks.ValidationError{}
	if t.Title == "" || len([]rune(t.Title)) > report.MaxShort {
		ve.Fields = append(ve.Fields, checks.FieldError{Field: "title", Code: "required", Message: "Назовите шаблон (до 300 знаков)."})
	}
	known := false
	for _, level := range s.catalog.Nomenclature.EducationLevels() {
		if _, _, ok := s.catalog.Nomenclature.Lookup(level, t.Specialty, s.now()); ok {
			known = true
		}
	}
	if !known {
		ve.Fields = append(ve.Fields, checks.FieldError{Field: "specialty", Code: "specialty", Message: "Нет такой специальности в номенклатуре, действующей сегодня."})
	}
	for _, p := range s.report.Validate(&t.Draft) {
		ve.Fields = append(ve.Fields, checks.FieldError{Field: "draft." + p.Field, Code: "report", Message: p.Message})
	}
	if len(ve.Fields) > 0 {
		return t, ve
	}
	body, err := json.Marshal(t.Draft)
	if err != nil {
		return t, fmt.Errorf("intake: report template: %w", err)
	}
	t.ID, t.CreatedAt = newID(), s.now()
	err = s.db.CreateReportTemplate(ctx, database.ReportTemplate{ID: t.ID, OrganizationID: orgID, Specialty: t.Specialty, Title: t.Title, Body: string(body), CreatedAt: t.CreatedAt})
	return t, backend(err)
}

// DeleteReportTemplate removes an organization's template.
func (s *Service) DeleteReportTemplate(ctx context.Context, orgID, id string) error {
	err := s.db.DeleteReportTemplate(ctx, orgID, id)
	if errors.Is(err, database.ErrNotFound) {
		return notFound("Шаблон не найден.")
	}
	return backend(err)
}

// StartReportFromTemplate starts an application's report from one of the
// organization's templates: only while nothing is written in it, so a
// template never overwrites a client's text.
func (s *Service) StartReportFromTemplate(ctx context.Context, appID, orgID, templateID, by string) (*ReportView, error) {
	if orgID == "" {
		return nil, notFound("Шаблон не найден: шаблоны отчёта есть только у консалтинговых организаций.")
	}
	list, err := s.ReportTemplates(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var tpl *ReportTemplate
	for i := range list {
		if list[i].ID == templateID {
			tpl = &list[i]
		}
	}
	if tpl == nil {
		return nil, notFound("Шаблон не найден.")
	}
	cur, err := s.Report(ctx, appID)
	if err != nil {
		return nil, err
	}
	if !cur.Draft.Empty() {
		return nil, conflict("В отчёте клиента уже есть текст: шаблон применяется только к пустому отчёту.")
	}
	return s.SaveReport(ctx, appID, tpl.Draft, cur.Version, by)
}

// Report states of an application (View.Report).
const (
	ReportNotBegun = "empty"    // no draft saved, nothing in the slot
	ReportDraft    = "draft"    // a draft written here, the slot empty
	ReportUnsigned = "unsigned" // the slot holds the PDF generated here
	ReportInSlot   = "scan"     // the slot holds another file: the signed scan
)

// ReportState is where an application's report stands, for lists: begun
// or not, in the slot or not, and how many findings its draft has.
type ReportState struct {
	State    string `json:"state"`
	Version  int    `json:"version"`
	Findings int    `json:"findings"`
}

// reportKinds are the kinds of application that have the report's slot.
func (s *Service) reportKinds() []string {
	var out []string
	for _, k := range s.catalog.Kinds() {
		if _, ok := k.Slot(ReportSlot); ok {
			out = append(out, k.ID)
		}
	}
	return out
}

// reportState says where the report stands; nil for a kind without one.
func (s *Service) reportState(a *dossier.Application, docs []dossier.Document, l ledger, notes []readiness.Finding) *ReportState {
	if !s.hasReport(a) {
		return nil
	}
	st := &ReportState{State: ReportNotBegun}
	if l.report != nil {
		st.State, st.Version = ReportDraft, l.report.stored.Version
		for _, n := range notes {
			if n.Code != "report_unsigned" {
				st.Findings++
			}
		}
	}
	for _, d := range docs {
		if d.Ref.Slot == ReportSlot {
			st.State = ReportInSlot
			if l.report != nil && d.SHA256 == l.report.stored.SlotSHA256 {
				st.State = ReportUnsigned
			}
		}
	}
	return st
}
