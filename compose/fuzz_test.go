package compose

import (
	"bytes"
	"io"
	"testing"

	"accredpack/internal/testdocs"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// FuzzOrientation: any bytes give an orientation from 1 to 8, without a
// panic or a read out of bounds.
func FuzzOrientation(f *testing.F) {
	plain := testdocs.EncodeJPEG(f, testdocs.Markers(8, 6), 80)
	for o := 1; o <= 8; o++ {
		f.Add(testdocs.WithEXIF(plain, o))
	}
	f.Add(plain)
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x1ceXIfII*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x08Exif\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := Orientation(data); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		if Sniff(data) != "" {
			// The header reader must not panic either.
			Inspect(data, bytes.NewReader(data), 1_000_000)
		}
	})
}
