// Package readiness answers whether a specialist can submit and by when:
// education hours in the reporting period against the rule sets, NMO
// credits, FRDO registration, missing documents, the work gap, and the
// deadlines counted in working days. The rules are data (data/rules.json,
// or a file given in configuration); the evaluation is a pure function.
package readiness

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"accredpack/calendar"
	"accredpack/dossier"
)

//go:embed data/rules.json
var defaultRules []byte

// RuleSet is one way to meet the education requirement; zero fields do not
// apply. Hours are academic hours; one NMO credit is one hour.
type RuleSet struct {
	ID                    string `json:"id"`
	Title                 string `json:"title"`
	CoursesMin            int    `json:"courses_min"`
	CoursesInSpecialtyMin int    `json:"courses_in_specialty_min"`
	NonFormalMin          int    `json:"non_formal_min"`
	TotalMin              int    `json:"total_min"` // courses and non-formal together
	Source                string `json:"source"`
	Uncertain             string `json:"uncertain,omitempty"`
}

// Met tells whether totals satisfy the rule set.
func (r RuleSet) Met(t Totals) bool {
	return t.Courses >= r.CoursesMin && t.CoursesInSpecialty >= r.CoursesInSpecialtyMin &&
		t.NonFormal >= r.NonFormalMin && t.Courses+t.NonFormal >= r.TotalMin
}

// Stage is a stage after submission and its length in working days.
type Stage struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	WorkingDays int    `json:"working_days"`
	Source      string `json:"source"`
}

// Exemption lets a specialist whose certificate expired in a period work
// without accreditation until a date (order 34н of 20.01.2026). Whether it
// applies also depends on facts the form does not hold (the previous
// document was a certificate, the specialist worked then), so its message
// says so.
type Exemption struct {
	ID                     string `json:"id"`
	Title                  string `json:"title"`
	CertificateExpiredFrom string `json:"certificate_expired_from"`
	CertificateExpiredTo   string `json:"certificate_expired_to"`
	WorksUntil             string `json:"works_until"` // the last day, inclusive
	Message                string `json:"message"`
	EndedMessage           string `json:"ended_message"`
	Source                 string `json:"source"`
	Uncertain              string `json:"uncertain,omitempty"`
}

// Rules are the configurable requirements; each names its source.
type Rules struct {
	PeriodYears  int    `json:"period_years"`
	PeriodSource string `json:"period_source"`
	// PortfolioKinds are the kinds of application judged by portfolio
	// (periodic accreditation): the education rules, the work gap and the
	// deadlines of the previous accreditation apply to them.
	PortfolioKinds     []string  `json:"portfolio_kinds"`
	PortfolioSource    string    `json:"portfolio_source"`
	RuleSets           []RuleSet `json:"rule_sets"`
	NMOPerYear         int       `json:"nmo_per_year"`
	NMOTotal           int       `json:"nmo_total"`
	NMOSource          string    `json:"nmo_source"`
	WorkGapYears       int       `json:"work_gap_years"`
	WorkGapSource      string    `json:"work_gap_source"`
	SubmitMonthsBefore struct {
		ReportAgreed    int `json:"report_agreed"`
		ReportNotAgreed int `json:"report_not_agreed"`
	} `json:"submit_months_before"`
	SubmitSource string      `json:"submit_source"`
	Stages       []Stage     `json:"stages"`
	Exemptions   []Exemption `json:"exemptions"`
}

