package compose

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"accredpack/internal/testdocs"
	"accredpack/sandbox"
)

// phonePhotos are ten 4000x3000 JPEGs like phone photos of documents
// (about 5 MB each at quality 92), written once per benchmark run.
// TestMain removes them after the run.
var phonePhotos = sync.OnceValues(func() ([]Part, error) {
	dir, err := os.MkdirTemp("", "phone-photos-")
	if err != nil {
		return nil, err
	}
	photoDir = dir
	var parts []Part
	for i := range 10 {
		b := testdocs.EncodeJPEG(&testing.B{}, testdocs.DocumentPhoto(4000, 3000, uint64(i+1)), 92)
		if i%2 == 1 {
			b = testdocs.WithEXIF(b, 6) // every other one taken upright: stored on its side
		}
		p := filepath.Join(dir, filepath.Base(dir)+"-"+string(rune('a'+i))+".jpg")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return nil, err
		}
		parts = append(parts, Part{Path: p, Kind: KindJPEG})
	}
	return parts, nil
})

var photoDir string

func benchPhotos(b *testing.B) ([]Part, int64) {
	parts, err := phonePhotos()
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	for _, p := range parts {
		fi, _ := os.Stat(p.Path)
		total += fi.Size()
	}
	return parts, total
}

// peak records the largest resident memory the composer's children report.
func peak(c *Composer) *int64 {
	var mu sync.Mutex
	var p int64
	c.runner.OnExit = func(e sandbox.Exit) {
		rss := e.PeakRSS
		mu.Lock()
		p = max(p, rss)
		mu.Unlock()
	}
	return &p
}

// BenchmarkCompose10PhonePhotos: ten 4000x3000 photos (JPEG, embedded
// without re-encoding) into one ten-page A4 PDF.
func BenchmarkCompose10PhonePhotos(b *testing.B) {
	parts, total := benchPhotos(b)
	c := newComposer(b)
	p := peak(c)
	out := filepath.Join(b.TempDir(), "out.pdf")
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		if pages, err := c.Compose(b.Context(), parts, out); err != nil || pages != 10 {
			b.Fatalf("compose: %d pages, %v", pages, err)
		}
	}
	fi, _ := os.Stat(out)
	b.ReportMetric(float64(total)/(1<<20), "in-MB")
	b.ReportMetric(float64(fi.Size())/(1<<20), "out-MB")
	b.ReportMetric(float64(*p)/(1<<20), "child-peak-MB")
}

// BenchmarkComposeAndFit10PhonePhotos: the same, then fitted into the
// portal's 25 MiB with the default settings (200 dpi, floor 150, q75).
func BenchmarkComposeAndFit10PhonePhotos(b *testing.B) {
	parts, total := benchPhotos(b)
	c := newComposer(b)
	p := peak(c)
	dir := b.TempDir()
	composed, out := filepath.Join(dir, "composed.pdf"), filepath.Join(dir, "out.pdf")
	var rep Report
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Compose(b.Context(), parts, composed); err != nil {
			b.Fatal(err)
		}
		var err error
		if rep, err = c.Optimize(b.Context(), composed, out, Fit{Limit: 25 << 20, DPI: 200, MinDPI: 150, Quality: 75}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rep.Before)/(1<<20), "composed-MB")
	b.ReportMetric(float64(rep.After)/(1<<20), "out-MB")
	b.ReportMetric(float64(rep.DPI), "dpi")
	b.ReportMetric(float64(*p)/(1<<20), "child-peak-MB")
}
