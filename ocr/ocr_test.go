package ocr

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"accredpack/internal/testscans"
	"accredpack/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.ServeChild(SandboxTasks())
	os.Exit(m.Run())
}

// newReader reads in children of this test binary; the tools must be
// installed (scripts/setup.sh does it).
func newReader(t testing.TB) *Reader {
	t.Helper()
	tools, err := FindTools()
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r, err := sandbox.NewRunner(exe, sandbox.Limits{Memory: 1 << 30, Timeout: 2 * time.Minute, Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	return NewReader(r, tools, DefaultOptions, t.TempDir())
}

func scan(t testing.TB, d testscans.Doc, s testscans.Spoil) string {
	t.Helper()
	pdf, err := testscans.Scan(context.Background(), d, s, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "scan.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadsAScanAsItsEmbeddedImage(t *testing.T) {
	r := newReader(t)
	p := testscans.People[1]
	path := scan(t, testscans.Doc{Type: testscans.SNILS, Person: p}, testscans.Spoil{DPI: 200, Skew: 1, Noise: 10, Quality: 70, Seed: 1})
	res, err := r.Read(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if res.PageCount != 1 || len(res.Pages) != 1 {
		t.Fatalf("pages: %d counted, %d read", res.PageCount, len(res.Pages))
	}
	pg := res.Pages[0]
	t.Logf("source %s, dpi %d, confidence %.1f, words %d, rotation %d", pg.Source, pg.DPI, pg.Confidence, pg.Words, pg.Rotation)
	if pg.Source != "image" || pg.DPI < 195 || pg.DPI > 205 {
		t.Errorf("page taken as %s at %d dpi, want its embedded image at 200", pg.Source, pg.DPI)
	}
	if pg.Confidence < 70 {
		t.Errorf("confidence %.1f on a clean 200 dpi scan", pg.Confidence)
	}
	for _, want := range []string{"СТРАХОВОЕ", "Сидоров", "123-456-789"} {
		if !strings.Contains(pg.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, pg.Text)
		}
	}
}

func TestTurnedPageIsReadUpright(t *testing.T) {
	r := newReader(t)
	p := testscans.People[0]
	path := scan(t, testscans.Doc{Type: testscans.Diploma, Person: p}, testscans.Spoil{DPI: 200, Turn: 90, Noise: 5, Quality: 80, Seed: 2})
	res, err := r.Read(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	pg := res.Pages[0]
	if pg.Rotation != 270 {
		t.Errorf("rotation %d, want 270 (the page lies turned 90° clockwise)", pg.Rotation)
	}
	if up := strings.ToUpper(pg.Text); !strings.Contains(up, "ДИПЛОМ") || !strings.Contains(up, "ИВАНОВА") {
		t.Errorf("turned page not read upright:\n%s", pg.Text)
	}
}

func TestVectorPageIsRendered(t *testing.T) {
	r := newReader(t)
	pdf, err := testscans.Draw(testscans.Doc{Type: testscans.Report, Person: testscans.People[2]})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := r.Read(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if res.PageCount != 2 || len(res.Pages) != 2 || res.Pages[0].Source != "rendered" || res.Pages[0].DPI != 0 {
		t.Fatalf("got %+v", res)
	}
	if !strings.Contains(res.Pages[0].Text, "ОТЧЁТ") && !strings.Contains(res.Pages[0].Text, "ОТЧЕТ") {
		t.Errorf("report title not read:\n%s", res.Pages[0].Text)
	}
}

func TestNotAPDFIsAnErrorNotACrash(t *testing.T) {
	r := newReader(t)
	path := filepath.Join(t.TempDir(), "junk.pdf")
	if err := os.WriteFile(path, []byte("%PDF-1.7\nnot really"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(context.Background(), path); err == nil || !strings.Contains(err.Error(), "could not be read") {
		t.Fatalf("err = %v, want ErrUnreadable", err)
	}
}

func TestParsePDFInfo(t *testing.T) {
	n, rot, err := parsePDFInfo("Producer: x\nPages:           3\nPage    1 rot:   0\nPage    2 rot:  90\nPage    3 rot: -90\n")
	if err != nil || n != 3 || rot[1] != 0 || rot[2] != 90 || rot[3] != 270 {
		t.Errorf("parsePDFInfo = %d, %v, %v", n, rot, err)
	}
}

func TestParseOSDAndTSV(t *testing.T) {
	if got := parseOSD("Page number: 0\nOrientation in degrees: 270\nRotate: 90\nOrientation confidence: 12.5\n"); got != 90 {
		t.Errorf("parseOSD = %d, want 90", got)
	}
	if got := parseOSD("Rotate: 180\nOrientation confidence: 0.4\n"); got != 0 {
		t.Errorf("unsure OSD turned the page: %d", got)
	}
	tsv := "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n" +
		"5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\tДИПЛОМ\n" +
		"5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t60\tИвановой\n" +
		"5\t1\t1\t1\t2\t2\t0\t0\t1\t1\t-1\t\n" +
		"5\t1\t2\t1\t1\t1\t0\t0\t1\t1\t30\tа\n"
	text, words, conf, _ := parseTSV(tsv)
	if text != "ДИПЛОМ\nИвановой\n\nа" || words != 3 {
		t.Errorf("text %q, words %d", text, words)
	}
	if want := (90*6 + 60*8 + 30*1) / 15.0; conf != want {
		t.Errorf("confidence %.2f, want %.2f", conf, want)
	}
}

// TestUprightTurnsThePage: a page lying on its side is turned through its
// rotation (the image untouched), and read again it stands upright.
func TestUprightTurnsThePage(t *testing.T) {
	r := newReader(t)
	path := scan(t, testscans.Doc{Type: testscans.SNILS, Person: testscans.People[2]}, testscans.Spoil{DPI: 200, Turn: 90, Noise: 5, Quality: 80, Seed: 4})
	res, err := r.Read(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	turns := res.Turns()
	if turns[1] != 270 {
		t.Fatalf("turns %v, want page 1 by 270", turns)
	}
	out := filepath.Join(t.TempDir(), "upright.pdf")
	if err := r.Upright(context.Background(), path, out, turns); err != nil {
		t.Fatal(err)
	}
	info, err := exec.Command("pdfinfo", "-f", "1", "-l", "1", out).Output()
	if _, rot, perr := parsePDFInfo(string(info)); err != nil || perr != nil || rot[1] != 270 {
		t.Errorf("pdfinfo of the turned file: %s %v", info, err)
	}
	before, _ := exec.Command("pdfimages", "-list", path).Output()
	after, _ := exec.Command("pdfimages", "-list", out).Output()
	if imageSize(before) == "" || imageSize(before) != imageSize(after) {
		t.Errorf("the image changed:\n%s\n%s", before, after)
	}
	again, err := r.Read(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Turns()) != 0 || !strings.Contains(again.Pages[0].Text, "СТРАХОВОЕ") {
		t.Errorf("read again: turns %v, text %q", again.Turns(), again.Pages[0].Text)
	}
}

// imageSize is the first image's "width height ... size" of pdfimages -list.
func imageSize(list []byte) string {
	for _, line := range strings.Split(string(list), "\n") {
		if f := strings.Fields(line); len(f) >= 15 && f[2] == "image" {
			return f[3] + "x" + f[4] + " " + f[14]
		}
	}
	return ""
}