// check tells what is wrong with the rules: every rule names its source,
// dates are dates.
func (r *Rules) check() error {
	if r.PeriodYears < 1 || len(r.RuleSets) == 0 {
		return fmt.Errorf("rules need period_years and at least one rule set")
	}
	var missing []string
	for name, src := range map[string]string{"period_source": r.PeriodSource, "portfolio_source": r.PortfolioSource,
		"nmo_source": r.NMOSource, "work_gap_source": r.WorkGapSource, "submit_source": r.SubmitSource} {
		if strings.TrimSpace(src) == "" {
			missing = append(missing, name)
		}
	}
	for _, rs := range r.RuleSets {
		if strings.TrimSpace(rs.Source) == "" {
			missing = append(missing, "rule set "+rs.ID)
		}
	}
	for _, st := range r.Stages {
		if strings.TrimSpace(st.Source) == "" {
			missing = append(missing, "stage "+st.ID)
		}
	}
	for _, e := range r.Exemptions {
		if strings.TrimSpace(e.Source) == "" {
			missing = append(missing, "exemption "+e.ID)
		}
		for _, d := range []string{e.CertificateExpiredFrom, e.CertificateExpiredTo, e.WorksUntil} {
			if _, ok := parseDate(d); !ok {
				return fmt.Errorf("exemption %s: %q is not a date", e.ID, d)
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("rules without a source: %s", strings.Join(missing, ", "))
	}
	return nil
}

// Portfolio tells whether a kind of application is judged by portfolio
// (the education rules, the work gap and the deadlines apply to it).
func (r *Rules) Portfolio(kind string) bool { return r.portfolio(kind) }

func (r *Rules) portfolio(kind string) bool {
	for _, k := range r.PortfolioKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// LoadRules reads rules from path, or the shipped ones when path is empty.
func LoadRules(path string) (*Rules, error) {
	raw := defaultRules
	if path != "" {
		var err error
		if raw, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("readiness: rules: %w", err)
		}
	}
	var r Rules
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("readiness: rules: %w", err)
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("readiness: %w", err)
	}
	return &r, nil
}

// Totals are the hours that count in the period.
type Totals struct {
	Courses            int `json:"courses"`
	CoursesInSpecialty int `json:"courses_in_specialty"`
	NonFormal          int `json:"non_formal"` // NMO events and e-modules
	NMO                int `json:"nmo"`        // every NMO credit that counts
}

// YearTotals are the counted hours of one calendar year.
type YearTotals struct {
	Year int `json:"year"`
	Totals
}

// Finding is one thing between the specialist and a submission. Field or
// Slot name what to fix, when it is a form field or a document row.
type Finding struct {
	Severity string `json:"severity"` // blocking or warning
	Code     string `json:"code"`
	Message  string `json:"message"`
	Field    string `json:"field,omitempty"`
	Slot     string `json:"slot,omitempty"`
}

// Severities.
const (
	Blocking = "blocking"
	Warning  = "warning"
)

// StageDate is when a stage is expected to end.
type StageDate struct {
	Stage
	Ends string `json:"ends"`
}

// Deadlines are the dates of the cycle.
type Deadlines struct {
	PreviousAccreditation string `json:"previous_accreditation"`
	Expiry                string `json:"expiry"`
	SubmitFrom            string `json:"submit_from"` // the recommended month
	SubmitBy              string `json:"submit_by"`
	PlannedSubmission     string `json:"planned_submission"` // the day the stages count from
	// SubmittedOn is the day the portal took a submitted application: the
	// stages count from it (PlannedSubmission is the same day).
	SubmittedOn         string      `json:"submitted_on,omitempty"`
	Stages              []StageDate `json:"stages"`
	ProvisionalCalendar bool        `json:"provisional_calendar"`
}

// RuleSetState is a rule set and whether the period meets it.
type RuleSetState struct {
	RuleSet
	Met bool `json:"met"`
}

// Report is the readiness of an application: the one evaluation that
// decides whether it is ready, wherever that is asked.
type Report struct {
	PeriodFrom string `json:"period_from"`
	PeriodTo   string `json:"period_to"`
	// Education tells whether the education rules apply to the kind of
	// application (judged by portfolio); without them RuleSets is empty.
	Education bool         `json:"education"`
	Totals    Totals       `json:"totals"`
	ByYear    []YearTotals `json:"by_year"`
	Excluded  struct {
		ForeignCredits       int `json:"foreign_credits"`
		OutsidePeriodHours   int `json:"outside_period_hours"`
		OutsidePeriodCredits int `json:"outside_period_credits"`
	} `json:"excluded"`
	RuleSets  []RuleSetState `json:"rule_sets"`
	Deadlines *Deadlines     `json:"deadlines"`
	Findings  []Finding      `json:"findings"`
	Ready     bool           `json:"ready"` // no blocking finding
}

// Input is what the evaluation looks at.
type Input struct {
	Form         dossier.Form
	Missing      []MissingDocument // required documents not uploaded
	FormProblems []FormProblem     // invalid fields and unanswered questions
	// Notes are warnings from outside the rules (a specialty checked
	// against a list not fully verified), reported as they are.
	Notes      []Finding
	Courses    []dossier.Course
	Activities []dossier.NMOActivity
	Today      time.Time
	// Submitted is the day the FRMR portal took the application; zero
	// while it is not submitted. The stages after submission count from it.
	Submitted time.Time
}

// MissingDocument is a required slot row still empty.
type MissingDocument struct {
	Slot  string // the row, e.g. qualification_certificates.1
	Title string
}

// FormProblem is a form field that keeps the application from being
// ready: an invalid value, or a question not answered yet (Question).
type FormProblem struct {
	Field    string
	Message  string
	Question bool
}

// Blocking lists the blocking findings.
func (r Report) Blocking() []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Severity == Blocking {
			out = append(out, f)
		}
	}
	return out
}

