// Package api is the HTTP face of the service (Echo v4): the routes of the
// public contract (../shared/API.md), authentication, the error table, and
// the health and metrics endpoints. Handlers are thin: they decode, call
// intake, and encode.
package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"accredpack/bundles"
	"accredpack/intake"
)

// Config is what the API needs besides the service.
type Config struct {
	// BootstrapToken, when set, is a bearer token with the administrator
	// role. Until accounts exist it is the only token.
	BootstrapToken string
	MaxFileBytes   int64
	// PresignTTL is the lifetime of direct download links; 0 turns them off.
	PresignTTL time.Duration
}

// Server is the HTTP handler of the service.
type Server struct {
	echo    *echo.Echo
	svc     *intake.Service
	bundles *bundles.Service
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	token   [32]byte // SHA-256 of the bootstrap token
}

// New builds the routes.
func New(svc *intake.Service, bs *bundles.Service, cfg Config, log *slog.Logger, reg *prometheus.Registry) *Server {
	s := &Server{echo: echo.New(), svc: svc, bundles: bs, cfg: cfg, log: log, metrics: newMetrics(reg)}
	if cfg.BootstrapToken != "" {
		s.token = sha256.Sum256([]byte(cfg.BootstrapToken))
	}
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	// Only the direct peer: forwarding headers are anyone's to forge.
	e.IPExtractor = echo.ExtractIPDirect()
	e.HTTPErrorHandler = errorHandler(log)
	e.Use(s.requestLog, s.recoverPanics)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(s.metrics.handler(reg)))

	v1 := e.Group("/api/v1", s.authenticate)
	v1.GET("/catalog", s.getCatalog)
	v1.POST("/applications", s.createApplication)
	v1.GET("/applications", s.listApplications)
	v1.GET("/applications/:id", s.getApplication)
	v1.PATCH("/applications/:id", s.updateApplication)
	v1.POST("/applications/:id/submit", s.submitApplication)
	v1.POST("/applications/:id/reopen", s.reopenApplication)
	v1.PUT("/applications/:id/slots/:slot/file", s.putFile)
	v1.GET("/applications/:id/slots/:slot/file", s.getFile)
	v1.HEAD("/applications/:id/slots/:slot/file", s.getFile)
	v1.DELETE("/applications/:id/slots/:slot/file", s.deleteFile)
	v1.GET("/applications/:id/slots/:slot/history", s.getHistory)
	v1.POST("/applications/:id/slots/:slot/file/link", s.linkFile)
	v1.GET("/applications/:id/readiness", s.getReadiness)
	v1.GET("/applications/:id/courses", s.listCourses)
	v1.POST("/applications/:id/courses", s.putCourse)
	v1.PUT("/applications/:id/courses/:rid", s.putCourse)
	v1.DELETE("/applications/:id/courses/:rid", s.deleteCourse)
	v1.GET("/applications/:id/nmo", s.listNMO)
	v1.POST("/applications/:id/nmo", s.putNMO)
	v1.PUT("/applications/:id/nmo/:rid", s.putNMO)
	v1.DELETE("/applications/:id/nmo/:rid", s.deleteNMO)
	v1.POST("/applications/:id/bundles", s.requestBundle)
	v1.GET("/bundles/:id", s.getBundle)
	v1.GET("/bundles/:id/file", s.getBundleFile)
	v1.POST("/bundles/:id/retry", s.retryBundle)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

const principalKey = "principal"

// authenticate accepts the bootstrap token. The comparison is of SHA-256
// digests in constant time, so neither length nor content leaks by timing.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
		token = strings.TrimSpace(token)
		if !ok || token == "" || s.cfg.BootstrapToken == "" {
			return errUnauthorized
		}
		sum := sha256.Sum256([]byte(token))
		if subtle.ConstantTimeCompare(sum[:], s.token[:]) != 1 {
			return errUnauthorized
		}
		c.Set(principalKey, "bootstrap-admin")
		return next(c)
	}
}

func principal(c echo.Context) string {
	p, _ := c.Get(principalKey).(string)
	return p
}

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

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
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
