package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"accredpack/internal/testdocs"
)

// chromium finds Debian's chromium. The test command installs it and
// requires it (ACCREDPACK_TEST_BACKENDS=require); elsewhere its absence
// skips the browser tests.
func chromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("ACCREDPACK_TEST_BACKENDS") == "require" {
			t.Fatalf("chromium is required for the browser tests: %v", err)
		}
		t.Skip("chromium not installed")
	}
	return path
}

// artifacts is where screenshots go: ACCREDPACK_TEST_ARTIFACTS (the test
// command sets .artifacts/ in the checkout), else the test's temp folder.
func artifacts(t *testing.T) string {
	dir := os.Getenv("ACCREDPACK_TEST_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browserTab opens headless chromium with a phone-sized window.
func browserTab(t *testing.T) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.WindowSize(412, 915),
		chromedp.Flag("disable-dev-shm-usage", true))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelCtx(); cancelAlloc() })
	// The page's script errors and console lines go to the test log.
	chromedp.ListenTarget(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			t.Logf("page exception: %s", ev.ExceptionDetails.Error())
		case *runtime.EventConsoleAPICalled:
			for _, a := range ev.Args {
				t.Logf("console.%s: %s", ev.Type, a.Value)
			}
		}
	})
	return ctx
}

func screenshot(t *testing.T, dir, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var png []byte
		if err := chromedp.FullScreenshot(&png, 100).Do(ctx); err != nil {
			return err
		}
		path := filepath.Join(dir, name+".png")
		t.Logf("screenshot %s", path)
		return os.WriteFile(path, png, 0o644)
	})
}

// waitFor waits up to 30 s for a selector to be visible; when it is not,
// the page's text and a screenshot go to the log and the artifacts.
func waitFor(t *testing.T, sel string, opts ...chromedp.QueryOption) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		err := chromedp.WaitVisible(sel, opts...).Do(wctx)
		if err == nil {
			return nil
		}
		var txt, loc string
		chromedp.Evaluate(`document.body.innerText`, &txt).Do(ctx)
		chromedp.Location(&loc).Do(ctx)
		screenshot(t, artifacts(t), "failure").Do(ctx)
		return fmt.Errorf("waiting for %s at %s: %w; the page reads:\n%s", sel, loc, err, txt)
	})
}

// uploadTo puts a file into a slot row's file input and waits for the row
// to show it accepted.
func uploadTo(t *testing.T, slot, file string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.SetUploadFiles(`li[data-slot="`+slot+`"] input[type=file]`, []string{file}, chromedp.ByQuery),
		waitFor(t, `li.slot.accepted[data-slot="`+slot+`"]`, chromedp.ByQuery),
	}
}

