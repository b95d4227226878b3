package certimport

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"testing"

	"accredpack/checks"
	"accredpack/fault"
)

// zipOf builds a ZIP of name -> content, in the given order.
func zipOf(t testing.TB, files ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := 0; i+1 < len(files); i += 2 {
		f, err := w.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, files[i+1])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func openZIP(t *testing.T, data []byte, lim Limits) (*Archive, error) {
	t.Helper()
	dir := t.TempDir()
	a, err := OpenArchive(context.Background(), bytes.NewReader(data), dir, lim)
	if err == nil {
		t.Cleanup(func() {
			a.Close()
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("the spooled archive was not removed: %v", left)
			}
		})
	} else if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("a refused archive left %d files", len(left))
	}
	return a, err
}

func TestArchiveLookup(t *testing.T) {
	a, err := openZIP(t, zipOf(t, "certs/", "", "certs/a.pdf", "A", "b.pdf", "B", "x/same.pdf", "1", "y/same.pdf", "2", "./c.pdf", "C"), testLimits)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"certs/a.pdf": "A", "a.pdf": "A", "b.pdf": "B", "./b.pdf": "B", "c.pdf": "C", `certs\a.pdf`: "A", "x/same.pdf": "1"} {
		zf, fe := a.Lookup(name)
		if fe != nil {
			t.Errorf("Lookup(%q): %+v", name, fe)
			continue
		}
		e, err := a.Open(zf)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(e)
		e.Close()
		if string(got) != want || e.Problem() != nil {
			t.Errorf("Lookup(%q) read %q, %v; want %q", name, got, e.Problem(), want)
		}
	}
	for name, code := range map[string]string{"missing.pdf": "not_in_zip", "certs/b.pdf": "not_in_zip", "same.pdf": "ambiguous",
		"../a.pdf": "path", "/certs/a.pdf": "path", "C:/a.pdf": "path", "certs": "not_in_zip"} {
		if _, fe := a.Lookup(name); fe == nil || fe.Code != code || fe.Field != "file" || fe.Message == "" {
			t.Errorf("Lookup(%q) = %+v; want %s", name, fe, code)
		}
	}
}

func TestArchiveRefusals(t *testing.T) {
	for name, data := range map[string][]byte{
		"traversal":     zipOf(t, "ok.pdf", "x", "../../etc/cron.d/x", "y"),
		"absolute":      zipOf(t, "/tmp/x.pdf", "y"),
		"windows drive": zipOf(t, `C:\x.pdf`, "y"),
		"not a ZIP":     []byte("%PDF-1.4 this is not an archive"),
		"empty body":    nil,
	} {
		if _, err := openZIP(t, data, testLimits); !errors.Is(err, fault.ErrBadRequest) {
			t.Errorf("%s: %v; want a bad request", name, err)
		}
	}
	var many []string
	for i := 0; i <= testLimits.Entries; i++ {
		many = append(many, fmt.Sprintf("%d.pdf", i), "x")
	}
	if _, err := openZIP(t, zipOf(t, many...), testLimits); !isTooLarge(err) {
		t.Errorf("%d entries over a limit of %d: %v", testLimits.Entries+1, testLimits.Entries, err)
	}
	small := testLimits
	small.ArchiveBytes = 100
	if _, err := openZIP(t, zipOf(t, "a.pdf", strings.Repeat("x", 200)), small); !isTooLarge(err) {
		t.Errorf("an archive over its byte limit: %v", err)
	}
}

// rawEntry writes an entry whose header declares declared bytes but whose
// deflated data inflates to real bytes.
func rawEntry(t *testing.T, w *zip.Writer, name string, real []byte, declared uint64) {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(real)
	fw.Close()
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(real),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared}
	rw, err := w.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	rw.Write(comp.Bytes())
}

// countingReader counts what is read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestArchiveBombs(t *testing.T) {
	lim := testLimits // 64 KiB per file
	zeros := make([]byte, 32<<20)
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	rawEntry(t, w, "liar.pdf", zeros, 100)                                      // 32 MiB behind a 100-byte header
	rawEntry(t, w, "honest.pdf", zeros, uint64(len(zeros)))                     // declares what it holds
	rawEntry(t, w, "edge.pdf", zeros[:lim.FileBytes+10], uint64(lim.FileBytes)) // 10 bytes more than declared, at the limit
	w.Close()
	if b.Len() > 200<<10 {
		t.Fatalf("the bombs take %d bytes compressed", b.Len())
	}
	a, err := openZIP(t, b.Bytes(), lim)
	if err != nil {
		t.Fatal(err)
	}

	zf, _ := a.Lookup("honest.pdf")
	if _, err := a.Open(zf); !isTooLarge(err) {
		t.Errorf("an entry declaring 32 MiB over a 64 KiB limit: %v", err)
	}
	for _, name := range []string{"liar.pdf", "edge.pdf"} {
		zf, _ = a.Lookup(name)
		e, err := a.Open(zf)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c := &countingReader{r: e}
		io.Copy(io.Discard, c)
		e.Close()
		if c.n > lim.FileBytes+1 {
			t.Errorf("%s: read %d bytes; the limit is %d", name, c.n, lim.FileBytes)
		}
		if p := e.Problem(); p == nil || p.Code != CodeZIPEntry || p.Message == "" {
			t.Errorf("%s: problem %v; want %s", name, p, CodeZIPEntry)
		}
	}
	// Through the checks of an upload (a spool), the liar is refused
	// without reading past the limit.
	zf, _ = a.Lookup("liar.pdf")
	e, _ := a.Open(zf)
	defer e.Close()
	if _, err := checks.Spool(context.Background(), e, t.TempDir(), lim.FileBytes); err == nil || e.Problem() == nil {
		t.Errorf("spooling the liar: %v, %v", err, e.Problem())
	}
}

func TestArchiveEncryptedEntry(t *testing.T) {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, _ := w.CreateHeader(&zip.FileHeader{Name: "locked.pdf", Method: zip.Store, Flags: 0x1})
	f.Write([]byte("%PDF-1.4 garbage"))
	w.Close()
	a, err := openZIP(t, b.Bytes(), testLimits)
	if err != nil {
		t.Fatal(err)
	}
	zf, _ := a.Lookup("locked.pdf")
	if _, err := a.Open(zf); err == nil {
		t.Error("an encrypted entry was opened")
	} else if p, ok := checks.AsProblem(err); !ok || p.Code != CodeZIPEntry {
		t.Errorf("encrypted entry: %v", err)
	}
}
