package checks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"accredpack/internal/testdocs"
	"accredpack/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.ServeChild(SandboxTasks())
	os.Exit(m.Run())
}

func newChecker(t testing.TB, maxBytes int64, limits sandbox.Limits) *Checker {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r, err := sandbox.NewRunner(exe, limits)
	if err != nil {
		t.Fatal(err)
	}
	return NewChecker(maxBytes, r)
}

var testLimits = sandbox.Limits{Memory: 256 << 20, Timeout: 30 * time.Second, Parallel: 2}

// countingReader counts the bytes its consumer pulled.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// endless yields bytes forever, like a client that never stops sending.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'A'
	}
	return len(p), nil
}

func TestSpoolReadsAtMostLimitPlusOne(t *testing.T) {
	dir := t.TempDir()
	const limit = 100_000
	for _, src := range []struct {
		name string
		r    io.Reader
	}{
		{"endless stream", endless{}},
		{"one byte over", bytes.NewReader(make([]byte, limit+1))},
		{"far over", bytes.NewReader(make([]byte, 5*limit))},
	} {
		cr := &countingReader{r: src.r}
		_, err := Spool(context.Background(), cr, dir, limit)
		p, ok := AsProblem(err)
		if !ok || p.Code != CodeTooLarge {
			t.Errorf("%s: err = %v; want file_too_large", src.name, err)
		}
		if cr.n > limit+1 {
			t.Errorf("%s: read %d bytes; at most limit+1 = %d allowed", src.name, cr.n, limit+1)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("a refused upload left files: %v", left)
	}
}

func TestSpoolAtLimitKeepsEverything(t *testing.T) {
	data := make([]byte, 3000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	s, err := Spool(context.Background(), bytes.NewReader(data), t.TempDir(), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Remove()
	got, _ := os.ReadFile(s.Path)
	if !bytes.Equal(got, data) || s.Size != 3000 {
		t.Fatal("spooled bytes differ from the input")
	}
	if want := fmt.Sprintf("%x", sha256.Sum256(data)); s.SHA256 != want {
		t.Errorf("sha256 = %q; want %q", s.SHA256, want)
	}
	if !bytes.Equal(s.Head, data[:1024]) || !bytes.Equal(s.Tail, data[len(data)-1024:]) {
		t.Error("head or tail is wrong")
	}
}

func TestTailBufferAcrossWrites(t *testing.T) {
	data := make([]byte, 5000)
	for i := range data {
		data[i] = byte(i % 251)
	}
	for _, chunk := range []int{1, 7, 1000, 1024, 1500, 5000} {
		var tb tailBuffer
		for i := 0; i < len(data); i += chunk {
			tb.Write(data[i:min(i+chunk, len(data))])
		}
		if !bytes.Equal(tb.bytes(), data[len(data)-edge:]) {
			t.Errorf("chunk %d: tail is wrong", chunk)
		}
	}
}

func TestFileVerdicts(t *testing.T) {
	c := newChecker(t, 1<<20, testLimits)
	valid := testdocs.PDF(t, 3, "verdicts")
	cases := []struct {
		name string
		data []byte
		code string // "" for accepted
	}{
		{"valid three pages", valid, ""},
		{"JPEG renamed to .pdf", testdocs.JPEG(t), CodeNotPDF},
		{"PNG renamed to .pdf", testdocs.PNG(t), CodeNotPDF},
		{"DOCX renamed to .pdf", testdocs.DOCX(t), CodeNotPDF},
		{"ZIP renamed to .pdf", testdocs.ZIP(t), CodeNotPDF},
		{"HTML renamed to .pdf", testdocs.HTML(), CodeNotPDF},
		{"empty file", nil, CodeNotPDF},
		{"truncated to half", testdocs.Truncated(valid), CodePDFInvalid},
		{"cut before %%EOF", valid[:len(valid)-20], CodePDFInvalid},
		{"garbage after header", testdocs.GarbageAfterHeader(), CodePDFInvalid},
		{"zero pages", testdocs.ZeroPages(), CodePDFInvalid},
		{"object number in the billions", testdocs.HugeObjectNumber(), CodePDFInvalid},
		{"user password", testdocs.Encrypted(t, valid), CodePDFEncrypted},
		{"owner password only", testdocs.OwnerLocked(t, valid), CodePDFEncrypted},
		{"over the limit", testdocs.SizedPDF(t, 1<<20+1), CodeTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, v, err := c.CheckStream(context.Background(), bytes.NewReader(tc.data), t.TempDir())
			if tc.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				defer s.Remove()
				if v.Pages != 3 || v.Size != int64(len(tc.data)) || len(v.SHA256) != 64 {
					t.Errorf("verdict = %+v", v)
				}
				return
			}
			p, ok := AsProblem(err)
			if !ok {
				t.Fatalf("err = %v; want a problem %s", err, tc.code)
			}
			if p.Code != tc.code {
				t.Errorf("code = %s (%v); want %s", p.Code, p, tc.code)
			}
			if p.Message == "" || !strings.ContainsAny(p.Message, "абвгдеёжзийклмнопрстуфхцчшщыьэюя") {
				t.Errorf("message %q is not Russian", p.Message)
			}
		})
	}
}

func TestNotPDFNamesWhatItIs(t *testing.T) {
	c := newChecker(t, 1<<20, testLimits)
	_, _, err := c.CheckStream(context.Background(), bytes.NewReader(testdocs.JPEG(t)), t.TempDir())
	if p, _ := AsProblem(err); p == nil || !strings.Contains(p.Message, "JPEG") {
		t.Errorf("message should name JPEG: %v", err)
	}
	_, _, err = c.CheckStream(context.Background(), bytes.NewReader(testdocs.DOCX(t)), t.TempDir())
	if p, _ := AsProblem(err); p == nil || !strings.Contains(p.Message, "DOCX") {
		t.Errorf("message should name DOCX: %v", err)
	}
}

func TestExactlyAtLimitIsAccepted(t *testing.T) {
	const limit = 300_000
	c := newChecker(t, limit, testLimits)
	dir := t.TempDir()
	path := filepath.Join(dir, "at-limit.pdf")
	if err := os.WriteFile(path, testdocs.SizedPDF(t, limit), 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := c.CheckFile(context.Background(), path)
	if err != nil || v.Size != limit || v.Pages != 1 {
		t.Fatalf("at the limit: %+v, %v", v, err)
	}
	over := filepath.Join(dir, "over.pdf")
	os.WriteFile(over, testdocs.SizedPDF(t, limit+1), 0o600)
	if _, err := c.CheckFile(context.Background(), over); !isCode(err, CodeTooLarge) {
		t.Fatalf("one byte over: %v", err)
	}
}

func isCode(err error, code string) bool {
	p, ok := AsProblem(err)
	return ok && p.Code == code
}

// A parser that dies (here: 100,000 pages need ~280 MB parsed; the child
// may add 16 MiB to its address space, and the Go runtime grows it in 64 MiB
// arenas, so the file is far past any rounding) gives pdf_invalid, and the
// checker keeps working afterwards.
func TestParserCrashIsContained(t *testing.T) {
	heavy := testdocs.ManyPages(100_000)
	starved := newChecker(t, 30<<20, sandbox.Limits{Memory: 16 << 20, Timeout: 60 * time.Second, Parallel: 1})
	_, _, err := starved.CheckStream(context.Background(), bytes.NewReader(heavy), t.TempDir())
	if !isCode(err, CodePDFInvalid) {
		t.Fatalf("err = %v; want pdf_invalid", err)
	}
	if p, _ := AsProblem(err); !strings.Contains(p.Detail, "crashed") {
		t.Errorf("detail should record the crash: %q", p.Detail)
	}
	healthy := newChecker(t, 30<<20, sandbox.Limits{Memory: 1 << 30, Timeout: 60 * time.Second, Parallel: 1})
	s, v, err := healthy.CheckStream(context.Background(), bytes.NewReader(heavy), t.TempDir())
	if err != nil {
		t.Fatalf("with enough memory the same file passes: %v", err)
	}
	s.Remove()
	if v.Pages != 100_000 {
		t.Errorf("pages = %d", v.Pages)
	}
}

func TestParserTimeoutIsPDFInvalid(t *testing.T) {
	slow := newChecker(t, 1<<20, sandbox.Limits{Memory: 256 << 20, Timeout: time.Millisecond, Parallel: 1})
	_, _, err := slow.CheckStream(context.Background(), bytes.NewReader(testdocs.PDF(t, 1, "x")), t.TempDir())
	if !isCode(err, CodePDFInvalid) {
		t.Fatalf("err = %v; want pdf_invalid", err)
	}
}
