package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	uploads  *prometheus.CounterVec
	// overloaded counts answers 503 overloaded by bound: requests, uploads.
	overloaded *prometheus.CounterVec
}

// newMetrics registers the API's metrics in reg (never the global registry).
func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "accredpack_http_requests_total", Help: "HTTP requests by method, route and status."}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "accredpack_http_request_duration_seconds", Help: "HTTP request duration by route.", Buckets: prometheus.DefBuckets}, []string{"route"}),
		uploads:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "accredpack_uploads_total", Help: "Slot uploads by result code (accepted or the error code)."}, []string{"result"}),
		overloaded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "accredpack_overloaded_total",
			Help: "Requests refused with 503 overloaded, by the bound that was full (requests, uploads)."}, []string{"bound"}),
	}
	reg.MustRegister(m.requests, m.duration, m.uploads, m.overloaded, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// requireToken serves next only to a request with Authorization: Bearer
// token; any other gets 401 with the API's error body. The token is
// compared in constant time (as digests, so its length does not show
// either) and never logged. An empty token lets everyone through.
func requireToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := sha256.Sum256([]byte(token))
	body, _ := json.Marshal(ErrorBody{Error: ErrorDetail{Code: "unauthorized",
		Message: "Метрики отдаются только с токеном: заголовок Authorization: Bearer <токен метрик>."}})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if subtle.ConstantTimeCompare(sum[:], want[:]) != 1 || !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="accredpack-metrics"`)
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusUnauthorized)
			if r.Method != http.MethodHead {
				w.Write(body)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// MetricsHandler serves the Prometheus metrics, behind the metrics token
// when one is configured. With Config.MetricsSeparate it is the only way
// to them: the API's own listener answers 404 for /metrics.
func (s *Server) MetricsHandler() http.Handler { return s.metricsHandler }
