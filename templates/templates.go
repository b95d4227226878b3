// Package templates draws the generated pages of the bundles (cover,
// inventory, checklist) and the report on professional activity (report.go)
// with gofpdf and an embedded Cyrillic font, and holds
// their wording as data (wording.json), so wording changes without touching
// the packager. Text is real text: searchable and copyable.
package templates

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// The font is DejaVu Sans (Bitstream Vera licence, fonts/LICENSE-DejaVu.txt).
var (
	//go:embed fonts/DejaVuSans.ttf
	FontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
	//go:embed wording.json
	wordingJSON []byte
)

// FontName is the family name of the embedded font.
const FontName = "DejaVuSans"

// Wording is every text of the generated pages.
type Wording struct {
	KindTitles map[string]string `json:"kind_titles"`
	Cover      struct {
		Title, Specialist, SNILS, Specialty, Period, Documents, Generated string
	} `json:"cover"`
	Inventory struct {
		Title, Number, Document, Pages, Range, Period string
	} `json:"inventory"`
	Checklist struct {
		Title, Slot, Requirement, State, File, Required, Optional, Filled, Empty string
		MissingTitle                                                             string `json:"missing_title"`
		NothingMissing                                                           string `json:"nothing_missing"`
		DraftBanner                                                              string `json:"draft_banner"`
	} `json:"checklist"`
	Readiness struct {
		Title, Period, Year, Courses, NMO, Met, Nothing, Blocking, Warning, Deadlines, Findings string
		InSpecialty                                                                             string `json:"in_specialty"`
		RuleSets                                                                                string `json:"rule_sets"`
		NotMet                                                                                  string `json:"not_met"`
	} `json:"readiness"`
	PageStamp  string `json:"page_stamp"`
	DraftStamp string `json:"draft_stamp"` // on every page of a draft portfolio
}

// ReadinessPage is what the readiness page of a portfolio shows.
type ReadinessPage struct {
	Period    string
	Years     []ReadinessYear
	RuleSets  []ReadinessRule
	Deadlines [][2]string // label, value
	Findings  []ReadinessFinding
}

// ReadinessYear is one row of hours by year.
type ReadinessYear struct {
	Year, Courses, InSpecialty, NMO int
}

// ReadinessRule is a rule set and whether it is met.
type ReadinessRule struct {
	Title string
	Met   bool
}

// ReadinessFinding is one thing to do.
type ReadinessFinding struct {
	Blocking bool
	Text     string
}

// LoadWording reads the embedded wording.
func LoadWording() (*Wording, error) {
	var w Wording
	if err := json.Unmarshal(wordingJSON, &w); err != nil {
		return nil, fmt.Errorf("templates: wording: %w", err)
	}
	return &w, nil
}

func newDoc() *fpdf.Fpdf {
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes(FontName, "", FontRegular)
	f.AddUTF8FontFromBytes(FontName, "B", fontBold)
	f.SetMargins(20, 20, 20)
	f.SetAutoPageBreak(true, 20)
	f.SetCreator("accredpack", true)
	return f
}

func output(f *fpdf.Fpdf, w io.Writer) (int, error) {
	pages := f.PageNo()
	if err := f.Output(w); err != nil {
		return 0, fmt.Errorf("templates: draw: %w", err)
	}
	return pages, nil
}

// Cover is what the cover page says.
type Cover struct {
	Kind       string
	Specialist string // full name
	SNILS      string // formatted
	Specialty  string
	Period     string
	Documents  int
	Generated  time.Time
}

// InventoryRow is one document in the inventory.
type InventoryRow struct {
	Title     string
	Pages     int
	FirstPage int // in the bundle
}

// DrawFront draws the cover, the inventory and, when given, the readiness
// page. Page ranges in rows start after
// the front pages themselves: FirstPage values are relative to the first
// document (1 = the first page after the front), and Front shifts them by
// its own length, which it finds by drawing twice (the first time only
// laid out, not written: the fonts' subsetting and compression are for
// the real one).
func (wd *Wording) DrawFront(w io.Writer, c Cover, rows []InventoryRow, ready *ReadinessPage) (pages int, err error) {
	if w == nil {
		return 0, fmt.Errorf("templates: draw front pages: no writer")
	}
	n, err := wd.drawFront(nil, c, rows, ready, 0)
	if err != nil {
		return 0, err
	}
	return wd.drawFront(w, c, rows, ready, n)
}

