package compose

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig of JPEG parts
	"image/png"
	"io"

	"codeberg.org/go-pdf/fpdf"
)

// Kind is what a part is, judged by its content.
type Kind string

const (
	KindPDF  Kind = "pdf"
	KindJPEG Kind = "jpeg"
	KindPNG  Kind = "png"
)

// Sniff names the kind of a part from its first bytes, or "" when it is
// none of the kinds a slot file can be made of. A PDF is judged by the
// file checks, which allow leading bytes; this only tells images apart.
func Sniff(head []byte) Kind {
	switch {
	case bytes.HasPrefix(head, jpegMagic):
		return KindJPEG
	case bytes.HasPrefix(head, pngMagic):
		return KindPNG
	}
	return ""
}

// ImageInfo is what the header of an image tells.
type ImageInfo struct {
	Width, Height int // stored pixels
	Orientation   int // EXIF 1-8
}

// Inspect reads an image's header (never its pixels) and refuses one
// larger than maxPixels, a decompression bomb's usual form.
func Inspect(head []byte, r io.Reader, maxPixels int64) (ImageInfo, error) {
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return ImageInfo{}, fmt.Errorf("%w: %v", ErrBadImage, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return ImageInfo{}, fmt.Errorf("%w: %dx%d pixels", ErrBadImage, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return ImageInfo{}, &TooManyPixelsError{Width: cfg.Width, Height: cfg.Height, Max: maxPixels}
	}
	return ImageInfo{Width: cfg.Width, Height: cfg.Height, Orientation: Orientation(head)}, nil
}

// Page is the sheet images are placed on: A4, turned to the image's
// upright orientation, with margins.
type Page struct {
	MarginMM float64 `json:"margin_mm"`
}

const a4W, a4H = 210.0, 297.0

// imagePage lays one image out on an A4 page of its own and returns the
// page as a PDF. A JPEG is embedded as it is (no re-encoding, no loss);
// its EXIF orientation becomes a transformation of the page, not of the
// pixels. A PNG is decoded and written again as 8-bit, non-interlaced
// (lossless), the form PDF embeds.
func imagePage(data []byte, kind Kind, page Page) ([]byte, error) {
	p := placements[Orientation(data)]
	imageType := "JPG"
	if kind == KindPNG {
		var err error
		if data, err = normalizePNG(data); err != nil {
			return nil, err
		}
		imageType = "PNG"
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadImage, err)
	}
	return layout(data, imageType, cfg.Width, cfg.Height, p, page)
}

func layout(data []byte, imageType string, w, h int, p placement, page Page) ([]byte, error) {
	uw, uh := p.upright(w, h)
	orientation, pw, ph := "P", a4W, a4H
	if uw > uh {
		orientation, pw, ph = "L", a4H, a4W
	}
	doc := fpdf.NewCustom(&fpdf.InitType{OrientationStr: orientation, UnitStr: "mm", Size: fpdf.SizeType{Wd: a4W, Ht: a4H}})
	doc.SetProducer("accredpack", false)
	doc.SetAutoPageBreak(false, 0)
	doc.SetMargins(0, 0, 0)
	doc.AddPage()

	// The upright image, fitted into the page less its margins, centred.
	boxW, boxH := pw-2*page.MarginMM, ph-2*page.MarginMM
	scale := min(boxW/float64(uw), boxH/float64(uh))
	dw, dh := float64(uw)*scale, float64(uh)*scale
	cx, cy := pw/2, ph/2
	// The stored image is drawn centred, then turned upright about the centre.
	sw, sh := dw, dh
	if p.clockwise == 90 || p.clockwise == 270 {
		sw, sh = dh, dw
	}
	opts := fpdf.ImageOptions{ImageType: imageType}
	doc.RegisterImageOptionsReader("part", opts, bytes.NewReader(data))
	doc.TransformBegin()
	if p.clockwise != 0 {
		doc.TransformRotate(-float64(p.clockwise), cx, cy)
	}
	if p.mirror {
		doc.TransformMirrorHorizontal(cx)
	}
	doc.ImageOptions("part", cx-sw/2, cy-sh/2, sw, sh, false, opts, 0, "")
	doc.TransformEnd()
	var out bytes.Buffer
	if err := doc.Output(&out); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadImage, err)
	}
	return out.Bytes(), nil
}

// normalizePNG decodes a PNG (any bit depth, interlaced or not) and writes
// it again in 8 bits per channel, without interlacing.
func normalizePNG(data []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadImage, err)
	}
	var eightBit image.Image
	switch m := img.(type) {
	case *image.Gray, *image.NRGBA, *image.Paletted:
		eightBit = m
	case *image.Gray16:
		g := image.NewGray(m.Bounds())
		for y := m.Rect.Min.Y; y < m.Rect.Max.Y; y++ {
			for x := m.Rect.Min.X; x < m.Rect.Max.X; x++ {
				g.Set(x, y, m.At(x, y))
			}
		}
		eightBit = g
	default:
		n := image.NewNRGBA(m.Bounds())
		for y := m.Bounds().Min.Y; y < m.Bounds().Max.Y; y++ {
			for x := m.Bounds().Min.X; x < m.Bounds().Max.X; x++ {
				n.Set(x, y, m.At(x, y))
			}
		}
		eightBit = n
	}
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&out, eightBit); err != nil {
		return nil, fmt.Errorf("encode PNG: %w", err)
	}
	return out.Bytes(), nil
}