// TestWebSpecialistJourney drives the web interface in headless chromium
// as a specialist: log in, create an application with the form, upload a
// valid PDF and a JPEG named .pdf (and read the error shown), fill every
// required slot, build the FRMR package and download it. Then consultancy
// staff see the client in their list.
func TestWebSpecialistJourney(t *testing.T) {
	c := startService(t, accessConfig(t))
	shots := artifacts(t)
	files := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pdf := write("Паспорт.pdf", testdocs.PDF(t, 2, "passport"))
	jpeg := write("фото.pdf", testdocs.JPEG(t))
	other := write("document.pdf", testdocs.PDF(t, 1, "document"))
	// The diploma and its supplement, photographed: the page composes them.
	photos := []string{write("диплом.jpg", testdocs.EncodeJPEG(t, testdocs.DocumentPhoto(1200, 900, 1), 85)),
		write("приложение.jpg", testdocs.WithEXIF(testdocs.EncodeJPEG(t, testdocs.Stored(testdocs.DocumentPhoto(900, 1200, 2), 6), 85), 6))}

	consultancy := c.organization("consultancy", "Консалт")
	owner := c.account("specialist", "", "anna")
	staff := c.account("consultant", consultancy, "maria")

	ctx := browserTab(t)
	var appURL, notPDF, notReady, ready, href, diploma string
	err := chromedp.Run(ctx,
		chromedp.Navigate(c.base+"/app/"),
		waitFor(t, `#login-form`, chromedp.ByQuery), // not logged in: sent to the login page
		chromedp.SendKeys(`#login-form input[name=email]`, owner.email, chromedp.ByQuery),
		chromedp.SendKeys(`#login-form input[name=password]`, password, chromedp.ByQuery),
		screenshot(t, shots, "01-login"),
		chromedp.Click(`#login-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#new-application`, chromedp.ByQuery),
		chromedp.Click(`#new-application`, chromedp.ByQuery),
		waitFor(t, `#application-form`, chromedp.ByQuery),
		chromedp.WaitReady(`select[name=education_level] option[value=higher]`, chromedp.ByQuery),
		// A bad SNILS first: the server's message appears next to the field.
		chromedp.SendKeys(`input[name="specialist.snils"]`, "112-233-445 96", chromedp.ByQuery),
		chromedp.Click(`input[name="specialist.last_name"]`, chromedp.ByQuery),
		waitFor(t, `//span[@data-err="specialist.snils"][normalize-space(.) != ""]`),
		screenshot(t, shots, "02-inline-validation"),
		chromedp.SetValue(`input[name="specialist.snils"]`, "112-233-445 95", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="specialist.last_name"]`, "Иванова", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="specialist.first_name"]`, "Анна", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="specialist.middle_name"]`, "Сергеевна", chromedp.ByQuery),
		chromedp.SetValue(`input[name="specialist.birth_date"]`, "1985-04-12", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="contact.phone"]`, "8 912 345-67-89", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="contact.email"]`, "anna@example.ru", chromedp.ByQuery),
		chromedp.SetValue(`select[name=education_level]`, "higher", chromedp.ByQuery),
		chromedp.SendKeys(`input[name=specialty]`, "Терапия", chromedp.ByQuery),
		chromedp.SetValue(`input[name=previous_accreditation_date]`, "2022-03-15", chromedp.ByQuery),
		chromedp.SetValue(`select[name=report_agreed]`, "true", chromedp.ByQuery),
		chromedp.Click(`input[name=consent]`, chromedp.ByQuery),
		screenshot(t, shots, "03-form"),
		chromedp.Click(`#save`, chromedp.ByQuery),
		waitFor(t, `#slots li.slot`, chromedp.ByQuery),
		chromedp.Location(&appURL),

		uploadTo(t, "identity_document", pdf),
		chromedp.SetUploadFiles(`li[data-slot="snils"] input[type=file]`, []string{jpeg}, chromedp.ByQuery),
		waitFor(t, `li[data-slot="snils"] .status.error`, chromedp.ByQuery),
		chromedp.Text(`li[data-slot="snils"] .status`, &notPDF, chromedp.ByQuery),
		screenshot(t, shots, "04-jpeg-refused"),

		uploadTo(t, "snils", other),
		chromedp.SetUploadFiles(`li[data-slot="education_diploma"] input[type=file]`, photos, chromedp.ByQuery),
		waitFor(t, `li.slot.accepted[data-slot="education_diploma"]`, chromedp.ByQuery),
		chromedp.Text(`li[data-slot="education_diploma"] .doc`, &diploma, chromedp.ByQuery),
		screenshot(t, shots, "04b-photos-composed"),
		uploadTo(t, "previous_accreditation", other),
		uploadTo(t, "qualification_certificates.1", other),
		uploadTo(t, "work_record", other),
		uploadTo(t, "professional_report", other),
		// Every document, no education yet: the page says what blocks.
		waitFor(t, `//li[contains(@class, "blocking")][contains(., "засчитано 0 ч повышения квалификации")]`),
		chromedp.Text(`#ready-line`, &notReady, chromedp.ByQuery),
		screenshot(t, shots, "05a-documents-without-education"),
		chromedp.Location(&appURL),
		chromedp.ActionFunc(func(context.Context) error {
			// The education page comes with the browser's education
			// ledger; until then the course is recorded through the API.
			owner.must(201, "POST", "/api/v1/applications/"+appURL[strings.LastIndex(appURL, "/")+1:]+"/courses", map[string]any{
				"title": "Актуальные вопросы терапии", "organization": "РМАНПО", "hours": 144, "start_date": "2024-02-01",
				"end_date": "2024-03-01", "in_specialty": true, "frdo_number": "1177-0001", "certificate_slot": "qualification_certificates.1"})
			return nil
		}),
		chromedp.Reload(),
		waitFor(t, `#ready-line.ok`, chromedp.ByQuery),
		chromedp.Text(`#ready-line`, &ready, chromedp.ByQuery),
		screenshot(t, shots, "05-ready"),

		chromedp.Click(`button.build[data-kind=frmr_package]`, chromedp.ByQuery),
		waitFor(t, `#bundles a.download`, chromedp.ByQuery),
		chromedp.AttributeValue(`#bundles a.download`, "href", &href, nil, chromedp.ByQuery),
		screenshot(t, shots, "06-package-built"),
	)
	if err != nil {
		t.Fatalf("browser: %v (at %s)", err, appURL)
	}
	if !strings.Contains(notPDF, "файл не PDF") {
		t.Errorf("error shown for a JPEG named .pdf: %q; want it to say «файл не PDF»", notPDF)
	}
	if !strings.Contains(diploma, "диплом.pdf") || !strings.Contains(diploma, "2 страницы") {
		t.Errorf("two photos of the diploma shown as %q; want one PDF of 2 pages", diploma)
	}
	if ready != "Заявление готово к подаче." {
		t.Errorf("ready line %q", ready)
	}
	if !strings.Contains(notReady, "не готово к подаче: 1 препятствие") {
		t.Errorf("documents without education: ready line %q; want one obstacle", notReady)
	}

	// The download link gives the ZIP (fetched by the page, with its cookie).
	var download struct {
		Status int    `json:"status"`
		Head   string `json:"head"`
		Size   int    `json:"size"`
	}
	err = chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`fetch(%q).then(async r => {
		const b = new Uint8Array(await r.arrayBuffer());
		return {status: r.status, head: String.fromCharCode(b[0], b[1]), size: b.length};
	})`, href), &download, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if err != nil || download.Status != 200 || download.Head != "PK" || download.Size < 1000 {
		t.Errorf("download %s: %+v, %v; want a ZIP", href, download, err)
	}
	appID := appURL[strings.LastIndex(appURL, "/")+1:]
	got := owner.must(200, "GET", "/api/v1/applications/"+appID, nil)
	if got["ready"] != true || got["specialist"].(map[string]any)["last_name"] != "Иванова" {
		t.Errorf("the application the page made: ready %v, %v", got["ready"], got["specialist"])
	}

	// Consultancy staff: the client appears in their list with readiness and
	// the submission date, once shared; a second client sorts before it.
	owner.must(201, "POST", "/api/v1/applications/"+appID+"/grants", map[string]any{"organization_id": consultancy})
	second := validForm()
	second["specialist"].(map[string]any)["last_name"] = "Андреева"
	second["previous_accreditation_date"] = "2021-12-01"
	staff.must(201, "POST", "/api/v1/applications", second)
	staffTab := browserTab(t)
	var firstRow, firstAfterClick, dueHeader string
	var rows int
	err = chromedp.Run(staffTab,
		chromedp.Navigate(c.base+"/app/login"),
		waitFor(t, `#login-form`, chromedp.ByQuery),
		chromedp.SendKeys(`#login-form input[name=email]`, staff.email, chromedp.ByQuery),
		chromedp.SendKeys(`#login-form input[name=password]`, password, chromedp.ByQuery),
		chromedp.Click(`#login-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#applications tbody tr:nth-child(2)`, chromedp.ByQuery),
		// Sorted by the submission date, earliest first; a click reverses.
		waitFor(t, `th[data-sort=due][aria-sort=ascending]`, chromedp.ByQuery),
		chromedp.Text(`#applications tbody tr:first-child`, &firstRow, chromedp.ByQuery),
		chromedp.Click(`th[data-sort=due]`, chromedp.ByQuery),
		waitFor(t, `th[data-sort=due][aria-sort=descending]`, chromedp.ByQuery),
		chromedp.AttributeValue(`th[data-sort=due]`, "aria-sort", &dueHeader, nil, chromedp.ByQuery),
		chromedp.Text(`#applications tbody tr:first-child`, &firstAfterClick, chromedp.ByQuery),
		screenshot(t, shots, "07-consultancy-list"),
		chromedp.SendKeys(`#filter-text`, "иванова", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#applications tbody tr").length`, &rows),
	)
	if err != nil {
		t.Fatalf("staff browser: %v", err)
	}
	if !strings.Contains(firstRow, "Андреева") || !strings.Contains(firstAfterClick, "Иванова") || dueHeader != "descending" {
		t.Errorf("by due date: first %q, after a click (%s) %q; want Андреева (due earlier), then Иванова", firstRow, dueHeader, firstAfterClick)
	}
	if rows != 1 {
		t.Errorf("filtered by name: %d rows; want 1", rows)
	}
}