// drawFront draws the front pages into w, or, with w nil, only lays them
// out and counts them.
func (wd *Wording) drawFront(w io.Writer, c Cover, rows []InventoryRow, ready *ReadinessPage, offset int) (int, error) {
	f := newDoc()
	f.AddPage()
	f.SetFont(FontName, "B", 22)
	f.Ln(40)
	f.MultiCell(0, 11, wd.Cover.Title, "", "C", false)
	f.SetFont(FontName, "", 14)
	f.MultiCell(0, 8, wd.KindTitles[c.Kind], "", "C", false)
	f.Ln(20)
	for _, line := range [][2]string{
		{wd.Cover.Specialist, c.Specialist},
		{wd.Cover.SNILS, c.SNILS},
		{wd.Cover.Specialty, c.Specialty},
		{wd.Cover.Period, c.Period},
		{wd.Cover.Documents, fmt.Sprint(c.Documents)},
		{wd.Cover.Generated, c.Generated.Format("02.01.2006")},
	} {
		f.SetFont(FontName, "B", 12)
		f.CellFormat(72, 9, line[0]+":", "", 0, "L", false, 0, "")
		f.SetFont(FontName, "", 12)
		f.MultiCell(0, 9, line[1], "", "L", false)
	}

	f.AddPage()
	f.SetFont(FontName, "B", 16)
	f.CellFormat(0, 12, wd.Inventory.Title, "", 1, "C", false, 0, "")
	f.SetFont(FontName, "", 11)
	f.MultiCell(0, 7, wd.Inventory.Period+": "+c.Period, "", "C", false)
	f.Ln(2)
	widths := []float64{12, 108, 20, 30}
	f.SetFont(FontName, "B", 10)
	for i, h := range []string{wd.Inventory.Number, wd.Inventory.Document, wd.Inventory.Pages, wd.Inventory.Range} {
		f.CellFormat(widths[i], 8, h, "1", 0, "C", false, 0, "")
	}
	f.Ln(-1)
	f.SetFont(FontName, "", 10)
	for i, r := range rows {
		first := r.FirstPage + offset
		last := first + r.Pages - 1
		rng := fmt.Sprintf("%d–%d", first, last)
		if r.Pages == 1 {
			rng = fmt.Sprint(first)
		}
		lines := f.SplitText(r.Title, widths[1]-2)
		h := 6.0 * float64(max(len(lines), 1))
		if f.GetY()+h > 277 {
			f.AddPage()
		}
		x, y := f.GetXY()
		f.CellFormat(widths[0], h, fmt.Sprint(i+1), "1", 0, "C", false, 0, "")
		f.MultiCell(widths[1], 6, r.Title, "1", "L", false)
		f.SetXY(x+widths[0]+widths[1], y)
		f.CellFormat(widths[2], h, fmt.Sprint(r.Pages), "1", 0, "C", false, 0, "")
		f.CellFormat(widths[3], h, rng, "1", 1, "C", false, 0, "")
	}
	if ready != nil {
		wd.drawReadiness(f, ready)
	}
	if w == nil { // the probe: its page count is all it is for
		if err := f.Error(); err != nil {
			return 0, fmt.Errorf("templates: draw: %w", err)
		}
		return f.PageNo(), nil
	}
	return output(f, w)
}

