package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	apiclient "accredpack/client"
	"accredpack/internal/testdocs"
	"accredpack/internal/testenv"
)

// testReport: a specialist writes the report on professional activity
// through the Go client: an empty report says what a commission would
// raise, also as readiness warnings; saves carry the version they were
// made from and a second device's stale save is refused; the PDF and the
// DOCX (read back with poppler and LibreOffice) hold what was typed and
// what the application and its ledger give; the PDF goes into the report
// slot only when asked, the readiness then says it is unsigned, and the
// signed scan replaces it. A consultancy starts a client's empty report
// from its template.
func testReport(t *testing.T, c *client) {
	ctx := t.Context()
	owner := c.account("specialist", "", "report-owner")
	cl := clientFor(c, owner.bearer)
	form := validForm()
	form["previous_accreditation_date"] = "2021-09-15"
	a, err := cl.CreateApplication(ctx, form)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.AddCourse(ctx, a.ID, apiclient.Course{Title: "Кардиология в практике терапевта", Organization: "РМАНПО", Hours: 144,
		StartDate: "2023-02-01", EndDate: "2023-03-01", InSpecialty: true, FRDONumber: "1177-0002"}); err != nil {
		t.Fatal(err)
	}

	r, err := cl.Report(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC()
	if r.Version != 0 || r.Facts.Specialist != "Иванова Анна Сергеевна" || r.Facts.PeriodFrom != "2021-09-15" || r.Facts.Years[0] != 2021 ||
		r.Facts.Years[len(r.Facts.Years)-1] != min(2026, today.Year()) || len(r.Indicators) != 5 || r.Indicators[0].ID != "visits" {
		t.Fatalf("a new report: %+v", r)
	}
	if !reportHas(r.Findings, "report_section_empty", "workplaces") || !reportHas(r.Findings, "report_volume_year", "volume") {
		t.Errorf("an empty report's findings: %+v", r.Findings)
	}
	// Nothing saved: the readiness says nothing of a report not begun.
	if rd := owner.call("GET", "/api/v1/applications/"+a.ID+"/readiness", nil); strings.Contains(string(rd.body), "report_section") {
		t.Errorf("readiness of an application without a draft names the report: %s", rd.body)
	}

	draft := apiclient.ReportDraft{
		Workplaces: []apiclient.ReportWorkplace{{Organization: "ГБУЗ «Городская поликлиника № 3»", Department: "Терапевтическое отделение", Position: "Врач-терапевт участковый", From: "2018-09-01"}},
		Duties:     "Амбулаторный приём взрослого населения участка.",
		Volume:     map[string]map[string]int{"2024": {"visits": 4120, "home_visits": 315}},
		Proposals:  "Внедрить запись на диспансеризацию через портал.",
		Agreement:  apiclient.ReportAgreement{HeadPosition: "Главный врач", HeadName: "Петров П. П."},
	}
	saved, err := cl.SaveReport(ctx, a.ID, 0, draft)
	if err != nil || saved.Version != 1 || saved.Draft.Workplaces[0].Position != "Врач-терапевт участковый" {
		t.Fatalf("first save: %+v, %v", saved, err)
	}
	// The second device still has version 0: refused, nothing changed.
	stale := draft
	stale.Duties = "Текст со второго устройства"
	if _, err := cl.SaveReport(ctx, a.ID, 0, stale); !apiclient.IsCode(err, "conflict") || err.(*apiclient.Error).Status != 409 {
		t.Errorf("a stale save: %v", err)
	}
	bad := draft
	bad.Workplaces = []apiclient.ReportWorkplace{{Organization: "x", Position: "y", From: "01.09.2018"}}
	var ve *apiclient.Error
	if _, err := cl.SaveReport(ctx, a.ID, 1, bad); !errors.As(err, &ve) || ve.Status != 422 || ve.Fields[0].Field != "draft.workplaces[0].from" {
		t.Errorf("a date not as ГГГГ-ММ-ДД: %v", err)
	}
	// No version: refused on the field; If-Match carries it as well.
	path := "/api/v1/applications/" + a.ID + "/report"
	if r := owner.call("PUT", path, map[string]any{"draft": draft}); r.status != 422 || !strings.Contains(string(r.body), `"field":"version"`) {
		t.Errorf("a save without a version: %d %s", r.status, r.body)
	}
	if r := owner.call("PUT", path, map[string]any{"draft": draft}, "If-Match", `"1"`); r.status != 200 || r.header.Get("ETag") != `"2"` {
		t.Errorf("a save with If-Match: %d %s %v", r.status, r.body, r.header)
	}
	got, err := cl.Report(ctx, a.ID)
	if err != nil || got.Version != 2 || got.Draft.Duties != draft.Duties {
		t.Fatalf("after the refusals: %+v, %v", got, err)
	}
	if !reportHas(got.Findings, "report_volume_year", "volume") || reportHas(got.Findings, "report_section_empty", "workplaces") || reportHas(got.Findings, "report_agreement", "agreement") {
		t.Errorf("findings of a partial report: %+v", got.Findings)
	}
	// Begun: the report's findings are readiness warnings, never blocking.
	rd := owner.must(200, "GET", "/api/v1/applications/"+a.ID+"/readiness", nil)
	warned := false
	for _, f := range rd["findings"].([]any) {
		f := f.(map[string]any)
		if strings.HasPrefix(f["code"].(string), "report_") {
			warned = true
			if f["severity"] != "warning" || f["slot"] != "professional_report" || !strings.HasPrefix(f["message"].(string), "Отчёт: ") {
				t.Errorf("a report finding in readiness: %v", f)
			}
		}
	}
	if !warned {
		t.Errorf("no report findings in readiness: %v", rd["findings"])
	}

	// The PDF and the DOCX say the same: typed, from the form, from the ledger.
	var pdf, docx bytes.Buffer
	name, err := cl.ReportPDF(ctx, a.ID, &pdf)
	if err != nil || name != "Иванова А.С. - отчёт о профессиональной деятельности.pdf" {
		t.Fatalf("pdf: %q, %v", name, err)
	}
	if name, err := cl.ReportDOCX(ctx, a.ID, &docx); err != nil || name != "Иванова А.С. - отчёт о профессиональной деятельности.docx" {
		t.Fatalf("docx: %q, %v", name, err)
	}
	pdfText, docxText := oneLine(testenv.PDFText(t, pdf.Bytes())), oneLine(testenv.DocxText(t, docx.Bytes()))
	for _, want := range []string{"ОТЧЁТ о профессиональной деятельности", "за период с 15.09.2021 по 14.09.2026", "Ф. И. О.: Иванова Анна Сергеевна",
		"Специальность: Терапия", "Врач-терапевт участковый", "Амбулаторный приём взрослого населения участка.", "4 120", "315",
		"Кардиология в практике терапевта", "Внедрить запись на диспансеризацию через портал.", "СОГЛАСОВАНО", "Главный врач", "Петров П. П."} {
		if !strings.Contains(pdfText, want) {
			t.Errorf("PDF lacks %q:\n%s", want, pdfText)
		}
		if !strings.Contains(docxText, want) {
			t.Errorf("DOCX lacks %q:\n%s", want, docxText)
		}
	}

	// Into the slot only when asked; then readiness says it is unsigned.
	app, _ := cl.Application(ctx, a.ID)
	if slotStatus(app, "professional_report") != "empty" {
		t.Fatalf("the slot filled before it was asked: %s", app.Raw)
	}
	doc, err := cl.PutReportInSlot(ctx, a.ID)
	if err != nil || doc.Pages < 1 {
		t.Fatalf("into the slot: %+v, %v", doc, err)
	}
	app, _ = cl.Application(ctx, a.ID)
	if slotStatus(app, "professional_report") != "accepted" || !readinessHas(owner, a.ID, "report_unsigned") {
		t.Errorf("after putting the PDF: %s", app.Raw)
	}
	if st := owner.must(200, "GET", "/api/v1/applications/"+a.ID, nil)["report"].(map[string]any); st["state"] != "unsigned" {
		t.Errorf("the report's state with its PDF in the slot: %v", st)
	}
	if r, _ := cl.Report(ctx, a.ID); !r.SlotHoldsDraft {
		t.Error("the report does not know its PDF is in the slot")
	}
	// The signed scan replaces it: no more warnings of the draft.
	if _, err := cl.Upload(ctx, a.ID, "professional_report", "отчёт подписанный.pdf", bytes.NewReader(testdocs.PDF(t, 3, "signed report"))); err != nil {
		t.Fatal(err)
	}
	app, _ = cl.Application(ctx, a.ID)
	if slotStatus(app, "professional_report") != "accepted" || readinessHas(owner, a.ID, "report_unsigned") || readinessHas(owner, a.ID, "report_volume_year") {
		t.Errorf("the signed scan is in the slot, still warned: %s", app.Raw)
	}

	// Primary specialized accreditation has no report: none to read or
	// write, no report state.
	pf := validForm()
	pf["kind"] = "primary_specialized"
	delete(pf, "report_agreed")
	primary := owner.must(201, "POST", "/api/v1/applications", pf)
	pid := primary["id"].(string)
	if _, ok := primary["report"]; ok {
		t.Errorf("a primary specialized application has a report state: %v", primary["report"])
	}
	if r := owner.call("GET", "/api/v1/applications/"+pid+"/report", nil); r.status != 404 {
		t.Errorf("the report of a primary specialized application: %d %s", r.status, r.body)
	}
	if r := owner.call("PUT", "/api/v1/applications/"+pid+"/report", map[string]any{"version": 0, "draft": map[string]any{}}); r.status != 404 {
		t.Errorf("a report saved for a primary specialized application: %d %s", r.status, r.body)
	}

	// A consultancy: a template per specialty, a client's empty report
	// started from it, a begun one left alone.
	org := c.organization("consultancy", unique("Консалт отчётов "))
	staffer := c.account("consultant", org, "report-staff")
	staff := clientFor(c, staffer.bearer)
	tpl, err := staff.CreateReportTemplate(ctx, apiclient.ReportTemplate{Specialty: "Терапия", Title: "Участковый терапевт",
		Draft: apiclient.ReportDraft{Duties: "Приём, диспансерное наблюдение, профилактика."}})
	if err != nil || tpl.ID == "" {
		t.Fatalf("template: %+v, %v", tpl, err)
	}
	if _, err := staff.CreateReportTemplate(ctx, apiclient.ReportTemplate{Specialty: "Астрология", Title: "x"}); !apiclient.IsCode(err, "validation_failed") {
		t.Errorf("a template of no specialty: %v", err)
	}
	clientApp, err := staff.CreateApplication(ctx, validForm())
	if err != nil {
		t.Fatal(err)
	}
	// The clients whose report is not begun: this one, with its state.
	emptyIDs := func() map[string]any {
		out := map[string]any{}
		for _, it := range staffer.must(200, "GET", "/api/v1/applications?report=empty", nil)["items"].([]any) {
			it := it.(map[string]any)
			out[it["id"].(string)] = it["report"]
		}
		return out
	}
	if got := emptyIDs(); len(got) != 1 || got[clientApp.ID] == nil || got[clientApp.ID].(map[string]any)["state"] != "empty" {
		t.Errorf("clients with an empty report: %v", got)
	}
	if r := staffer.call("GET", "/api/v1/applications?report=soon", nil); r.status != 400 {
		t.Errorf("report=soon: %d", r.status)
	}
	started, err := staff.StartReportFromTemplate(ctx, clientApp.ID, tpl.ID)
	if err != nil || started.Version != 1 || started.Draft.Duties != "Приём, диспансерное наблюдение, профилактика." {
		t.Fatalf("started from the template: %+v, %v", started, err)
	}
	if _, err := staff.StartReportFromTemplate(ctx, clientApp.ID, tpl.ID); !apiclient.IsCode(err, "conflict") {
		t.Errorf("a template over a begun report: %v", err)
	}
	if got := emptyIDs(); len(got) != 0 {
		t.Errorf("a begun report still listed as empty: %v", got)
	}
	if st := staffer.must(200, "GET", "/api/v1/applications/"+clientApp.ID, nil)["report"].(map[string]any); st["state"] != "draft" || st["version"] != float64(1) || st["findings"].(float64) < 1 {
		t.Errorf("the report's state: %v", st)
	}
	if list, err := staff.ReportTemplates(ctx); err != nil || len(list) != 1 {
		t.Errorf("templates: %+v, %v", list, err)
	}
}

func reportHas(list []apiclient.ReportFinding, code, section string) bool {
	for _, f := range list {
		if f.Code == code && f.Section == section {
			return true
		}
	}
	return false
}

func readinessHas(who *caller, appID, code string) bool {
	for _, f := range who.must(200, "GET", "/api/v1/applications/"+appID+"/readiness", nil)["findings"].([]any) {
		if f.(map[string]any)["code"] == code {
			return true
		}
	}
	return false
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\u00a0", " ")), " ")
}

func slotStatus(a *apiclient.Application, slot string) string {
	for _, s := range a.Slots {
		if s.ID == slot {
			return s.Status
		}
	}
	return ""
}