// TestWebPages: the shells are served with a strict content policy, and
// unknown pages are 404.
func TestWebPages(t *testing.T) {
	c := startService(t, testConfig(t))
	r := c.do("GET", "/app/login", nil, "", 0, false)
	if r.status != 200 || !strings.Contains(string(r.body), `data-view="login"`) ||
		!strings.Contains(r.header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("login page: %d %q", r.status, r.header.Get("Content-Security-Policy"))
	}
	if r := c.do("GET", "/app/static/app.js", nil, "", 0, false); r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "javascript") {
		t.Errorf("script: %d %s", r.status, r.header.Get("Content-Type"))
	}
	r = c.do("GET", "/app/import", nil, "", 0, false)
	if r.status != 200 || !strings.Contains(string(r.body), `data-view="import"`) ||
		!strings.Contains(r.header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("import page: %d %q", r.status, r.header.Get("Content-Security-Policy"))
	}
	if r := c.do("GET", "/app/static/certificates-sample.csv", nil, "", 0, false); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Errorf("sample CSV: %d %s", r.status, r.header.Get("Content-Type"))
	}
	for _, p := range []string{"/app/a/../../etc/passwd", "/app/a/xyz", "/app/nothing", "/app/import/x"} {
		if r := c.do("GET", p, nil, "", 0, false); r.status != 404 {
			t.Errorf("%s: %d; want 404", p, r.status)
		}
	}
	if r := c.do("GET", "/", nil, "", 0, false); r.status != 200 || !strings.Contains(string(r.body), `data-view="list"`) {
		t.Errorf("/ leads to the list page: %d", r.status)
	}
}

