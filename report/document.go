package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Document is the report as a sequence of blocks, in the words it is
// printed with: templates draws it as a PDF, docx writes it as a DOCX,
// so both say the same.
type Document struct {
	Title    string
	Subtitle string
	Blocks   []Block
	// Agreement is the approval block on the first page: who agrees it
	// (places for signature and seal) or why it is not agreed.
	Agreement AgreementBlock
	// Signature is the specialist's lines at the end, with places for the
	// signature and the date.
	Signature []string
}

// Block kinds.
const (
	Heading   = "heading"
	Paragraph = "paragraph"
	Table     = "table"
	Bullet    = "bullet"
)

// Block is a heading, a paragraph, a list item or a table (Rows, the first
// being the header).
type Block struct {
	Kind string
	Text string
	Rows [][]string
	// Widths are the columns' relative widths (a table's).
	Widths []float64
}

// AgreementBlock is the «СОГЛАСОВАНО» block at the top right of the first
// page; Lines are its text as printed (places for the head's signature,
// the date and the seal, or why the report is not agreed).
type AgreementBlock struct {
	Agreed       bool
	NotAgreed    string // why it is not agreed (the form's answer), when not agreed
	HeadPosition string
	HeadName     string
	Organization string
	Lines        []string
}

// Blank places for a signature and a date.
const (
	SignaturePlace = "________________"
	DatePlace      = "«___» ____________ 20___ г."
)

// RuDate writes YYYY-MM-DD as ДД.ММ.ГГГГ ("" stays "").
func RuDate(v string) string {
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return v
	}
	return t.Format("02.01.2006")
}

