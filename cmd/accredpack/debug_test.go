package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// httpGet answers GET url's status and body.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// TestDebugListen: pprof is absent by default (the main address answers
// 404 under /debug/pprof/); with a debug address it is served there alone
// (the index, a heap profile, the goroutine dump; nothing but pprof), still
// not on the main address, and the debug listener closes with the service.
func TestDebugListen(t *testing.T) {
	t.Run("off by default", func(t *testing.T) {
		cfg := testConfig(t)
		if cfg.DebugListen != "" {
			t.Fatalf("the test configuration has a debug address: %q", cfg.DebugListen)
		}
		c := startService(t, cfg)
		for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/cmdline"} {
			if r := c.do("GET", path, nil, "", 0, false); r.status != 404 {
				t.Errorf("%s on the main address: %d; want 404", path, r.status)
			}
		}
	})

	t.Run("on its own address", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.DebugListen = freeAddr(t)
		debugBase := "http://" + cfg.DebugListen
		c, stop := startStoppable(t, cfg)

		if r := c.do("GET", "/debug/pprof/", nil, "", 0, false); r.status != 404 {
			t.Errorf("/debug/pprof/ on the main address with a debug address set: %d; want 404", r.status)
		}
		if status, body := httpGet(t, debugBase+"/debug/pprof/"); status != 200 || !strings.Contains(body, "goroutine") || !strings.Contains(body, "heap") {
			t.Errorf("/debug/pprof/ on the debug address: %d %.300s; want the profiles' index", status, body)
		}
		if status, body := httpGet(t, debugBase+"/debug/pprof/heap?debug=1"); status != 200 || !strings.Contains(body, "heap profile:") {
			t.Errorf("heap profile: %d %.300s", status, body)
		}
		// The goroutine dump shows this very process serving.
		if status, body := httpGet(t, debugBase+"/debug/pprof/goroutine?debug=1"); status != 200 || !strings.Contains(body, "net/http.(*Server).Serve") {
			t.Errorf("goroutine dump: %d %.300s", status, body)
		}
		for _, path := range []string{"/healthz", "/metrics", "/api/v1/auth/me", "/app/"} {
			if status, _ := httpGet(t, debugBase+path); status != 404 {
				t.Errorf("%s on the debug address: %d; want 404", path, status)
			}
		}

		stop()
		closedAfterStop(t, "debug", cfg.DebugListen)
	})
}
