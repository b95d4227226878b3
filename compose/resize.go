package compose

import (
	"image"
	"image/color"
)

// shrink scales src down to w x h by averaging the block of source pixels
// under each target pixel (a box filter: the right filter for reductions,
// no aliasing) in one pass over the source, with memory for one source row
// and one target row besides the result. gray makes an 8-bit gray result.
func shrink(src image.Image, w, h int, gray bool) image.Image {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	var dst image.Image
	var grayDst *image.Gray
	var rgbaDst *image.RGBA
	if gray {
		grayDst = image.NewGray(image.Rect(0, 0, w, h))
		dst = grayDst
	} else {
		rgbaDst = image.NewRGBA(image.Rect(0, 0, w, h))
		dst = rgbaDst
	}
	row := make([]uint8, 3*sw)
	acc := make([]uint32, 3*w)
	// x0[i] is the first source column of target column i.
	x0 := make([]int, w+1)
	for i := range x0 {
		x0[i] = i * sw / w
	}
	for y := 0; y < h; y++ {
		y0, y1 := y*sh/h, (y+1)*sh/h
		if y1 <= y0 {
			y1 = y0 + 1
		}
		clear(acc)
		for sy := y0; sy < y1; sy++ {
			rgbRow(src, b.Min.Y+sy, row)
			for x := 0; x < w; x++ {
				lo, hi := x0[x], max(x0[x+1], x0[x]+1)
				var r, g, bl uint32
				for sx := lo; sx < hi; sx++ {
					r += uint32(row[3*sx])
					g += uint32(row[3*sx+1])
					bl += uint32(row[3*sx+2])
				}
				acc[3*x] += r
				acc[3*x+1] += g
				acc[3*x+2] += bl
			}
		}
		for x := 0; x < w; x++ {
			n := uint32((y1 - y0) * (max(x0[x+1], x0[x]+1) - x0[x]))
			r, g, bl := uint8(acc[3*x]/n), uint8(acc[3*x+1]/n), uint8(acc[3*x+2]/n)
			if gray {
				grayDst.Pix[y*grayDst.Stride+x] = uint8((299*uint32(r) + 587*uint32(g) + 114*uint32(bl) + 500) / 1000)
			} else {
				i := y*rgbaDst.Stride + 4*x
				rgbaDst.Pix[i], rgbaDst.Pix[i+1], rgbaDst.Pix[i+2], rgbaDst.Pix[i+3] = r, g, bl, 255
			}
		}
	}
	return dst
}

// rgbRow writes source row y as 8-bit RGB triples into row, with fast
// paths for what JPEG and PNG decoding produce.
func rgbRow(src image.Image, y int, row []uint8) {
	b := src.Bounds()
	switch m := src.(type) {
	case *image.YCbCr:
		for x := b.Min.X; x < b.Max.X; x++ {
			yi, ci := m.YOffset(x, y), m.COffset(x, y)
			r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			i := 3 * (x - b.Min.X)
			row[i], row[i+1], row[i+2] = r, g, bl
		}
	case *image.Gray:
		p := m.Pix[(y-b.Min.Y)*m.Stride:]
		for x := 0; x < b.Dx(); x++ {
			row[3*x], row[3*x+1], row[3*x+2] = p[x], p[x], p[x]
		}
	case *image.RGBA:
		p := m.Pix[(y-b.Min.Y)*m.Stride:]
		for x := 0; x < b.Dx(); x++ {
			row[3*x], row[3*x+1], row[3*x+2] = p[4*x], p[4*x+1], p[4*x+2]
		}
	default:
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := src.At(x, y).RGBA()
			i := 3 * (x - b.Min.X)
			row[i], row[i+1], row[i+2] = uint8(r>>8), uint8(g>>8), uint8(bl>>8)
		}
	}
}
