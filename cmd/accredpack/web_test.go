package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
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

// The two sizes every page is looked at: a phone and a desktop.
var (
	phone   = [2]int64{390, 844}
	desktop = [2]int64{1366, 900}
)

// browserTab opens headless chromium with a phone-sized window.
func browserTab(t *testing.T) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.WindowSize(int(phone[0]), int(phone[1])),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "ru-RU"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTime := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelCtx(); cancelAlloc() })
	// The page's script errors and console lines go to the test log; an
	// exception fails the test.
	chromedp.ListenTarget(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			t.Errorf("page exception: %s", ev.ExceptionDetails.Error())
		case *runtime.EventConsoleAPICalled:
			for _, a := range ev.Args {
				t.Logf("console.%s: %s", ev.Type, a.Value)
			}
		}
	})
	if err := chromedp.Run(ctx, emulation.SetDeviceMetricsOverride(phone[0], phone[1], 1, true)); err != nil {
		t.Fatalf("browser: %v", err)
	}
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

// look is a person looking at the page: a screenshot at the desktop and the
// phone size (name-desktop.png, name-phone.png), and axe-core's check of
// its accessibility at both; serious or critical violations fail the test.
// The tab is left at the phone size.
func look(t *testing.T, dir, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for _, size := range []struct {
			name string
			wh   [2]int64
		}{{"desktop", desktop}, {"phone", phone}} {
			if err := emulation.SetDeviceMetricsOverride(size.wh[0], size.wh[1], 1, size.name == "phone").Do(ctx); err != nil {
				return err
			}
			if err := chromedp.Sleep(150 * time.Millisecond).Do(ctx); err != nil {
				return err
			}
			if err := screenshot(t, dir, name+"-"+size.name).Do(ctx); err != nil {
				return err
			}
			if err := axeCheck(t, name+" ("+size.name+")").Do(ctx); err != nil {
				return err
			}
		}
		var text string
		if err := chromedp.Evaluate(`document.body.innerText`, &text).Do(ctx); err != nil {
			return err
		}
		if w := englishWords.FindAllString(text, -1); len(w) > 0 {
			t.Errorf("%s: English words reach the person: %v", name, w)
		}
		return nil
	})
}

// axeCheck runs axe-core (installed by the test command from npm) in the
// page and reports serious and critical violations.
func axeCheck(t *testing.T, where string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		path := os.Getenv("ACCREDPACK_TEST_AXE")
		if path == "" {
			if os.Getenv("ACCREDPACK_TEST_BACKENDS") == "require" {
				t.Fatal("ACCREDPACK_TEST_AXE is not set: the test command installs axe-core")
			}
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("axe-core: %v", err)
		}
		var loaded bool
		if err := chromedp.Evaluate(string(src)+";\ntypeof axe === 'object'", &loaded).Do(ctx); err != nil || !loaded {
			return fmt.Errorf("axe-core did not load: %v", err)
		}
		var violations []struct {
			ID, Impact, Help string
			Nodes            []struct{ Target []any }
		}
		run := `axe.run(document, {resultTypes: ["violations"]}).then((r) => r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
			.map((v) => ({ID: v.id, Impact: v.impact, Help: v.help, Nodes: v.nodes.map((n) => ({Target: n.target}))})))`
		if err := chromedp.Evaluate(run, &violations, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }).Do(ctx); err != nil {
			return fmt.Errorf("axe-core: %w", err)
		}
		for _, v := range violations {
			targets, _ := json.Marshal(v.Nodes)
			t.Errorf("accessibility, %s: %s (%s): %s at %s", where, v.ID, v.Impact, v.Help, targets)
		}
		return nil
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
func uploadTo(t *testing.T, slot string, files ...string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.SetUploadFiles(`li[data-slot="`+slot+`"] input[type=file]`, files, chromedp.ByQuery),
		waitFor(t, `li.slot.accepted[data-slot="`+slot+`"]`, chromedp.ByQuery),
	}
}

// typeInto replaces an input's value by typing, as a person does.
func typeInto(sel, text string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = ""; e.dispatchEvent(new Event("input", {bubbles: true})); })()`, sel), nil),
		chromedp.SendKeys(sel, text, chromedp.ByQuery),
	}
}

// choose picks an option of a select and tells the page, as a person's
// choice does.
func choose(sel, value string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.SetValue(sel, value, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event("change", {bubbles: true}))`, sel), nil),
	}
}

