package main

import (
	"accredpack/config"

	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// freeAddr is a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// getMetrics asks base/metrics with the bearer token (none when empty).
func getMetrics(t *testing.T, base, bearer string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s/metrics: %v", base, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, string(body)
}

// isPrometheus tells whether an answer is the Prometheus text format with
// the service's own metrics.
func isPrometheus(h http.Header, body string) bool {
	return strings.HasPrefix(h.Get("Content-Type"), "text/plain") &&
		strings.Contains(body, "# TYPE accredpack_http_requests_total counter") && strings.Contains(body, "go_goroutines")
}

// TestMetricsListen: with a metrics address, /metrics is served there
// alone (the main address answers 404, the metrics address nothing but
// /metrics), and the metrics listener closes with the service.
func TestMetricsListen(t *testing.T) {
	cfg := testConfig(t)
	cfg.MetricsListen = freeAddr(t)
	metricsBase := "http://" + cfg.MetricsListen
	c, stop := startStoppable(t, cfg)

	c.do("GET", "/healthz", nil, "", 0, false)
	if r := c.do("GET", "/metrics", nil, "", 0, false); r.status != 404 {
		t.Errorf("/metrics on the main address: %d %s; want 404", r.status, r.body)
	}
	status, h, body := getMetrics(t, metricsBase, "")
	if status != 200 || !isPrometheus(h, body) {
		t.Errorf("/metrics on the metrics address: %d %s %.200s; want 200 Prometheus text", status, h.Get("Content-Type"), body)
	}
	// The main listener's requests are counted, the refused /metrics among them.
	if !strings.Contains(body, `route="/healthz"`) || !strings.Contains(body, `route="unmatched",status="404"`) {
		t.Errorf("the main listener's requests are not in the metrics: %.2000s", body)
	}
	for _, path := range []string{"/healthz", "/api/v1/auth/me", "/app/"} {
		res, err := http.Get(metricsBase + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Errorf("%s on the metrics address: %d; want 404", path, res.StatusCode)
		}
	}

	stop()
	closedAfterStop(t, "metrics", cfg.MetricsListen)
}

// TestMetricsToken: with ACCREDPACK_METRICS_TOKEN, /metrics wants it as a
// bearer token (none or a wrong one: 401), on the main listener and on the
// metrics' own one alike.
func TestMetricsToken(t *testing.T) {
	const secret = "metrics-token-5bd1c0"
	for _, separate := range []bool{false, true} {
		name := "main address"
		if separate {
			name = "metrics address"
		}
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.MetricsToken = secret
			if separate {
				cfg.MetricsListen = freeAddr(t)
			}
			c := startService(t, cfg)
			c.do("GET", "/healthz", nil, "", 0, false) // a request counted, for the metrics to show
			base := c.base
			if separate {
				base = "http://" + cfg.MetricsListen
			}
			for _, wrong := range []string{"", "wrong", secret + "x", secret[:len(secret)-1], token} {
				status, h, body := getMetrics(t, base, wrong)
				if status != 401 || h.Get("WWW-Authenticate") == "" || strings.Contains(body, "accredpack_http") ||
					!strings.Contains(body, `"code":"unauthorized"`) || !strings.Contains(body, "Bearer") {
					t.Errorf("token %q: %d %q %s; want 401 unauthorized with WWW-Authenticate", wrong, status, h.Get("WWW-Authenticate"), body)
				}
			}
			// Another scheme with the right value is not the bearer token.
			req, _ := http.NewRequest("GET", base+"/metrics", nil)
			req.Header.Set("Authorization", "Basic "+secret)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 401 {
				t.Errorf("Basic with the token's value: %d; want 401", res.StatusCode)
			}
			if status, h, body := getMetrics(t, base, secret); status != 200 || !isPrometheus(h, body) {
				t.Errorf("the right token: %d %.200s; want 200 Prometheus text", status, body)
			}
			// The token guards /metrics only: health and the API are as before.
			if r := c.do("GET", "/healthz", nil, "", 0, false); r.status != 200 {
				t.Errorf("healthz with a metrics token: %d", r.status)
			}
			if r := c.jsonCall("GET", "/api/v1/applications", nil); r.status != 200 {
				t.Errorf("the API with a metrics token: %d %s", r.status, r.body)
			}
		})
	}
}

// startStoppable starts the service in this process; stop ends it and
// waits (an error from serve fails the test), for tests that look at what
// is left after it stopped.
func startStoppable(t *testing.T, cfg config.Config) (*client, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	listening, done := make(chan string, 1), make(chan error, 1)
	go func() { done <- serve(ctx, cfg, newLogger(cfg, testLog()), listening) }()
	stop := func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(40 * time.Second):
			t.Fatal("the service did not stop")
		}
	}
	select {
	case addr := <-listening:
		t.Cleanup(cancel)
		return &client{t: t, base: "http://" + addr, cfg: cfg}, stop
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	}
	return nil, nil
}

// closedAfterStop fails the test when addr (a listener of the stopped
// service) still accepts connections.
func closedAfterStop(t *testing.T, what, addr string) {
	t.Helper()
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		conn.Close()
		t.Errorf("the %s address still accepts connections after the service stopped", what)
	}
}
