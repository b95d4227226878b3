package client

import (
	"context"
	"io"
)

// ReportDraft is what a specialist writes of the report on professional
// activity; the rest (name, specialty, period, education, whether it is
// agreed) comes from the application and its ledger.
type ReportDraft struct {
	IndicatorSet     string                    `json:"indicator_set"`
	CustomIndicators []ReportIndicator         `json:"custom_indicators"`
	Workplaces       []ReportWorkplace         `json:"workplaces"`
	Organization     string                    `json:"organization"`
	Duties           string                    `json:"duties"`
	Volume           map[string]map[string]int `json:"volume"` // year ("2024") -> indicator id -> number
	VolumeAnalysis   string                    `json:"volume_analysis"`
	Skills           string                    `json:"skills"`
	Achievements     []ReportAchievement       `json:"achievements"`
	Proposals        string                    `json:"proposals"`
	Agreement        ReportAgreement           `json:"agreement"`
}

// ReportIndicator is a row of the table of the volume of work.
type ReportIndicator struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Unit  string `json:"unit"`
}

// ReportWorkplace is a place of work in the period (dates YYYY-MM-DD; To
// empty: to this day).
type ReportWorkplace struct {
	Organization string `json:"organization"`
	Department   string `json:"department"`
	Position     string `json:"position"`
	From         string `json:"from"`
	To           string `json:"to"`
}

// ReportAchievement is an individual professional achievement; Kind is
// publication, talk, mentoring, award or other.
type ReportAchievement struct {
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Year  string `json:"year"`
}

// ReportAgreement is the head who agrees the report.
type ReportAgreement struct {
	HeadPosition string `json:"head_position"`
	HeadName     string `json:"head_name"`
	Organization string `json:"organization"`
}

// ReportFinding is what a commission would raise about the report.
type ReportFinding struct {
	Code    string `json:"code"`
	Section string `json:"section"`
	Message string `json:"message"`
}

// Report is an application's report: the draft and its Version (pass it
// to SaveReport), the years of its table, its indicator rows and findings.
type Report struct {
	Version int         `json:"version"`
	Draft   ReportDraft `json:"draft"`
	Facts   struct {
		Specialist string `json:"specialist"`
		Specialty  string `json:"specialty"`
		PeriodFrom string `json:"period_from"`
		PeriodTo   string `json:"period_to"`
		Years      []int  `json:"years"`
	} `json:"facts"`
	Indicators     []ReportIndicator `json:"indicators"`
	Findings       []ReportFinding   `json:"findings"`
	SlotHoldsDraft bool              `json:"slot_holds_draft"`
	FileName       string            `json:"file_name"`
}

// Report reads an application's report.
func (c *Client) Report(ctx context.Context, appID string) (*Report, error) {
	var r Report
	return &r, c.call(ctx, "GET", app(appID)+"/report", nil, "", &r)
}

// SaveReport saves a draft made from version (0 for the first save). A
// save made meanwhile by someone else is an *Error with code "conflict":
// read the report again and redo the change.
func (c *Client) SaveReport(ctx context.Context, appID string, version int, draft ReportDraft) (*Report, error) {
	var r Report
	body := struct {
		Version int         `json:"version"`
		Draft   ReportDraft `json:"draft"`
	}{version, draft}
	return &r, c.callJSON(ctx, "PUT", app(appID)+"/report", body, &r)
}

// ReportPDF writes the report as a PDF to w and answers its file name.
func (c *Client) ReportPDF(ctx context.Context, appID string, w io.Writer) (string, error) {
	return c.download(ctx, app(appID)+"/report/pdf", w)
}

// ReportDOCX writes the report as a DOCX to w and answers its file name.
func (c *Client) ReportDOCX(ctx context.Context, appID string, w io.Writer) (string, error) {
	return c.download(ctx, app(appID)+"/report/docx", w)
}

// PutReportInSlot puts the report's PDF into the application's report
// slot (the signed scan uploaded later replaces it).
func (c *Client) PutReportInSlot(ctx context.Context, appID string) (*Document, error) {
	var out struct {
		Document Document `json:"document"`
	}
	return &out.Document, c.call(ctx, "POST", app(appID)+"/report/slot", nil, "", &out)
}

// ReportTemplate is a consultancy's template of the report.
type ReportTemplate struct {
	ID        string      `json:"id,omitempty"`
	Specialty string      `json:"specialty"`
	Title     string      `json:"title"`
	Draft     ReportDraft `json:"draft"`
}

// CreateReportTemplate stores a template of the caller's consultancy.
func (c *Client) CreateReportTemplate(ctx context.Context, t ReportTemplate) (*ReportTemplate, error) {
	var out ReportTemplate
	return &out, c.callJSON(ctx, "POST", "/report-templates", t, &out)
}

// ReportTemplates lists the caller's consultancy's templates.
func (c *Client) ReportTemplates(ctx context.Context) ([]ReportTemplate, error) {
	var out struct {
		Templates []ReportTemplate `json:"templates"`
	}
	return out.Templates, c.call(ctx, "GET", "/report-templates", nil, "", &out)
}

// StartReportFromTemplate starts a client's empty report from a template.
func (c *Client) StartReportFromTemplate(ctx context.Context, appID, templateID string) (*Report, error) {
	var r Report
	return &r, c.callJSON(ctx, "POST", app(appID)+"/report/template", map[string]string{"template_id": templateID}, &r)
}
