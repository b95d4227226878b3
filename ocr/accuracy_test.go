package ocr

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"accredpack/contents"
	"accredpack/internal/testscans"
	"accredpack/sandbox"
)

// The accuracy benchmark: realistic scans of every document type
// (internal/testscans: DejaVu text rasterized at 100-300 dpi, skew, quarter
// turns, noise, JPEG artefacts) read by the service's own reader and judged
// by the service's own rules (package contents). A test behind a flag (it
// takes minutes):
//
//	go test -count=1 -run TestAccuracy -v ./ocr -accuracy [-accuracy.n 15] [-accuracy.out FILE]
var (
	accuracy    = flag.Bool("accuracy", false, "run the OCR accuracy benchmark")
	accuracyN   = flag.Int("accuracy.n", 15, "scans per document type")
	accuracyOut = flag.String("accuracy.out", "", "also write the table to this file")
)

// slotOf is the slot each generated type belongs in.
var slotOf = map[string]string{
	testscans.Passport: "identity_document", testscans.SNILS: "snils", testscans.Diploma: "education_diploma",
	testscans.Qualification: "qualification_certificates", testscans.Accreditation: "previous_accreditation",
	testscans.WorkRecord: "work_record", testscans.Report: "professional_report", testscans.Marriage: "name_change",
}

var benchCourse = testscans.Course{Hours: 36, From: "01.02.2024", To: "28.02.2024", Registration: "7712 000451", Program: "Актуальные вопросы терапии"}

type tally struct {
	n, typeOK, good, goodTypeOK, falseAlarm       int
	wrongSlot, wrongSlotFlagged                   int
	personN, personOK, strangerN, strangerFlagged int
	pages                                         int
	wall                                          time.Duration
	peak                                          int64
	misread                                       []string
}

