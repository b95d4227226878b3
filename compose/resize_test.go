package compose

import (
	"image"
	"image/color"
	"testing"

	"accredpack/internal/testdocs"
)

// TestShrinkAverages: a one-pixel checkerboard shrunk by two is an even
// gray (a box filter, no aliasing), and a picture keeps its layout.
func TestShrinkAverages(t *testing.T) {
	board := image.NewGray(image.Rect(0, 0, 40, 30))
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			if (x+y)%2 == 0 {
				board.SetGray(x, y, color.Gray{Y: 255})
			}
		}
	}
	small := shrink(board, 20, 15, true).(*image.Gray)
	for _, v := range small.Pix {
		if v < 126 || v > 129 {
			t.Fatalf("checkerboard shrunk to %d, want an even 127", v)
		}
	}
	markers := testdocs.Markers(300, 200)
	out := shrink(markers, 75, 50, false)
	if out.Bounds().Dx() != 75 || out.Bounds().Dy() != 50 {
		t.Fatalf("size %v", out.Bounds())
	}
	if r, g, b, _ := out.At(10, 5).RGBA(); r>>8 < 200 || g>>8 > 30 || b>>8 > 30 {
		t.Errorf("top left is %d,%d,%d; want red", r>>8, g>>8, b>>8)
	}
	if r, g, b, _ := out.At(65, 5).RGBA(); b>>8 < 200 || r>>8 > 30 || g>>8 > 30 {
		t.Errorf("top right is %d,%d,%d; want blue", r>>8, g>>8, b>>8)
	}
	// A decoded JPEG (YCbCr) takes the fast path to the same colours.
	jpg, _, err := image.Decode(bytesReader(testdocs.EncodeJPEG(t, markers, 95)))
	if err != nil {
		t.Fatal(err)
	}
	if r, _, _, _ := shrink(jpg, 75, 50, false).At(10, 5).RGBA(); r>>8 < 190 {
		t.Errorf("YCbCr source lost its red: %d", r>>8)
	}
}
