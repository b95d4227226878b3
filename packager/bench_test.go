package packager

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"accredpack/internal/testdocs"
	"accredpack/internal/testenv"
	"accredpack/keyring"
	"accredpack/sandbox"
	"accredpack/storage"
	"accredpack/storage/sealed"
)

// Benchmarks of the bundle builds on 20 documents of about 12 MB each, one
// scanned-like page (an incompressible JPEG) per document, beside qpdf and
// a plain copy of the same bytes. Run:
//
//	go test -run XXX -bench 20x12MB -benchtime 3x ./packager
//
// Custom metrics: peak-RSS-MB of the process doing the work (the merge's
// child for the portfolio, this process for the ZIP), rss-base-MB before.

const benchDocs = 20

type benchInput struct {
	dir   string
	f     *fixture
	paths []string
	total int64
}

var benchCache *benchInput

func benchInputs(b *testing.B) *benchInput {
	if benchCache != nil {
		return benchCache
	}
	dir, err := os.MkdirTemp("", "accredpack-bench-")
	if err != nil {
		b.Fatal(err)
	}
	f := newFixtureIn(b, dir, 4<<30)
	in := &benchInput{dir: dir, f: f}
	for i := 0; i < benchDocs; i++ {
		pdf := scanLikePDF(b, i)
		path := filepath.Join(dir, fmt.Sprintf("doc%02d.pdf", i))
		os.WriteFile(path, pdf, 0o600)
		in.paths = append(in.paths, path)
		in.total += int64(len(pdf))
		f.put(b, fmt.Sprintf("qualification_certificates.%d", i+1), pdf, 1)
		delete(f.data, fmt.Sprintf("qualification_certificates.%d", i+1)) // on disk only
	}
	benchCache = in
	return in
}

