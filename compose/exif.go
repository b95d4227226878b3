package compose

import (
	"bytes"
	"encoding/binary"
)

// Orientation reads the EXIF orientation (1-8) of a JPEG (APP1 segment) or
// a PNG (eXIf chunk). 1, the upright default, is returned when there is no
// tag or the data cannot be read: a broken tag never fails a conversion.
func Orientation(data []byte) int {
	var tiff []byte
	switch {
	case bytes.HasPrefix(data, jpegMagic):
		tiff = jpegEXIF(data)
	case bytes.HasPrefix(data, pngMagic):
		tiff = pngEXIF(data)
	}
	if o := tiffOrientation(tiff); o >= 1 && o <= 8 {
		return o
	}
	return 1
}

var (
	jpegMagic = []byte{0xff, 0xd8, 0xff}
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
)

// jpegEXIF returns the TIFF block of the first Exif APP1 segment before the
// image data.
func jpegEXIF(b []byte) []byte {
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xff {
			return nil
		}
		marker := b[i+1]
		switch {
		case marker == 0xff: // fill byte
			i++
			continue
		case marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7):
			i += 2 // markers without a length
			continue
		case marker == 0xda || marker == 0xd9: // start of scan, end of image
			return nil
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return nil
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return seg[6:]
		}
		i += 2 + n
	}
	return nil
}

// pngEXIF returns the data of the eXIf chunk, which must come before the
// image data.
func pngEXIF(b []byte) []byte {
	i := len(pngMagic)
	for i+8 <= len(b) {
		n := int(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if n < 0 || n > len(b)-i-12 {
			return nil
		}
		switch typ {
		case "eXIf":
			return b[i+8 : i+8+n]
		case "IDAT", "IEND":
			return nil
		}
		i += 12 + n
	}
	return nil
}

// tiffOrientation finds tag 0x0112 (a SHORT) in IFD0 of a TIFF block.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		order = binary.LittleEndian
	case "MM\x00*":
		order = binary.BigEndian
	default:
		return 0
	}
	ifd := int64(order.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > int64(len(t)) {
		return 0
	}
	count := int64(order.Uint16(t[ifd:]))
	for k := int64(0); k < count; k++ {
		e := ifd + 2 + 12*k
		if e+12 > int64(len(t)) {
			return 0
		}
		if order.Uint16(t[e:]) == 0x0112 && order.Uint16(t[e+2:]) == 3 {
			return int(order.Uint16(t[e+8:]))
		}
	}
	return 0
}

// placement is how an orientation turns the stored pixels upright: mirror
// left-right first, then rotate clockwise by degrees.
type placement struct {
	mirror    bool
	clockwise int
}

var placements = [9]placement{
	1: {false, 0}, 2: {true, 0}, 3: {false, 180}, 4: {true, 180},
	5: {true, 270}, 6: {false, 90}, 7: {true, 90}, 8: {false, 270},
}

// upright returns the displayed size of a stored w x h image.
func (p placement) upright(w, h int) (int, int) {
	if p.clockwise == 90 || p.clockwise == 270 {
		return h, w
	}
	return w, h
}
