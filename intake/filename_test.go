package intake

import (
	"strings"
	"testing"
	"unicode/utf8"

	"accredpack/compose"
)

// TestCleanFileName: hostile names are stored clean: no bidi overrides or
// other invisible characters, no path, NFC, bounded, always .pdf.
func TestCleanFileName(t *testing.T) {
	long := strings.Repeat("ж", 300) + ".pdf"
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"скан.pdf", "скан.pdf"},
		{"скан.PDF", "скан.pdf"},
		{"Диплом Иванова И.И.pdf", "Диплом Иванова И.И.pdf"},
		{"Иванов И.И. диплом", "Иванов И.И. диплом.pdf"},
		{"версия 1.2", "версия 1.2.pdf"},
		{"\u202efdp.exe", "fdp.pdf"},               // shows as exe.pdf with the override
		{"invoice\u202egnp.pdf", "invoicegnp.pdf"}, // the override removed
		{"x.exe", "x.pdf"},
		{"x.exe.pdf", "x.exe.pdf"},
		{"photo.jpeg", "photo.pdf"},
		{"a\u200bb\u200c\u200d\u2060\ufeff.pdf", "ab.pdf"}, // zero-width characters
		{"a\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069b.pdf", "ab.pdf"},
		{"line\nbreak\r\t\x00\x7f\u0085.pdf", "linebreak.pdf"},
		{"para\u2028graph\u2029.pdf", "paragraph.pdf"},
		{"soft\u00adhyphen.pdf", "softhyphen.pdf"},
		{"../../etc/passwd", "passwd.pdf"},
		{`C:\Users\anna\Документы\скан.pdf`, "скан.pdf"},
		{"dir/", "document.pdf"},
		{"..", "document.pdf"},
		{".exe", "exe.pdf"}, // a leading dot (a hidden file) is dropped
		{"\u202e", "document.pdf"},
		{"  скан .pdf  ", "скан.pdf"},
		{"скан.pdf.", "скан.pdf"},
		{"e\u0301cole.pdf", "\u00e9cole.pdf"}, // NFD to NFC
		{"Й.pdf", "Й.pdf"},
		{"bad\xff\xfeutf8.pdf", "badutf8.pdf"},
		{long, strings.Repeat("ж", 116) + ".pdf"},
	} {
		got := cleanFileName(c.in)
		if got != c.want {
			t.Errorf("cleanFileName(%q) = %q, want %q", c.in, got, c.want)
		}
		if n := utf8.RuneCountInString(got); n > maxNameRunes {
			t.Errorf("cleanFileName(%q): %d runes", c.in, n)
		}
	}
}

// Originals of a composed document keep the extension of what they are.
func TestSourceNames(t *testing.T) {
	for _, c := range []struct {
		in   string
		kind compose.Kind
		want string
	}{
		{"фото.JPG", compose.KindJPEG, "фото.jpg"},
		{"\u202egnp.exe", compose.KindPNG, "gnp.png"},
		{"скан", compose.KindPDF, "скан.pdf"},
	} {
		if got := cleanName(c.in, kindExtension(c.kind)); got != c.want {
			t.Errorf("%q as %s: %q, want %q", c.in, c.kind, got, c.want)
		}
	}
	if got := resultName("фото.jpg"); got != "фото.pdf" {
		t.Errorf("resultName: %q", got)
	}
}
