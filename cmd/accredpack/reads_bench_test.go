package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"accredpack/config"
	"accredpack/internal/testenv"
	"accredpack/keyring"
)

var readsWindow = flag.Duration("reads.window", 5*time.Second, "how long BenchmarkApplicationReads sends at each rate")

// readRates are the fixed request rates (per second) of the open-loop
// benchmark; the sustained rate is the highest whose p99 is within 10 ms.
var readRates = []int{100, 200, 300, 400, 600, 800}

// BenchmarkApplicationReads measures GET /api/v1/applications/{id} against
// the service as its own process (this binary as `serve`) at fixed request
// rates, open loop: each request leaves at its scheduled time whether or not
// earlier ones have answered, and its latency counts from that time (a
// stalled service is not hidden by a waiting client). Every read writes
// its audit line before answering. Reported per rate: p50, p99, max and
// the share of answers that were not 200; per backend, the highest rate
// with p99 <= 10 ms. Run it with -benchtime 1x (each rate is a fixed
// window, -reads.window, 5 s by default):
//
//	go test ./cmd/accredpack -run '^$' -bench ApplicationReads -benchtime 1x
//
// The embedded default (SQLite, local store) and PostgreSQL with fsync on
// (as in production; the tests' clusters run without) with the local store.
func BenchmarkApplicationReads(b *testing.B) {
	backends := []struct {
		name      string
		configure func(b *testing.B, cfg *config.Config)
	}{
		{"embedded", func(*testing.B, *config.Config) {}},
		{"postgres", func(b *testing.B, cfg *config.Config) {
			cfg.DatabaseURL = testenv.StartPostgresDurable(b).NewDatabase(b)
			cfg.Encryption.MasterKey = base64.StdEncoding.EncodeToString(keyring.NewDataKey())
		}},
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			cfg := config.Default()
			cfg.DataDir = b.TempDir()
			cfg.BootstrapToken = token
			cfg.Workers = 0 // reads only: no job queue polling beside them
			be.configure(b, &cfg)
			base := benchService(b, cfg)
			ids := make([]string, 20)
			for i := range ids {
				ids[i] = benchCreate(b, base)
			}
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}}
			// Warm up: connections, caches, the first pages of the database.
			runRate(client, base, ids, 200, time.Second)
			sustained := 0
			for _, rate := range readRates {
				var r rateResult
				b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) {
					for range b.N {
						r = runRate(client, base, ids, rate, *readsWindow)
					}
					b.ReportMetric(ms(r.p50), "p50-ms")
					b.ReportMetric(ms(r.p99), "p99-ms")
					b.ReportMetric(ms(r.max), "max-ms")
					b.ReportMetric(r.failed, "non200-ratio")
				})
				if r.p99 <= 10*time.Millisecond && r.failed == 0 {
					sustained = rate
				}
			}
			b.Logf("%s: highest rate with p99 <= 10 ms: %d req/s", be.name, sustained)
		})
	}
}

type rateResult struct {
	p50, p99, max time.Duration
	failed        float64 // share of answers that were not 200 (or no answer)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// runRate sends GETs of the applications ids at rate per second for
// window, open loop.
func runRate(client *http.Client, base string, ids []string, rate int, window time.Duration) rateResult {
	paths := make([]string, len(ids))
	for i, id := range ids {
		paths[i] = "/api/v1/applications/" + id
	}
	return runRatePaths(client, base, paths, rate, window)
}

// runRatePaths sends GETs of paths in turn (with the bootstrap token) at
// rate per second for window, open loop.
func runRatePaths(client *http.Client, base string, paths []string, rate int, window time.Duration) rateResult {
	n := int(window.Seconds() * float64(rate))
	interval := time.Second / time.Duration(rate)
	lat := make([]time.Duration, n)
	ok := make([]bool, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", base+paths[i%len(paths)], nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := client.Do(req)
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				ok[i] = res.StatusCode == http.StatusOK
			}
			lat[i] = time.Since(at)
		}()
	}
	wg.Wait()
	failed := 0
	for _, o := range ok {
		if !o {
			failed++
		}
	}
	slices.Sort(lat)
	return rateResult{p50: lat[n/2], p99: lat[n*99/100], max: lat[n-1], failed: float64(failed) / float64(n)}
}

// benchService runs the service as its own process and returns its base URL.
func benchService(b *testing.B, cfg config.Config) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	cfg.Addr = l.Addr().String()
	l.Close()
	p, logs := startProcess(b, cfg, "serve")
	base := "http://" + cfg.Addr
	for deadline := time.Now().Add(30 * time.Second); ; {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			return base
		}
		select {
		case <-p.exited:
			b.Fatalf("service process exited:\n%s", logs)
		default:
		}
		if time.Now().After(deadline) {
			b.Fatalf("service process did not start:\n%s", logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func benchCreate(b *testing.B, base string) string {
	b.Helper()
	body, _ := json.Marshal(validForm())
	req, _ := http.NewRequest("POST", base+"/api/v1/applications", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ ID string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusCreated {
		b.Fatalf("create: %d %v", res.StatusCode, err)
	}
	return out.ID
}
