// Package api is the HTTP face of the service (Echo v4): the routes of the
// public contract (../shared/API.md), authentication, the error table, and
// the health and metrics endpoints. Handlers are thin: they decode, call
// intake, and encode.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"accredpack/access"
	"accredpack/accounts"
	"accredpack/audit"
	"accredpack/bundles"
	"accredpack/certimport"
	"accredpack/intake"
	"accredpack/webhooks"
)

// Config is what the API needs besides the services.
type Config struct {
	MaxFileBytes int64
	// OptimizeMaxBytes is the largest file taken with optimize=true.
	OptimizeMaxBytes int64
	// PresignTTL is the lifetime of direct download links; 0 turns them off.
	PresignTTL time.Duration
	// AllowSignup lets specialists create their own accounts.
	AllowSignup bool
	// SecureCookies marks the session cookie Secure even when this process
	// does not see TLS (a TLS-terminating proxy in front).
	SecureCookies bool
	// LoginPerMinute bounds login and sign-up attempts per address and per
	// e-mail; UploadsPerMinute bounds uploads per principal. 0: no limit.
	LoginPerMinute   int
	UploadsPerMinute int
	// MetricsSeparate: /metrics is served elsewhere (MetricsHandler on its
	// own listener) and not by this handler. MetricsToken, when set, is the
	// bearer token /metrics requires wherever it is served.
	MetricsSeparate bool
	MetricsToken    string
	// MaxInFlight bounds requests in flight (health, readiness and metrics
	// aside); MaxUploadsInFlight bounds uploads among them. Beyond either:
	// 503 overloaded with Retry-After. 0: no bound.
	MaxInFlight        int
	MaxUploadsInFlight int
	// Version is the version of the running binary, given by /healthz.
	Version string
}

// Deps are the services behind the API.
type Deps struct {
	Intake   *intake.Service
	Bundles  *bundles.Service
	Accounts *accounts.Service
	Webhooks *webhooks.Service
	Audit    *audit.Log
	Policy   access.Policy
	Log      *slog.Logger
	Registry *prometheus.Registry
	// Idempotency keeps answers to POSTs sent with an Idempotency-Key;
	// nil turns the header off.
	Idempotency IdempotencyStore
}

// Server is the HTTP handler of the service.
type Server struct {
	echo     *echo.Echo
	svc      *intake.Service
	bundles  *bundles.Service
	accounts *accounts.Service
	webhooks *webhooks.Service
	audit    *audit.Log
	policy   access.Policy
	cfg      Config
	log      *slog.Logger
	metrics  *metrics
	// metricsHandler serves /metrics, behind the metrics token if any.
	metricsHandler http.Handler
	logins         *limiter
	uploads        *limiter
	idem           IdempotencyStore
	imports        *certimport.Importer
	// inFlight and uploadsInFlight bound requests and uploads in flight.
	inFlight, uploadsInFlight gate
	// openapi is the description of the API, built once at start.
	openapi    []byte
	openapiErr error
}

// New builds the routes.
func New(d Deps, cfg Config) *Server {
	s := &Server{echo: echo.New(), svc: d.Intake, bundles: d.Bundles, accounts: d.Accounts, webhooks: d.Webhooks, audit: d.Audit, policy: d.Policy,
		cfg: cfg, log: d.Log, metrics: newMetrics(d.Registry),
		logins: newLimiter(cfg.LoginPerMinute), uploads: newLimiter(cfg.UploadsPerMinute), idem: d.Idempotency,
		inFlight: newGate(cfg.MaxInFlight), uploadsInFlight: newGate(cfg.MaxUploadsInFlight)}
	imports := certimport.Deps{Intake: d.Intake, Accounts: d.Accounts, Audit: d.Audit, Policy: d.Policy, Log: d.Log,
		Limits: certimport.DefaultLimits(cfg.MaxFileBytes), Explain: explain}
	if d.Intake != nil {
		imports.SpoolDir = d.Intake.SpoolDir()
	}
	s.imports = certimport.New(imports)
	s.openapi, s.openapiErr = OpenAPI()
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	// Only the direct peer: forwarding headers are anyone's to forge.
	e.IPExtractor = echo.ExtractIPDirect()
	e.HTTPErrorHandler = errorHandler(d.Log)
	e.Use(s.requestLog, s.limitInFlight, s.recoverPanics)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	s.metricsHandler = requireToken(cfg.MetricsToken, s.metrics.handler(d.Registry))
	if !cfg.MetricsSeparate {
		e.GET("/metrics", echo.WrapHandler(s.metricsHandler))
	}

	for _, r := range s.routes() {
		var mw []echo.MiddlewareFunc
		if r.on != public {
			mw = append(mw, s.authenticate)
		}
		mw = append(mw, s.guard(r))
		if r.method == http.MethodPost && r.on != public {
			mw = append(mw, s.idempotent)
		}
		mw = append(mw, r.extra...)
		e.Add(r.method, "/api/v1"+r.path, r.handler, mw...)
	}
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func requestID(c echo.Context) string {
	id, _ := c.Get("request_id").(string)
	return id
}

// requestLog gives each request an id (the client's X-Request-ID when it is
// safe to log, a fresh one otherwise), logs one line per request, and counts
// it. Nothing personal is logged: paths hold only random ids and slot names.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !safeRequestID.MatchString(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set("request_id", id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		route := c.Path()
		s.metrics.observe(c.Request().Method, route, status, time.Since(start))
		s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
			slog.String("request_id", id), slog.String("method", c.Request().Method), slog.String("path", c.Request().URL.Path),
			slog.Int("status", status), slog.Int64("bytes_out", c.Response().Size),
			slog.Duration("duration", time.Since(start)), slog.String("remote", c.RealIP()))
		return nil
	}
}

// recoverPanics turns a handler panic into a 500 and keeps the server up.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("handler panic", "request_id", requestID(c), "panic", p)
				err = echo.NewHTTPError(http.StatusInternalServerError)
			}
		}()
		return next(c)
	}
}

// healthz answers while the process runs, with the version it runs.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	if err := s.svc.Ping(ctx); err != nil {
		s.log.Warn("not ready", "error", err)
		return c.JSON(http.StatusServiceUnavailable, ErrorBody{Error: ErrorDetail{Code: "unavailable", Message: "База данных или хранилище файлов не отвечают."}})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
