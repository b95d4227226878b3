// Package testdocs makes real files for tests: valid PDFs drawn with gofpdf,
// PDFs encrypted with pdfcpu, cut and corrupted PDFs, and the non-PDF files
// users rename to .pdf (JPEG, PNG, DOCX, ZIP, HTML).
package testdocs

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"codeberg.org/go-pdf/fpdf"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"accredpack/templates"
)

func init() { api.DisableConfigDir() }

// PDF draws a valid PDF with the given number of pages, each saying label,
// in an embedded TrueType font (as generated documents are; pdfcpu's merge
// keeps such fonts valid in strict mode, unlike the standard-14 fonts).
func PDF(t testing.TB, pages int, label string) []byte {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes(templates.FontName, "", templates.FontRegular)
	f.SetFont(templates.FontName, "", 16)
	for i := 1; i <= pages; i++ {
		f.AddPage()
		f.Cell(0, 10, fmt.Sprintf("%s - page %d of %d", label, i, pages))
	}
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		t.Fatalf("draw PDF: %v", err)
	}
	return b.Bytes()
}

// SizedPDF is a valid one-page PDF of exactly size bytes (at least about
// 400): the page's content stream is padded with spaces.
func SizedPDF(t testing.TB, size int) []byte {
	t.Helper()
	body := func(n int) []byte {
		return handmade([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", n, bytes.Repeat([]byte(" "), n)),
		})
	}
	// The length digits change the total; two rounds settle it.
	n := max(size-len(body(0)), 0)
	n = max(n-(len(body(n))-size), 0)
	b := body(n)
	if len(b) != size {
		t.Fatalf("SizedPDF(%d) made %d bytes", size, len(b))
	}
	return b
}

// handmade writes objects 1..n with a correct cross-reference table.
func handmade(objects []string) []byte { return handmadeWith(objects, 0, "") }

// handmadeWith also writes object number extraNr (when > 0) holding extra,
// in a subsection of its own.
func handmadeWith(objects []string, extraNr int, extra string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	extraOff, size := b.Len(), len(objects)+1
	if extraNr > 0 {
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", extraNr, extra)
		size = extraNr + 1
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	if extraNr > 0 {
		fmt.Fprintf(&b, "%d 1\n%010d 00000 n \n", extraNr, extraOff)
	}
	fmt.Fprintf(&b, "trailer\n<< /Root 1 0 R /Size %d >>\nstartxref\n%d\n%%%%EOF\n", size, xref)
	return b.Bytes()
}

// Encrypted is pdf protected by a user password (it opens only with it).
func Encrypted(t testing.TB, pdf []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(pdf), &out, model.NewAESConfiguration("user-secret", "owner-secret", 256)); err != nil {
		t.Fatalf("encrypt: %v", err)
	}
	return out.Bytes()
}

// OwnerLocked is pdf with only an owner password: it opens, but is
// encrypted and restricted, and the portal's tools refuse it.
func OwnerLocked(t testing.TB, pdf []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := api.Encrypt(bytes.NewReader(pdf), &out, model.NewAESConfiguration("", "owner-secret", 256)); err != nil {
		t.Fatalf("encrypt: %v", err)
	}
	return out.Bytes()
}

// Truncated cuts pdf to half its length, as an interrupted download does.
func Truncated(pdf []byte) []byte { return append([]byte(nil), pdf[:len(pdf)/2]...) }

// GarbageAfterHeader is a PDF header followed by noise.
func GarbageAfterHeader() []byte {
	return append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("not a pdf body \x00\x01\x02 "), 200)...)
}

// ZeroPages is a well-formed PDF whose page tree is empty.
func ZeroPages() []byte {
	return handmade([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"})
}

// HugeObjectNumber is a 400-byte PDF whose cross-reference table names
// object 356,000,000,000. pdfcpu accepts it and sizes its tables by it, the
// shape of a known out-of-memory attack on merge.
func HugeObjectNumber() []byte {
	return handmadeWith(onePage, 356_000_000_000, "null")
}

// ManyPages is a valid PDF of n blank pages; parsing it costs far more
// memory than its size (100,000 pages: 10 MB on disk, ~280 MB parsed).
func ManyPages(n int) []byte {
	var kids bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&kids, "%d 0 R ", i+3)
	}
	objects := []string{"<< /Type /Catalog /Pages 2 0 R >>", fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids.String(), n)}
	for i := 0; i < n; i++ {
		objects = append(objects, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	}
	return handmade(objects)
}

var onePage = []string{
	"<< /Type /Catalog /Pages 2 0 R >>",
	"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
	"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
}

func picture() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 128, 255})
		}
	}
	return img
}

// JPEG is a small photo.
func JPEG(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, picture(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// PNG is a small image.
func PNG(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, picture()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zipOf(t testing.TB, files map[string]string, order []string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range order {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// DOCX is a minimal Word document.
func DOCX(t testing.TB) []byte {
	files := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"word/document.xml":   `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>`,
	}
	return zipOf(t, files, []string{"word/document.xml", "[Content_Types].xml"})
}

// ZIP is an archive holding a PDF, as users send "all scans in one file".
func ZIP(t testing.TB) []byte {
	return zipOf(t, map[string]string{"scan.pdf": string(PDF(t, 1, "zipped"))}, []string{"scan.pdf"})
}

// HTML is a saved web page.
func HTML() []byte {
	// "%PDF-" appears only past the first kilobyte, where it does not count.
	return []byte("<!DOCTYPE html>\n<html><head><title>Госуслуги</title></head><body>" + string(bytes.Repeat([]byte(" "), 1100)) + "%PDF-1.7 %%EOF</body></html>")
}

// PageTreeShapes is a three-page PDF whose pages lean on their page tree,
// typed in Helvetica (standard 14). Pages 1 and 2 inherit their
// Resources and MediaBox (600 x 800) from the root, and /Rotate 90 from an
// inner node; page 3 has a box of its own whose origin is not zero
// ([100 200 700 1000]). Each page says "shape page N" at the box's lower
// left.
func PageTreeShapes() []byte {
	text := func(s string, x, y int) string {
		c := fmt.Sprintf("BT /F1 18 Tf %d %d Td (%s) Tj ET", x, y, s)
		return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(c), c)
	}
	return handmade([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 3 /Resources 7 0 R /MediaBox [0 0 600 800] >>",
		"<< /Type /Pages /Parent 2 0 R /Kids [4 0 R 5 0 R] /Count 2 /Rotate 90 >>",
		"<< /Type /Page /Parent 3 0 R /Contents 8 0 R >>",
		"<< /Type /Page /Parent 3 0 R /Contents 9 0 R >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [100 200 700 1000] /Contents 10 0 R >>",
		"<< /Font << /F1 11 0 R >> >>",
		text("shape page 1", 50, 50),
		text("shape page 2", 50, 50),
		text("shape page 3", 150, 250),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	})
}

// WithObjectStreams is pdf written again by pdfcpu with its objects in
// object streams and a cross-reference stream (PDF 1.5).
func WithObjectStreams(t testing.TB, pdf []byte) []byte {
	t.Helper()
	conf := model.NewDefaultConfiguration()
	conf.WriteObjectStream, conf.WriteXRefStream = true, true
	var out bytes.Buffer
	if err := api.Optimize(bytes.NewReader(pdf), &out, conf); err != nil {
		t.Fatalf("write with object streams: %v", err)
	}
	if !bytes.Contains(out.Bytes(), []byte("/ObjStm")) || !bytes.Contains(out.Bytes(), []byte("/XRef")) {
		t.Fatal("pdfcpu wrote no object stream or no cross-reference stream")
	}
	return out.Bytes()
}
