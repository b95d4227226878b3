package readiness

import (
	"strings"
	"testing"
	"time"

	"accredpack/calendar"
	"accredpack/dossier"
)

func setup(t *testing.T) (*Rules, *calendar.Calendar) {
	t.Helper()
	r, err := LoadRules("")
	if err != nil {
		t.Fatal(err)
	}
	c, err := calendar.Load()
	if err != nil {
		t.Fatal(err)
	}
	return r, c
}

var today = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

func form(prev string) dossier.Form {
	agreed := true
	return dossier.Form{Kind: "periodic", ReportAgreed: &agreed, PreviousAccreditationDate: prev}
}

func course(hours int, end string, inSpecialty bool) dossier.Course {
	return dossier.Course{Title: "Курс", Organization: "ВУЗ", Hours: hours, StartDate: end, EndDate: end, InSpecialty: inSpecialty, FRDONumber: "ФРДО-1"}
}

func has(r Report, code string) bool {
	for _, f := range r.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}

func TestHoursAtTheBoundary(t *testing.T) {
	rules, cal := setup(t)
	// The period of an accreditation of 2021-09-15 is 2021-09-15 .. 2026-09-14.
	in := Input{Form: form("2021-09-15"), Today: today, Courses: []dossier.Course{course(143, "2022-03-01", true)}}
	r := Evaluate(in, rules, cal)
	if r.Ready || !has(r, "education_hours") || r.Totals.Courses != 143 {
		t.Errorf("143 hours must not be enough: %+v", r.Findings)
	}
	in.Courses[0].Hours = 144
	if r := Evaluate(in, rules, cal); !r.Ready || has(r, "education_hours") {
		t.Errorf("144 hours must be enough: %+v", r.Findings)
	}
}

func TestACourseADayOutsideThePeriod(t *testing.T) {
	rules, cal := setup(t)
	in := Input{Form: form("2021-09-15"), Today: today, Courses: []dossier.Course{course(144, "2021-09-14", true)}}
	r := Evaluate(in, rules, cal)
	if r.Totals.Courses != 0 || r.Excluded.OutsidePeriodHours != 144 || r.Ready {
		t.Errorf("a course ending the day before the period counted: %+v", r.Totals)
	}
	in.Courses[0].EndDate = "2021-09-15"
	if r := Evaluate(in, rules, cal); r.Totals.Courses != 144 || !r.Ready {
		t.Errorf("a course ending on the first day of the period: %+v %+v", r.Totals, r.Findings)
	}
	in.Courses[0].EndDate = "2026-09-15" // the day after the period
	if r := Evaluate(in, rules, cal); r.Totals.Courses != 0 {
		t.Errorf("a course ending after the period counted: %+v", r.Totals)
	}
}

func TestRuleSets(t *testing.T) {
	rules, cal := setup(t)
	nmo := func(credits int, kind string, foreign bool) dossier.NMOActivity {
		return dossier.NMOActivity{Title: "Конференция", Date: "2023-04-01", Credits: credits, Kind: kind, Foreign: foreign, Code: "ABCD-12345678"}
	}
	cases := []struct {
		name    string
		courses []dossier.Course
		nmo     []dossier.NMOActivity
		met     string // the rule set met, or ""
	}{
		{"74 + 70 non-formal", []dossier.Course{course(74, "2023-01-01", false)}, []dossier.NMOActivity{nmo(70, dossier.NMOEvent, false)}, "74+70"},
		{"74 + 69", []dossier.Course{course(74, "2023-01-01", false)}, []dossier.NMOActivity{nmo(69, dossier.NMOEModule, false)}, ""},
		{"74 + 70 foreign", []dossier.Course{course(74, "2023-01-01", false)}, []dossier.NMOActivity{nmo(70, dossier.NMOEvent, true)}, ""},
		{"74 + 70 programmes are not non-formal", []dossier.Course{course(74, "2023-01-01", false)}, []dossier.NMOActivity{nmo(70, dossier.NMOProgramme, false)}, ""},
		{"72 in specialty + 72 more", []dossier.Course{course(72, "2023-01-01", true), course(72, "2024-01-01", false)}, nil, "72+72"},
		{"72 in specialty + 72 non-formal", []dossier.Course{course(72, "2023-01-01", true)}, []dossier.NMOActivity{nmo(72, dossier.NMOEvent, false)}, "72+72"},
		{"71 in specialty + 73", []dossier.Course{course(71, "2023-01-01", true), course(73, "2024-01-01", false)}, nil, "144"},
	}
	for _, c := range cases {
		r := Evaluate(Input{Form: form("2021-09-15"), Today: today, Courses: c.courses, Activities: c.nmo}, rules, cal)
		var met []string
		for _, rs := range r.RuleSets {
			if rs.Met {
				met = append(met, rs.ID)
			}
		}
		got := strings.Join(met, ",")
		if (c.met == "" && got != "") || (c.met != "" && !strings.Contains(got, c.met)) {
			t.Errorf("%s: met %q; want %q", c.name, got, c.met)
		}
	}
}

