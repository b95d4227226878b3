package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Requests in flight are bounded, so that memory is too: beyond the limit
// the answer is at once 503 overloaded with Retry-After, instead of a queue
// that grows until the process is killed (738 MiB RSS was measured with
// nothing bounding it). Uploads have their own, smaller bound: each spools
// to disk and waits for one of parse-parallel sandboxed parses.

// errOverloaded refuses a request beyond the bound of requests in flight.
var errOverloaded = errors.New("too many requests in flight")

// overloadRetryAfter is the Retry-After of an overloaded answer, in seconds.
const overloadRetryAfter = "1"

// errUploadsBusy is an upload beyond the bound of uploads in flight.
var errUploadsBusy = &messageError{kind: errOverloaded,
	message: "Сейчас принимается слишком много файлов одновременно. Повторите загрузку через несколько секунд (см. заголовок Retry-After)."}

// gate is a counting semaphore that never waits: a request either gets a
// place or is refused. A nil gate admits everything.
type gate chan struct{}

func newGate(n int) gate {
	if n <= 0 {
		return nil
	}
	return make(gate, n)
}

func (g gate) enter() bool {
	if g == nil {
		return true
	}
	select {
	case g <- struct{}{}:
		return true
	default:
		return false
	}
}

func (g gate) leave() {
	if g != nil {
		<-g
	}
}

// exempt are the paths the bound never refuses: probes and metrics must
// answer while the service is busiest.
func exempt(path string) bool {
	return path == "/healthz" || path == "/readyz" || path == "/metrics"
}

// limitInFlight bounds the API's requests in flight (Echo middleware).
func (s *Server) limitInFlight(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if exempt(c.Request().URL.Path) {
			return next(c)
		}
		if !s.inFlight.enter() {
			s.metrics.overloaded.WithLabelValues("requests").Inc()
			return errOverloaded
		}
		defer s.inFlight.leave()
		return next(c)
	}
}

// limitUploadsInFlight bounds uploads in flight (route middleware of the
// upload routes, after authentication and the per-principal rate).
func (s *Server) limitUploadsInFlight(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !s.uploadsInFlight.enter() {
			s.metrics.overloaded.WithLabelValues("uploads").Inc()
			return errUploadsBusy
		}
		defer s.uploadsInFlight.leave()
		return next(c)
	}
}

// Bound puts h (the web pages, served beside this handler, not through it)
// under the same bound of requests in flight as the API.
func (s *Server) Bound(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.inFlight.enter() {
			s.metrics.overloaded.WithLabelValues("requests").Inc()
			status, detail := publicError(errOverloaded)
			w.Header().Set("Retry-After", overloadRetryAfter)
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(ErrorBody{Error: detail})
			return
		}
		defer s.inFlight.leave()
		h.ServeHTTP(w, r)
	})
}