// signIn logs in on the login page and waits for the page after it.
func signIn(t *testing.T, base, email, pw, next string) chromedp.Tasks {
	return chromedp.Tasks{
		navigate(t, base+"/app/login"),
		waitFor(t, `#login-form`, chromedp.ByQuery),
		chromedp.SendKeys(`#login-form input[name=email]`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#login-form input[name=password]`, pw, chromedp.ByQuery),
		chromedp.Click(`#login-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, next+`[data-ready] #who:not(:empty)`, chromedp.ByQuery),
	}
}

// navigate opens a page and waits until its script has done its first work.
func navigate(t *testing.T, url string) chromedp.Tasks {
	return chromedp.Tasks{chromedp.Navigate(url), pageReady(t)}
}

// pageReady waits for the page's script to finish its first work and fails
// when it failed.
func pageReady(t *testing.T) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := waitFor(t, `body[data-ready]`, chromedp.ByQuery).Do(ctx); err != nil {
			return err
		}
		var state, flash string
		chromedp.Evaluate(`document.body.dataset.ready`, &state).Do(ctx)
		if state == "error" {
			chromedp.Evaluate(`document.querySelector("#flash").textContent`, &flash).Do(ctx)
			return fmt.Errorf("the page's script failed: %s", flash)
		}
		return nil
	})
}

// englishWords are words of the code that must never reach a person.
var englishWords = regexp.MustCompile(`(?i)\b(fields?|not found|undefined|null|NaN|error|submitted|draft|queued|running|failed|true|false|object)\b`)

// text reads an element's text.
func text(sel string, out *string) chromedp.Action { return chromedp.Text(sel, out, chromedp.ByQuery) }

// fetchInPage downloads a link with the page's own cookie and tells its
// status, first bytes, size and the name the server gives it.
type fetched struct {
	Status int    `json:"status"`
	Head   string `json:"head"`
	Size   int    `json:"size"`
	Name   string `json:"name"`
	Inline bool   `json:"inline"`
}

func fetchInPage(href string, out *fetched) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var raw string
		err := chromedp.Evaluate(fmt.Sprintf(`fetch(%q).then(async r => {
			const b = new Uint8Array(await r.arrayBuffer());
			const cd = r.headers.get("Content-Disposition") || "";
			const m = /filename\*=utf-8''([^;]+)/i.exec(cd) || /filename="([^"]+)"/.exec(cd);
			return JSON.stringify({status: r.status, head: String.fromCharCode(b[0], b[1], b[2], b[3]), size: b.length,
				name: m ? decodeURIComponent(m[1]) : "", inline: cd.startsWith("inline")});
		})`, href), &raw, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }).Do(ctx)
		if err != nil {
			return fmt.Errorf("fetch %s: %w", href, err)
		}
		if err := json.Unmarshal([]byte(raw), out); err != nil {
			return fmt.Errorf("fetch %s: %q: %w", href, raw, err)
		}
		return nil
	})
}

// TestWebPages: the shells are served with a strict content policy, every
// page's module is there, and unknown pages are a Russian 404.
func TestWebPages(t *testing.T) {
	c := startService(t, testConfig(t))
	r := c.do("GET", "/app/login", nil, "", 0, false)
	if r.status != 200 || !strings.Contains(string(r.body), `data-view="login"`) ||
		!strings.Contains(r.header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("login page: %d %q", r.status, r.header.Get("Content-Security-Policy"))
	}
	for _, p := range []string{"/app/static/main.js", "/app/static/js/core.js", "/app/static/js/pages/education.js"} {
		if r := c.do("GET", p, nil, "", 0, false); r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "javascript") {
			t.Errorf("%s: %d %s", p, r.status, r.header.Get("Content-Type"))
		}
	}
	if r := c.do("GET", "/app/static/certificates-sample.csv", nil, "", 0, false); r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Errorf("sample CSV: %d %s", r.status, r.header.Get("Content-Type"))
	}
	for _, p := range []string{"/app/a/xyz", "/app/nothing", "/app/import/x", "/app/a/" + strings.Repeat("ab", 12) + "/nope"} {
		if r := c.do("GET", p, nil, "", 0, false); r.status != 404 || !strings.Contains(string(r.body), "Такой страницы нет") {
			t.Errorf("%s: %d; want the Russian 404 page", p, r.status)
		}
	}
	// Out of /app (a path cleaned of its dots leaves it): the API's own 404, in Russian too.
	if r := c.do("GET", "/app/a/../../etc/passwd", nil, "", 0, false); r.status != 404 || strings.Contains(string(r.body), "page not found") || !strings.Contains(string(r.body), "Такого адреса нет") {
		t.Errorf("/etc/passwd: %d %s", r.status, r.body)
	}
	if r := c.do("GET", "/", nil, "", 0, false); r.status != 200 || !strings.Contains(string(r.body), `data-view="list"`) {
		t.Errorf("/ leads to the list page: %d", r.status)
	}
}

