package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"accredpack/internal/testdocs"
	"accredpack/internal/testenv"
)

// testOneReadiness: applications that each fail in one dimension alone
// (a question of the form, a required document, a conditional document,
// the education hours, the FIS FRDO registration, the work gap) and one
// that fails in none. Every place that says whether an application is
// ready agrees: the application JSON and its blocking findings, the
// readiness report, the list's ready filter and the consultancy's due
// view, the package gate, submission, the readiness.changed events and the
// web page.
func testOneReadiness(t *testing.T, c *client) {
	rec := newReceiver(t)
	owner := c.account("specialist", "", "one-readiness")
	hook := owner.must(201, "POST", "/api/v1/webhooks", map[string]any{"url": rec.url("readiness"), "events": []string{"readiness.changed"}})
	secret := hook["secret"].(string)
	pdf := testdocs.PDF(t, 1, "скан")

	type app struct {
		id, course string
		want       string // the blocking finding's code, "" for ready
	}
	// Each application is made complete (and so ready) first; then one
	// dimension is spoiled.
	spoil := map[string]func(a *app){
		"": func(*app) {},
		"question": func(a *app) {
			owner.must(200, "PATCH", "/api/v1/applications/"+a.id, map[string]any{"report_agreed": false})
		},
		"missing_document": func(a *app) {
			owner.must(204, "DELETE", "/api/v1/applications/"+a.id+"/slots/professional_report/file", nil)
		},
		"conditional": func(a *app) {
			owner.must(200, "PATCH", "/api/v1/applications/"+a.id, map[string]any{"name_changed": true})
		},
		"education_hours": func(a *app) { owner.must(204, "DELETE", "/api/v1/applications/"+a.id+"/courses/"+a.course, nil) },
		"frdo_missing": func(a *app) {
			owner.must(200, "PUT", "/api/v1/applications/"+a.id+"/courses/"+a.course, course(""))
		},
		"work_gap": func(a *app) {
			owner.must(200, "PATCH", "/api/v1/applications/"+a.id, map[string]any{"employed": false, "employment_ended": "2020-06-01"})
		},
	}
	code := map[string]string{"conditional": "missing_document"} // the finding a spoiled dimension raises
	var apps []*app
	for _, dim := range []string{"", "question", "missing_document", "conditional", "education_hours", "frdo_missing", "work_gap"} {
		f := validForm()
		f["previous_accreditation_date"] = "2022-03-15" // submission due in January 2027
		a := &app{id: owner.must(201, "POST", "/api/v1/applications", f)["id"].(string), want: dim}
		if c, ok := code[dim]; ok {
			a.want = c
		}
		for _, slot := range []string{"identity_document", "snils", "education_diploma", "previous_accreditation",
			"qualification_certificates.1", "work_record", "professional_report"} {
			owner.must(201, "PUT", "/api/v1/applications/"+a.id+"/slots/"+slot+"/file", pdf)
		}
		a.course = owner.must(201, "POST", "/api/v1/applications/"+a.id+"/courses", course("1177-0001"))["id"].(string)
		if got := owner.must(200, "GET", "/api/v1/applications/"+a.id, nil); got["ready"] != true {
			t.Fatalf("the complete application (before spoiling %q) is not ready: %v", dim, got["blocking"])
		}
		spoil[dim](a)
		apps = append(apps, a)
	}

	var draftPortfolio string
	listed := func(query string) []string {
		var ids []string
		for _, it := range owner.must(200, "GET", "/api/v1/applications?limit=100&"+query, nil)["items"].([]any) {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		return ids
	}
	readyList, notReadyList := listed("ready=true"), listed("ready=false")
	dueNotReady := listed("due_before=2027-02-01&ready=false")
	dueReady := listed("due_before=2027-02-01&ready=true")
	for _, a := range apps {
		ready := a.want == ""
		name := a.want
		if ready {
			name = "ready"
		}
		got := owner.must(200, "GET", "/api/v1/applications/"+a.id, nil)
		var blocking []string
		for _, f := range got["blocking"].([]any) {
			blocking = append(blocking, f.(map[string]any)["code"].(string))
		}
		if got["ready"] != ready || (ready && len(blocking) != 0) || (!ready && !slices.Equal(blocking, []string{a.want})) {
			t.Errorf("%s: application JSON ready %v, blocking %v", name, got["ready"], blocking)
		}
		rep := owner.must(200, "GET", "/api/v1/applications/"+a.id+"/readiness", nil)
		if rep["ready"] != ready {
			t.Errorf("%s: readiness report ready %v", name, rep["ready"])
		}
		if slices.Contains(readyList, a.id) != ready || slices.Contains(notReadyList, a.id) == ready {
			t.Errorf("%s: in ready=true %v, in ready=false %v", name, slices.Contains(readyList, a.id), slices.Contains(notReadyList, a.id))
		}
		if slices.Contains(dueReady, a.id) != ready || slices.Contains(dueNotReady, a.id) == ready {
			t.Errorf("%s: due view: ready %v, not ready %v", name, slices.Contains(dueReady, a.id), slices.Contains(dueNotReady, a.id))
		}
		r := owner.call("POST", "/api/v1/applications/"+a.id+"/bundles", map[string]any{"kind": "frmr_package"})
		if ready && r.status != 202 {
			t.Errorf("%s: the package of a ready application: %d %s", name, r.status, r.body)
		}
		if !ready && (r.status != 409 || !strings.Contains(fmt.Sprint(r.json(t)["error"].(map[string]any)["findings"]), a.want)) {
			t.Errorf("%s: the package gate: %d %s; want 409 naming %s", name, r.status, r.body, a.want)
		}
		r = owner.call("POST", "/api/v1/applications/"+a.id+"/bundles", map[string]any{"kind": "portfolio_pdf"})
		if ready != (r.status == 202) || !ready && !strings.Contains(string(r.body), a.want) {
			t.Errorf("%s: a portfolio that is not a draft: %d %s", name, r.status, r.body)
		}
		if !ready {
			for _, kind := range []string{"frmr_package", "portfolio_pdf"} {
				r := owner.call("POST", "/api/v1/applications/"+a.id+"/bundles", map[string]any{"kind": kind, "draft": true})
				if r.status != 202 {
					t.Errorf("%s: a draft %s is always allowed: %d %s", name, kind, r.status, r.body)
				} else if kind == "portfolio_pdf" && a.want == "education_hours" {
					draftPortfolio = r.json(t)["id"].(string)
				}
			}
			if r := owner.call("POST", "/api/v1/applications/"+a.id+"/submit", nil); r.status != 409 || !strings.Contains(string(r.body), a.want) {
				t.Errorf("%s: submission: %d %s", name, r.status, r.body)
			}
		}
	}

	// Events: the latest readiness.changed of each application (the highest
	// sequence) says what everything else says; each became ready once.
	eventually(t, "readiness events of every application", func() bool {
		latest := map[string]bool{}
		for _, e := range rec.events(t, "readiness", secret) {
			latest[e.ApplicationID] = true
		}
		return len(latest) == len(apps)
	})
	eventually(t, "the latest readiness event of each application agrees", func() bool {
		seq, ready := map[string]float64{}, map[string]bool{}
		for _, e := range rec.events(t, "readiness", secret) {
			if s := e.Data["sequence"].(float64); s > seq[e.ApplicationID] {
				seq[e.ApplicationID], ready[e.ApplicationID] = s, e.Data["ready"] == true
			}
		}
		for _, a := range apps {
			if ready[a.id] != (a.want == "") {
				return false
			}
		}
		return true
	})

	// The draft portfolio: ЧЕРНОВИК on every page; the rules' one reporting
	// period on the cover, the inventory and the readiness page.
	waitBundle(t, owner, draftPortfolio)
	pages := strings.Split(strings.TrimRight(testenv.PDFText(t, owner.call("GET", "/api/v1/bundles/"+draftPortfolio+"/file", nil).body), "\f"), "\f")
	if len(pages) != 3+7 {
		t.Errorf("draft portfolio: %d pages; want 3 front pages and 7 documents", len(pages))
	}
	for i, p := range pages {
		if !strings.Contains(p, "ЧЕРНОВИК") {
			t.Errorf("page %d of the draft portfolio is not marked", i+1)
		}
		if i < 3 && !strings.Contains(p, "15.03.2022 – 14.03.2027") {
			t.Errorf("front page %d lacks the reporting period: %q", i+1, p)
		}
	}

	// The nomenclature in force today (order 435н): a name it added is
	// accepted, the one it dropped refused with the order named.
	f435 := validForm()
	f435["specialty"] = "нутрициология"
	if got := owner.must(201, "POST", "/api/v1/applications", f435); got["specialty"] != "Нутрициология" {
		t.Errorf("a specialty of 435н: %v", got["specialty"])
	}
	f435["specialty"] = "Стоматология общей практики"
	if r := owner.call("POST", "/api/v1/applications", f435); r.status != 422 || !strings.Contains(string(r.body), "435н") {
		t.Errorf("a specialty 435н dropped: %d %s", r.status, r.body)
	}
	// Order 34н: a certificate that expired in 2025.
	f34 := validForm()
	f34["previous_accreditation_date"] = "2020-06-10"
	id34 := owner.must(201, "POST", "/api/v1/applications", f34)["id"].(string)
	if rep := owner.must(200, "GET", "/api/v1/applications/"+id34+"/readiness", nil); !strings.Contains(fmt.Sprint(rep["findings"]), "exemption_34n") {
		t.Errorf("order 34н is not mentioned: %v", rep["findings"])
	}

	// Primary specialized accreditation asks its basis; the diploma of that
	// basis is the required one; no portfolio rules (no hours) apply.
	f := validForm()
	f["kind"] = "primary_specialized"
	delete(f, "report_agreed")
	primary := owner.must(201, "POST", "/api/v1/applications", f)
	pid := primary["id"].(string)
	if p := fmt.Sprint(primary["problems"]); !strings.Contains(p, "primary_basis") || strings.Contains(fmt.Sprint(primary["missing"]), "diploma.") {
		t.Errorf("primary without a basis: problems %v, missing %v", primary["problems"], primary["missing"])
	}
	primary = owner.must(200, "PATCH", "/api/v1/applications/"+pid, map[string]any{"primary_basis": "residency"})
	if m := fmt.Sprint(primary["missing"]); m != "[identity_document snils education_diploma postgraduate_diploma]" {
		t.Errorf("a residency graduate's missing documents: %s", m)
	}
	for _, slot := range []string{"identity_document", "snils", "education_diploma", "postgraduate_diploma"} {
		owner.must(201, "PUT", "/api/v1/applications/"+pid+"/slots/"+slot+"/file", pdf)
	}
	if got := owner.must(200, "GET", "/api/v1/applications/"+pid, nil); got["ready"] != true {
		t.Errorf("a complete primary specialized application is not ready: %v", got["blocking"])
	}

	// The web page says the same.
	tab := browserTab(t)
	if err := chromedp.Run(tab, signIn(t, c.base, owner.email, password, `body[data-view=list]`)); err != nil {
		t.Fatalf("browser login: %v", err)
	}
	for _, a := range apps {
		class := "warn"
		if a.want == "" {
			class = "ok"
		}
		var verdict string
		if err := chromedp.Run(tab, chromedp.Navigate(c.base+"/app/a/"+a.id), waitFor(t, `#verdict.`+class, chromedp.ByQuery),
			chromedp.Text(`#verdict`, &verdict, chromedp.ByQuery)); err != nil {
			t.Errorf("%s: the web page: %v", a.want, err)
			continue
		}
		if want := map[bool]string{true: "Готово к подаче", false: "Пока не готово к подаче: 1 препятствие"}[a.want == ""]; verdict != want {
			t.Errorf("%s: the web page says %q; want %q", a.want, verdict, want)
		}
	}
}

// course is a course of 144 hours in the specialty that ended in 2024,
// inside the period of an accreditation of 2022-03-15, with an FRDO number
// (none when empty).
func course(frdo string) map[string]any {
	return map[string]any{"title": "Актуальные вопросы терапии", "organization": "РМАНПО", "hours": 144, "start_date": "2024-02-01",
		"end_date": "2024-03-01", "in_specialty": true, "frdo_number": frdo, "certificate_slot": "qualification_certificates.1"}
}
