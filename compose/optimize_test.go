package compose

import (
	"errors"
	"image"
	"os"
	"path/filepath"
	"testing"

	"accredpack/internal/testdocs"
	"accredpack/internal/testenv"
)

func photos(t testing.TB, n, w, h, quality int) [][]byte {
	t.Helper()
	var out [][]byte
	for i := range n {
		out = append(out, testdocs.EncodeJPEG(t, testdocs.DocumentPhoto(w, h, uint64(i+1)), quality))
	}
	return out
}

func optimize(t *testing.T, c *Composer, pdf []byte, fit Fit) ([]byte, Report, error) {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := c.Optimize(t.Context(), in, out, fit)
	if err != nil {
		if _, serr := os.Stat(out); !os.IsNotExist(serr) {
			t.Errorf("a refused optimization left its output")
		}
		return nil, rep, err
	}
	b, rerr := os.ReadFile(out)
	if rerr != nil {
		t.Fatal(rerr)
	}
	return b, rep, nil
}

// TestOptimizeFitsTheLimit: six photographed pages too large for the limit
// come out under it, at a resolution between the floor and the target,
// with every page still there and still showing its picture.
func TestOptimizeFitsTheLimit(t *testing.T) {
	c := newComposer(t)
	pdf, pages := compose(t, c, photos(t, 6, 1600, 1200, 95)...)
	limit := int64(len(pdf)) / 4
	out, rep, err := optimize(t, c, pdf, Fit{Limit: limit, DPI: 300, MinDPI: 60, Quality: 70})
	if err != nil {
		t.Fatalf("optimize: %v", err)
	}
	t.Logf("%d bytes -> %d (limit %d) at %d dpi, %d images, %d attempts", rep.Before, rep.After, limit, rep.DPI, rep.Images, rep.Attempts)
	if rep.Before != int64(len(pdf)) || rep.After != int64(len(out)) || rep.After > limit {
		t.Errorf("report %+v for %d -> %d bytes, limit %d", rep, len(pdf), len(out), limit)
	}
	if rep.Images != 6 || rep.DPI < 60 || rep.DPI > 300 {
		t.Errorf("report %+v: want 6 images at 60-300 dpi", rep)
	}
	for p := 1; p <= pages; p++ {
		// Seen from afar, each page is still the same picture.
		if d := meanDifference(testenv.RenderPage(t, pdf, p, 12), testenv.RenderPage(t, out, p, 12)); d > 10 {
			t.Errorf("page %d changed by %.1f levels on average after optimizing", p, d)
		}
	}
}

// TestOptimizeKeepsSmallImagesAlone: images already below the target
// resolution are not up-sampled; with a generous limit the file is left
// at least as small as it was.
func TestOptimizeNeverGrows(t *testing.T) {
	c := newComposer(t)
	pdf, _ := compose(t, c, photos(t, 2, 400, 300, 60)...)
	out, rep, err := optimize(t, c, pdf, Fit{Limit: int64(len(pdf)) * 2, DPI: 300, MinDPI: 150, Quality: 85})
	if err != nil {
		t.Fatalf("optimize: %v", err)
	}
	if rep.After > rep.Before+4096 || len(out) > len(pdf)+4096 {
		t.Errorf("a small file grew: %d -> %d", rep.Before, rep.After)
	}
}

// TestOptimizeRefusesUnreadable: when only a resolution under the floor
// would fit, the answer is a refusal naming that resolution, not a blur.
func TestOptimizeRefusesUnreadable(t *testing.T) {
	c := newComposer(t)
	pdf, _ := compose(t, c, photos(t, 3, 1600, 1200, 95)...)
	_, _, err := optimize(t, c, pdf, Fit{Limit: int64(len(pdf)) / 60, DPI: 300, MinDPI: 150, Quality: 70})
	var ue *UnreadableError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want UnreadableError", err)
	}
	if ue.FloorDPI != 150 || ue.NeededDPI >= 150 || ue.AtFloor <= int64(len(pdf))/60 || ue.Before != int64(len(pdf)) {
		t.Errorf("refusal %+v", ue)
	}
	// A PDF of text only has nothing to re-encode.
	_, _, err = optimize(t, c, testdocs.PDF(t, 3, "text only"), Fit{Limit: 100, DPI: 300, MinDPI: 150, Quality: 70})
	if !errors.Is(err, ErrNoImages) {
		t.Fatalf("text-only PDF: %v, want ErrNoImages", err)
	}
}

// meanDifference is the mean absolute difference of two same-size pictures
// over their red, green and blue levels (0-255); 1000 for different sizes.
func meanDifference(a, b image.Image) float64 {
	if a.Bounds() != b.Bounds() {
		return 1000
	}
	var sum, n float64
	bnd := a.Bounds()
	for y := bnd.Min.Y; y < bnd.Max.Y; y++ {
		for x := bnd.Min.X; x < bnd.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			sum += abs(float64(r1>>8)-float64(r2>>8)) + abs(float64(g1>>8)-float64(g2>>8)) + abs(float64(b1>>8)-float64(b2>>8))
			n += 3
		}
	}
	return sum / n
}