// TestWebJourney: a specialist does the whole job in the browser, at a
// phone size, every page looked at (screenshots and axe-core) at the phone
// and the desktop size: signs up; saves the form empty and sees a message
// at every required field; fills it (the report not agreed asks why);
// uploads every document (a JPEG named .pdf refused on its row); records
// two courses and NMO activities until the rules are met, «Готово к
// подаче» appearing only then; shares with a consultancy and, by a code,
// with a training center, which redeems it and imports a certificate;
// builds and downloads both bundles, again after a reload; copies the
// portal's values; marks the application submitted; changes the password.
// Consultancy staff see the client in their list.
func TestWebJourney(t *testing.T) {
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
	doc := write("скан.pdf", testdocs.PDF(t, 1, "document"))
	photos := []string{write("диплом.jpg", testdocs.EncodeJPEG(t, testdocs.DocumentPhoto(1200, 900, 1), 85)),
		write("приложение.jpg", testdocs.WithEXIF(testdocs.EncodeJPEG(t, testdocs.Stored(testdocs.DocumentPhoto(900, 1200, 2), 6), 85), 6))}
	consultancy := c.organization("consultancy", "Консалт «Аккредитация»")
	staff := c.account("consultant", consultancy, "maria")
	centerOrg := c.organization("training_center", "УЦ «Профессионал»")
	center := c.account("training_center", centerOrg, "center")
	email := unique("anna") + "@example.ru"
	const newPassword = "новый пароль для входа"

	tab := browserTab(t)
	var appURL string
	step := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(tab, actions...); err != nil {
			t.Fatalf("%s: %v (at %s)", what, err, appURL)
		}
	}

	// Sign up: the sign-up form says what is wrong on itself; then the new
	// application's first step.
	var signupErr string
	step("sign up",
		navigate(t, c.base+"/app/login"),
		waitFor(t, `#register-form`, chromedp.ByQuery),
		look(t, shots, "01-login"),
		chromedp.SendKeys(`#register-form input[name=name]`, "Анна Иванова", chromedp.ByQuery),
		chromedp.SendKeys(`#register-form input[name=email]`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#register-form input[name=password]`, "short", chromedp.ByQuery),
		chromedp.Click(`#register-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#register-form [data-err=password]:not(:empty)`, chromedp.ByQuery),
		text(`#register-form [data-err=password]`, &signupErr),
		typeInto(`#register-form input[name=password]`, password),
		chromedp.Click(`#register-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `body[data-view=new] #application-form`, chromedp.ByQuery),
		chromedp.WaitReady(`select[name=education_level] option[value=higher]`, chromedp.ByQuery),
	)
	if signupErr == "" {
		t.Error("a short password: no message on the sign-up form")
	}

	// The form saved empty: a message at every required field and a summary.
	var errs map[string]string
	var summaryLinks int
	required := []string{"education_level", "specialty", "specialist.last_name", "specialist.first_name", "specialist.snils",
		"specialist.birth_date", "contact.phone", "contact.email", "report_agreed", "consent"}
	step("save empty",
		chromedp.Click(`#save`, chromedp.ByQuery),
		waitFor(t, `.error-summary`, chromedp.ByQuery),
		chromedp.Evaluate(`Object.fromEntries(Array.from(document.querySelectorAll("[data-err]"), (s) => [s.dataset.err, s.textContent]))`, &errs),
		chromedp.Evaluate(`document.querySelectorAll(".error-summary li a").length`, &summaryLinks),
		look(t, shots, "02-form-saved-empty"),
	)
	for _, f := range required {
		if errs[f] == "" {
			t.Errorf("saved empty: no message at %s", f)
		}
	}
	if summaryLinks < len(required) {
		t.Errorf("the summary links %d fields; want %d", summaryLinks, len(required))
	}
	// Leaving a field checks it, and leaves the others' messages alone;
	// dates are typed as ДД.ММ.ГГГГ.
	var snilsErr, lastNameErr, lastNameAfter, reasonShown string
	step("fill the form",
		chromedp.SendKeys(`input[name="specialist.snils"]`, "112-233-445 96", chromedp.ByQuery),
		chromedp.Focus(`input[name="specialist.first_name"]`, chromedp.ByQuery),
		waitFor(t, `[data-err="specialist.snils"]:not(:empty)`, chromedp.ByQuery),
		text(`[data-err="specialist.snils"]`, &snilsErr),
		text(`[data-err="specialist.last_name"]`, &lastNameErr),
		typeInto(`input[name="specialist.snils"]`, "112-233-445 95"),
		chromedp.SendKeys(`input[name="specialist.last_name"]`, "Иванова", chromedp.ByQuery),
		text(`[data-err="specialist.last_name"]`, &lastNameAfter),
		chromedp.SendKeys(`input[name="specialist.first_name"]`, "Анна", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="specialist.middle_name"]`, "Сергеевна", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="specialist.birth_date"]`, "12041985", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="contact.phone"]`, "8 912 345-67-89", chromedp.ByQuery),
		chromedp.SendKeys(`input[name="contact.email"]`, "anna@example.ru", chromedp.ByQuery),
		choose(`select[name=education_level]`, "higher"),
		chromedp.SendKeys(`input[name=specialty]`, "Терапия", chromedp.ByQuery),
		chromedp.SendKeys(`input[name=previous_accreditation_date]`, "15.03.2022", chromedp.ByQuery),
		choose(`select[name=report_agreed]`, "false"),
		waitFor(t, `select[name=report_not_agreed_reason]`, chromedp.ByQuery),
		text(`[data-question=report_not_agreed_reason] .q-title`, &reasonShown),
		choose(`select[name=report_not_agreed_reason]`, "head_refused"),
		chromedp.Click(`input[name=consent]`, chromedp.ByQuery),
		look(t, shots, "03-form-filled"),
		chromedp.Click(`#save`, chromedp.ByQuery),
		waitFor(t, `body[data-view=documents] #slots li.slot`, chromedp.ByQuery),
		chromedp.Location(&appURL),
	)
	if !strings.Contains(snilsErr, "СНИЛС") || lastNameErr == "" || lastNameAfter != "" {
		t.Errorf("leaving the SNILS: %q; the last name's message kept: %q, and gone once it changed: %q", snilsErr, lastNameErr, lastNameAfter)
	}
	if !strings.Contains(reasonShown, "Почему отчёт не согласован") {
		t.Errorf("the reason question: %q", reasonShown)
	}
	appID := strings.Split(strings.TrimPrefix(appURL, c.base+"/app/a/"), "/")[0]

	// Documents: a JPEG named .pdf refused, its explanation kept on its row
	// while other rows change; the diploma from two photos; every required row.
	var refusal, stillRefused, stepOf, diploma, origins, openHref string
	step("documents",
		text(`#steps .step-of`, &stepOf),
		chromedp.SetUploadFiles(`li[data-slot="snils"] input[type=file]`, []string{jpeg}, chromedp.ByQuery),
		waitFor(t, `li[data-slot="snils"] .status.error`, chromedp.ByQuery),
		text(`li[data-slot="snils"] .status`, &refusal),
		uploadTo(t, "identity_document", pdf),
		text(`li[data-slot="snils"] .status`, &stillRefused),
		look(t, shots, "04-documents-refused-row"),
		uploadTo(t, "snils", doc),
		uploadTo(t, "education_diploma", photos...),
		text(`li[data-slot="education_diploma"] .doc`, &diploma),
		uploadTo(t, "previous_accreditation", doc),
		uploadTo(t, "qualification_certificates.1", doc),
		uploadTo(t, "work_record", doc),
		uploadTo(t, "professional_report", doc),
		uploadTo(t, "report_refusal", doc),
		waitFor(t, `#docs-summary.ok`, chromedp.ByQuery),
		// The diploma's row tells what it was made from.
		chromedp.Click(`li[data-slot="education_diploma"] button.link`, chromedp.ByQuery),
		waitFor(t, `li[data-slot="education_diploma"] .more ul.sources`, chromedp.ByQuery),
		text(`li[data-slot="education_diploma"] .more`, &origins),
		chromedp.AttributeValue(`li[data-slot="identity_document"] a[target=_blank]`, "href", &openHref, nil, chromedp.ByQuery),
		look(t, shots, "05-documents-all"),
	)
	if !strings.Contains(origins, "собран из") || !strings.Contains(origins, "диплом.jpg") || !strings.Contains(origins, "приложение.jpg") {
		t.Errorf("the diploma's originals: %q", origins)
	}
	if stepOf != "Шаг 2 из 5: Документы" {
		t.Errorf("documents page: %q", stepOf)
	}
	if !strings.Contains(strings.ToLower(refusal), "файл не pdf") || stillRefused != refusal {
		t.Errorf("a JPEG named .pdf: %q, after another row changed: %q", refusal, stillRefused)
	}
	if !strings.Contains(diploma, "2 страницы") {
		t.Errorf("two photos of the diploma: %q", diploma)
	}

	// The check: not ready, education first among what blocks.
	var verdict, summary string
	step("check before education",
		navigate(t, appURL[:strings.Index(appURL, "/documents")]),
		waitFor(t, `#verdict.warn`, chromedp.ByQuery),
		text(`#verdict`, &verdict),
		text(`#summary-list`, &summary),
		look(t, shots, "06-check-not-ready"),
	)
	if verdict != "Пока не готово к подаче: 1 препятствие" || !strings.Contains(summary, "Документы: 8 из 8") || !strings.Contains(summary, "0 из 144 ч") {
		t.Errorf("before education: %q / %q", verdict, summary)
	}

	// Education: two courses (the second's certificate uploaded on the
	// spot), then NMO activities; a code typed any way is normalized, a
	// code used twice refused with the API's message; ready only when a
	// rule set is met.
	base := c.base + "/app/a/" + appID
	var code, dupErr, notYet, bars string
	step("education",
		navigate(t, base+"/education"),
		waitFor(t, `#course-form`, chromedp.ByQuery),
		look(t, shots, "07-education-empty"),
		chromedp.SendKeys(`#course-form [name=title]`, "Актуальные вопросы терапии", chromedp.ByQuery),
		chromedp.SendKeys(`#course-form [name=organization]`, "РМАНПО", chromedp.ByQuery),
		chromedp.SendKeys(`#course-form [name=hours]`, "74", chromedp.ByQuery),
		chromedp.SendKeys(`#course-form [name=start_date]`, "01.02.2024", chromedp.ByQuery),
		chromedp.SendKeys(`#course-form [name=end_date]`, "01032024", chromedp.ByQuery),
		chromedp.SendKeys(`#course-form [name=frdo_number]`, "1177-0001", chromedp.ByQuery),
		chromedp.SetValue(`#course-form [name=certificate_slot]`, "qualification_certificates.1", chromedp.ByQuery),
		chromedp.Click(`#course-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#courses li[data-course]`, chromedp.ByQuery),
		chromedp.SendKeys(`#course-form [name=title]`, "Кардиология для терапевтов", chromedp.ByQuery),
		chromedp.SendKeys(`#course-form [name=organization]`, "УЦ «Профессионал»", chromedp.ByQuery),
		chromedp.SendKeys(`#course-form [name=hours]`, "36", chromedp.ByQuery),
		chromedp.SendKeys(`#course-form [name=start_date]`, "01.09.2024", chromedp.ByQuery),
		chromedp.SendKeys(`#course-form [name=end_date]`, "20.09.2024", chromedp.ByQuery),
		chromedp.Click(`#course-form [name=in_specialty]`, chromedp.ByQuery),
		chromedp.SendKeys(`#course-form [name=frdo_number]`, "1177-0002", chromedp.ByQuery),
		chromedp.SetValue(`#course-form [name=certificate_slot]`, "qualification_certificates.2", chromedp.ByQuery),
		chromedp.Click(`#course-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#courses li[data-course]:nth-child(2) li[data-slot="qualification_certificates.2"]`, chromedp.ByQuery),
		uploadTo(t, "qualification_certificates.2", doc),
		chromedp.SendKeys(`#nmo-form [name=title]`, "Конгресс терапевтов", chromedp.ByQuery),
		chromedp.SendKeys(`#nmo-form [name=date]`, "10.03.2024", chromedp.ByQuery),
		chromedp.SendKeys(`#nmo-form [name=credits]`, "20", chromedp.ByQuery),
		chromedp.SendKeys(`#nmo-form [name=code]`, " abcd 12o4 efgh", chromedp.ByQuery),
		chromedp.Value(`#nmo-form [name=code]`, &code, chromedp.ByQuery),
		chromedp.Click(`#nmo-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#activities li[data-nmo]`, chromedp.ByQuery),
		chromedp.SendKeys(`#nmo-form [name=title]`, "Тот же код ещё раз", chromedp.ByQuery),
		chromedp.SendKeys(`#nmo-form [name=date]`, "11.03.2024", chromedp.ByQuery),
		chromedp.SendKeys(`#nmo-form [name=credits]`, "6", chromedp.ByQuery),
		chromedp.SendKeys(`#nmo-form [name=code]`, "ABCD-1204EFGH", chromedp.ByQuery),
		chromedp.Click(`#nmo-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#nmo-form [data-err=code]:not(:empty)`, chromedp.ByQuery),
		text(`#nmo-form [data-err=code]`, &dupErr),
		text(`#education-verdict`, &notYet),
		look(t, shots, "08-education-short"),
		typeInto(`#nmo-form [name=title]`, "Вебинары по терапии"),
		typeInto(`#nmo-form [name=credits]`, "50"),
		typeInto(`#nmo-form [name=code]`, "KLMN-5678PQRS"),
		chromedp.Click(`#nmo-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#education-verdict.ok`, chromedp.ByQuery),
		text(`#rule-sets`, &bars),
		look(t, shots, "09-education-met"),
	)
	if code != "ABCD-1204EFGH" {
		t.Errorf("the code as typed became %q", code)
	}
	if !strings.Contains(dupErr, "код активируется один раз") {
		t.Errorf("a code used twice: %q", dupErr)
	}
	if !strings.Contains(notYet, "Не хватает часов") {
		t.Errorf("with 110 h and 20 credits: %q", notYet)
	}
	if !strings.Contains(bars, "74 из 74 ч") || !strings.Contains(bars, "70 из 70 ч") || !strings.Contains(bars, "110 из 144 ч") {
		t.Errorf("progress bars: %q", bars)
	}

	// Ready only now.
	step("check ready",
		navigate(t, base),
		waitFor(t, `#verdict.ok`, chromedp.ByQuery),
		text(`#verdict`, &verdict),
		look(t, shots, "10-check-ready"),
	)
	if verdict != "Готово к подаче" {
		t.Errorf("ready: %q", verdict)
	}

	// Sharing: a consultancy by its name; a one-time code for the center.
	var shareCode string
	step("share",
		navigate(t, base+"/share"),
		chromedp.WaitReady(`#grant-form select option[value="`+consultancy+`"]`, chromedp.ByQuery),
		chromedp.SetValue(`#grant-form select`, consultancy, chromedp.ByQuery),
		chromedp.Click(`#grant-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#grants li[data-org="`+consultancy+`"]`, chromedp.ByQuery),
		chromedp.Click(`#code-button`, chromedp.ByQuery),
		waitFor(t, `#code-box`, chromedp.ByQuery),
		text(`#code`, &shareCode),
		look(t, shots, "11-share"),
	)

	// The training center redeems the code and imports a certificate.
	centerTab := browserTab(t)
	batch := write("выгрузка.csv", []byte("\uFEFFСНИЛС;Название программы;Часы;Дата начала;Дата окончания;Номер ФРДО;По специальности\r\n"+
		"112-233-445 95;Неотложные состояния в терапии;18;01.10.2024;05.10.2024;УЦ-77;да\r\n"))
	var redeemed, imported string
	err := chromedp.Run(centerTab,
		signIn(t, c.base, center.email, password, `body[data-view=import]`),
		chromedp.Click(`#nav a[href="/app/redeem"]`, chromedp.ByQuery),
		waitFor(t, `body[data-view=redeem][data-ready] #redeem-form`, chromedp.ByQuery),
		chromedp.SendKeys(`#redeem-form [name=code]`, shareCode, chromedp.ByQuery),
		chromedp.Click(`#redeem-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#redeemed`, chromedp.ByQuery),
		text(`#redeemed-text`, &redeemed),
		look(t, shots, "12-center-redeemed"),
		chromedp.Click(`#redeemed a[href="/app/import"]`, chromedp.ByQuery),
		waitFor(t, `body[data-view=import][data-ready] #import-form`, chromedp.ByQuery),
		chromedp.SetUploadFiles(`#import-form input[name=batch]`, []string{batch}, chromedp.ByQuery),
		chromedp.Click(`#import-send`, chromedp.ByQuery),
		waitFor(t, `#import-rows tbody tr[data-status=added]`, chromedp.ByQuery),
		text(`#import-summary`, &imported),
		look(t, shots, "13-center-imported"),
	)
	if err != nil {
		t.Fatalf("training center: %v", err)
	}
	if !strings.Contains(redeemed, "Заявление открыто вашему центру") || !strings.Contains(imported, "добавлено: 1") {
		t.Errorf("the center: %q / %q", redeemed, imported)
	}

	// Build both bundles, download them, reload, download again; the
	// portal's values with copy buttons; mark submitted.
	type bundle struct {
		Kind, Href string
		Draft      bool
	}
	var built []bundle
	var zip, portfolio, zipAgain fetched
	var copies, portalFiles int
	var reloaded []string
	var firstLabel, copied string
	var submitted, stages string
	step("build and submit",
		navigate(t, base+"/submit"),
		waitFor(t, `button.build[data-kind=frmr_package]`, chromedp.ByQuery),
		// Clicked by the page's own event (no coordinates: the list below
		// grows as the first build starts).
		chromedp.Evaluate(`document.querySelector("button.build[data-kind=frmr_package]").click()`, nil),
		waitFor(t, `#bundles li`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("button.build[data-kind=portfolio_pdf]").click()`, nil),
		waitFor(t, `#bundles li.done:first-child + li.done a.button[download]`, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#bundles li.done"), (li) => ({Kind: li.querySelector(".title").textContent,
			Href: li.querySelector("a[download]").getAttribute("href"), Draft: !!li.querySelector(".mark.draft")}))`, &built),
		look(t, shots, "14-built"),
		chromedp.Reload(),
		pageReady(t),
		waitFor(t, `#bundles li.done:first-child + li.done a.button[download]`, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#bundles li.done a[download]"), (a) => a.getAttribute("href"))`, &reloaded),
		chromedp.Evaluate(`document.querySelectorAll("#portal-fields button").length`, &copies),
		chromedp.Evaluate(`document.querySelectorAll("#portal-files li a[download]").length`, &portalFiles),
		// The portal's first value, copied: to the clipboard, or (without
		// clipboard access) selected in a field to copy by hand.
		chromedp.Evaluate(`document.querySelector("#portal-fields dt").textContent`, &firstLabel),
		chromedp.Click(`#portal-fields .portal-row button`, chromedp.ByQuery),
		chromedp.Sleep(200*time.Millisecond),
		chromedp.Evaluate(`(() => { const r = document.querySelector("#portal-fields .portal-row dd");
			const b = r.querySelector("button"), i = r.querySelector("input");
			return b ? b.textContent : "input:" + i.value; })()`, &copied),
	)
	if firstLabel != "Контактный телефон" || (copied != "Скопировано" && copied != "input:+79123456789") {
		t.Errorf("the portal's first value %q, copied: %q", firstLabel, copied)
	}
	for _, b := range built {
		if b.Draft {
			t.Errorf("a ready application's %s is marked draft", b.Kind)
		}
		var got fetched
		step("download "+b.Kind, fetchInPage(b.Href, &got))
		if strings.Contains(b.Kind, "ZIP") {
			zip = got
			for _, h := range reloaded {
				if h == b.Href {
					step("download again after the reload", fetchInPage(h, &zipAgain))
				}
			}
		} else {
			portfolio = got
		}
	}
	if zip.Status != 200 || zip.Head[:2] != "PK" || !strings.HasPrefix(zip.Name, "Иванова А.С.") || zipAgain.Status != 200 || zipAgain.Size != zip.Size {
		t.Errorf("the package: %+v, again %+v", zip, zipAgain)
	}
	if len(built) != 2 {
		t.Errorf("builds listed: %+v", built)
	}
	if portfolio.Status != 200 || portfolio.Head != "%PDF" || !strings.HasPrefix(portfolio.Name, "Иванова А.С.") {
		t.Errorf("the portfolio: %+v", portfolio)
	}
	if copies < 6 || portalFiles != 9 {
		t.Errorf("the portal's form: %d copy buttons, %d files", copies, portalFiles)
	}
	var inline fetched
	step("open a document in the browser", fetchInPage(openHref, &inline))
	if !inline.Inline || inline.Name != "Иванова А.С. - Паспорт.pdf" {
		t.Errorf("«Открыть» of the passport: %+v", inline)
	}
	today := time.Now().Format("02.01.2006")
	step("submit",
		typeInto(`#submit-form [name=submitted_on]`, today),
		chromedp.Click(`#submit-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#submitted-box`, chromedp.ByQuery),
		text(`#submitted-line`, &submitted),
		text(`#stages`, &stages),
		look(t, shots, "15-submitted"),
	)
	if !strings.Contains(submitted, today) || !strings.Contains(stages, "Проверка документов в ФАЦ") {
		t.Errorf("submitted: %q; stages %q", submitted, stages)
	}

	// The list says where things are.
	var status string
	step("list", navigate(t, c.base+"/app/"), waitFor(t, `#applications tbody tr`, chromedp.ByQuery),
		text(`#applications tbody tr td[data-label="Статус"]`, &status), look(t, shots, "16-list"))
	if status != "отправлено "+today {
		t.Errorf("the list's status: %q", status)
	}

	// Consultancy staff see the client.
	staffTab := browserTab(t)
	var staffRow string
	if err := chromedp.Run(staffTab, signIn(t, c.base, staff.email, password, `body[data-view=list]`),
		waitFor(t, `#applications tbody tr`, chromedp.ByQuery), text(`#applications tbody tr`, &staffRow),
		look(t, shots, "17-staff-list")); err != nil {
		t.Fatalf("staff: %v", err)
	}
	if !strings.Contains(staffRow, "Иванова Анна Сергеевна") {
		t.Errorf("the consultancy's list: %q", staffRow)
	}

	// The account: a new password; signed in again with it.
	var who string
	step("account",
		navigate(t, c.base+"/app/account"),
		waitFor(t, `#password-form`, chromedp.ByQuery),
		text(`#who`, &who),
		chromedp.SendKeys(`#password-form [name=current_password]`, password, chromedp.ByQuery),
		chromedp.SendKeys(`#password-form [name=new_password]`, newPassword, chromedp.ByQuery),
		chromedp.SendKeys(`#password-form [name=repeat]`, newPassword, chromedp.ByQuery),
		chromedp.Click(`#password-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#flash.info`, chromedp.ByQuery),
		look(t, shots, "18-account"),
		chromedp.Click(`#logout`, chromedp.ByQuery),
		waitFor(t, `#login-form`, chromedp.ByQuery),
		signIn(t, c.base, email, newPassword, `body[data-view=list]`),
		navigate(t, c.base+"/app/nothing-here"),
		waitFor(t, `body[data-view=notfound]`, chromedp.ByQuery),
		look(t, shots, "19-not-found"),
		// Signed out, the same page, not the login.
		chromedp.Click(`#logout`, chromedp.ByQuery),
		waitFor(t, `#login-form`, chromedp.ByQuery),
		navigate(t, c.base+"/app/nothing-here"),
		waitFor(t, `body[data-view=notfound] main .card`, chromedp.ByQuery),
	)
	if !strings.HasPrefix(who, "Анна Иванова") {
		t.Errorf("the header greets %q", who)
	}
}

