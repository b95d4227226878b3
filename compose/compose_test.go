package compose

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"accredpack/internal/testdocs"
	"accredpack/internal/testenv"
	"accredpack/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.ServeChild(SandboxTasks())
	code := m.Run()
	if photoDir != "" {
		os.RemoveAll(photoDir)
	}
	os.Exit(code)
}

func newComposer(t testing.TB) *Composer {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r, err := sandbox.NewRunner(exe, sandbox.Limits{Memory: 2 << 30, Timeout: 2 * time.Minute, Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	return New(r, Page{MarginMM: 10})
}

// write puts each part in a file of its own and returns the parts.
func write(t testing.TB, dir string, datas ...[]byte) []Part {
	t.Helper()
	var parts []Part
	for i, d := range datas {
		p := filepath.Join(dir, "part"+string(rune('a'+i)))
		if err := os.WriteFile(p, d, 0o600); err != nil {
			t.Fatal(err)
		}
		kind := Sniff(d)
		if kind == "" {
			kind = KindPDF
		}
		parts = append(parts, Part{Path: p, Kind: kind})
	}
	return parts
}

func compose(t testing.TB, c *Composer, datas ...[]byte) ([]byte, int) {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "out.pdf")
	pages, err := c.Compose(t.Context(), write(t, dir, datas...), out)
	if err != nil {
		t.Fatalf("compose: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b, pages
}

func TestOrientationTag(t *testing.T) {
	plain := testdocs.EncodeJPEG(t, testdocs.Markers(30, 20), 90)
	for o := 1; o <= 8; o++ {
		if got := Orientation(testdocs.WithEXIF(plain, o)); got != o {
			t.Errorf("JPEG with orientation %d read as %d", o, got)
		}
	}
	if got := Orientation(plain); got != 1 {
		t.Errorf("JPEG without EXIF read as %d", got)
	}
	// A PNG with an eXIf chunk (little-endian TIFF) before its image data.
	var b bytes.Buffer
	png.Encode(&b, testdocs.Markers(30, 20))
	p := b.Bytes()
	tiff := []byte("II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00")
	chunk := append([]byte{0, 0, 0, byte(len(tiff))}, "eXIf"...)
	chunk = append(append(chunk, tiff...), 0, 0, 0, 0) // the CRC is not checked
	withChunk := append(append(append([]byte(nil), p[:33]...), chunk...), p[33:]...)
	if got := Orientation(withChunk); got != 6 {
		t.Errorf("PNG with eXIf orientation 6 read as %d", got)
	}
	for _, broken := range [][]byte{nil, {0xff, 0xd8, 0xff}, testdocs.WithEXIF(plain, 9), testdocs.WithEXIF(plain, 0)[:30]} {
		if got := Orientation(broken); got != 1 {
			t.Errorf("broken tag read as %d, want 1", got)
		}
	}
}

// centroid is the mean position of pixels that match, or ok=false.
func centroid(img image.Image, match func(r, g, b uint32) bool) (x, y float64, ok bool) {
	var n float64
	bnd := img.Bounds()
	for py := bnd.Min.Y; py < bnd.Max.Y; py++ {
		for px := bnd.Min.X; px < bnd.Max.X; px++ {
			r, g, b, _ := img.At(px, py).RGBA()
			if match(r>>8, g>>8, b>>8) {
				x, y, n = x+float64(px), y+float64(py), n+1
			}
		}
	}
	if n == 0 {
		return 0, 0, false
	}
	return x / n, y / n, true
}

func red(r, g, b uint32) bool  { return r > 150 && g < 90 && b < 90 }
func blue(r, g, b uint32) bool { return b > 150 && r < 90 && g < 90 }

// TestPhotosComeOutUpright: a landscape picture stored in each of the eight
// EXIF orientations becomes a landscape A4 page on which, as rendered by
// poppler, the red block is at the top left and the blue at the top right.
func TestPhotosComeOutUpright(t *testing.T) {
	c := newComposer(t)
	up := testdocs.Markers(300, 200)
	for o := 1; o <= 8; o++ {
		jpg := testdocs.WithEXIF(testdocs.EncodeJPEG(t, testdocs.Stored(up, o), 92), o)
		pdf, pages := compose(t, c, jpg)
		if pages != 1 {
			t.Fatalf("orientation %d: %d pages", o, pages)
		}
		page := testenv.RenderPage(t, pdf, 1, 20)
		b := page.Bounds()
		if b.Dx() <= b.Dy() {
			t.Errorf("orientation %d: page %dx%d is not landscape", o, b.Dx(), b.Dy())
		}
		rx, ry, rok := centroid(page, red)
		bx, by, bok := centroid(page, blue)
		if !rok || !bok {
			t.Fatalf("orientation %d: markers not found (red %v, blue %v)", o, rok, bok)
		}
		mid := float64(b.Dy()) / 2
		if !(rx < bx && ry < mid && by < mid && abs(ry-by) < 3) {
			t.Errorf("orientation %d: red at (%.0f,%.0f), blue at (%.0f,%.0f) on %dx%d: not upright", o, rx, ry, bx, by, b.Dx(), b.Dy())
		}
		// Margins: nothing drawn in the outer 10 mm (about 7 px at 20 dpi).
		if r, g, bl, _ := page.At(b.Min.X+3, b.Min.Y+3).RGBA(); r>>8 < 250 || g>>8 < 250 || bl>>8 < 250 {
			t.Errorf("orientation %d: the margin is not blank", o)
		}
	}
	// A portrait picture gives a portrait page.
	pdf, _ := compose(t, c, testdocs.EncodeJPEG(t, testdocs.Markers(200, 300), 90))
	if b := testenv.RenderPage(t, pdf, 1, 20).Bounds(); b.Dx() >= b.Dy() {
		t.Errorf("portrait picture on a %dx%d page", b.Dx(), b.Dy())
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// TestComposeInOrder: PDFs and images (JPEG, 16-bit PNG, PNG with alpha,
// interlaced-free palette PNG) merge into one PDF in the order given.
func TestComposeInOrder(t *testing.T) {
	c := newComposer(t)
	gray16 := image.NewGray16(image.Rect(0, 0, 40, 60))
	for i := range gray16.Pix {
		gray16.Pix[i] = uint8(i)
	}
	alpha := image.NewNRGBA(image.Rect(0, 0, 60, 40))
	for i := range alpha.Pix {
		alpha.Pix[i] = uint8(i * 7)
	}
	pal := image.NewPaletted(image.Rect(0, 0, 50, 50), color.Palette{color.White, color.Black})
	pngOf := func(img image.Image) []byte {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	pdf, pages := compose(t, c,
		testdocs.PDF(t, 2, "first part"),
		testdocs.JPEG(t),
		pngOf(gray16), pngOf(alpha), pngOf(pal),
		testdocs.PDF(t, 1, "last part"))
	if pages != 7 {
		t.Fatalf("pages = %d, want 2+1+3+1", pages)
	}
	text := strings.Split(testenv.PDFText(t, pdf), "\f")
	if !strings.Contains(text[0], "first part - page 1") || !strings.Contains(text[1], "first part - page 2") || !strings.Contains(text[6], "last part") {
		t.Errorf("pages out of order: %q", text)
	}
	for i := 2; i <= 5; i++ {
		if strings.TrimSpace(text[i]) != "" {
			t.Errorf("page %d should be an image page, has text %q", i+1, text[i])
		}
	}
}

func TestComposeNamesTheBadPart(t *testing.T) {
	c := newComposer(t)
	jpg := testdocs.JPEG(t)
	dir := t.TempDir()
	parts := write(t, dir, testdocs.PDF(t, 1, "ok"), jpg[:len(jpg)/3])
	_, err := c.Compose(t.Context(), parts, filepath.Join(dir, "out.pdf"))
	var pe *PartError
	if !errors.As(err, &pe) || pe.Index != 1 {
		t.Fatalf("err = %v, want the second part named", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out.pdf")); !os.IsNotExist(err) {
		t.Errorf("a failed composition left its output: %v", err)
	}
}

func TestInspectRefusesBombs(t *testing.T) {
	// A 20000x20000 PNG is a few hundred kilobytes of zeros; its pixels 1.6 GB.
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, image.NewGray(image.Rect(0, 0, 20000, 20000))); err != nil {
		t.Fatal(err)
	}
	_, err := Inspect(b.Bytes(), bytes.NewReader(b.Bytes()), 50_000_000)
	var tm *TooManyPixelsError
	if !errors.As(err, &tm) || tm.Width != 20000 {
		t.Fatalf("err = %v, want too many pixels", err)
	}
	info, err := Inspect(testdocs.JPEG(t), bytes.NewReader(testdocs.JPEG(t)), 50_000_000)
	if err != nil || info.Width != 64 || info.Height != 48 || info.Orientation != 1 {
		t.Fatalf("Inspect = %+v, %v", info, err)
	}
	if _, err := Inspect([]byte("\xff\xd8\xffjunk"), strings.NewReader("\xff\xd8\xffjunk"), 1e9); !errors.Is(err, ErrBadImage) {
		t.Fatalf("junk JPEG: %v", err)
	}
}
