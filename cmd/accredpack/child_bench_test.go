package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"accredpack/checks"
	"accredpack/internal/testdocs"
	"accredpack/sandbox"
)

// childLimits are the service's defaults, one child at a time.
var childLimits = sandbox.Limits{Memory: 512 << 20, Timeout: 30 * time.Second, Parallel: 1}

// benchChildren are the executables a sandbox child can be: the service's
// own binary (the fallback), the dedicated child, and, to compare with an
// older build, the executable named in ACCREDPACK_BENCH_OTHER_CHILD.
func benchChildren(b *testing.B) map[string]string {
	children := map[string]string{
		"service": buildCommand(b, "accredpack/cmd/accredpack"),
		"child":   buildCommand(b, "accredpack/cmd/accredpack-child"),
	}
	if other := os.Getenv("ACCREDPACK_BENCH_OTHER_CHILD"); other != "" {
		children["other"] = other
	}
	return children
}

// reportPercentiles reports p50 and p90 of the samples in milliseconds.
func reportPercentiles(b *testing.B, samples []time.Duration) {
	slices.Sort(samples)
	at := func(q float64) float64 {
		return float64(samples[int(q*float64(len(samples)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.9), "p90-ms")
}

// BenchmarkChildStartup starts children that only answer sandbox.TaskPing:
// exec, package initialisation, confinement and one answer.
func BenchmarkChildStartup(b *testing.B) {
	for name, exe := range benchChildren(b) {
		b.Run(name, func(b *testing.B) {
			r, err := sandbox.NewRunner(exe, childLimits)
			if err != nil {
				b.Fatal(err)
			}
			samples := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if _, err := r.Ping(context.Background()); err != nil {
					b.Fatal(err)
				}
				samples = append(samples, time.Since(start))
			}
			reportPercentiles(b, samples)
		})
	}
}

// BenchmarkParseSmallPDF checks a one-page PDF (sniffing, then the pdfcpu
// parse in a child): what each document of a bundle costs at least.
func BenchmarkParseSmallPDF(b *testing.B) {
	path := filepath.Join(b.TempDir(), "small.pdf")
	if err := os.WriteFile(path, testdocs.PDF(b, 1, "small"), 0o600); err != nil {
		b.Fatal(err)
	}
	benchCheck(b, 25<<20, func(c *checks.Checker) error {
		v, err := c.CheckFile(context.Background(), path)
		if err == nil && v.Pages != 1 {
			err = fmt.Errorf("verdict %+v; want 1 page", v)
		}
		return err
	})
}

// BenchmarkParse25MB checks the 25 MB scan of the benchmark table's row 1
// (sniffing, then the pdfcpu parse in a child): the part of an upload that
// runs after the last byte has arrived.
func BenchmarkParse25MB(b *testing.B) {
	path := filepath.Join(b.TempDir(), "scan.pdf")
	if err := os.WriteFile(path, testdocs.SizedPDF(b, 25_000_000), 0o600); err != nil {
		b.Fatal(err)
	}
	spool := spooled(b, path)
	benchCheck(b, 26<<20, func(c *checks.Checker) error {
		_, err := c.CheckSpooled(context.Background(), spool)
		return err
	})
}

// benchCheck times check with a checker of limit bytes whose children are
// each of benchChildren in turn, and reports the percentiles.
func benchCheck(b *testing.B, limit int64, check func(*checks.Checker) error) {
	for name, exe := range benchChildren(b) {
		b.Run(name, func(b *testing.B) {
			r, err := sandbox.NewRunner(exe, childLimits)
			if err != nil {
				b.Fatal(err)
			}
			c := checks.NewChecker(limit, r)
			samples := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if err := check(c); err != nil {
					b.Fatal(err)
				}
				samples = append(samples, time.Since(start))
			}
			reportPercentiles(b, samples)
		})
	}
}

// spooled describes a file on disk as the spool would, without copying it.
func spooled(b *testing.B, path string) *checks.Spooled {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	edge := min(1024, len(data))
	return &checks.Spooled{Path: path, Size: int64(len(data)), Head: data[:edge], Tail: data[len(data)-edge:]}
}