func TestFindings(t *testing.T) {
	rules, cal := setup(t)
	c := course(144, "2023-01-01", true)
	c.FRDONumber = ""
	in := Input{Form: form("2021-09-15"), Today: today, Courses: []dossier.Course{c},
		Activities: []dossier.NMOActivity{{Title: "Берлин", Date: "2023-01-01", Credits: 12, Kind: dossier.NMOEvent, Foreign: true}},
		Missing:    []MissingDocument{{Slot: "snils", Title: "СНИЛС"}}}
	in.Form.EmploymentEnded = "2021-05-01" // exactly five years before today
	r := Evaluate(in, rules, cal)
	for _, code := range []string{"frdo_missing", "foreign_credits", "missing_document", "work_gap", "nmo_total", "nmo_year"} {
		if !has(r, code) {
			t.Errorf("no %s finding: %+v", code, r.Findings)
		}
	}
	if r.Ready || r.Excluded.ForeignCredits != 12 {
		t.Errorf("report = %+v", r)
	}
	in.Form.EmploymentEnded = "2021-05-02" // a day short of five years
	if has(Evaluate(in, rules, cal), "work_gap") {
		t.Error("a gap a day short of five years is not blocking")
	}
	for _, f := range r.Findings {
		if f.Severity != Blocking && f.Severity != Warning || f.Message == "" {
			t.Errorf("finding %+v", f)
		}
	}
}

func TestDeadlines(t *testing.T) {
	rules, cal := setup(t)
	r := Evaluate(Input{Form: form("2021-09-15"), Today: today}, rules, cal)
	d := r.Deadlines
	if d == nil || d.Expiry != "2026-09-15" || d.SubmitFrom != "2026-07-01" || d.SubmitBy != "2026-07-31" {
		t.Fatalf("deadlines = %+v", d)
	}
	// From 1 July 2026: 10 working days end on 15 July, 5 more on 22 July,
	// 20 more on 19 August (counted by hand on the 2026 calendar).
	want := []string{"2026-07-15", "2026-07-22", "2026-08-19"}
	for i, st := range d.Stages {
		if st.Ends != want[i] {
			t.Errorf("stage %s ends %s; want %s", st.ID, st.Ends, want[i])
		}
	}
	no := false
	f := form("2021-09-15")
	f.ReportAgreed = &no
	if d := Evaluate(Input{Form: f, Today: today}, rules, cal).Deadlines; d.SubmitFrom != "2026-06-01" {
		t.Errorf("an unagreed report moves submission a month earlier: %+v", d)
	}
	// An accreditation of 2022-12-20 expires in December 2027: the stages run
	// into 2028, which has no calendar: said, not guessed.
	late := Evaluate(Input{Form: form("2022-12-20"), Today: time.Date(2027, 12, 1, 0, 0, 0, 0, time.UTC)}, rules, cal)
	if !has(late, "calendar") || late.Deadlines == nil || len(late.Deadlines.Stages) != 0 || late.Deadlines.Expiry != "2027-12-20" {
		t.Errorf("a stage past the calendar's years is refused, no stage given, the expiry still known: %+v %+v", late.Findings, late.Deadlines)
	}
	for _, f := range late.Findings {
		if f.Code == "calendar" && !strings.Contains(f.Message, "не вычисляются") || f.Code == "calendar" && !strings.Contains(f.Message, "2028") {
			t.Errorf("the refusal names the year it lacks: %q", f.Message)
		}
	}
	// Stages inside 2027 are counted on the 2027 data, marked provisional.
	in27 := Evaluate(Input{Form: form("2022-02-10"), Today: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}, rules, cal)
	if in27.Deadlines == nil || len(in27.Deadlines.Stages) != 3 || !in27.Deadlines.ProvisionalCalendar || !has(in27, "calendar_provisional") {
		t.Errorf("stages in 2027: %+v %+v", in27.Deadlines, in27.Findings)
	}
	if !has(Evaluate(Input{Form: form(""), Today: today}, rules, cal), "previous_accreditation_date") {
		t.Error("a periodic application without the previous date gets a warning")
	}
}