func TestAccuracy(t *testing.T) {
	if !*accuracy {
		t.Skip("the OCR accuracy benchmark runs with -accuracy")
	}
	tools, err := FindTools()
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	runner, err := sandbox.NewRunner(exe, sandbox.Limits{Memory: 1 << 30, Timeout: 3 * time.Minute, Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	var childPeak int64
	runner.OnExit = func(e sandbox.Exit) { childPeak = e.PeakRSS }
	reader := NewReader(runner, tools, DefaultOptions, t.TempDir())
	rules, err := contents.Load()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2026, 12))
	byType := map[string]*tally{}
	byDPI := map[int]*tally{}
	ctx := context.Background()
	for _, typ := range testscans.Types {
		byType[typ] = &tally{}
		for i := range *accuracyN {
			who := testscans.People[i%len(testscans.People)]
			stranger := testscans.People[(i+1+rng.IntN(len(testscans.People)-1))%len(testscans.People)]
			// Two thirds at 200-300 dpi, a third at 100-150 dpi.
			dpi := []int{200, 250, 300, 200, 300, 250, 100, 150, 125}[i%9]
			turn := 0
			if rng.IntN(8) == 0 {
				turn = []int{90, 180, 270}[rng.IntN(3)]
			}
			spoil := testscans.Spoil{DPI: dpi, Skew: rng.Float64()*5 - 2.5, Turn: turn, Noise: rng.IntN(26),
				Quality: 35 + rng.IntN(56), Blur: rng.IntN(3), Shadow: rng.Float64() * 0.4,
				Pattern: rng.IntN(2) == 0, Stamp: rng.IntN(3) == 0, Seed: rng.Uint64()}
			pdf, err := testscans.Scan(ctx, testscans.Doc{Type: typ, Person: who, Course: benchCourse}, spoil, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "scan.pdf")
			if err := os.WriteFile(path, pdf, 0o600); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res, err := reader.Read(ctx, path)
			wall := time.Since(start)
			if err != nil {
				t.Errorf("%s #%d: %v", typ, i, err)
				continue
			}
			rd := toReading(res)
			got, _ := rules.Classify(rd.Text())
			good := dpi >= 200
			for _, tl := range []*tally{byType[typ], bucket(byDPI, dpi)} {
				tl.n++
				tl.pages += len(res.Pages)
				tl.wall += wall
				tl.peak = max(tl.peak, res.ToolsPeakRSS, childPeak)
				if got == typ {
					tl.typeOK++
				}
				if typ != testscans.Marriage { // names two people and two surnames
					tl.personN++
					if contents.MatchPerson(rd.Text(), person(who)) {
						tl.personOK++
					}
					tl.strangerN++
					if !contents.MatchPerson(rd.Text(), person(stranger)) {
						tl.strangerFlagged++
					}
				}
				if good {
					tl.good++
					if got == typ {
						tl.goodTypeOK++
					}
					// The same scan in another type's row: named as the wrong type.
					other := testscans.Types[(slices.Index(testscans.Types, typ)+1+rng.IntN(len(testscans.Types)-1))%len(testscans.Types)]
					tl.wrongSlot++
					if fs := rules.Check(slotOf[other], rd, person(who), nil); hasCode(fs, "content_type", "content_type_unknown") {
						tl.wrongSlotFlagged++
					}
					c := &contents.Course{Title: "курс", Hours: benchCourse.Hours, Start: "2024-02-01", End: "2024-02-28", Registration: benchCourse.Registration}
					if fs := rules.Check(slotOf[typ], rd, person(who), c); len(fs) > 0 {
						tl.falseAlarm++
						if tl == byType[typ] {
							tl.misread = append(tl.misread, fmt.Sprintf("%s: false alarm %s", describe(spoil), codesOf(fs)))
						}
					}
				}
			}
			if got != typ {
				byType[typ].misread = append(byType[typ].misread, fmt.Sprintf("%s: read as %q", describe(spoil), got))
			}
		}
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "type\tscans\tright type\tright type 200-300 dpi\tperson found\tstranger flagged\twrong row flagged 200-300\tfalse alarms 200-300 dpi\ts/page\tpeak MiB\t")
	row := func(name string, tl *tally) {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%d\t\n", name, tl.n, pct(tl.typeOK, tl.n), pct(tl.goodTypeOK, tl.good),
			pct(tl.personOK, tl.personN), pct(tl.strangerFlagged, tl.strangerN), pct(tl.wrongSlotFlagged, tl.wrongSlot), pct(tl.falseAlarm, tl.good),
			tl.wall.Seconds()/float64(max(tl.pages, 1)), tl.peak>>20)
	}
	total := &tally{}
	for _, typ := range testscans.Types {
		tl := byType[typ]
		row(typ, tl)
		total.add(tl)
	}
	row("all", total)
	fmt.Fprintln(w, "\t\t\t\t\t\t\t\t\t\t")
	dpis := make([]int, 0, len(byDPI))
	for d := range byDPI {
		dpis = append(dpis, d)
	}
	slices.Sort(dpis)
	for _, d := range dpis {
		row(fmt.Sprintf("%d dpi", d), byDPI[d])
	}
	w.Flush()
	b.WriteString("\nwhat failed:\n")
	for _, typ := range testscans.Types {
		for _, m := range byType[typ].misread {
			fmt.Fprintf(&b, "  %s: %s\n", typ, m)
		}
	}
	t.Log("\n" + b.String())
	if *accuracyOut != "" {
		if err := os.WriteFile(*accuracyOut, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

func (t *tally) add(o *tally) {
	t.n += o.n
	t.typeOK += o.typeOK
	t.good += o.good
	t.goodTypeOK += o.goodTypeOK
	t.falseAlarm += o.falseAlarm
	t.wrongSlot += o.wrongSlot
	t.wrongSlotFlagged += o.wrongSlotFlagged
	t.personN += o.personN
	t.personOK += o.personOK
	t.strangerN += o.strangerN
	t.strangerFlagged += o.strangerFlagged
	t.pages += o.pages
	t.wall += o.wall
	t.peak = max(t.peak, o.peak)
}

func bucket(m map[int]*tally, dpi int) *tally {
	if m[dpi] == nil {
		m[dpi] = &tally{}
	}
	return m[dpi]
}

func pct(a, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%% (%d/%d)", 100*float64(a)/float64(n), a, n)
}

func person(p testscans.Person) contents.Person {
	return contents.Person{Last: p.Last, First: p.First, Middle: p.Middle, SNILS: strings.NewReplacer("-", "", " ", "").Replace(p.SNILS)}
}

func toReading(r Result) contents.Reading {
	rd := contents.Reading{PageCount: r.PageCount}
	for _, p := range r.Pages {
		rd.Pages = append(rd.Pages, contents.Page{Number: p.Number, Source: p.Source, DPI: p.DPI, Rotation: p.Rotation,
			Confidence: p.Confidence, Words: p.Words, Text: p.Text, Error: p.Error})
	}
	return rd
}

func codesOf(fs []contents.Finding) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.Code)
	}
	return strings.Join(s, ",")
}

func hasCode(fs []contents.Finding, codes ...string) bool {
	for _, f := range fs {
		if slices.Contains(codes, f.Code) {
			return true
		}
	}
	return false
}

func describe(s testscans.Spoil) string {
	return fmt.Sprintf("%d dpi, JPEG q%d, noise %d, blur %d, shadow %.2f, turn %d, skew %.1f°, pattern %v, stamp %v",
		s.DPI, s.Quality, s.Noise, s.Blur, s.Shadow, s.Turn, s.Skew, s.Pattern, s.Stamp)
}
