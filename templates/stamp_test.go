package templates

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"accredpack/internal/testenv"
)

func TestStampFace(t *testing.T) {
	face, err := NewStampFace("0123456789стр. %p из %P")
	if err != nil {
		t.Fatal(err)
	}
	// The sheet holds the runes as text in the one font.
	if text := testenv.PDFText(t, face.Sheet); !strings.Contains(text, "0123456789стр. %pиз") {
		t.Errorf("sheet text = %q", text)
	}
	ctx, err := api.ReadAndValidate(bytes.NewReader(face.Sheet), model.NewDefaultConfiguration())
	if err != nil {
		t.Fatal(err)
	}
	d, _, _, err := ctx.PageDict(1, false)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := ctx.DereferenceDict(d["Resources"])
	fonts, _ := ctx.DereferenceDict(res["Font"])
	if len(fonts) != 1 {
		t.Errorf("sheet fonts = %v; want one", fonts)
	}

	if got, err := face.Encode("стр. 12"); err != nil || got != "<044104420440002E002000310032>" {
		t.Errorf("Encode = %q, %v", got, err)
	}
	if _, err := face.Encode("стр. Ж"); err == nil {
		t.Error("a rune outside the sheet encoded")
	}
	// DejaVu Sans: "1" advances 636/1000 em; "стр." is wider than "из".
	if w := face.Width("11", 10); w < 12.7 || w > 12.8 {
		t.Errorf("Width(11, 10 pt) = %g; want 12.72", w)
	}
	if face.Width("стр.", 9) <= face.Width("из", 9) {
		t.Error("widths do not follow the glyphs")
	}
	if _, err := NewStampFace("\U0001F600"); err == nil {
		t.Error("a rune outside the basic plane accepted")
	}
}