// TestWebCertificateImport drives the import page as a training center's
// staff: the header leads there; a CSV with Russian column names and a ZIP
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
		// A center's start page is the import.
		signIn(t, c.base, center.email, password, `body[data-view=import]`),
		waitFor(t, `#nav a[href="/app/import"]`, chromedp.ByQuery),
		waitFor(t, `#import-form`, chromedp.ByQuery),
		chromedp.SetUploadFiles(`#import-form input[name=batch]`, []string{batch}, chromedp.ByQuery),
		chromedp.SetUploadFiles(`#import-form input[name=files]`, []string{archive}, chromedp.ByQuery),
		look(t, shots, "20-import-form"),
		chromedp.DoubleClick(`#import-send`, chromedp.ByQuery),
		waitFor(t, `#import-rows tbody tr[data-status=refused]`, chromedp.ByQuery),
		text(`#import-summary`, &summary),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#import-rows tbody tr"), (tr) => ({Row: tr.dataset.row, Status: tr.dataset.status, Text: tr.innerText}))`, &rows),
		chromedp.Evaluate(`document.querySelector("#import-send").disabled`, &sendDisabled),
		look(t, shots, "21-import-report"),
		// A whole batch refused: the API's message.
		chromedp.SetUploadFiles(`#import-form input[name=batch]`, []string{bad}, chromedp.ByQuery),
		chromedp.Click(`#import-send`, chromedp.ByQuery),
		waitFor(t, `#flash.error`, chromedp.ByQuery),
		text(`#flash`, &whole),
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
	var links int
	var formShown bool
	err = chromedp.Run(ctx,
		chromedp.Click(`#logout`, chromedp.ByQuery),
		waitFor(t, `#login-form`, chromedp.ByQuery),
		signIn(t, c.base, owner.email, password, `body[data-view=list]`),
		chromedp.Evaluate(`document.querySelectorAll('#nav a[href="/app/import"]').length`, &links),
		navigate(t, c.base+"/app/import"),
		waitFor(t, `#import-refused`, chromedp.ByQuery),
		text(`#import-refused`, &refused),
		chromedp.Evaluate(`!!document.querySelector("#import-form").offsetParent`, &formShown),
		look(t, shots, "22-import-not-a-center"),
	)
	if err != nil {
		t.Fatalf("specialist browser: %v", err)
	}
	if !strings.Contains(refused, "только учебные центры") || formShown || links != 0 {
		t.Errorf("a specialist on the import page: %q, form shown %v, header links to the import %d", refused, formShown, links)
	}
}
