// Package testenv starts the real servers the tests need, on loopback: a
// MinIO server, a PostgreSQL cluster and a Mailpit (SMTP), each private to the test that asks
// (own port, own data folder), stopped when the test ends or the test
// binary dies. Fault tests stop and restart them.
//
// The binaries come from the test command (scripts/test.sh), which installs
// them and sets ACCREDPACK_TEST_MINIO, ACCREDPACK_TEST_PG_BIN and
// ACCREDPACK_TEST_MAILPIT, and
// ACCREDPACK_TEST_BACKENDS=require so that a missing server fails the run.
// Without that variable (a bare `go test`) such tests are skipped with a
// message naming the command that runs them.
package testenv

import (
	"fmt"
	"image"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// need returns the value of a variable naming a binary, or skips/fails.
func need(t testing.TB, variable, what string) string {
	t.Helper()
	v := os.Getenv(variable)
	if v != "" {
		return v
	}
	if os.Getenv("ACCREDPACK_TEST_BACKENDS") == "require" {
		t.Fatalf("%s is not set: the test command must provide %s", variable, what)
	}
	t.Skipf("needs %s (%s): run `make test`, which installs and starts it", what, variable)
	return ""
}

// freePort finds a free TCP port on 127.0.0.1.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// process is a server process that can be stopped and started again.
type process struct {
	t       testing.TB
	name    string
	newCmd  func() *exec.Cmd
	cmd     *exec.Cmd
	log     *os.File
	waitErr chan error
}

func (p *process) start() {
	p.t.Helper()
	cmd := p.newCmd()
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL // never outlive the test binary
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	p.cmd = cmd
	p.waitErr = make(chan error, 1)
	go func() { p.waitErr <- cmd.Wait() }()
}

// stop ends the server with sig and waits for it.
func (p *process) stop(sig syscall.Signal) {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.waitErr:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.waitErr
	}
	p.cmd = nil
}

func (p *process) logTail() string {
	b, _ := os.ReadFile(p.log.Name())
	s := string(b)
	if len(s) > 3000 {
		s = s[len(s)-3000:]
	}
	return s
}

// waitFor polls ok until it returns nil or the deadline passes.
func (p *process) waitFor(what string, ok func() error) {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		if err = ok(); err == nil {
			return
		}
		select {
		case werr := <-p.waitErr:
			p.t.Fatalf("%s exited while starting (%v):\n%s", p.name, werr, p.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
	p.t.Fatalf("%s: %s not ready after 60s: %v\n%s", p.name, what, err, p.logTail())
}

// scratchDir makes a folder outside t.TempDir (whose 0700 parents other
// users cannot enter), removed when the test ends.
func scratchDir(t testing.TB, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func logFile(t testing.TB, dir, name string) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return '_'
	}, name)
}

var counter = time.Now().UnixNano() % 1_000_000

// uniqueName returns a fresh lower-case name for a database or bucket.
func uniqueName(t testing.TB, prefix string) string {
	counter++
	name := fmt.Sprintf("%s%d%s", prefix, counter, sanitize(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	return strings.TrimRight(name, "_-")
}

// Tool returns the path of a command-line tool the tests use (pdftotext,
// pdfinfo, qpdf), which the test command installs.
func Tool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("ACCREDPACK_TEST_BACKENDS") == "require" {
		t.Fatalf("%s is not installed: the test command must install it", name)
	}
	t.Skipf("needs %s: run `make test`, which installs it", name)
	return ""
}

// PDFText extracts the text of a PDF with poppler's pdftotext; pages end
// in a form feed.
func PDFText(t testing.TB, pdf []byte) string {
	t.Helper()
	tool := Tool(t, "pdftotext")
	in := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// RenderPage renders one page (1-based) of a PDF at dpi with poppler's
// pdftoppm and returns the picture.
func RenderPage(t testing.TB, pdf []byte, page, dpi int) image.Image {
	t.Helper()
	tool := Tool(t, "pdftoppm")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	n := strconv.Itoa(page)
	if out, err := exec.Command(tool, "-r", strconv.Itoa(dpi), "-f", n, "-l", n, "-png", "-singlefile", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode rendered page: %v", err)
	}
	return img
}

// DocxText opens a DOCX with LibreOffice (headless, a private profile so
// that runs do not share one) and returns its text as LibreOffice converts
// it: what a real reader makes of the file. LibreOffice refusing the file
// fails the test.
func DocxText(t testing.TB, docx []byte) string {
	t.Helper()
	tool := Tool(t, "soffice")
	dir := t.TempDir()
	in := filepath.Join(dir, "report.docx")
	if err := os.WriteFile(in, docx, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tool, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless", "--norestore",
		"--convert-to", "txt:Text (encoded):UTF8", "--outdir", filepath.Join(dir, "out"), in)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v %s", err, out)
	}
	text, err := os.ReadFile(filepath.Join(dir, "out", "report.txt"))
	if err != nil {
		t.Fatalf("LibreOffice did not convert the DOCX: %v", err)
	}
	return string(text)
}
