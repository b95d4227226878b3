package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"accredpack/internal/testenv"
)

// TestWebReport: a specialist writes the report on professional activity
// in the browser at a phone size, from start to PDF: the page shows what
// the form and the ledger give, what a commission would raise; every
// change is saved as it is typed («Сохранено»), survives a reload, and is
// what the API (another device) reads; a save from another device first
// makes the page say so and offer the latest version instead of
// overwriting it; the PDF holds what was typed; the PDF goes into the
// report's row only when asked. Screenshots at the phone and the desktop
// size, axe-core at both; the page never scrolls sideways on a phone.
func TestWebReport(t *testing.T) {
	c := startService(t, accessConfig(t))
	shots := artifacts(t)
	owner := c.account("specialist", "", "report-web")
	form := validForm()
	form["previous_accreditation_date"] = "2021-09-15"
	id := owner.must(201, "POST", "/api/v1/applications", form)["id"].(string)
	owner.must(201, "POST", "/api/v1/applications/"+id+"/courses", map[string]any{
		"title": "Актуальные вопросы терапии", "organization": "РМАНПО", "hours": 144,
		"start_date": "2023-02-01", "end_date": "2023-03-01", "in_specialty": true, "frdo_number": "1177-0001"})

	tab := browserTab(t)
	step := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(tab, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	page := c.base + "/app/a/" + id + "/report"
	saved := func() chromedp.Action { return waitFor(t, `#save-state.saved`, chromedp.ByQuery) }

	var facts, findings string
	step("open the report",
		signIn(t, c.base, owner.email, password, `body[data-view=list]`),
		navigate(t, page),
		waitFor(t, `#sec-duties textarea`, chromedp.ByQuery),
		text(`#sec-specialist`, &facts),
		text(`#report-findings`, &findings),
		look(t, shots, "r1-report-empty"),
	)
	for _, want := range []string{"Иванова Анна Сергеевна", "Терапия", "15.09.2021 — 14.09.2026"} {
		if !strings.Contains(facts, want) {
			t.Errorf("the facts lack %q: %s", want, facts)
		}
	}
	if !strings.Contains(findings, "Места работы за отчётный период") || !strings.Contains(findings, "Нет чисел за 2021, 2022, 2023, 2024, 2025 и 2026 годы") {
		t.Errorf("an empty report's findings: %s", findings)
	}
	var education string
	step("the ledger's courses", text(`#sec-education`, &education))
	if !strings.Contains(education, "Актуальные вопросы терапии") || !strings.Contains(education, "144 ч") {
		t.Errorf("the education section: %s", education)
	}

	duties := "Амбулаторный приём взрослого населения терапевтического участка, диспансерное наблюдение."
	var counter string
	step("write",
		chromedp.Click(`#sec-workplaces > button`, chromedp.ByQuery),
		waitFor(t, `[data-path="workplaces[0].organization"]`, chromedp.ByQuery),
		typeInto(`[data-path="workplaces[0].organization"]`, "ГБУЗ «Городская поликлиника № 3»"),
		typeInto(`[data-path="workplaces[0].position"]`, "Врач-терапевт участковый"),
		typeInto(`[data-path="workplaces[0].from"]`, "01092018"),
		typeInto(`#sec-duties textarea`, duties),
		typeInto(`[data-path="volume.2024.visits"]`, "4120"),
		typeInto(`[data-path="volume.2025.visits"]`, "4350"),
		chromedp.Click(`#sec-achievements > button`, chromedp.ByQuery),
		waitFor(t, `[data-path="achievements[0].title"]`, chromedp.ByQuery),
		choose(`[data-path="achievements[0].kind"]`, "talk"),
		typeInto(`[data-path="achievements[0].title"]`, "Доклад на региональной конференции терапевтов"),
		typeInto(`#sec-proposals textarea`, "Внедрить запись на диспансеризацию через портал госуслуг."),
		typeInto(`[data-path="agreement.head_position"]`, "Главный врач"),
		typeInto(`[data-path="agreement.head_name"]`, "Петров П. П."),
		saved(),
		text(`#count-proposals`, &counter),
		text(`#report-findings`, &findings),
	)
	if !strings.Contains(counter, "57 знаков") || !strings.Contains(counter, "не меньше 300") {
		t.Errorf("the proposals' counter: %q", counter)
	}
	if strings.Contains(findings, "Места работы за отчётный период") || !strings.Contains(findings, "Нет чисел за 2021, 2022, 2023 и 2026 годы") ||
		!strings.Contains(findings, "Предложения по совершенствованию") {
		t.Errorf("findings after writing: %s", findings)
	}

	// Saved on the server: another device reads what was typed; a reload
	// shows it.
	rep := owner.must(200, "GET", "/api/v1/applications/"+id+"/report", nil)
	d := rep["draft"].(map[string]any)
	if d["duties"] != duties || d["workplaces"].([]any)[0].(map[string]any)["from"] != "2018-09-01" ||
		d["volume"].(map[string]any)["2025"].(map[string]any)["visits"] != float64(4350) ||
		d["achievements"].([]any)[0].(map[string]any)["kind"] != "talk" {
		t.Fatalf("the server's draft: %v", d)
	}
	var again, cell, from string
	step("reload",
		navigate(t, page),
		waitFor(t, `#sec-duties textarea`, chromedp.ByQuery),
		chromedp.Value(`#sec-duties textarea`, &again, chromedp.ByQuery),
		chromedp.Value(`[data-path="volume.2024.visits"]`, &cell, chromedp.ByQuery),
		chromedp.Value(`[data-path="workplaces[0].from"]`, &from, chromedp.ByQuery),
	)
	if again != duties || cell != "4120" || from != "01.09.2018" {
		t.Errorf("after a reload: %q, %q, %q", again, cell, from)
	}

	// Another device saves first: this page does not overwrite it.
	version := int(rep["version"].(float64))
	d["skills"] = "Суточное мониторирование АД (с другого устройства)."
	owner.must(200, "PUT", "/api/v1/applications/"+id+"/report", map[string]any{"version": version, "draft": d})
	var skills string
	step("a conflict",
		typeInto(`#sec-skills textarea`, "Текст с телефона"),
		waitFor(t, `#report-conflict`, chromedp.ByQuery),
		screenshot(t, shots, "r2-report-conflict-phone"),
		chromedp.Click(`#report-reload`, chromedp.ByQuery),
		waitFor(t, `#save-state.saved`, chromedp.ByQuery),
		chromedp.Value(`#sec-skills textarea`, &skills, chromedp.ByQuery),
	)
	if skills != "Суточное мониторирование АД (с другого устройства)." {
		t.Errorf("the latest version shown: %q", skills)
	}
	if got := owner.must(200, "GET", "/api/v1/applications/"+id+"/report", nil)["draft"].(map[string]any)["skills"]; got != skills {
		t.Errorf("the phone's stale text overwrote the other device's: %v", got)
	}

	// A phone never scrolls sideways (the table scrolls in its own box).
	var wide bool
	step("fill the rest",
		typeInto(`#sec-organization textarea`, strings.Repeat("Городская поликлиника на 750 посещений в смену. ", 6)),
		saved(),
		chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1`, &wide),
		// At the top, where the save bar starts (it then sticks to the top
		// of the window).
		chromedp.Evaluate(`window.scrollTo(0, 0)`, nil),
		look(t, shots, "r3-report-filled"),
	)
	if wide {
		t.Error("the report page scrolls sideways on a phone")
	}

	// A row of one's own in the table, with a number.
	step("a row of one's own",
		typeInto(`.add-indicator input:not(.unit)`, "Эндоскопии"),
		typeInto(`.add-indicator input.unit`, "иссл."),
		chromedp.Click(`.add-indicator button`, chromedp.ByQuery),
		waitFor(t, `[data-path="volume.2024.custom1"]`, chromedp.ByQuery),
		typeInto(`[data-path="volume.2024.custom1"]`, "57"),
		saved(),
	)
	d = owner.must(200, "GET", "/api/v1/applications/"+id+"/report", nil)["draft"].(map[string]any)
	if cs := d["custom_indicators"].([]any); len(cs) != 1 || cs[0].(map[string]any)["id"] != "custom1" ||
		d["volume"].(map[string]any)["2024"].(map[string]any)["custom1"] != float64(57) {
		t.Errorf("a row of one's own: %v, %v", d["custom_indicators"], d["volume"])
	}

	// The PDF is what was typed, with the form's and the ledger's data.
	var pdf fetched
	step("pdf", fetchInPage("/api/v1/applications/"+id+"/report/pdf", &pdf))
	if pdf.Status != 200 || pdf.Head != "%PDF" || pdf.Name != "Иванова А.С. - отчёт о профессиональной деятельности.pdf" {
		t.Errorf("the PDF link: %+v", pdf)
	}
	r := owner.call("GET", "/api/v1/applications/"+id+"/report/pdf", nil)
	pdfText := oneLine(testenv.PDFText(t, r.body))
	for _, want := range []string{duties, "Врач-терапевт участковый", "4 120", "4 350", "Доклад на региональной конференции терапевтов", "Эндоскопии, иссл.",
		"Актуальные вопросы терапии", "Петров П. П.", "Суточное мониторирование АД (с другого устройства)."} {
		if !strings.Contains(pdfText, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, pdfText)
		}
	}

	// The check page lists the report's findings with the readiness
	// warnings, each leading to the report.
	var toReport int
	step("the check page",
		navigate(t, c.base+"/app/a/"+id),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#warnings li")).filter((li) => li.textContent.startsWith("Отчёт: ") && li.querySelector("a[href$='/report']")).length`, &toReport),
	)
	if toReport == 0 {
		t.Error("the check page shows no report finding leading to the report")
	}
	step("back to the report", navigate(t, page), waitFor(t, `#sec-duties textarea`, chromedp.ByQuery))

	// Into the report's row only when asked.
	app := owner.must(200, "GET", "/api/v1/applications/"+id, nil)
	if slotOf(app, "professional_report")["status"] != "empty" {
		t.Fatal("the report's row is filled before anyone asked")
	}
	var slotNote string
	step("into the row",
		sayYes(),
		chromedp.Click(`#to-slot`, chromedp.ByQuery),
		waitFor(t, `#to-slot-state`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector("#to-slot-state").textContent.includes("помещён")`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		text(`#to-slot-state`, &slotNote),
		screenshot(t, shots, "r4-report-in-slot-phone"),
	)
	app = owner.must(200, "GET", "/api/v1/applications/"+id, nil)
	if slotOf(app, "professional_report")["status"] != "accepted" || !strings.Contains(slotNote, "без подписи") {
		t.Errorf("after «Поместить»: %v; %q", slotOf(app, "professional_report"), slotNote)
	}
}

func slotOf(app map[string]any, id string) map[string]any {
	for _, s := range app["slots"].([]any) {
		if s := s.(map[string]any); s["id"] == id {
			return s
		}
	}
	panic(fmt.Sprintf("no slot %s", id))
}

// TestWebReportConsultancy: consultancy staff find the clients whose
// report is not begun (a badge and a filter of the list), start one from
// their organization's template for the client's specialty, and save a
// client's report as a new template.
func TestWebReportConsultancy(t *testing.T) {
	c := startService(t, accessConfig(t))
	shots := artifacts(t)
	org := c.organization("consultancy", "Консалт «Портфолио»")
	staff := c.account("consultant", org, "report-staff")
	staff.must(201, "POST", "/api/v1/report-templates", map[string]any{"specialty": "Терапия", "title": "Участковый терапевт",
		"draft": map[string]any{"duties": "Приём взрослого населения участка, диспансерное наблюдение, профилактика."}})
	begun := staff.must(201, "POST", "/api/v1/applications", validForm())["id"].(string)
	staff.must(200, "PUT", "/api/v1/applications/"+begun+"/report", map[string]any{"version": 0, "draft": map[string]any{"duties": "Начато"}})
	other := validForm()
	other["specialist"].(map[string]any)["last_name"] = "Смирнова"
	empty := staff.must(201, "POST", "/api/v1/applications", other)["id"].(string)

	tab := browserTab(t)
	step := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(tab, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	var rows []string
	step("the list: reports not begun",
		signIn(t, c.base, staff.email, password, `body[data-view=list]`),
		waitFor(t, `tr[data-id="`+empty+`"] .badge.report`, chromedp.ByQuery),
		choose(`#filter-report`, "empty"),
		chromedp.Poll(`document.querySelectorAll("#applications tbody tr").length === 1`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#applications tbody tr"), (tr) => tr.dataset.id)`, &rows),
		look(t, shots, "r5-list-report-empty"),
	)
	if len(rows) != 1 || rows[0] != empty {
		t.Errorf("clients with an empty report: %v (want only %s, not %s)", rows, empty, begun)
	}
	var duties string
	step("start from the template",
		navigate(t, c.base+"/app/a/"+empty+"/report"),
		waitFor(t, `#template-start`, chromedp.ByQuery),
		look(t, shots, "r6-report-template"),
		chromedp.Click(`#template-use`, chromedp.ByQuery),
		waitFor(t, `#save-state.saved`, chromedp.ByQuery),
		chromedp.Value(`#sec-duties textarea`, &duties, chromedp.ByQuery),
	)
	if duties != "Приём взрослого населения участка, диспансерное наблюдение, профилактика." {
		t.Errorf("started from the template: %q", duties)
	}
	var startHidden bool
	step("save as a template",
		chromedp.Evaluate(`document.querySelector("#template-start").hidden`, &startHidden),
		chromedp.Evaluate(`document.querySelector("#report-templates details").open = true`, nil),
		typeInto(`#template-title`, "Терапевт поликлиники"),
		chromedp.Click(`#template-save`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelectorAll("#template-list li").length === 2`, nil, chromedp.WithPollingTimeout(20*time.Second)),
	)
	if !startHidden {
		t.Error("a begun report still offers to start from a template")
	}
	list := staff.must(200, "GET", "/api/v1/report-templates", nil)["templates"].([]any)
	if len(list) != 2 {
		t.Fatalf("templates: %v", list)
	}
	for _, tp := range list {
		if tp := tp.(map[string]any); tp["title"] == "Терапевт поликлиники" && tp["draft"].(map[string]any)["duties"] != duties {
			t.Errorf("the saved template: %v", tp)
		}
	}
}