// TestDeadlinesOfASubmittedApplication: the stages count from the day the
// portal took the application, not from today or the recommended month;
// lateness is the submission's.
func TestDeadlinesOfASubmittedApplication(t *testing.T) {
	rules, cal := setup(t)
	aug20 := time.Date(2026, 8, 20, 15, 0, 0, 0, time.UTC)
	stages := func(d *Deadlines) string {
		var out []string
		for _, st := range d.Stages {
			out = append(out, st.Ends)
		}
		return strings.Join(out, " ")
	}
	lateMessage := func(r Report) string {
		for _, f := range r.Findings {
			if f.Code == "late" {
				return f.Message
			}
		}
		return ""
	}
	// Not submitted on 20 August: counted from today, and late.
	open := Evaluate(Input{Form: form("2021-09-15"), Today: aug20}, rules, cal)
	if d := open.Deadlines; d.PlannedSubmission != "2026-08-20" || d.SubmittedOn != "" || !strings.Contains(lateMessage(open), "подайте") {
		t.Errorf("unsubmitted: %+v, late %q", d, lateMessage(open))
	}
	// Submitted on Monday 3 August (after the recommended July): 10 working
	// days end on 17 August, 5 more on 24 August, 20 more on 21 September
	// (counted by hand: no holidays in August and September 2026).
	sent := Evaluate(Input{Form: form("2021-09-15"), Today: aug20, Submitted: time.Date(2026, 8, 3, 21, 30, 0, 0, time.UTC)}, rules, cal)
	d := sent.Deadlines
	if d.SubmittedOn != "2026-08-03" || d.PlannedSubmission != "2026-08-03" || stages(d) != "2026-08-17 2026-08-24 2026-09-21" {
		t.Errorf("submitted on 3 August: %+v, stages %s", d, stages(d))
	}
	if msg := lateMessage(sent); !strings.Contains(msg, "подано 03.08.2026") || !strings.Contains(msg, "до 31.07.2026") || strings.Contains(msg, "подайте") {
		t.Errorf("late submission: %q", msg)
	}
	// Submitted in the recommended month: not late, whatever today is;
	// the stages are the same on any later day.
	inTime := Input{Form: form("2021-09-15"), Today: aug20, Submitted: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}
	r := Evaluate(inTime, rules, cal)
	if has(r, "late") || stages(r.Deadlines) != "2026-07-15 2026-07-22 2026-08-19" {
		t.Errorf("submitted on 1 July: late %v, stages %s", has(r, "late"), stages(r.Deadlines))
	}
	inTime.Today = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	if r := Evaluate(inTime, rules, cal); stages(r.Deadlines) != "2026-07-15 2026-07-22 2026-08-19" {
		t.Errorf("a later day moved the stages of a submitted application: %s", stages(r.Deadlines))
	}
	// Before the recommended month (submitted early): from that day too.
	early := Evaluate(Input{Form: form("2021-09-15"), Today: time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC), Submitted: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}, rules, cal)
	if d := early.Deadlines; d.PlannedSubmission != "2026-06-01" || len(d.Stages) != 3 || d.Stages[0].Ends != "2026-06-16" {
		t.Errorf("submitted on 1 June: %+v", d)
	}
}

