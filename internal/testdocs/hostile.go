package testdocs

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// Hostile files, generated (never downloaded): each is the shape of a known
// attack on PDF readers or on the service.

// WithJavaScript opens with a JavaScript action.
func WithJavaScript() []byte {
	return handmade([]string{
		"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert\\('hi'\\)) >> >>",
		onePage[1], onePage[2],
	})
}

// WithLaunch opens with a Launch action that starts a program.
func WithLaunch() []byte {
	return handmade([]string{
		"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
		onePage[1], onePage[2],
		"<< /S /Launch /F (cmd.exe) /NewWindow true >>",
	})
}

// WithAttachment carries an embedded file (pdfcpu's attachment).
func WithAttachment(t testing.TB) []byte {
	t.Helper()
	dir := t.TempDir()
	att := filepath.Join(dir, "payload.exe")
	if err := os.WriteFile(att, []byte("MZ not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := api.AddAttachments(bytes.NewReader(PDF(t, 1, "attached")), &out, []string{att}, false, model.NewDefaultConfiguration()); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// SelfReferencing has a page tree whose node lists itself as its kid.
func SelfReferencing() []byte {
	return handmade([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"})
}

// DeepNesting hides n nested arrays in a page's dictionary.
func DeepNesting(n int) []byte {
	deep := strings.Repeat("[", n) + strings.Repeat("]", n)
	return handmade([]string{onePage[0], onePage[1], "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /X " + deep + " >>"})
}

// HugePageCount declares two billion pages with one page object.
func HugePageCount() []byte {
	return handmade([]string{onePage[0], "<< /Type /Pages /Kids [3 0 R] /Count 2000000000 >>", onePage[2]})
}

// BrokenXref has a cross-reference entry that points into the middle of
// another object.
func BrokenXref() []byte {
	return bytes.Replace(handmade(onePage), []byte("0000000009 00000 n"), []byte("0000000050 00000 n"), 1)
}

// DecompressionBomb is a PDF 1.5 file whose cross-reference stream (which a
// reader must inflate before anything else) inflates to inflated bytes
// from a few hundred kilobytes.
func DecompressionBomb(t testing.TB, inflated int) []byte {
	t.Helper()
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	zero := make([]byte, 1<<20)
	for n := 0; n < inflated; n += len(zero) {
		w.Write(zero)
	}
	w.Close()
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	cat := b.Len()
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	xref := b.Len()
	fmt.Fprintf(&b, "3 0 obj\n<< /Type /XRef /Size 4 /Root 1 0 R /W [1 4 1] /Index [0 4] /Filter /FlateDecode /Length %d >>\nstream\n", z.Len())
	b.Write(z.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	_ = cat
	return b.Bytes()
}

// PolyglotZIP is a ZIP archive that also holds a PDF header in its first
// kilobyte: a file that is two things at once.
func PolyglotZIP(t testing.TB) []byte {
	z := zipOf(t, map[string]string{"a.txt": "x"}, []string{"a.txt"})
	return append(append([]byte(nil), z...), PDF(t, 1, "polyglot")...)
}

// HTMLWithLatePDF is an HTML page that carries a whole PDF further on (its
// header within the first kilobyte, its trailer at the end).
func HTMLWithLatePDF(t testing.TB) []byte {
	return append([]byte("<html><body><script>fetch('/steal')</script>\n"), PDF(t, 1, "html")...)
}

// EmptyUserPassword is encrypted with an empty user password: it opens
// without asking, but carries an owner password and restrictions.
func EmptyUserPassword(t testing.TB) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(PDF(t, 1, "restricted")), &out, model.NewAESConfiguration("", "owner-secret", 256)); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TruncatedAt cuts pdf after n bytes.
func TruncatedAt(pdf []byte, n int) []byte { return append([]byte(nil), pdf[:n]...) }