// Compose makes the document of a draft with the facts of its application.
func (d *Data) Compose(dr *Draft, f Facts) Document {
	if dr == nil {
		dr = &Draft{}
	}
	doc := Document{Title: "ОТЧЁТ о профессиональной деятельности"}
	switch {
	case f.PeriodFrom != "" && f.PeriodTo != "":
		doc.Subtitle = "за период с " + RuDate(f.PeriodFrom) + " по " + RuDate(f.PeriodTo)
	case len(f.Years) > 0:
		doc.Subtitle = fmt.Sprintf("за %d–%d годы", f.Years[0], f.Years[len(f.Years)-1])
	}
	doc.Agreement = AgreementBlock{Agreed: f.Agreed != nil && *f.Agreed, HeadPosition: dr.Agreement.HeadPosition,
		HeadName: dr.Agreement.HeadName, Organization: dr.Agreement.Organization}
	ag := &doc.Agreement
	switch {
	case ag.Agreed:
		ag.Lines = []string{"СОГЛАСОВАНО", orDash(ag.HeadPosition)}
		if ag.Organization != "" {
			ag.Lines = append(ag.Lines, ag.Organization)
		}
		ag.Lines = append(ag.Lines, SignaturePlace+" / "+orDash(ag.HeadName), DatePlace, "М. П.")
	case f.Agreed != nil:
		ag.NotAgreed = f.NotAgreedReason
		ag.Lines = []string{"Отчёт не согласован с руководителем организации", "Причина: " + orDash(f.NotAgreedReason)}
	}
	add := func(kind, text string) { doc.Blocks = append(doc.Blocks, Block{Kind: kind, Text: text}) }
	paragraphs := func(v string) {
		if v == "" {
			add(Paragraph, "—")
			return
		}
		for _, p := range strings.Split(v, "\n") {
			if p = strings.TrimSpace(p); p != "" {
				add(Paragraph, p)
			}
		}
	}
	n := 0
	heading := func(id string) {
		n++
		add(Heading, fmt.Sprintf("%d. %s", n, d.Section(id).Title))
	}
	for _, s := range d.Structure.Sections {
		switch s.ID {
		case "specialist":
			heading(s.ID)
			add(Paragraph, "Ф. И. О.: "+f.Specialist)
			add(Paragraph, "Специальность: "+f.Specialty)
			if doc.Subtitle != "" {
				add(Paragraph, "Отчётный период: "+strings.TrimPrefix(strings.TrimPrefix(doc.Subtitle, "за "), "период "))
			}
		case "workplaces":
			heading(s.ID)
			rows := [][]string{{"Организация", "Подразделение", "Должность", "Период"}}
			for _, w := range dr.Workplaces {
				to := RuDate(w.To)
				if to == "" {
					to = "по настоящее время"
				} else {
					to = "по " + to
				}
				rows = append(rows, []string{w.Organization, w.Department, w.Position, "с " + RuDate(w.From) + " " + to})
			}
			if len(rows) == 1 {
				add(Paragraph, "—")
			} else {
				doc.Blocks = append(doc.Blocks, Block{Kind: Table, Rows: rows, Widths: []float64{3, 2.2, 2.2, 2.6}})
			}
		case "organization":
			heading(s.ID)
			paragraphs(dr.Organization)
		case "duties":
			heading(s.ID)
			paragraphs(dr.Duties)
		case "volume":
			heading(s.ID)
			_, inds := d.Indicators(dr, f.Specialty)
			header := []string{"Показатель"}
			for _, y := range f.Years {
				header = append(header, strconv.Itoa(y))
			}
			rows := [][]string{header}
			for _, ind := range inds {
				title := ind.Title
				if ind.Unit != "" {
					title += ", " + ind.Unit
				}
				row := []string{title}
				for _, y := range f.Years {
					v, ok := dr.Volume[strconv.Itoa(y)][ind.ID]
					if ok {
						row = append(row, groupDigits(v))
					} else {
						row = append(row, "—")
					}
				}
				rows = append(rows, row)
			}
			widths := []float64{float64(max(4, len(f.Years)))}
			for range f.Years {
				widths = append(widths, 1)
			}
			doc.Blocks = append(doc.Blocks, Block{Kind: Table, Rows: rows, Widths: widths})
			paragraphs(dr.VolumeAnalysis)
		case "skills":
			heading(s.ID)
			paragraphs(dr.Skills)
		case "education":
			heading(s.ID)
			rows := [][]string{{"Программа", "Организация", "Часы", "Окончание"}}
			hours := 0
			for _, c := range f.Courses {
				title := c.Title
				if c.InSpecialty {
					title += " (по специальности)"
				}
				rows = append(rows, []string{title, c.Organization, strconv.Itoa(c.Hours), RuDate(c.EndDate)})
				hours += c.Hours
			}
			if len(rows) == 1 {
				add(Paragraph, "—")
			} else {
				doc.Blocks = append(doc.Blocks, Block{Kind: Table, Rows: rows, Widths: []float64{4, 3, 1, 1.6}})
				add(Paragraph, fmt.Sprintf("Всего часов повышения квалификации за период: %d.", hours))
			}
			if f.NMOCredits > 0 {
				add(Paragraph, fmt.Sprintf("Зачётных единиц НМО за период: %d.", f.NMOCredits))
			}
		case "achievements":
			heading(s.ID)
			if len(dr.Achievements) == 0 {
				add(Paragraph, "—")
			}
			for _, a := range dr.Achievements {
				line := d.kindTitle(a.Kind) + ": " + a.Title
				if a.Year != "" {
					line += " (" + a.Year + ")"
				}
				add(Bullet, line)
			}
		case "proposals":
			heading(s.ID)
			paragraphs(dr.Proposals)
		}
	}
	doc.Signature = []string{"Специалист " + SignaturePlace + " / " + f.Specialist, DatePlace}
	return doc
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func (d *Data) kindTitle(id string) string {
	for _, c := range d.Structure.AchievementKinds {
		if c.ID == id {
			return c.Title
		}
	}
	return id
}

// groupDigits writes 12345 as «12 345» (a no-break space).
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Numeric tells a table cell of numbers (digits, no-break spaces as digit
// groups, a dash for none): both printers align it right.
func Numeric(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '\u00a0' && r != '—' {
			return false
		}
	}
	return true
}
