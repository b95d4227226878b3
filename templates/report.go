package templates

import (
	"fmt"
	"io"

	"codeberg.org/go-pdf/fpdf"

	"accredpack/report"
)

// Margins of the report, in mm: the usual ones of Russian office papers
// and sample reports (left 30 for binding, right 15, top and bottom 20).
// GOST R 7.0.97-2016 asks for at least 20/10/20/20; its point number was
// not re-read for this, hence no point is cited.
const (
	reportLeft   = 30.0
	reportRight  = 15.0
	reportTop    = 20.0
	reportBottom = 20.0
	reportLine   = 6.0 // line height of the body text (12 pt)
)

// DrawReport draws the report on professional activity as an A4 PDF with
// real text, the embedded font and page numbers («стр. N из M»). It says
// "draft" nowhere: the specialist prints and signs it.
func DrawReport(w io.Writer, doc report.Document) (int, error) {
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes(FontName, "", FontRegular)
	f.AddUTF8FontFromBytes(FontName, "B", fontBold)
	f.SetMargins(reportLeft, reportTop, reportRight)
	f.SetAutoPageBreak(true, reportBottom)
	f.SetCreator("accredpack", true)
	f.SetTitle(doc.Title, true)
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(func() {
		f.SetY(-14)
		f.SetFont(FontName, "", 9)
		f.CellFormat(0, 5, fmt.Sprintf("стр. %d из {nb}", f.PageNo()), "", 0, "C", false, 0, "")
	})
	f.AddPage()
	width, _ := f.GetPageSize()
	body := width - reportLeft - reportRight

	if lines := doc.Agreement.Lines; len(lines) > 0 {
		// The approval block: the right half of the first page.
		x := reportLeft + body/2
		f.SetFont(FontName, "", 11)
		for i, l := range lines {
			if i == 0 && doc.Agreement.Agreed {
				f.SetFont(FontName, "B", 11)
			}
			f.SetX(x)
			f.MultiCell(body/2, 5.5, l, "", "L", false)
			f.SetFont(FontName, "", 11)
		}
		f.Ln(8)
	}
	f.SetFont(FontName, "B", 15)
	f.MultiCell(0, 8, doc.Title, "", "C", false)
	if doc.Subtitle != "" {
		f.SetFont(FontName, "", 12)
		f.MultiCell(0, 7, doc.Subtitle, "", "C", false)
	}
	f.Ln(4)

	for _, b := range doc.Blocks {
		switch b.Kind {
		case report.Heading:
			// Keep a heading with at least three lines of what follows.
			if f.GetY()+7+3*reportLine > 297-reportBottom {
				f.AddPage()
			}
			f.Ln(3)
			f.SetFont(FontName, "B", 12.5)
			f.MultiCell(0, 7, b.Text, "", "L", false)
			f.Ln(1)
		case report.Paragraph:
			f.SetFont(FontName, "", 11.5)
			f.MultiCell(0, reportLine, b.Text, "", "J", false)
			f.Ln(1)
		case report.Bullet:
			f.SetFont(FontName, "", 11.5)
			f.CellFormat(6, reportLine, "•", "", 0, "R", false, 0, "")
			f.MultiCell(0, reportLine, b.Text, "", "L", false)
		case report.Table:
			drawTable(f, b, body)
			f.Ln(2)
		}
	}
	f.Ln(10)
	f.SetFont(FontName, "", 11.5)
	for _, l := range doc.Signature {
		f.MultiCell(0, reportLine+1, l, "", "L", false)
	}
	return output(f, w)
}

// drawTable draws a table whose cells wrap, the header row repeated on
// each new page.
func drawTable(f *fpdf.Fpdf, b report.Block, body float64) {
	total := 0.0
	for _, w := range b.Widths {
		total += w
	}
	widths := make([]float64, len(b.Rows[0]))
	for i := range widths {
		if len(b.Widths) == len(widths) && total > 0 {
			widths[i] = body * b.Widths[i] / total
		} else {
			widths[i] = body / float64(len(widths))
		}
	}
	const lh = 5.0
	var row func(cells []string, header bool)
	row = func(cells []string, header bool) {
		style := ""
		if header {
			style = "B"
		}
		f.SetFont(FontName, style, 9.5)
		lines := 1
		for i, c := range cells {
			lines = max(lines, len(f.SplitText(c, widths[i]-2)))
		}
		h := lh*float64(lines) + 1
		if f.GetY()+h > 297-reportBottom {
			f.AddPage()
			if !header {
				row(b.Rows[0], true)
				f.SetFont(FontName, style, 9.5)
			}
		}
		x, y := f.GetXY()
		for i, c := range cells {
			f.Rect(x, y, widths[i], h, "D")
			f.SetXY(x+1, y+0.5)
			align := "L"
			if i > 0 && !header && report.Numeric(c) {
				align = "R"
			}
			f.MultiCell(widths[i]-2, lh, c, "", align, false)
			x += widths[i]
		}
		f.SetXY(reportLeft, y+h)
	}
	for i, r := range b.Rows {
		row(r, i == 0)
	}
}