func (wd *Wording) drawReadiness(f *fpdf.Fpdf, r *ReadinessPage) {
	rw := wd.Readiness
	f.AddPage()
	f.SetFont(FontName, "B", 16)
	f.CellFormat(0, 12, rw.Title, "", 1, "C", false, 0, "")
	f.SetFont(FontName, "", 11)
	f.MultiCell(0, 7, rw.Period+": "+r.Period, "", "L", false)
	f.Ln(2)
	widths := []float64{25, 55, 55, 35}
	f.SetFont(FontName, "B", 9)
	for i, h := range []string{rw.Year, rw.Courses, rw.InSpecialty, rw.NMO} {
		f.CellFormat(widths[i], 7, h, "1", 0, "C", false, 0, "")
	}
	f.Ln(-1)
	f.SetFont(FontName, "", 9)
	for _, y := range r.Years {
		for i, v := range []int{y.Year, y.Courses, y.InSpecialty, y.NMO} {
			f.CellFormat(widths[i], 6, fmt.Sprint(v), "1", 0, "C", false, 0, "")
		}
		f.Ln(-1)
	}
	section := func(title string) {
		f.Ln(3)
		f.SetFont(FontName, "B", 12)
		f.MultiCell(0, 7, title, "", "L", false)
		f.SetFont(FontName, "", 10)
	}
	section(rw.RuleSets)
	for _, rs := range r.RuleSets {
		state := rw.NotMet
		if rs.Met {
			state = rw.Met
		}
		f.MultiCell(0, 6, "• "+rs.Title+": "+state, "", "L", false)
	}
	if len(r.Deadlines) > 0 {
		section(rw.Deadlines)
		for _, d := range r.Deadlines {
			f.MultiCell(0, 6, d[0]+": "+d[1], "", "L", false)
		}
	}
	section(rw.Findings)
	if len(r.Findings) == 0 {
		f.MultiCell(0, 6, rw.Nothing, "", "L", false)
	}
	for _, fd := range r.Findings {
		label := rw.Warning
		if fd.Blocking {
			label = rw.Blocking
		}
		f.MultiCell(0, 6, "• "+label+": "+fd.Text, "", "L", false)
	}
}

// ChecklistRow is one slot row in the package checklist.
type ChecklistRow struct {
	Title    string
	Required bool
	Filled   bool
	FileName string
}

// DrawChecklist draws the checklist of an FRMR package. A draft says so on
// every page.
func (wd *Wording) DrawChecklist(w io.Writer, specialist string, rows []ChecklistRow, missing []string, draft bool, generated time.Time) (int, error) {
	f := newDoc()
	cl := wd.Checklist
	f.SetHeaderFunc(func() {
		if draft {
			f.SetFont(FontName, "B", 12)
			f.SetTextColor(200, 0, 0)
			f.CellFormat(0, 8, cl.DraftBanner, "1", 1, "C", false, 0, "")
			f.SetTextColor(0, 0, 0)
			f.Ln(2)
		}
	})
	f.AddPage()
	f.SetFont(FontName, "B", 16)
	f.MultiCell(0, 9, cl.Title, "", "C", false)
	f.SetFont(FontName, "", 11)
	f.MultiCell(0, 7, specialist+" · "+generated.Format("02.01.2006 15:04"), "", "C", false)
	f.Ln(4)
	widths := []float64{70, 30, 20, 50}
	f.SetFont(FontName, "B", 9)
	for i, h := range []string{cl.Slot, cl.Requirement, cl.State, cl.File} {
		f.CellFormat(widths[i], 7, h, "1", 0, "C", false, 0, "")
	}
	f.Ln(-1)
	f.SetFont(FontName, "", 9)
	for _, r := range rows {
		req, state := cl.Optional, cl.Empty
		if r.Required {
			req = cl.Required
		}
		if r.Filled {
			state = cl.Filled
		}
		cells := []string{r.Title, req, state, r.FileName}
		height := 5.0
		for i, c := range cells {
			height = max(height, 5*float64(len(f.SplitText(c, widths[i]-2))))
		}
		if f.GetY()+height > 277 {
			f.AddPage()
		}
		x, y := f.GetXY()
		for i, c := range cells {
			f.SetXY(x, y)
			f.Rect(x, y, widths[i], height, "D")
			f.MultiCell(widths[i], 5, c, "", "L", false)
			x += widths[i]
		}
		f.SetXY(20, y+height)
	}
	f.Ln(6)
	f.SetFont(FontName, "B", 12)
	if len(missing) == 0 {
		f.MultiCell(0, 7, cl.NothingMissing, "", "L", false)
	} else {
		f.MultiCell(0, 7, cl.MissingTitle+":", "", "L", false)
		f.SetFont(FontName, "", 11)
		for _, m := range missing {
			f.MultiCell(0, 6, "• "+m, "", "L", false)
		}
	}
	return output(f, w)
}
