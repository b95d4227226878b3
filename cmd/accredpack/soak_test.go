//go:build soak

package main

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"accredpack/internal/testdocs"
	"accredpack/sandbox"
)

var (
	soakDuration = flag.Duration("soak.duration", 3*time.Minute, "how long the soak test runs")
	soakRequests = flag.Int64("soak.requests", 50000, "the most requests the soak test sends")
	soakWorkers  = flag.Int("soak.concurrency", 32, "clients at once")
)

// TestSoak (make soak) runs the service as its own process on PostgreSQL
// and MinIO, on loopback, and sends it mixed valid and hostile uploads and
// reads from many clients at once, bounded in time and in requests. It
// reports requests, answers by status and code, 5xx (must be none), latency
// percentiles and the service's peak RSS.
func TestSoak(t *testing.T) {
	_, _, real := realServers(t)
	cfg := testConfig(t)
	real(t, &cfg)
	cfg.MaxFileBytes = 25 << 20
	cfg.UploadsPerMinute = 0
	proc, c := serviceProcess(t, cfg)

	type load struct {
		name   string
		data   []byte
		weight int
	}
	pdf := testdocs.PDF(t, 2, "soak")
	loads := []load{
		{"valid 2 pages", pdf, 40},
		{"valid 2 MB", testdocs.SizedPDF(t, 2<<20), 10},
		{"valid 8 MB", testdocs.SizedPDF(t, 8<<20), 4},
		{"JavaScript", testdocs.WithJavaScript(), 4},
		{"embedded file", testdocs.WithAttachment(t), 4},
		{"ZIP polyglot", testdocs.PolyglotZIP(t), 4},
		{"JPEG", testdocs.JPEG(t), 4},
		{"truncated", testdocs.Truncated(pdf), 4},
		{"encrypted", testdocs.Encrypted(t, pdf), 4},
		{"decompression bomb", testdocs.DecompressionBomb(t, 1<<30), 3},
		{"100,000 pages", testdocs.ManyPages(100_000), 1},
		{"over 25 MB", testdocs.SizedPDF(t, 26<<20), 2},
	}
	total := 0
	for _, l := range loads {
		total += l.weight
	}
	apps := make([]string, 16)
	for i := range apps {
		apps[i] = c.create()
	}
	slots := []string{"identity_document", "snils", "education_diploma", "previous_accreditation", "professional_report", "work_record"}

	var (
		sent      atomic.Int64
		mu        sync.Mutex
		byAnswer  = map[string]int{}
		latencies []time.Duration
		fiveXX    int
	)
	client := &http.Client{Timeout: 2 * time.Minute}
	deadline := time.Now().Add(*soakDuration)
	var wg sync.WaitGroup
	for w := range *soakWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for time.Now().Before(deadline) && sent.Add(1) <= *soakRequests {
				app, slot := apps[rng.IntN(len(apps))], slots[rng.IntN(len(slots))]
				var req *http.Request
				if rng.IntN(100) < 15 {
					req, _ = http.NewRequest("GET", c.base+"/api/v1/applications/"+app, nil)
				} else {
					n := rng.IntN(total)
					l := loads[0]
					for _, x := range loads {
						if n < x.weight {
							l = x
							break
						}
						n -= x.weight
					}
					req, _ = http.NewRequest("PUT", c.base+"/api/v1/applications/"+app+"/slots/"+slot+"/file", bytes.NewReader(l.data))
					req.Header.Set("Content-Type", "application/pdf")
				}
				req.Header.Set("Authorization", "Bearer "+token)
				start := time.Now()
				res, err := client.Do(req)
				took := time.Since(start)
				answer := "transport error"
				if err == nil {
					var body bytes.Buffer
					body.ReadFrom(res.Body)
					res.Body.Close()
					answer = strconv.Itoa(res.StatusCode)
					if i := bytes.Index(body.Bytes(), []byte(`"code":"`)); i >= 0 && res.StatusCode >= 400 {
						code := body.Bytes()[i+8:]
						answer += " " + string(code[:bytes.IndexByte(code, '"')])
					}
				}
				mu.Lock()
				byAnswer[answer]++
				latencies = append(latencies, took)
				if err != nil || res.StatusCode >= 500 {
					fiveXX++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	peak, _ := sandbox.ProcStatus(strconv.Itoa(proc.cmd.Process.Pid), "VmHWM")

	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
	var report strings.Builder
	fmt.Fprintf(&report, "soak: %d requests in %s from %d clients, PostgreSQL + MinIO, loopback\n", len(latencies), *soakDuration, *soakWorkers)
	keys := make([]string, 0, len(byAnswer))
	for k := range byAnswer {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&report, "  %-28s %6d\n", k, byAnswer[k])
	}
	fmt.Fprintf(&report, "5xx and transport errors: %d\nlatency p50 %s, p90 %s, p99 %s, max %s\nservice peak RSS (VmHWM): %.1f MiB\n",
		fiveXX, pct(.5).Round(time.Millisecond), pct(.9).Round(time.Millisecond), pct(.99).Round(time.Millisecond),
		latencies[len(latencies)-1].Round(time.Millisecond), float64(peak)/(1<<20))
	t.Log("\n" + report.String())
	if dir := os.Getenv("ACCREDPACK_TEST_ARTIFACTS"); dir != "" {
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "soak.txt"), []byte(report.String()), 0o644)
	}
	if fiveXX > 0 {
		t.Errorf("%d answers were 5xx or failed", fiveXX)
	}
	if r := c.do("GET", "/readyz", nil, "", 0, false); r.status != 200 {
		t.Errorf("readyz after the soak: %d", r.status)
	}
}