const dateLayout = "2006-01-02"

func parseDate(s string) (time.Time, bool) {
	d, err := time.Parse(dateLayout, s)
	return d, err == nil
}

// Period is the accreditation period of a form: five years (the rules')
// from the previous accreditation, or, when that date is not known
// (known false), the five years up to today.
func Period(f dossier.Form, rules *Rules, today time.Time) (from, to time.Time, known bool) {
	today = dayOf(today)
	if prev, ok := parseDate(f.PreviousAccreditationDate); ok {
		return prev, prev.AddDate(rules.PeriodYears, 0, -1), true
	}
	return today.AddDate(-rules.PeriodYears, 0, 1), today, false
}

// Evaluate computes the report: fields, required and conditional
// documents, the education rules, the work gap and the deadlines. Ready is
// true when nothing blocks.
func Evaluate(in Input, rules *Rules, cal *calendar.Calendar) Report {
	r := Report{Findings: []Finding{}, RuleSets: []RuleSetState{}, ByYear: []YearTotals{}}
	add := func(f Finding) { r.Findings = append(r.Findings, f) }
	today := dayOf(in.Today)
	portfolio := rules.portfolio(in.Form.Kind)

	// The period (judged by portfolio only): five years from the previous
	// accreditation, or the five years up to today when it is not known.
	from, to, hasPrev := Period(in.Form, rules, today)
	prev, _ := parseDate(in.Form.PreviousAccreditationDate)
	if !hasPrev && portfolio {
		add(Finding{Severity: Warning, Code: "previous_accreditation_date", Field: "previous_accreditation_date",
			Message: "Не указана дата предыдущей аккредитации: отчётный период взят как пять лет до сегодняшнего дня, сроки подачи не рассчитаны."})
	}
	if portfolio {
		r.PeriodFrom, r.PeriodTo = from.Format(dateLayout), to.Format(dateLayout)
	}

	for _, p := range in.FormProblems {
		code := "form_field"
		if p.Question {
			code = "question"
		}
		add(Finding{Severity: Blocking, Code: code, Field: p.Field, Message: p.Message})
	}
	for _, m := range in.Missing {
		add(Finding{Severity: Blocking, Code: "missing_document", Slot: m.Slot, Message: "Не загружен обязательный документ: " + m.Title + "."})
	}
	if portfolio {
		r.Education = true
		r.education(in, from, to, today, rules, add)
		if ended, ok := parseDate(in.Form.EmploymentEnded); ok && rules.WorkGapYears > 0 && !ended.AddDate(rules.WorkGapYears, 0, 0).After(today) {
			add(Finding{Severity: Blocking, Code: "work_gap", Field: "employment_ended", Message: fmt.Sprintf("Перерыв в работе с %s — %d лет или больше: периодическая аккредитация невозможна, нужны профессиональная переподготовка и первичная специализированная аккредитация. (Отпуск по уходу за ребёнком перерывом не считается.)", ended.Format("02.01.2006"), rules.WorkGapYears)})
		}
	}
	if portfolio && hasPrev {
		var submitted time.Time
		if !in.Submitted.IsZero() {
			submitted = dayOf(in.Submitted)
		}
		d, err := deadlines(in.Form, prev, today, submitted, rules, cal)
		if err != nil {
			add(Finding{Severity: Warning, Code: "calendar", Message: "Сроки этапов после подачи не вычисляются: " + calendar.Explain(err) + "."})
		}
		r.Deadlines = d
		if d.ProvisionalCalendar {
			add(Finding{Severity: Warning, Code: "calendar_provisional", Message: "Сроки этапов рассчитаны по производственному календарю, который ещё не сверен с официальным текстом постановления о переносе выходных дней."})
		}
		exp, _ := parseDate(d.Expiry)
		by, _ := parseDate(d.SubmitBy)
		switch {
		case !exp.After(today):
			add(Finding{Severity: Warning, Code: "expired", Message: "Срок действия аккредитации истёк " + exp.Format("02.01.2006") + "."})
		case submitted.IsZero() && by.Before(today):
			add(Finding{Severity: Warning, Code: "late", Message: "Рекомендованный срок подачи прошёл: подайте документы как можно скорее."})
		case !submitted.IsZero() && by.Before(submitted):
			// Submitted: lateness is the submission's, and there is
			// nothing left to hurry.
			add(Finding{Severity: Warning, Code: "late", Message: "Заявление подано " + submitted.Format("02.01.2006") +
				" — позже рекомендованного срока подачи (до " + by.Format("02.01.2006") + ")."})
		}
		for _, e := range rules.Exemptions {
			if msg, ok := e.applies(prev.AddDate(rules.PeriodYears, 0, 0), today); ok {
				add(Finding{Severity: Warning, Code: "exemption_" + e.ID, Message: msg})
			}
		}
	}
	r.Findings = append(r.Findings, in.Notes...)
	r.Ready = len(r.Blocking()) == 0
	return r
}