// Each dimension alone keeps an application from being ready: a form
// field, a required document, the education hours, the work gap. Nothing
// else does (warnings do not).
func TestEachDimensionBlocksAlone(t *testing.T) {
	rules, cal := setup(t)
	ready := func() Input {
		return Input{Form: form("2021-09-15"), Today: today, Courses: []dossier.Course{course(144, "2023-01-01", true)}}
	}
	if r := Evaluate(ready(), rules, cal); !r.Ready || len(r.Blocking()) != 0 {
		t.Fatalf("the complete application is not ready: %+v", r.Findings)
	}
	cases := map[string]func(*Input){
		"form_field": func(in *Input) {
			in.FormProblems = []FormProblem{{Field: "contact.email", Message: "Электронная почта: указана неверно"}}
		},
		"question": func(in *Input) {
			in.FormProblems = []FormProblem{{Field: "report_not_agreed_reason", Message: "Ответьте на вопрос", Question: true}}
		},
		"missing_document": func(in *Input) {
			in.Missing = []MissingDocument{{Slot: "report_refusal", Title: "Мотивированный отказ"}}
		},
		"education_hours": func(in *Input) { in.Courses = nil },
		"frdo_missing":    func(in *Input) { in.Courses[0].FRDONumber = "" },
		"work_gap":        func(in *Input) { in.Form.EmploymentEnded = "2020-01-01" },
	}
	for code, spoil := range cases {
		in := ready()
		spoil(&in)
		r := Evaluate(in, rules, cal)
		b := r.Blocking()
		if r.Ready || len(b) != 1 || b[0].Code != code {
			t.Errorf("%s alone: ready %v, blocking %+v", code, r.Ready, b)
		}
	}
}

// Primary specialized accreditation is not judged by portfolio: no hours,
// no work gap, no deadlines of a previous accreditation.
func TestPrimarySpecializedHasNoPortfolioRules(t *testing.T) {
	rules, cal := setup(t)
	in := Input{Form: dossier.Form{Kind: "primary_specialized", EmploymentEnded: "2015-01-01"}, Today: today}
	r := Evaluate(in, rules, cal)
	if !r.Ready || r.Education || len(r.RuleSets) != 0 || r.Deadlines != nil || len(r.Findings) != 0 || r.PeriodFrom != "" || r.Findings == nil {
		t.Errorf("primary specialized: %+v", r)
	}
}

// Order 34н: a certificate that expired in 2025 lets its holder work until
// 01.01.2027; the deadline findings say so, conditionally, and say it ended
// after that day.
func TestOrder34n(t *testing.T) {
	rules, cal := setup(t)
	msg := func(prev string, day time.Time) string {
		for _, f := range Evaluate(Input{Form: form(prev), Today: day}, rules, cal).Findings {
			if f.Code == "exemption_34n" {
				return f.Message
			}
		}
		return ""
	}
	dec := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	if m := msg("2020-06-10", dec); !strings.Contains(m, "34н") || !strings.Contains(m, "01.01.2027") || !strings.Contains(m, "Если это ваш случай") {
		t.Errorf("expired 2025-06-09: %q", m)
	}
	// Valid through 2025-01-01 (issued 2020-01-02) and through 2025-12-31.
	for _, prev := range []string{"2020-01-02", "2021-01-01"} {
		if msg(prev, dec) == "" {
			t.Errorf("a certificate of %s expired in 2025: 34н applies", prev)
		}
	}
	// Valid through 2024-12-31 or through 2026-01-01: not 2025.
	for _, prev := range []string{"2020-01-01", "2021-01-02"} {
		if m := msg(prev, dec); m != "" {
			t.Errorf("a certificate of %s did not expire in 2025: %q", prev, m)
		}
	}
	if m := msg("2020-06-10", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)); !strings.Contains(m, "только до 01.01.2027") {
		t.Errorf("after 2026: %q", m)
	}
}

func TestRulesNameSources(t *testing.T) {
	rules, _ := setup(t)
	if err := rules.check(); err != nil {
		t.Fatal(err)
	}
	bad := *rules
	bad.RuleSets = append([]RuleSet{{ID: "x", CoursesMin: 1}}, rules.RuleSets...)
	if err := bad.check(); err == nil || !strings.Contains(err.Error(), "rule set x") {
		t.Errorf("a rule set without a source: %v", err)
	}
}
