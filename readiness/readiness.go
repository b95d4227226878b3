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
}

// Rules are the configurable requirements.
type Rules struct {
	PeriodYears        int       `json:"period_years"`
	RuleSets           []RuleSet `json:"rule_sets"`
	NMOPerYear         int       `json:"nmo_per_year"`
	NMOTotal           int       `json:"nmo_total"`
	WorkGapYears       int       `json:"work_gap_years"`
	SubmitMonthsBefore struct {
		ReportAgreed    int `json:"report_agreed"`
		ReportNotAgreed int `json:"report_not_agreed"`
	} `json:"submit_months_before"`
	Stages []Stage `json:"stages"`
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
	if r.PeriodYears < 1 || len(r.RuleSets) == 0 {
		return nil, fmt.Errorf("readiness: rules need period_years and at least one rule set")
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

// Finding is one thing between the specialist and a submission.
type Finding struct {
	Severity string `json:"severity"` // blocking or warning
	Code     string `json:"code"`
	Message  string `json:"message"`
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
	PreviousAccreditation string      `json:"previous_accreditation"`
	Expiry                string      `json:"expiry"`
	SubmitFrom            string      `json:"submit_from"` // the recommended month
	SubmitBy              string      `json:"submit_by"`
	PlannedSubmission     string      `json:"planned_submission"`
	Stages                []StageDate `json:"stages"`
	ProvisionalCalendar   bool        `json:"provisional_calendar"`
}

// Report is the readiness of an application.
type Report struct {
	PeriodFrom string       `json:"period_from"`
	PeriodTo   string       `json:"period_to"`
	Totals     Totals       `json:"totals"`
	ByYear     []YearTotals `json:"by_year"`
	Excluded   struct {
		ForeignCredits       int `json:"foreign_credits"`
		OutsidePeriodHours   int `json:"outside_period_hours"`
		OutsidePeriodCredits int `json:"outside_period_credits"`
	} `json:"excluded"`
	RuleSets []struct {
		RuleSet
		Met bool `json:"met"`
	} `json:"rule_sets"`
	Deadlines *Deadlines `json:"deadlines"`
	Findings  []Finding  `json:"findings"`
	Ready     bool       `json:"ready"` // no blocking finding
}

// Input is what the evaluation looks at.
type Input struct {
	Form         dossier.Form
	Missing      []string // titles of required documents not uploaded
	FormProblems []string // messages of invalid fields
	Courses      []dossier.Course
	Activities   []dossier.NMOActivity
	Today        time.Time
}

const dateLayout = "2006-01-02"

func parseDate(s string) (time.Time, bool) {
	d, err := time.Parse(dateLayout, s)
	return d, err == nil
}

// Evaluate computes the report.
func Evaluate(in Input, rules *Rules, cal *calendar.Calendar) Report {
	var r Report
	add := func(sev, code, msg string) {
		r.Findings = append(r.Findings, Finding{Severity: sev, Code: code, Message: msg})
	}
	today := time.Date(in.Today.Year(), in.Today.Month(), in.Today.Day(), 0, 0, 0, 0, time.UTC)

	// The period: five years from the previous accreditation, or the five
	// years up to today when it is not known.
	from, to := today.AddDate(-rules.PeriodYears, 0, 0), today
	prev, hasPrev := parseDate(in.Form.PreviousAccreditationDate)
	if hasPrev {
		from, to = prev, prev.AddDate(rules.PeriodYears, 0, -1)
	} else if in.Form.Kind == "periodic" {
		add(Warning, "previous_accreditation_date", "Не указана дата предыдущей аккредитации: отчётный период взят как пять лет до сегодняшнего дня, сроки подачи не рассчитаны.")
	}
	r.PeriodFrom, r.PeriodTo = from.Format(dateLayout), to.Format(dateLayout)
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
			add(Blocking, "frdo_missing", fmt.Sprintf("Удостоверение о повышении квалификации «%s» (%s) не внесено в ФИС ФРДО: без регистрации заявление отклонят. Запросите номер у организации.", c.Title, c.Organization))
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
	sort.Slice(r.ByYear, func(i, j int) bool { return r.ByYear[i].Year < r.ByYear[j].Year })

	met := false
	var options []string
	for _, rs := range rules.RuleSets {
		ok := rs.Met(r.Totals)
		met = met || ok
		options = append(options, rs.Title)
		r.RuleSets = append(r.RuleSets, struct {
			RuleSet
			Met bool `json:"met"`
		}{rs, ok})
	}
	if !met {
		add(Blocking, "education_hours", fmt.Sprintf("За период %s — %s засчитано %d ч повышения квалификации (из них %d по специальности) и %d ч неформального образования. Нужно одно из: %s.",
			from.Format("02.01.2006"), to.Format("02.01.2006"), r.Totals.Courses, r.Totals.CoursesInSpecialty, r.Totals.NonFormal, strings.Join(options, "; ")))
	}
	if r.Excluded.ForeignCredits > 0 {
		add(Warning, "foreign_credits", fmt.Sprintf("%d ЗЕТ за зарубежные мероприятия не засчитываются.", r.Excluded.ForeignCredits))
	}
	if rules.NMOTotal > 0 && r.Totals.NMO < rules.NMOTotal {
		add(Warning, "nmo_total", fmt.Sprintf("За период набрано %d ЗЕТ НМО из рекомендованных %d.", r.Totals.NMO, rules.NMOTotal))
	}
	for _, yt := range r.ByYear {
		// Only years already over, and fully inside the period, are judged.
		full := yt.Year > from.Year() && yt.Year < to.Year() && yt.Year < today.Year()
		if rules.NMOPerYear > 0 && full && yt.NMO < rules.NMOPerYear {
			add(Warning, "nmo_year", fmt.Sprintf("В %d году набрано %d ЗЕТ НМО из рекомендованных %d.", yt.Year, yt.NMO, rules.NMOPerYear))
		}
	}
	for _, m := range in.Missing {
		add(Blocking, "missing_document", "Не загружен обязательный документ: "+m+".")
	}
	for _, p := range in.FormProblems {
		add(Blocking, "form_field", p)
	}
	if ended, ok := parseDate(in.Form.EmploymentEnded); ok && rules.WorkGapYears > 0 && !ended.AddDate(rules.WorkGapYears, 0, 0).After(today) {
		add(Blocking, "work_gap", fmt.Sprintf("Перерыв в работе с %s — %d лет или больше: периодическая аккредитация невозможна, нужны профессиональная переподготовка и первичная специализированная аккредитация. (Отпуск по уходу за ребёнком перерывом не считается.)", ended.Format("02.01.2006"), rules.WorkGapYears))
	}
	if hasPrev {
		d, err := deadlines(in.Form, prev, today, rules, cal)
		if err != nil {
			add(Warning, "calendar", "Сроки этапов не рассчитаны: "+err.Error())
		}
		r.Deadlines = d
		if d != nil && d.ProvisionalCalendar {
			add(Warning, "calendar_provisional", "Сроки этапов рассчитаны по предварительному производственному календарю (без переносов дней постановлением Правительства).")
		}
		if exp, _ := parseDate(d.Expiry); !exp.After(today) {
			add(Warning, "expired", "Срок действия аккредитации истёк "+exp.Format("02.01.2006")+".")
		} else if by, _ := parseDate(d.SubmitBy); by.Before(today) {
			add(Warning, "late", "Рекомендованный срок подачи прошёл: подайте документы как можно скорее.")
		}
	}
	r.Ready = true
	for _, f := range r.Findings {
		if f.Severity == Blocking {
			r.Ready = false
		}
	}
	return r
}

// DeadlinesFor computes the deadlines of a form, or nil when the previous
// accreditation's date is not known.
func DeadlinesFor(f dossier.Form, today time.Time, rules *Rules, cal *calendar.Calendar) (*Deadlines, error) {
	prev, ok := parseDate(f.PreviousAccreditationDate)
	if !ok {
		return nil, nil
	}
	return deadlines(f, prev, time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC), rules, cal)
}

// deadlines counts the cycle's dates: expiry five years after the previous
// accreditation; submission in the month 2 (report agreed) or 3 (not
// agreed) months before the expiry month; the stages after submission in
// working days from the planned submission (the recommended month's first
// day, or today if later).
func deadlines(f dossier.Form, prev, today time.Time, rules *Rules, cal *calendar.Calendar) (*Deadlines, error) {
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
	if today.After(start) {
		start = today
	}
	d.PlannedSubmission = start.Format(dateLayout)
	at := start
	for _, st := range rules.Stages {
		end, err := cal.AddWorkingDays(at, st.WorkingDays)
		if err != nil {
			return d, err
		}
		if y, err := cal.Year(end.Year()); err == nil && y.Provisional {
			d.ProvisionalCalendar = true
		}
		d.Stages = append(d.Stages, StageDate{Stage: st, Ends: end.Format(dateLayout)})
		at = end
	}
	return d, nil
}
