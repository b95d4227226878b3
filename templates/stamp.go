package templates

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// StampFace is the embedded regular face made ready for text stamped on
// pages drawn elsewhere (the portfolio's "стр. N из M"): Sheet is a
// one-page PDF whose only font is the face subset to the given runes,
// for its font objects to be copied into another PDF. gofpdf writes that
// font as Type0 with Identity-H and a CIDToGIDMap indexed by code point,
// so text made of those runes is shown with it as UTF-16BE code units
// (Encode), and its width follows from each rune's advance (Width).
type StampFace struct {
	Sheet  []byte
	widths map[rune]float64 // advance at 1 pt
}

// NewStampFace draws the sheet holding every rune of runes.
func NewStampFace(runes string) (*StampFace, error) {
	var set []rune
	for _, r := range runes {
		if r < 0x20 || r > 0xFFFF {
			return nil, fmt.Errorf("templates: stamp rune %U: want a printable rune of the basic plane", r)
		}
		if !slices.Contains(set, r) {
			set = append(set, r)
		}
	}
	f := fpdf.New("P", "pt", "A4", "")
	f.AddUTF8FontFromBytes(FontName, "", FontRegular)
	f.SetCreator("accredpack", true)
	f.AddPage()
	f.SetFont(FontName, "", 1000)
	s := &StampFace{widths: make(map[rune]float64, len(set))}
	for _, r := range set {
		s.widths[r] = f.GetStringWidth(string(r)) / 1000
	}
	f.SetFont(FontName, "", 10)
	f.Text(20, 40, string(set))
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		return nil, fmt.Errorf("templates: stamp sheet: %w", err)
	}
	s.Sheet = b.Bytes()
	return s, nil
}

// Width is the advance of text at size points.
func (s *StampFace) Width(text string, size float64) float64 {
	w := 0.0
	for _, r := range text {
		w += s.widths[r]
	}
	return w * size
}

// Encode is text as a PDF hex string of the face's codes, or an error
// naming a rune the sheet does not hold.
func (s *StampFace) Encode(text string) (string, error) {
	var b strings.Builder
	b.WriteByte('<')
	for _, r := range text {
		if _, ok := s.widths[r]; !ok {
			return "", fmt.Errorf("templates: stamp face lacks %q", r)
		}
		fmt.Fprintf(&b, "%04X", r)
	}
	b.WriteByte('>')
	return b.String(), nil
}