// scanLikePDF is one A4 page holding a ~12 MB JPEG of noise.
func scanLikePDF(b *testing.B, seed int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 3750, 3750))
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.UintN(256))
	}
	img.Set(0, 0, color.RGBA{uint8(seed), 0, 0, 255})
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddPage()
	pdf.RegisterImageOptionsReader("scan", fpdf.ImageOptions{ImageType: "JPG"}, &jb)
	pdf.ImageOptions("scan", 0, 0, 210, 297, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

// rssSampler records this process's peak VmRSS while it runs.
type rssSampler struct {
	peak atomic.Int64
	stop chan struct{}
	done chan struct{}
}

func vmRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func sampleRSS() *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		for {
			if v := vmRSS(); v > s.peak.Load() {
				s.peak.Store(v)
			}
			select {
			case <-s.stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return s
}

func (s *rssSampler) end() int64 {
	close(s.stop)
	<-s.done
	return s.peak.Load()
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

func BenchmarkPortfolio20x12MB(b *testing.B) {
	in := benchInputs(b)
	var childPeak, mergeNanos, mergeCPU, mergeFaults atomic.Int64
	in.f.pk.merger.OnExit = func(e sandbox.Exit) {
		if e.Task == TaskMergePortfolio {
			if e.PeakRSS > childPeak.Load() {
				childPeak.Store(e.PeakRSS)
			}
			mergeNanos.Add(int64(e.Wall))
			mergeCPU.Add(int64(e.CPU))
			mergeFaults.Add(e.MinorFaults)
		}
	}
	defer func() { in.f.pk.merger.OnExit = nil }()
	plan := in.f.plan(false)
	b.SetBytes(in.total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, _ := os.CreateTemp("", "portfolio-*.pdf")
		if err := in.f.pk.Portfolio(context.Background(), plan, out, noProgress); err != nil {
			b.Fatal(err)
		}
		out.Close()
		os.Remove(out.Name())
	}
	b.ReportMetric(mb(childPeak.Load()), "peak-RSS-MB")
	b.ReportMetric(float64(mergeNanos.Load())/float64(b.N)/1e9, "merge-s/op")
	b.ReportMetric(float64(mergeCPU.Load())/float64(b.N)/1e9, "merge-CPU-s/op")
	b.ReportMetric(float64(mergeFaults.Load())/float64(b.N), "merge-faults/op")
	b.ReportMetric(mb(in.total/benchDocs), "largest-input-MB")
}

func BenchmarkFRMRPackage20x12MB(b *testing.B) {
	in := benchInputs(b)
	plan := in.f.plan(false)
	runtimeGC()
	base := vmRSS()
	s := sampleRSS()
	b.SetBytes(in.total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, _ := os.CreateTemp("", "package-*.zip")
		if err := in.f.pk.FRMRPackage(context.Background(), plan, out, noProgress); err != nil {
			b.Fatal(err)
		}
		out.Close()
		os.Remove(out.Name())
	}
	b.StopTimer()
	b.ReportMetric(mb(s.end()), "peak-RSS-MB")
	b.ReportMetric(mb(base), "rss-base-MB")
	b.ReportMetric(mb(in.total/benchDocs), "largest-input-MB")
}

// BenchmarkFRMRBundle20x12MB is a package build from request to done, as
// bundles.Service builds it: the ZIP written into the store (here the
// local store sealed with AES-256-GCM, as the service runs by default),
// durable, with its size and SHA-256 for the bundle's row.
func BenchmarkFRMRBundle20x12MB(b *testing.B) {
	in := benchInputs(b)
	plan := in.f.plan(false)
	ring := benchRing(b)
	store := sealed.New(in.f.store, ring)
	// The documents, sealed as the service stores them.
	pk := *in.f.pk
	pk.store = store
	for i := range plan.Items {
		it := &plan.Items[i]
		rc, _ := in.f.store.Open(context.Background(), it.Doc.ObjectKey)
		key := storage.NewKey()
		if err := store.Put(context.Background(), key, rc, it.Doc.Size, it.Doc.SHA256); err != nil {
			b.Fatal(err)
		}
		rc.Close()
		it.Doc.ObjectKey = key
	}
	runtimeGC()
	base := vmRSS()
	s := sampleRSS()
	b.SetBytes(in.total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key := "bundles/" + strings.TrimPrefix(storage.NewKey(), "documents/")
		if _, _, err := storage.WriteObject(context.Background(), store, key, in.f.pk.tmpDir, func(w io.Writer) error {
			return pk.FRMRPackage(context.Background(), plan, w, noProgress)
		}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		store.Delete(context.Background(), key)
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(mb(s.end()), "peak-RSS-MB")
	b.ReportMetric(mb(base), "rss-base-MB")
}

func benchRing(b *testing.B) *keyring.Ring {
	path := filepath.Join(b.TempDir(), "master.key")
	ring, _, err := keyring.LoadOrCreate(path)
	if err != nil {
		b.Fatal(err)
	}
	return ring
}

func BenchmarkQPDFMerge20x12MB(b *testing.B) {
	in := benchInputs(b)
	qpdf := testenv.Tool(b, "qpdf")
	var peak int64
	b.SetBytes(in.total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := filepath.Join(os.TempDir(), "qpdf-bench.pdf")
		// --compress-streams=n: the same work as the merge (qpdf otherwise
		// compresses every uncompressed stream again).
		cmd := exec.Command(qpdf, append(append([]string{"--compress-streams=n", "--empty", "--pages"}, in.paths...), "--", out)...)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		// Sample qpdf's own high-water mark (rusage would report ours).
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		pid := strconv.Itoa(cmd.Process.Pid)
	wait:
		for {
			if hwm, err := sandbox.ProcStatus(pid, "VmHWM"); err == nil && hwm > peak {
				peak = hwm
			}
			select {
			case err := <-done:
				if err != nil {
					b.Fatalf("qpdf: %v", err)
				}
				break wait
			case <-time.After(2 * time.Millisecond):
			}
		}
		os.Remove(out)
	}
	b.ReportMetric(mb(peak), "peak-RSS-MB")
}

func BenchmarkPlainCopy20x12MB(b *testing.B) {
	in := benchInputs(b)
	b.SetBytes(in.total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out, _ := os.CreateTemp("", "copy-*")
		for _, p := range in.paths {
			f, _ := os.Open(p)
			io.Copy(out, f)
			f.Close()
		}
		if err := out.Sync(); err != nil {
			b.Fatal(err)
		}
		out.Close()
		os.Remove(out.Name())
	}
}

func runtimeGC() { runtime.GC(); debug.FreeOSMemory() }

// BenchmarkMergeTask20x12MB is the merge child's work alone, in this
// process (for profiles: -cpuprofile, -memprofile): the front pages and
// the 20 documents joined into a file.
func BenchmarkMergeTask20x12MB(b *testing.B) {
	in := benchInputs(b)
	front := filepath.Join(in.dir, "front.pdf")
	if err := os.WriteFile(front, testdocs.PDF(b, 3, "front"), 0o600); err != nil {
		b.Fatal(err)
	}
	mi := mergeInput{Stamp: in.f.pk.wording.PageStamp, Progress: filepath.Join(in.dir, "progress")}
	for i := range in.paths {
		mi.Docs = append(mi.Docs, mergeDoc{Title: fmt.Sprintf("%d. doc", i+1), Pages: 1})
	}
	paths := "front " + front + "\ndoc " + strings.Join(in.paths, "\ndoc ") + "\n"
	out := filepath.Join(in.dir, "out.pdf")
	defer os.Remove(out)
	b.SetBytes(in.total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Create(out)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := joinPortfolio(mi, strings.NewReader(paths), io.Discard, f); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