// signIn logs in on the login page and waits for the list page.
func signIn(t *testing.T, base, email string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(base + "/app/login"),
		waitFor(t, `#login-form`, chromedp.ByQuery),
		chromedp.SendKeys(`#login-form input[name=email]`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#login-form input[name=password]`, password, chromedp.ByQuery),
		chromedp.Click(`#login-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `body[data-view=list] #who:not(:empty)`, chromedp.ByQuery),
	}
}

// TestWebCertificateImport drives the import page as a training center's
// staff: the list and the header lead there; a CSV with Russian column names and a ZIP
// with one PDF, sent with a double click, gives a report of one added row
// (the certificate in the shared application) and one refused; the batch
// ran once. A CSV with an unknown column shows the API's message. A
// specialist opening the page is told only training centers import.
func TestWebCertificateImport(t *testing.T) {
	c := startService(t, accessConfig(t))
	shots := artifacts(t)
	org := c.organization("training_center", "УЦ «Веб»")
	center := c.account("training_center", org, "web-center")
	owner := c.account("specialist", "", "web-owner")
	a := owner.must(201, "POST", "/api/v1/applications", validForm())["id"].(string)
	code := owner.must(201, "POST", "/api/v1/applications/"+a+"/share-codes", nil)["code"]
	center.must(200, "POST", "/api/v1/share-codes/redeem", map[string]any{"code": code})

	files := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cert := testdocs.PDF(t, 1, "удостоверение")
	batch := write("выгрузка.csv", []byte("\uFEFFСНИЛС;Название программы;Часы;Дата начала;Дата окончания;Номер ФРДО;По специальности;Файл\r\n"+
		"112-233-445 95;Актуальные вопросы терапии;36;01.02.2025;20.02.2025;В-1;да;2025/ivanova.pdf\r\n"+
		"026-002-389 00;Кардиология;18;01.03.2025;05.03.2025;В-2;нет;\r\n"))
	archive := write("удостоверения.zip", zipFiles(t, "2025/ivanova.pdf", cert))
	bad := write("bad.csv", []byte("СНИЛС;Название программы;Часы;Дата начала;Дата окончания;Номер ФРДО;Оценка\r\n"))

	type reportRow struct {
		Row, Status, Text string
	}
	var rows []reportRow
	var summary, whole string
	var sendDisabled bool
	ctx := browserTab(t)
	err := chromedp.Run(ctx,
		signIn(t, c.base, center.email),
		// The list has nothing for a center but the way to the import.
		waitFor(t, `#main-import a[href="/app/import"]`, chromedp.ByQuery),
		chromedp.Click(`#nav-import`, chromedp.ByQuery),
		waitFor(t, `#import-form`, chromedp.ByQuery),
		chromedp.SetUploadFiles(`#import-form input[name=batch]`, []string{batch}, chromedp.ByQuery),
		chromedp.SetUploadFiles(`#import-form input[name=files]`, []string{archive}, chromedp.ByQuery),
		screenshot(t, shots, "08-import-form"),
		chromedp.DoubleClick(`#import-send`, chromedp.ByQuery),
		waitFor(t, `#import-rows tbody tr[data-status=refused]`, chromedp.ByQuery),
		chromedp.Text(`#import-summary`, &summary, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#import-rows tbody tr"), (tr) => ({Row: tr.dataset.row, Status: tr.dataset.status, Text: tr.innerText}))`, &rows),
		chromedp.Evaluate(`document.querySelector("#import-send").disabled`, &sendDisabled),
		screenshot(t, shots, "09-import-report"),
		// A whole batch refused: the API's message.
		chromedp.SetUploadFiles(`#import-form input[name=batch]`, []string{bad}, chromedp.ByQuery),
		chromedp.Click(`#import-send`, chromedp.ByQuery),
		waitFor(t, `#flash.error`, chromedp.ByQuery),
		chromedp.Text(`#flash`, &whole, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if !strings.Contains(summary, "Строк: 2") || !strings.Contains(summary, "добавлено: 1") || !strings.Contains(summary, "отказано: 1") {
		t.Errorf("summary %q", summary)
	}
	if len(rows) != 2 || rows[0].Row != "2" || rows[0].Status != "added" || !strings.Contains(rows[0].Text, "***-***-*** 95") ||
		!strings.Contains(rows[0].Text, "добавлено") || !strings.Contains(rows[0].Text, a) || !strings.Contains(rows[0].Text, "удостоверение в строке 1") ||
		rows[1].Row != "3" || rows[1].Status != "refused" || !strings.Contains(rows[1].Text, "отказано") || !strings.Contains(rows[1].Text, "Нет доступа") {
		t.Errorf("report rows: %+v", rows)
	}
	if sendDisabled {
		t.Error("the send button stays disabled after the report")
	}
	if !strings.Contains(whole, "Неизвестный столбец «Оценка»") {
		t.Errorf("a batch with an unknown column: the page says %q", whole)
	}
	courses, certs := appState(t, owner, a)
	if len(courses) != 1 || courses["В-1"] != "qualification_certificates.1|УЦ «Веб»" || certs["qualification_certificates.1"] != sum(cert) {
		t.Errorf("the shared application after the import: courses %v, certificates %v", courses, certs)
	}
	// The double click sent the batch once: one import line on the application.
	imports := 0
	for _, e := range owner.must(200, "GET", "/api/v1/me/audit?limit=1000", nil)["items"].([]any) {
		if e.(map[string]any)["action"] == "certificates.import" {
			imports++
		}
	}
	if imports != 1 {
		t.Errorf("%d certificates.import audit lines; want 1 (one batch, one application)", imports)
	}

	// A specialist: no link in the header, and the page says who may import.
	var refused string
	var navHidden, formShown bool
	err = chromedp.Run(ctx,
		chromedp.Click(`#logout`, chromedp.ByQuery),
		waitFor(t, `#login-form`, chromedp.ByQuery),
		signIn(t, c.base, owner.email),
		chromedp.Evaluate(`document.querySelector("#nav-import").hidden`, &navHidden),
		chromedp.Navigate(c.base+"/app/import"),
		waitFor(t, `#import-refused`, chromedp.ByQuery),
		chromedp.Text(`#import-refused`, &refused, chromedp.ByQuery),
		chromedp.Evaluate(`!!document.querySelector("#import-form").offsetParent`, &formShown),
		screenshot(t, shots, "10-import-not-a-center"),
	)
	if err != nil {
		t.Fatalf("specialist browser: %v", err)
	}
	if !strings.Contains(refused, "только учебные центры") || formShown || !navHidden {
		t.Errorf("a specialist on the import page: %q, form shown %v, header link hidden %v", refused, formShown, navHidden)
	}
}