// applies tells whether an exemption may concern an accreditation that
// expires on expiry, and what to tell the specialist today.
func (e Exemption) applies(expiry, today time.Time) (string, bool) {
	from, _ := parseDate(e.CertificateExpiredFrom)
	to, _ := parseDate(e.CertificateExpiredTo)
	until, _ := parseDate(e.WorksUntil)
	// expiry is the first day without it: the last day of validity is the day before.
	last := expiry.AddDate(0, 0, -1)
	if last.Before(from) || last.After(to) {
		return "", false
	}
	if today.After(until) {
		return e.EndedMessage, true
	}
	return e.Message, true
}

// education counts the hours of the period against the rule sets and the
// NMO recommendations.
func (r *Report) education(in Input, from, to, today time.Time, rules *Rules, add func(Finding)) {
	inPeriod := func(d time.Time) bool { return !d.Before(from) && !d.After(to) }
	years := map[int]*Totals{}
	year := func(y int) *Totals {
		if years[y] == nil {
			years[y] = &Totals{}
		}
		return years[y]
	}
	for _, c := range in.Courses {
		end, ok := parseDate(c.EndDate)
		if !ok || !inPeriod(end) {
			r.Excluded.OutsidePeriodHours += c.Hours
			continue
		}
		for _, t := range []*Totals{&r.Totals, year(end.Year())} {
			t.Courses += c.Hours
			if c.InSpecialty {
				t.CoursesInSpecialty += c.Hours
			}
		}
		if strings.TrimSpace(c.FRDONumber) == "" {
			add(Finding{Severity: Blocking, Code: "frdo_missing", Slot: c.CertificateSlot, Message: fmt.Sprintf("Удостоверение о повышении квалификации «%s» (%s) не внесено в ФИС ФРДО: без регистрации заявление отклонят. Запросите номер у организации.", c.Title, c.Organization)})
		}
	}
	for _, a := range in.Activities {
		d, ok := parseDate(a.Date)
		switch {
		case a.Foreign:
			r.Excluded.ForeignCredits += a.Credits
			continue
		case !ok || !inPeriod(d):
			r.Excluded.OutsidePeriodCredits += a.Credits
			continue
		}
		for _, t := range []*Totals{&r.Totals, year(d.Year())} {
			t.NMO += a.Credits
			if a.Kind == dossier.NMOEvent || a.Kind == dossier.NMOEModule {
				t.NonFormal += a.Credits
			}
		}
	}
	for y := from.Year(); y <= to.Year(); y++ {
		yt := YearTotals{Year: y}
		if t := years[y]; t != nil {
			yt.Totals = *t
		}
		r.ByYear = append(r.ByYear, yt)
	}

	met := false
	var options []string
	for _, rs := range rules.RuleSets {
		ok := rs.Met(r.Totals)
		met = met || ok
		options = append(options, rs.Title)
		r.RuleSets = append(r.RuleSets, RuleSetState{rs, ok})
	}
	if !met {
		add(Finding{Severity: Blocking, Code: "education_hours", Message: fmt.Sprintf("За период %s — %s засчитано %d ч повышения квалификации (из них %d по специальности) и %d ч неформального образования. Нужно одно из: %s.",
			from.Format("02.01.2006"), to.Format("02.01.2006"), r.Totals.Courses, r.Totals.CoursesInSpecialty, r.Totals.NonFormal, strings.Join(options, "; "))})
	}
	if r.Excluded.ForeignCredits > 0 {
		add(Finding{Severity: Warning, Code: "foreign_credits", Message: fmt.Sprintf("%d ЗЕТ за зарубежные мероприятия не засчитываются.", r.Excluded.ForeignCredits)})
	}
	if rules.NMOTotal > 0 && r.Totals.NMO < rules.NMOTotal {
		add(Finding{Severity: Warning, Code: "nmo_total", Message: fmt.Sprintf("За период набрано %d ЗЕТ НМО из рекомендованных %d.", r.Totals.NMO, rules.NMOTotal)})
	}
	for _, yt := range r.ByYear {
		// Only years already over, and fully inside the period, are judged.
		full := yt.Year > from.Year() && yt.Year < to.Year() && yt.Year < today.Year()
		if rules.NMOPerYear > 0 && full && yt.NMO < rules.NMOPerYear {
			add(Finding{Severity: Warning, Code: "nmo_year", Message: fmt.Sprintf("В %d году набрано %d ЗЕТ НМО из рекомендованных %d.", yt.Year, yt.NMO, rules.NMOPerYear)})
		}
	}
}

func dayOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// deadlines counts the cycle's dates: expiry five years after the previous
// accreditation; submission in the month 2 (report agreed) or 3 (not
// agreed) months before the expiry month; the stages after submission in
// working days from the day the portal took the application (submitted,
// when not zero), else from the planned submission (the recommended
// month's first day, or today if later).
func deadlines(f dossier.Form, prev, today, submitted time.Time, rules *Rules, cal *calendar.Calendar) (*Deadlines, error) {
	expiry := prev.AddDate(rules.PeriodYears, 0, 0)
	months := rules.SubmitMonthsBefore.ReportAgreed
	if agreed, known := f.Flag("report_agreed"); known && !agreed {
		months = rules.SubmitMonthsBefore.ReportNotAgreed
	}
	monthStart := time.Date(expiry.Year(), expiry.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -months, 0)
	d := &Deadlines{
		PreviousAccreditation: prev.Format(dateLayout),
		Expiry:                expiry.Format(dateLayout),
		SubmitFrom:            monthStart.Format(dateLayout),
		SubmitBy:              monthStart.AddDate(0, 1, -1).Format(dateLayout),
	}
	start := monthStart
	switch {
	case !submitted.IsZero():
		start = submitted
		d.SubmittedOn = submitted.Format(dateLayout)
	case today.After(start):
		start = today
	}
	d.PlannedSubmission = start.Format(dateLayout)
	at := start
	for _, st := range rules.Stages {
		end, err := cal.AddWorkingDays(at, st.WorkingDays)
		if err != nil {
			// Not a guess for some stages: none at all.
			d.Stages, d.ProvisionalCalendar = nil, false
			return d, err
		}
		for y := at.Year(); y <= end.Year(); y++ {
			if data, err := cal.Year(y); err == nil && data.Provisional {
				d.ProvisionalCalendar = true
			}
		}
		d.Stages = append(d.Stages, StageDate{Stage: st, Ends: end.Format(dateLayout)})
		at = end
	}
	return d, nil
}
