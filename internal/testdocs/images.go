package testdocs

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"testing"
)

// Stored turns an upright image into the pixels a camera stores with EXIF
// orientation o (1-8), so that a viewer applying o shows it upright. The
// mapping is written from the EXIF specification's table, independently of
// the code under test: stored (x, y) of a W x H image is shown at
//
//	1 (x, y)  2 (W-1-x, y)  3 (W-1-x, H-1-y)  4 (x, H-1-y)
//	5 (y, x)  6 (H-1-y, x)  7 (H-1-y, W-1-x)  8 (y, W-1-x)
func Stored(up image.Image, o int) *image.RGBA {
	ub := up.Bounds()
	W, H := ub.Dx(), ub.Dy()
	if o >= 5 {
		W, H = H, W // stored size
	}
	out := image.NewRGBA(image.Rect(0, 0, W, H))
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = W-1-x, y
			case 3:
				dx, dy = W-1-x, H-1-y
			case 4:
				dx, dy = x, H-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = H-1-y, x
			case 7:
				dx, dy = H-1-y, W-1-x
			case 8:
				dx, dy = y, W-1-x
			default:
				dx, dy = x, y
			}
			out.Set(x, y, up.At(ub.Min.X+dx, ub.Min.Y+dy))
		}
	}
	return out
}

// WithEXIF inserts an Exif APP1 segment carrying orientation o right after
// the start-of-image marker of a JPEG (big-endian TIFF, like most phones).
func WithEXIF(jpg []byte, o int) []byte {
	var tiff bytes.Buffer
	tiff.WriteString("MM\x00*")
	binary.Write(&tiff, binary.BigEndian, uint32(8)) // IFD0 offset
	binary.Write(&tiff, binary.BigEndian, uint16(1)) // one entry
	binary.Write(&tiff, binary.BigEndian, uint16(0x0112))
	binary.Write(&tiff, binary.BigEndian, uint16(3)) // SHORT
	binary.Write(&tiff, binary.BigEndian, uint32(1))
	binary.Write(&tiff, binary.BigEndian, uint16(o))
	binary.Write(&tiff, binary.BigEndian, uint16(0))
	binary.Write(&tiff, binary.BigEndian, uint32(0)) // no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	var out bytes.Buffer
	out.Write(jpg[:2])
	out.Write([]byte{0xff, 0xe1})
	binary.Write(&out, binary.BigEndian, uint16(len(seg)+2))
	out.Write(seg)
	out.Write(jpg[2:])
	return out.Bytes()
}

// EncodeJPEG encodes img at quality q.
func EncodeJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Markers is an upright w x h picture for orientation tests: white, a red
// block at the top left, a blue block at the top right.
func Markers(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{255, 255, 255, 255}
			switch {
			case y < h/3 && x < w/3:
				c = color.RGBA{220, 0, 0, 255}
			case y < h/3 && x >= 2*w/3:
				c = color.RGBA{0, 0, 220, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// DocumentPhoto is an upright w x h picture like a phone photo of a page:
// a paper tone with a light gradient, lines of dark "words", and sensor
// noise, so that it compresses like a photo, not like a flat test card.
func DocumentPhoto(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	lineH := max(8, h/60)
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride:]
		inLine := (y/lineH)%2 == 1 && y%lineH < lineH*3/4 && y > h/10 && y < h*9/10
		word := 0
		for x := 0; x < w; x++ {
			base := 235 - 25*x/w - 20*y/h
			if inLine && x > w/12 && x < w*11/12 {
				if word <= 0 {
					word = lineH*2 + rng.IntN(lineH*6) // next word or gap length
				}
				word--
				if (word/(lineH))%5 != 0 && rng.IntN(3) != 0 {
					base = 40 + rng.IntN(40)
				}
			}
			n := rng.IntN(17) - 8
			v := min(255, max(0, base+n))
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = uint8(v), uint8(min(255, v+4)), uint8(max(0, v-10)), 255
		}
	}
	return img
}
