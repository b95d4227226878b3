package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"accredpack/internal/testdocs"
	"accredpack/sandbox"
)

// TestOverloadFiveTimesCapacity runs the service as its own process on the
// embedded default with small bounds (16 requests, 4 uploads in flight)
// and keeps five times that in flight for 30 s: 60 clients reading and 20
// uploading, each sending its next request as soon as it has an answer.
// Every answer must be a 2xx or a 503 overloaded with Retry-After (no
// other status, no dropped connection), both must occur, the service must
// answer its probe throughout, and its peak RSS (VmHWM) must stay under
// 512 MiB.
func TestOverloadFiveTimesCapacity(t *testing.T) {
	const rssLimit = 512 << 20
	r := overloadFiveTimes(t, 30*time.Second)
	t.Log(r)
	for _, p := range r.problems {
		t.Error(p)
	}
	for _, k := range []string{"read 2xx", "upload 2xx", "read 503 overloaded", "upload 503 overloaded"} {
		if r.answers[k] == 0 {
			t.Errorf("no %s: the load did not reach the bounds as it should", k)
		}
	}
	if r.probeFailures > 0 {
		t.Errorf("/healthz failed %d times under overload", r.probeFailures)
	}
	if r.hwm >= rssLimit {
		t.Errorf("service peak RSS %.1f MiB; want under 512 MiB", float64(r.hwm)/(1<<20))
	}
}

// overloadReport is what a run of overloadFiveTimes saw.
type overloadReport struct {
	duration      time.Duration
	answers       map[string]int // "read 2xx", "upload 503 overloaded", …
	problems      []string
	probeFailures int
	hwm, peakRSS  int64 // the service's VmHWM at the end; the largest VmRSS sampled
}

func (r overloadReport) String() string {
	const maxRequests, maxUploads = overloadMaxRequests, overloadMaxUploads
	keys := make([]string, 0, len(r.answers))
	for k := range r.answers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var report bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&report, "  %-28s %6d\n", k, r.answers[k])
	}
	return fmt.Sprintf("%d readers and %d uploaders for %s against %d requests / %d uploads in flight:\n%speak RSS (VmHWM) %.1f MiB, sampled VmRSS max %.1f MiB",
		5*maxRequests-5*maxUploads, 5*maxUploads, r.duration, maxRequests, maxUploads, report.String(), float64(r.hwm)/(1<<20), float64(r.peakRSS)/(1<<20))
}

const overloadMaxRequests, overloadMaxUploads = 16, 4

// overloadFiveTimes runs a fresh service process with small bounds and
// keeps five times them in flight for duration (see
// TestOverloadFiveTimesCapacity); shared with the benchmark table.
func overloadFiveTimes(t *testing.T, duration time.Duration) overloadReport {
	const (
		maxRequests, maxUploads = overloadMaxRequests, overloadMaxUploads
		readers, uploaders      = 5*maxRequests - 5*maxUploads, 5 * maxUploads
	)
	cfg := testConfig(t)
	cfg.MaxRequests, cfg.MaxUploads = maxRequests, maxUploads
	cfg.UploadsPerMinute = 0
	cfg.ParseParallel = 2
	proc, c := serviceProcess(t, cfg)
	pid := strconv.Itoa(proc.cmd.Process.Pid)

	apps := make([]string, 8)
	for i := range apps {
		apps[i] = c.create()
	}
	pdfs := [][]byte{testdocs.PDF(t, 2, "overload"), testdocs.SizedPDF(t, 900<<10)}
	slots := []string{"identity_document", "snils", "education_diploma", "previous_accreditation"}

	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: readers + uploaders}}
	var (
		mu       sync.Mutex
		answers  = map[string]int{}
		problems []string
		peakRSS  atomic.Int64
	)
	note := func(what string, res *http.Response, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if len(problems) < 10 {
				problems = append(problems, fmt.Sprintf("%s: %v", what, err))
			}
			answers["transport error"]++
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		switch {
		case res.StatusCode >= 200 && res.StatusCode < 300:
			answers[what+" 2xx"]++
		case res.StatusCode == http.StatusServiceUnavailable:
			var e struct {
				Error struct{ Code string } `json:"error"`
			}
			json.Unmarshal(body, &e)
			answers[what+" 503 "+e.Error.Code]++
			if e.Error.Code != "overloaded" || res.Header.Get("Retry-After") == "" {
				problems = append(problems, fmt.Sprintf("%s: 503 %q without Retry-After or not overloaded: %s", what, res.Header.Get("Retry-After"), body))
			}
		default:
			answers[what+" "+strconv.Itoa(res.StatusCode)]++
			if len(problems) < 10 {
				problems = append(problems, fmt.Sprintf("%s: %d %s", what, res.StatusCode, body))
			}
		}
	}
	request := func(method, path string, body []byte) *http.Request {
		req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.Set("Content-Type", "application/pdf")
		}
		return req
	}

	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for i := range readers + uploaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; time.Now().Before(deadline); n++ {
				app := apps[(i+n)%len(apps)]
				if i < readers {
					res, err := client.Do(request("GET", "/api/v1/applications/"+app, nil))
					note("read", res, err)
					continue
				}
				res, err := client.Do(request("PUT", "/api/v1/applications/"+app+"/slots/"+slots[(i+n)%len(slots)]+"/file", pdfs[n%len(pdfs)]))
				note("upload", res, err)
			}
		}()
	}
	// The probe answers throughout, and RSS is sampled.
	probeFailures := 0
	for time.Now().Before(deadline) {
		if res, err := http.Get(c.base + "/healthz"); err != nil || res.StatusCode != 200 {
			probeFailures++
		} else {
			res.Body.Close()
		}
		if rss, err := sandbox.ProcStatus(pid, "VmRSS"); err == nil && rss > peakRSS.Load() {
			peakRSS.Store(rss)
		}
		time.Sleep(250 * time.Millisecond)
	}
	wg.Wait()
	hwm, err := sandbox.ProcStatus(pid, "VmHWM")
	if err != nil {
		t.Fatal(err)
	}

	return overloadReport{duration: duration, answers: answers, problems: problems, probeFailures: probeFailures, hwm: hwm, peakRSS: peakRSS.Load()}
}
