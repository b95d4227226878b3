package report

import (
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Finding is something a commission would raise about the report: a
// section empty or too short, numbers missing for a year, the agreement
// block unfilled. Section names the section it concerns.
type Finding struct {
	Code    string `json:"code"`
	Section string `json:"section"`
	Message string `json:"message"`
}

// Finding codes.
const (
	CodeSectionEmpty = "report_section_empty"
	CodeSectionShort = "report_section_short"
	CodeVolumeYear   = "report_volume_year"
	CodeWorkplace    = "report_workplace"
	CodeWorkGap      = "report_work_gap"
	CodeAgreement    = "report_agreement"
)

// Facts are what the report takes from the application and its ledger,
// never typed again: who, the specialty, the period, whether the report is
// agreed (and if not, why), the education of the period.
type Facts struct {
	Specialist string `json:"specialist"` // full name
	Specialty  string `json:"specialty"`
	PeriodFrom string `json:"period_from"` // YYYY-MM-DD, empty when unknown
	PeriodTo   string `json:"period_to"`
	Years      []int  `json:"years"`
	// Agreed is the form's answer (nil: not answered); NotAgreedReason
	// the reason in words when it is false.
	Agreed          *bool    `json:"report_agreed"`
	NotAgreedReason string   `json:"not_agreed_reason"`
	Courses         []Course `json:"courses"`
	NMOCredits      int      `json:"nmo_credits"`
	// WorkGapYears is the readiness rules' work gap that rules out
	// periodic accreditation (0: not judged).
	WorkGapYears int `json:"-"`
}

// Course is one course of the ledger in the period.
type Course struct {
	Title        string `json:"title"`
	Organization string `json:"organization"`
	EndDate      string `json:"end_date"`
	Hours        int    `json:"hours"`
	InSpecialty  bool   `json:"in_specialty"`
}

// Findings lists what a commission would raise, in the order of the
// sections.
func (d *Data) Findings(dr *Draft, f Facts) []Finding {
	if dr == nil {
		dr = &Draft{}
	}
	var out []Finding
	add := func(code, section, msg string) {
		out = append(out, Finding{Code: code, Section: section, Message: msg})
	}
	text := func(id, v string) {
		s := d.Section(id)
		n := utf8.RuneCountInString(v)
		switch {
		case n == 0:
			add(CodeSectionEmpty, id, "Раздел «"+s.Title+"» не заполнен.")
		case n < s.MinChars:
			add(CodeSectionShort, id, fmt.Sprintf("Раздел «%s» слишком короткий: %d из %d знаков — комиссия ждёт развёрнутого текста.", s.Title, n, s.MinChars))
		}
	}
	for _, s := range d.Structure.Sections {
		switch s.ID {
		case "workplaces":
			if len(dr.Workplaces) < max(s.MinItems, 1) {
				add(CodeSectionEmpty, s.ID, "Раздел «"+s.Title+"» пуст: укажите хотя бы одно место работы.")
			}
			for i, w := range dr.Workplaces {
				var miss []string
				for _, m := range []struct{ v, name string }{{w.Organization, "организация"}, {w.Position, "должность"}, {w.From, "дата начала"}} {
					if m.v == "" {
						miss = append(miss, m.name)
					}
				}
				if len(miss) > 0 {
					add(CodeWorkplace, s.ID, fmt.Sprintf("Место работы %d: не указаны %s.", i+1, joinRu(miss)))
				}
			}
			for _, g := range gaps(dr.Workplaces) {
				msg := fmt.Sprintf("Между местами работы перерыв с %s по %s: комиссия его увидит — если это отпуск по уходу за ребёнком или другая причина, напишите о ней в комментарии к заявлению.",
					g[0].Format("02.01.2006"), g[1].Format("02.01.2006"))
				if f.WorkGapYears > 0 && !g[0].AddDate(f.WorkGapYears, 0, -1).After(g[1]) { // as readiness: the last day worked plus the years
					msg = fmt.Sprintf("Перерыв в работе с %s по %s — %d лет или больше: периодическая аккредитация невозможна (отпуск по уходу за ребёнком перерывом не считается).",
						g[0].Format("02.01.2006"), g[1].Format("02.01.2006"), f.WorkGapYears)
				}
				add(CodeWorkGap, s.ID, msg)
			}
		case "organization":
			text(s.ID, dr.Organization)
		case "duties":
			text(s.ID, dr.Duties)
		case "volume":
			_, rows := d.Indicators(dr, f.Specialty)
			var none []string
			var partial []Finding
			for _, y := range f.Years {
				row := dr.Volume[strconv.Itoa(y)]
				filled := 0
				for _, ind := range rows {
					if _, ok := row[ind.ID]; ok {
						filled++
					}
				}
				switch {
				case filled == 0:
					none = append(none, strconv.Itoa(y))
				case filled < len(rows):
					partial = append(partial, Finding{CodeVolumeYear, s.ID, fmt.Sprintf("За %d год заполнено %d из %d показателей (если работы такого вида не было, впишите 0).", y, filled, len(rows))})
				}
			}
			// Years without a number are one finding, not one a year.
			switch len(none) {
			case 0:
			case 1:
				add(CodeVolumeYear, s.ID, "Нет чисел за "+none[0]+" год в таблице объёма работы.")
			default:
				add(CodeVolumeYear, s.ID, "Нет чисел за "+joinRu(none)+" годы в таблице объёма работы.")
			}
			out = append(out, partial...)
			if utf8.RuneCountInString(dr.VolumeAnalysis) < s.MinChars {
				add(CodeSectionShort, s.ID, fmt.Sprintf("Нет анализа показателей под таблицей (или он короче %d знаков): объясните, что изменилось по годам и почему.", s.MinChars))
			}
		case "skills":
			text(s.ID, dr.Skills)
		case "education":
			if len(f.Courses) == 0 {
				add(CodeSectionEmpty, s.ID, "Раздел «"+s.Title+"» пуст: в заявлении нет ни одного курса повышения квалификации (раздел «Обучение»).")
			}
		case "achievements":
			if len(dr.Achievements) < max(s.MinItems, 1) {
				add(CodeSectionEmpty, s.ID, "Раздел «"+s.Title+"» пуст: публикации, доклады, наставничество, награды — хотя бы одно.")
			}
		case "proposals":
			text(s.ID, dr.Proposals)
		case "agreement":
			if f.Agreed != nil && *f.Agreed && (dr.Agreement.HeadName == "" || dr.Agreement.HeadPosition == "") {
				add(CodeAgreement, s.ID, "Отчёт согласуется с руководителем: укажите его должность и Ф. И. О.")
			}
		}
	}
	return out
}

func joinRu(list []string) string {
	switch len(list) {
	case 0:
		return ""
	case 1:
		return list[0]
	}
	out := list[0]
	for _, s := range list[1 : len(list)-1] {
		out += ", " + s
	}
	return out + " и " + list[len(list)-1]
}

// gaps are the periods of more than a month between the places of work
// (the day after one ends to the day before the next begins), in order;
// places without a valid start are left out.
func gaps(list []Workplace) [][2]time.Time {
	type span struct{ from, to time.Time }
	var spans []span
	for _, w := range list {
		from, err := time.Parse(time.DateOnly, w.From)
		if err != nil {
			continue
		}
		to, err := time.Parse(time.DateOnly, w.To)
		if err != nil {
			to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) // to this day
		}
		spans = append(spans, span{from, to})
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from.Compare(b.from) })
	var out [][2]time.Time
	for i := 1; i < len(spans); i++ {
		end := spans[i-1].to
		for _, s := range spans[:i] {
			if s.to.After(end) {
				end = s.to
			}
		}
		start, stop := end.AddDate(0, 0, 1), spans[i].from.AddDate(0, 0, -1)
		if stop.After(start.AddDate(0, 1, 0)) {
			out = append(out, [2]time.Time{start, stop})
		}
	}
	return out
}
