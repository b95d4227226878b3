package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// held is a handler that answers only when released, and says when each
// request has arrived.
type held struct {
	arrived chan struct{}
	release chan struct{}
}

func newHeld() *held { return &held{arrived: make(chan struct{}, 16), release: make(chan struct{})} }

func (h *held) echo(c echo.Context) error {
	h.arrived <- struct{}{}
	<-h.release
	return c.NoContent(http.StatusNoContent)
}

func (h *held) http(w http.ResponseWriter, r *http.Request) {
	h.arrived <- struct{}{}
	<-h.release
	w.WriteHeader(http.StatusNoContent)
}

func send(h http.Handler, method, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return w
}

// overloaded checks a 503 overloaded answer with Retry-After and a message.
func overloaded(t *testing.T, what string, w *httptest.ResponseRecorder, message string) {
	t.Helper()
	var body ErrorBody
	json.Unmarshal(w.Body.Bytes(), &body)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "1" || body.Error.Code != "overloaded" ||
		!strings.Contains(body.Error.Message, message) {
		t.Errorf("%s: %d Retry-After %q %s; want 503 overloaded with Retry-After 1", what, w.Code, w.Header().Get("Retry-After"), w.Body)
	}
}

// TestInFlightBounds: requests beyond the bound are refused at once with
// 503 overloaded and Retry-After (probes and metrics never), uploads have
// their own smaller bound, the web pages share the requests' bound, and a
// place is free again when a request ends.
func TestInFlightBounds(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := New(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Registry: reg}, Config{MaxInFlight: 3, MaxUploadsInFlight: 1})
	h := newHeld()
	s.echo.GET("/api/v1/slow", h.echo)
	s.echo.PUT("/api/v1/upload", h.echo, s.limitUploadsInFlight)
	pages := s.Bound(http.HandlerFunc(h.http))

	var wg sync.WaitGroup
	codes := make(chan int, 8)
	start := func(handler http.Handler, method, path string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- send(handler, method, path).Code
		}()
		<-h.arrived
	}
	// One upload in flight: a second upload is refused with its own message,
	// while reads still have room.
	start(s, "PUT", "/api/v1/upload")
	overloaded(t, "second upload", send(s, "PUT", "/api/v1/upload"), "загрузк")
	// Two more requests (a read and a page) fill the bound of three.
	start(s, "GET", "/api/v1/slow")
	start(pages, "GET", "/app/")
	overloaded(t, "fourth request", send(s, "GET", "/api/v1/slow"), "перегружен")
	overloaded(t, "a page beyond the bound", send(pages, "GET", "/app/"), "перегружен")
	overloaded(t, "an unknown path", send(s, "GET", "/api/v1/nothing"), "перегружен")
	for _, path := range []string{"/healthz", "/metrics"} {
		if w := send(s, "GET", path); w.Code != http.StatusOK {
			t.Errorf("%s while overloaded: %d", path, w.Code)
		}
	}
	close(h.release)
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusNoContent {
			t.Errorf("a request within the bound: %d", code)
		}
	}
	// Places are free again.
	h.release = make(chan struct{})
	close(h.release)
	if w := send(s, "PUT", "/api/v1/upload"); w.Code != http.StatusNoContent {
		t.Errorf("upload after the others ended: %d", w.Code)
	}
	<-h.arrived
	if w := send(s, "GET", "/api/v1/slow"); w.Code != http.StatusNoContent {
		t.Errorf("read after the others ended: %d", w.Code)
	}
	m := send(s, "GET", "/metrics").Body.String()
	for _, want := range []string{`accredpack_overloaded_total{bound="requests"} 3`, `accredpack_overloaded_total{bound="uploads"} 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
