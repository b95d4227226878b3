package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"accredpack/internal/testdocs"
)

// TestWebStaffWorkspace: a consultancy's staff member works through the
// client list in the browser, at a phone and a desktop size: more clients
// than one page (the next page on request); an overdue, expired client
// stands out; found by a SNILS typed with dashes and by a surname typed
// in lower case; sorted by the last day to submit; a client assigned to
// oneself and found under «мои клиенты»; the view exported as CSV and
// XLSX; two clients' packages built in one go, the ready one downloadable
// and the other explaining why not.
func TestWebStaffWorkspace(t *testing.T) {
	c := startService(t, accessConfig(t))
	shots := artifacts(t)
	consultancy := c.organization("consultancy", "Консалт «Аккредитация»")
	maria := c.person("consultant", consultancy, "maria", "Мария Петрова")
	c.person("consultant", consultancy, "ivan", "Иван Сомов")

	today := time.Now().UTC()
	day := func(years, months int) string { return today.AddDate(-years, -months, 0).Format(time.DateOnly) }
	client := func(last, first, snils, specialty, previous string) string {
		f := validForm()
		f["specialist"] = map[string]any{"last_name": last, "first_name": first, "middle_name": "Петрович", "snils": snils, "birth_date": "1980-01-15"}
		f["specialty"], f["previous_accreditation_date"] = specialty, previous
		return maria.must(201, "POST", "/api/v1/applications", f)["id"].(string)
	}
	// 28 clients: more than one page of 25.
	expired := client("Семёнов", "Олег", "112-233-445 95", "Хирургия", day(5, 2))
	ready := client("Алексеева", "Елена", "087-654-303 00", "Терапия", day(4, 8))
	notReady := client("Борисов", "Глеб", "156-973-012 95", "Терапия", day(4, 6))
	for i := 0; i < 25; i++ {
		client("Клиентов", "Пётр", "111-222-333 72", "Педиатрия", "")
	}
	base := "/api/v1/applications/" + ready
	for i, slot := range []string{"identity_document", "snils", "education_diploma", "previous_accreditation",
		"qualification_certificates.1", "work_record", "professional_report"} {
		maria.must(201, "PUT", base+"/slots/"+slot+"/file", testdocs.PDF(t, 1+i%2, slot))
	}
	end := today.AddDate(-1, 0, 0).Format(time.DateOnly)
	maria.must(201, "POST", base+"/courses", map[string]any{"title": "Актуальные вопросы терапии", "organization": "РМАНПО", "hours": 144,
		"start_date": end, "end_date": end, "in_specialty": true, "frdo_number": "1177-0001", "certificate_slot": "qualification_certificates.1"})
	if app := maria.must(200, "GET", base, nil); app["ready"] != true {
		t.Fatalf("the ready client is not ready: %v", app["blocking"])
	}

	tab := browserTab(t)
	step := func(what string, actions ...chromedp.Action) {
		t.Helper()
		started := time.Now()
		defer func() { t.Logf("%s: %s", what, time.Since(started).Round(time.Millisecond)) }()
		if err := chromedp.Run(tab, actions...); err != nil {
			var page string
			chromedp.Run(tab, chromedp.Evaluate(`document.querySelector("main").innerText`, &page))
			t.Fatalf("%s: %v; the page reads:\n%s", what, err, page)
		}
	}
	// onlyRows waits until the list shows exactly these clients (by
	// surname, in order); none given: a full first page.
	onlyRows := func(names ...string) chromedp.Action {
		if names == nil {
			names = []string{}
		}
		js := fmt.Sprintf(`(() => { const rows = Array.from(document.querySelectorAll("#applications tbody tr"), (r) => r.textContent);
			if (document.querySelector("#applications").getAttribute("aria-busy") === "true") return false;
			const want = %s; return want.length ? rows.length === want.length && want.every((n, i) => rows[i].includes(n)) : rows.length === 25; })()`, jsonString(names))
		return chromedp.Poll(js, nil, chromedp.WithPollingTimeout(30*time.Second))
	}
	rows := func(out *int) chromedp.Action {
		return chromedp.Evaluate(`document.querySelectorAll("#applications tbody tr").length`, out)
	}
	var first, afterMore, flagged int
	var firstRow, shown string
	step("the list, sorted by the last day to submit",
		signIn(t, c.base, maria.email, password, `body[data-view=list]`),
		waitFor(t, `#applications tbody tr`, chromedp.ByQuery),
		rows(&first),
		text(`#applications tbody tr`, &firstRow),
		text(`#shown`, &shown),
		chromedp.Evaluate(`document.querySelectorAll("#applications tbody tr.attention").length`, &flagged),
		look(t, shots, "20-staff-list"),
		chromedp.Click(`#more`, chromedp.ByQuery),
		waitFor(t, `#applications tbody tr:nth-child(28)`, chromedp.ByQuery),
		rows(&afterMore),
	)
	if first != 25 || afterMore != 28 {
		t.Errorf("pages: %d, then %d rows; want 25, then 28", first, afterMore)
	}
	if !strings.Contains(firstRow, "Семёнов Олег") || !strings.Contains(firstRow, "срок подачи прошёл") || !strings.Contains(firstRow, "аккредитация истекла") {
		t.Errorf("the first row (earliest due, overdue and expired): %q", firstRow)
	}
	if flagged != 1 {
		t.Errorf("%d rows stand out; want 1", flagged)
	}
	if !strings.Contains(shown, "есть ещё") {
		t.Errorf("the count says %q", shown)
	}

	var bySNILS, byName int
	var snilsRow string
	step("search",
		typeInto(`#filter-text`, "087-654-303 00"),
		onlyRows("Алексеева"),
		rows(&bySNILS),
		text(`#applications tbody tr`, &snilsRow),
		look(t, shots, "21-staff-search-snils"),
		typeInto(`#filter-text`, "семенов"),
		onlyRows("Семёнов"),
		rows(&byName),
	)
	if bySNILS != 1 || !strings.Contains(snilsRow, "Алексеева") || byName != 1 {
		t.Errorf("search: %d by SNILS (%q), %d by name", bySNILS, snilsRow, byName)
	}

	// Assign the overdue client to oneself; «мои клиенты» finds them.
	var mine int
	var mineRow string
	step("assign",
		choose(`#applications tbody tr select`, maria.userID),
		waitFor(t, `#flash.ok`, chromedp.ByQuery),
		typeInto(`#filter-text`, ""),
		onlyRows(), // every client again
		choose(`#filter-assignee`, "me"),
		onlyRows("Семёнов"),
		rows(&mine),
		text(`#applications tbody tr`, &mineRow),
		look(t, shots, "22-staff-mine"),
	)
	if mine != 1 || !strings.Contains(mineRow, "Семёнов") {
		t.Errorf("мои клиенты: %d rows, %q", mine, mineRow)
	}

	// The export of the view («мои клиенты»): one client.
	var csvHref, xlsxHref string
	var csvFile, xlsxFile fetched
	var csvText string
	step("export",
		chromedp.AttributeValue(`#export-csv`, "href", &csvHref, nil, chromedp.ByQuery),
		chromedp.AttributeValue(`#export-xlsx`, "href", &xlsxHref, nil, chromedp.ByQuery),
	)
	step("export files",
		fetchInPage(csvHref, &csvFile),
		fetchInPage(xlsxHref, &xlsxFile),
		chromedp.Evaluate(fmt.Sprintf(`fetch(%q).then(r => r.text())`, csvHref), &csvText, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	if csvFile.Status != 200 || !strings.HasSuffix(csvFile.Name, ".csv") || xlsxFile.Status != 200 || !strings.HasPrefix(xlsxFile.Head, "PK") {
		t.Errorf("exports: %+v, %+v", csvFile, xlsxFile)
	}
	if lines := strings.Split(strings.TrimSpace(csvText), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "Семёнов Олег Петрович") ||
		!strings.Contains(lines[1], "112-233-445 95") || !strings.Contains(lines[1], "Мария Петрова") {
		t.Errorf("the CSV of «мои клиенты»: %q", csvText)
	}

	// Two clients' packages at once: the ready one built, the other not.
	var status, readyCell, notReadyCell string
	step("build two packages",
		choose(`#filter-assignee`, ""),
		onlyRows(),
		typeInto(`#filter-text`, "терапия"),
		onlyRows("Алексеева", "Борисов"),
		chromedp.Click(`#pick-all`, chromedp.ByQuery),
		chromedp.Click(`#bulk-build`, chromedp.ByQuery),
		waitFor(t, fmt.Sprintf(`td[data-build=%q] a`, ready), chromedp.ByQuery),
		chromedp.Poll(`document.querySelector("#bulk-status").textContent.includes("Обработано 2 из 2")`, nil, chromedp.WithPollingTimeout(60*time.Second)),
		text(`#bulk-status`, &status),
		text(fmt.Sprintf(`td[data-build=%q]`, ready), &readyCell),
		text(fmt.Sprintf(`td[data-build=%q]`, notReady), &notReadyCell),
		look(t, shots, "23-staff-bulk-build"),
	)
	if !strings.Contains(status, "собрано пакетов: 1") || !strings.Contains(readyCell, "скачать") || !strings.Contains(notReadyCell, "не собрано") {
		t.Errorf("bulk build: %q; ready row %q; not ready row %q", status, readyCell, notReadyCell)
	}
	var pkg fetched
	var href string
	step("download the package",
		chromedp.AttributeValue(fmt.Sprintf(`td[data-build=%q] a`, ready), "href", &href, nil, chromedp.ByQuery))
	step("download", fetchInPage(href, &pkg))
	if pkg.Status != 200 || !strings.HasPrefix(pkg.Head, "PK") {
		t.Errorf("the package: %+v", pkg)
	}
	_ = expired
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
