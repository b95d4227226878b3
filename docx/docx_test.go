package docx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"accredpack/internal/testenv"
	"accredpack/report"
	"accredpack/templates"
)

// sample is a report with every kind of block, quotes and ampersands that
// XML must escape, and a long paragraph that wraps.
func sample(t *testing.T) report.Document {
	t.Helper()
	d, err := report.Load()
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	long := strings.Repeat("Веду амбулаторный приём взрослого населения участка, диспансерное наблюдение & профилактику. ", 8)
	dr := &report.Draft{
		Workplaces:   []report.Workplace{{Organization: "ГБУЗ «Городская поликлиника № 1»", Department: "Терапевтическое отделение", Position: "Врач-терапевт участковый", From: "2019-03-01"}},
		Organization: "Поликлиника <на 750 посещений> в смену.\nОтделение обслуживает 12 участков.",
		Duties:       long,
		Volume:       map[string]map[string]int{"2024": {"visits": 4100, "home_visits": 310}, "2025": {"visits": 4350}},
		Skills:       "Суточное мониторирование АД.",
		Achievements: []report.Achievement{{Kind: "talk", Title: "Доклад «Ведение пациентов с ХСН»", Year: "2024"}, {Kind: "mentoring", Title: "Наставник двух ординаторов"}},
		Proposals:    "Внедрить запись на диспансеризацию через портал.",
		Agreement:    report.Agreement{HeadPosition: "Главный врач", HeadName: "Петров П. П.", Organization: "ГБУЗ «Городская поликлиника № 1»"},
	}
	return d.Compose(dr, report.Facts{Specialist: "Иванова Анна Сергеевна", Specialty: "Терапия", PeriodFrom: "2021-06-01", PeriodTo: "2026-05-31",
		Years: []int{2021, 2022, 2023, 2024, 2025, 2026}, Agreed: &yes,
		Courses: []report.Course{{Title: "Актуальные вопросы терапии", Organization: "РМАНПО", Hours: 144, EndDate: "2023-03-01", InSpecialty: true}}})
}

var spaces = regexp.MustCompile(`[\s\x{00a0}]+`)

func norm(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

// The DOCX is well-formed XML in every part, LibreOffice opens it, and
// its text is the PDF's: every heading, paragraph, list item and table
// cell of the document is in both, in the same order in the DOCX.
func TestDocxOpensInLibreOfficeAndSaysWhatThePDFSays(t *testing.T) {
	doc := sample(t)
	var buf bytes.Buffer
	if err := Write(&buf, doc); err != nil {
		t.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range z.File {
		rc, _ := f.Open()
		dec := xml.NewDecoder(rc)
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", f.Name, err)
			}
		}
		rc.Close()
	}
	docxText := norm(testenv.DocxText(t, buf.Bytes()))
	var pdf bytes.Buffer
	pages, err := templates.DrawReport(&pdf, doc)
	if err != nil {
		t.Fatal(err)
	}
	pdfText := norm(testenv.PDFText(t, pdf.Bytes()))

	pos := 0
	want := func(s string, inPDFAsWords bool) {
		s = norm(s)
		if s == "" {
			return
		}
		i := strings.Index(docxText[pos:], s)
		if i < 0 {
			t.Errorf("DOCX text lacks (in order) %q", s)
		} else {
			pos += i + len(s)
		}
		if inPDFAsWords {
			for _, w := range strings.Fields(s) {
				if !strings.Contains(pdfText, w) {
					t.Errorf("PDF text lacks %q (of %q)", w, s)
				}
			}
		} else if !strings.Contains(pdfText, s) {
			t.Errorf("PDF text lacks %q", s)
		}
	}
	for _, l := range doc.Agreement.Lines {
		want(l, false)
	}
	want(doc.Title, false)
	want(doc.Subtitle, false)
	for _, b := range doc.Blocks {
		switch b.Kind {
		case report.Table:
			for _, r := range b.Rows {
				for _, c := range r {
					want(c, true)
				}
			}
		default:
			want(b.Text, false)
		}
	}
	for _, l := range doc.Signature {
		want(l, false)
	}
	if !strings.Contains(pdfText, "стр. 1 из "+strconv.Itoa(pages)) {
		t.Errorf("the PDF has no page numbers «стр. 1 из %d»", pages)
	}
}

// A DOCX that LibreOffice turns into a PDF keeps A4 and the page number
// field (the footer is real, not text typed on page one).
func TestDocxPageSetup(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sample(t)); err != nil {
		t.Fatal(err)
	}
	soffice := testenv.Tool(t, "soffice")
	dir := t.TempDir()
	in := filepath.Join(dir, "r.docx")
	if err := os.WriteFile(in, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless", "--convert-to", "pdf", "--outdir", dir, in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v %s", err, out)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "r.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := exec.Command(testenv.Tool(t, "pdfinfo"), filepath.Join(dir, "r.pdf")).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(info), "(A4)") {
		t.Errorf("not A4:\n%s", info)
	}
	text := testenv.PDFText(t, pdf)
	if !regexp.MustCompile(`стр\. 1 из \d`).MatchString(text) {
		t.Errorf("no page number in the footer:\n%s", text)
	}
}
