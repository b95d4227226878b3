// Package packager builds the bundles of an application: the FRMR upload
// package (a ZIP, streamed) and the portfolio (one merged PDF). It reads
// documents from storage, checks each again, and draws its generated pages
// with templates. Merging runs in a sandboxed child process.
package packager

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"accredpack/catalog"
	"accredpack/dossier"
	"accredpack/readiness"
	"accredpack/templates"
)

// Item is one filled slot row going into a bundle.
type Item struct {
	Ref      dossier.SlotRef
	Title    string // the slot's title, with its row number for repeatable slots
	FileName string // the name in the FRMR package
	Doc      dossier.Document
}

// Plan is what a bundle of an application contains, computed from the
// catalog before any byte is read.
type Plan struct {
	App       *dossier.Application
	Items     []Item
	Checklist []templates.ChecklistRow
	Missing   []string // titles of the required rows still empty
	Draft     bool
	Generated time.Time
	// Readiness, when set, adds the readiness page to a portfolio's front.
	Readiness *templates.ReadinessPage
	// PageTexts, when set, is the text read (OCR) on each page of the
	// documents, by object key: a portfolio carries it as an invisible
	// text layer (personal data: kept only in private temporary files).
	PageTexts map[string][]string
}

// NewPlan lays out an application's filled slots in catalog order.
func NewPlan(app *dossier.Application, kind *catalog.Kind, docs []dossier.Document, draft bool, now time.Time) Plan {
	p := Plan{App: app, Draft: draft, Generated: now}
	layout := kind.Layout(&app.Form, docs)
	prefix := ShortName(app.Form.Specialist)
	used := map[string]bool{}
	for _, st := range layout.Slots {
		title := st.Slot.Title
		fileTitle := st.Slot.FileTitle
		if st.Ref.Row > 0 {
			title = fmt.Sprintf("%s (№ %d)", st.Slot.Title, st.Ref.Row)
			fileTitle = fmt.Sprintf("%s %d", st.Slot.FileTitle, st.Ref.Row)
		}
		row := templates.ChecklistRow{Title: title, Required: st.Required, Filled: st.Document != nil}
		if st.Document != nil {
			name := uniqueName(SafeFileName(prefix+" - "+fileTitle), used)
			row.FileName = name
			p.Items = append(p.Items, Item{Ref: st.Ref, Title: title, FileName: name, Doc: *st.Document})
		} else if st.Required {
			p.Missing = append(p.Missing, title)
		}
		p.Checklist = append(p.Checklist, row)
	}
	return p
}

// ShortName writes "Иванов И.И." (or "Иванов И." without a patronymic).
func ShortName(s dossier.Specialist) string {
	name := s.LastName
	for _, part := range []string{s.FirstName, s.MiddleName} {
		if r := []rune(strings.TrimSpace(part)); len(r) > 0 {
			if !strings.Contains(name, ".") {
				name += " "
			}
			name += string(unicode.ToUpper(r[0])) + "."
		}
	}
	return name
}

// FullName writes last, first and middle names.
func FullName(s dossier.Specialist) string {
	return strings.Join(strings.Fields(s.LastName+" "+s.FirstName+" "+s.MiddleName), " ")
}

// FileName is the name the FRMR package gives the file of a slot row
// ("Иванова А.С. - Паспорт.pdf"); false when the row is not filled.
func (p Plan) FileName(ref dossier.SlotRef) (string, bool) {
	for _, it := range p.Items {
		if it.Ref == ref {
			return it.FileName, true
		}
	}
	return "", false
}

// BundleFileName is the name a bundle downloads as, after the specialist:
// «Иванова А.С. - пакет для ФРМР.zip», «Иванова А.С. - портфолио.pdf»;
// a draft says so («Иванова А.С. - черновик портфолио.pdf»). Windows-safe
// as SafeFileName.
func BundleFileName(s dossier.Specialist, kind string, draft bool) string {
	var title, ext string
	switch {
	case kind == dossier.BundlePortfolio && draft:
		title, ext = "черновик портфолио", ".pdf"
	case kind == dossier.BundlePortfolio:
		title, ext = "портфолио", ".pdf"
	case draft:
		title, ext = "черновик пакета для ФРМР", ".zip"
	default:
		title, ext = "пакет для ФРМР", ".zip"
	}
	if name := strings.TrimSpace(ShortName(s)); name != "" {
		title = name + " - " + title
	}
	return safeBase(title) + ext
}

// SafeFileName makes a PDF file name that Windows and the portal accept:
// no reserved characters or control characters, no trailing dots or spaces,
// at most 120 characters before ".pdf".
func SafeFileName(base string) string { return safeBase(base) + ".pdf" }

// safeBase is a file name without its extension as SafeFileName makes it.
func safeBase(base string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f:
			return -1
		case strings.ContainsRune(`<>:"/\|?*`, r):
			return '_'
		}
		return r
	}, base)
	clean = strings.Join(strings.Fields(clean), " ")
	if r := []rune(clean); len(r) > 120 {
		clean = string(r[:120])
	}
	clean = strings.TrimRight(clean, ". ")
	if clean == "" {
		clean = "document"
	}
	return clean
}

func uniqueName(name string, used map[string]bool) string {
	base := strings.TrimSuffix(name, ".pdf")
	for i := 2; used[strings.ToLower(name)]; i++ {
		name = fmt.Sprintf("%s (%d).pdf", base, i)
	}
	used[strings.ToLower(name)] = true
	return name
}

// ReadinessPage turns a readiness report into the portfolio's page.
func ReadinessPage(r readiness.Report) *templates.ReadinessPage {
	date := func(s string) string {
		if t, err := time.Parse("2006-01-02", s); err == nil {
			return t.Format("02.01.2006")
		}
		return s
	}
	p := &templates.ReadinessPage{Period: date(r.PeriodFrom) + " – " + date(r.PeriodTo)}
	if !r.Education {
		p.Period = "не применяется: портфолио по этому виду аккредитации не оценивается"
	}
	for _, y := range r.ByYear {
		p.Years = append(p.Years, templates.ReadinessYear{Year: y.Year, Courses: y.Courses, InSpecialty: y.CoursesInSpecialty, NMO: y.NMO})
	}
	for _, rs := range r.RuleSets {
		p.RuleSets = append(p.RuleSets, templates.ReadinessRule{Title: rs.Title, Met: rs.Met})
	}
	if d := r.Deadlines; d != nil {
		p.Deadlines = [][2]string{{"Аккредитация действует до", date(d.Expiry)},
			{"Рекомендуемый срок подачи", date(d.SubmitFrom) + " – " + date(d.SubmitBy)}}
		if d.SubmittedOn != "" {
			p.Deadlines = append(p.Deadlines, [2]string{"Подано в ФРМР", date(d.SubmittedOn)})
		}
		for _, st := range d.Stages {
			p.Deadlines = append(p.Deadlines, [2]string{fmt.Sprintf("%s (%d раб. дн.), ожидаемое окончание", st.Title, st.WorkingDays), date(st.Ends)})
		}
	}
	for _, f := range r.Findings {
		p.Findings = append(p.Findings, templates.ReadinessFinding{Blocking: f.Severity == readiness.Blocking, Text: f.Message})
	}
	return p
}
