// Command accredpack is the service and its tools:
//
//	accredpack serve           run the HTTP API (embedded default: SQLite + files under ./data)
//	accredpack check FILE...   will the FRMR portal take these files? one verdict per file
//	accredpack migrate         apply the database migrations and exit
//	accredpack gc              remove stored objects that no database row points at
//	accredpack worker          build bundles, deliver webhooks and reminders (no HTTP), beside `serve --workers 0`
//	accredpack encrypt         encrypt in place what was stored in clear (resumable)
//	accredpack keys ...        the master keys of data at rest: new, rotate, retire, status
//	accredpack version         the version of this binary (also in GET /healthz)
//
// The sandbox child that parses untrusted PDFs is accredpack-child beside
// this binary when it is there, else this same binary (see findChild).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"accredpack/access"
	"accredpack/accounts"
	httpapi "accredpack/api"
	"accredpack/audit"
	"accredpack/bundles"
	"accredpack/calendar"
	"accredpack/catalog"
	"accredpack/checks"
	"accredpack/childtasks"
	"accredpack/compose"
	"accredpack/config"
	"accredpack/database"
	"accredpack/intake"
	"accredpack/jobs"
	"accredpack/keyring"
	"accredpack/ocr"
	"accredpack/packager"
	"accredpack/pii"
	"accredpack/readiness"
	"accredpack/readings"
	"accredpack/reminders"
	"accredpack/sandbox"
	"accredpack/storage"
	"accredpack/storage/fsstore"
	"accredpack/storage/s3store"
	"accredpack/storage/sealed"
	"accredpack/web"
	"accredpack/webhooks"
)

func main() {
	sandbox.ServeChild(childtasks.All())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

const usage = `accredpack: FRMR accreditation packages

  accredpack serve [flags]            run the HTTP API on the embedded default
  accredpack check [flags] FILE...    check files against the FRMR upload rules
  accredpack migrate [flags]          apply database migrations
  accredpack gc [flags] [--dry-run]   remove orphan objects (older than --gc-grace)
  accredpack worker [flags]           build bundles in this process only (no HTTP)
  accredpack encrypt [flags]          encrypt in place what was stored in clear (resumable)
  accredpack keys new|rotate|retire|status
                                      master keys of data at rest ("accredpack keys" says more)
  accredpack version                  print the version of this binary

Run "accredpack serve -h" for the flags; each has an ACCREDPACK_* variable.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "keys":
		return runKeys(ctx, rest, stdout, stderr, getenv)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "accredpack", versionString())
		return 0
	case "serve", "check", "migrate", "gc", "worker", "encrypt":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	var files []string
	if cmd == "check" {
		rest, files = splitFiles(rest)
	}
	dryRun := false
	if cmd == "gc" {
		rest, dryRun = cutFlag(rest, "--dry-run")
	}
	cfg, err := config.Parse(cmd, rest, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "accredpack %s: configuration: %v\n", cmd, err)
		return 2
	}
	log := newLogger(cfg, stderr)
	api.DisableConfigDir()
	switch cmd {
	case "check":
		return runCheck(ctx, cfg, log, files, stdout, stderr)
	case "migrate":
		db, err := openDatabase(ctx, cfg)
		if err != nil {
			fmt.Fprintf(stderr, "accredpack migrate: %v\n", err)
			return 1
		}
		defer db.Close()
		n, err := db.Migrate(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "accredpack migrate: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
		return 0
	}
	if cmd == "gc" {
		return runGC(ctx, cfg, log, dryRun, stdout, stderr)
	}
	if cmd == "encrypt" {
		return runEncrypt(ctx, cfg, log, stdout, stderr)
	}
	if cmd == "worker" {
		if err := runWorker(ctx, cfg, log); err != nil {
			log.Error("worker stopped", "error", err)
			return 1
		}
		return 0
	}
	if err := serve(ctx, cfg, log, nil); err != nil {
		log.Error("service stopped", "error", err)
		return 1
	}
	return 0
}

// splitFiles separates flags from file names for `check`. Every flag of
// the service takes a value, given as -flag=value or -flag value.
func splitFiles(args []string) (flags, files []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return flags, append(files, args[i+1:]...)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			files = append(files, a)
		}
	}
	return flags, files
}

// cutFlag removes a boolean flag (and its single-dash form) from args.
func cutFlag(args []string, name string) ([]string, bool) {
	var out []string
	found := false
	for _, a := range args {
		if a == name || a == name[1:] {
			found = true
			continue
		}
		out = append(out, a)
	}
	return out, found
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	// Every record passes redaction: a SNILS or phone number that reaches a
	// log line by any path (a database error's detail) is masked.
	if cfg.LogFormat == "json" {
		return slog.New(pii.NewHandler(slog.NewJSONHandler(w, nil)))
	}
	return slog.New(pii.NewHandler(slog.NewTextHandler(w, nil)))
}

func openDatabase(ctx context.Context, cfg config.Config) (*database.DB, error) {
	return database.Open(ctx, cfg.DatabasePath())
}

// childExecutable is the file sandbox children are started from (see
// findChild).
func childExecutable(ctx context.Context, cfg config.Config, log *slog.Logger) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find own executable for the PDF sandbox: %w", err)
	}
	return findChild(ctx, cfg, self, log)
}

func newChecker(cfg config.Config, child string) (*checks.Checker, error) {
	runner, err := sandbox.NewRunner(child, sandbox.Limits{Memory: cfg.ParseMemory, Timeout: cfg.ParseTimeout, Parallel: cfg.ParseParallel})
	if err != nil {
		return nil, err
	}
	return checks.NewChecker(cfg.MaxFileBytes, runner), nil
}

// components are the parts of a running service.
type components struct {
	intake   *intake.Service
	bundles  *bundles.Service
	webhooks *webhooks.Service
	// readings reads accepted scans (OCR); nil when OCR is off.
	readings *readings.Service
	// reminders e-mails deadlines (wired in mail.go).
	reminders *reminders.Service
	queue     *jobs.Queue
	accounts  *accounts.Service
	audit     *audit.Log
	policy    access.Policy
	db        *database.DB
	// keys are the master keys of data at rest; nil when encryption is off.
	keys  *keyring.Ring
	close func()
}

// newComponents opens the database (migrating it), the store, the checkers,
// the packager and the job queue (with cfg.Workers workers, not started).
func newComponents(ctx context.Context, cfg config.Config, log *slog.Logger) (*components, error) {
	cat, err := catalog.Load()
	if err != nil {
		return nil, err
	}
	forms, err := checks.NewFormValidator(cat)
	if err != nil {
		return nil, err
	}
	child, err := childExecutable(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	files, err := newChecker(cfg, child)
	if err != nil {
		return nil, err
	}
	rules, err := readiness.LoadRules(cfg.RulesFile)
	if err != nil {
		return nil, err
	}
	cal, err := calendar.Load()
	if err != nil {
		return nil, err
	}
	// A merge holds one document at a time, read as its upload's parse read
	// it: it needs no more than a parse may use and its own little
	// (packager.MergeMemory), however large the portfolio.
	merger, err := sandbox.NewRunner(child, sandbox.Limits{Memory: min(cfg.MergeMemory, packager.MergeMemory(cfg.ParseMemory)),
		Timeout: cfg.MergeTimeout, Parallel: max(cfg.Workers, 1)})
	if err != nil {
		return nil, err
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*components, error) {
		db.Close()
		return nil, err
	}
	if n, err := db.Migrate(ctx); err != nil {
		return fail(err)
	} else if n > 0 {
		log.Info("database migrated", "migrations", n, "dialect", db.Dialect())
	}
	keys, err := openKeys(cfg, log)
	if err != nil {
		return fail(err)
	}
	if err := db.UseKeys(ctx, keys); err != nil {
		return fail(fmt.Errorf("%w; with ACCREDPACK_ENCRYPTION=off the database must be in clear", err))
	}
	if n, err := db.SealColumns(ctx, nil); err != nil {
		return fail(err)
	} else if n > 0 {
		log.Info("personal data written before brought up to date (sealed, lookup hashes)", "rows", n, "sealed", db.Sealed())
	}
	store, err := openStore(ctx, cfg, keys, log)
	if err != nil {
		return fail(err)
	}
	spoolDir := filepath.Join(cfg.DataDir, "spool")
	if err := os.MkdirAll(spoolDir, 0o700); err != nil {
		return fail(fmt.Errorf("create spool folder: %w", err))
	}
	removeStale(spoolDir, time.Hour, log)
	pk, err := packager.New(store, files, merger, spoolDir)
	if err != nil {
		return fail(err)
	}
	// Compositions run in children with the merge's limits, two at once.
	composeRunner, err := sandbox.NewRunner(child, sandbox.Limits{Memory: cfg.MergeMemory, Timeout: cfg.MergeTimeout, Parallel: 2})
	if err != nil {
		return fail(err)
	}
	c := &components{keys: keys}
	c.accounts, err = accounts.New(ctx, db, accounts.Config{BootstrapToken: cfg.BootstrapToken, SessionTTL: cfg.SessionTTL,
		HashParallel: max(runtime.NumCPU(), 2)}, log)
	if err != nil {
		return fail(err)
	}
	// Group commit: concurrent reads share the commit (one fsync) of their
	// audit lines; each still waits for its own line (see audit/group.go).
	c.audit = audit.NewGrouped(db, audit.Group{})
	fail = func(err error) (*components, error) {
		c.audit.Close()
		db.Close()
		return nil, err
	}
	c.policy = access.Policy{TrainingSlot: cat.IssuedByTrainingCenters}
	c.webhooks = webhooks.New(db, c.policy, c.accounts.Facts, webhooks.Config{Timeout: cfg.WebhookTimeout, Attempts: cfg.WebhookAttempts,
		Backoff: cfg.WebhookBackoff, MaxBackoff: max(cfg.WebhookBackoff, time.Hour), AllowPrivate: cfg.WebhookAllowPrivate, SecretGrace: cfg.WebhookSecretGrace}, log)
	c.readings, err = newReadings(cfg, child, db, store, spoolDir, log)
	if err != nil {
		return fail(err)
	}
	var readingQueue intake.ReadingQueue
	if c.readings != nil {
		readingQueue = c.readings
	}
	c.intake = intake.New(intake.Deps{DB: db, Store: store, Files: files, Forms: forms, Catalog: cat, Rules: rules, Calendar: cal,
		SpoolDir: spoolDir, Log: log, Readings: readingQueue, Composer: compose.New(composeRunner, compose.Page{MarginMM: 10}), Events: c.webhooks,
		ComposeLimits: intake.ComposeLimits{MaxParts: cfg.ComposeMaxParts, OptimizeBytes: cfg.OptimizeMaxBytes, MaxPixels: cfg.ImageMaxPixels,
			Fit: compose.Fit{DPI: cfg.OptimizeDPI, MinDPI: cfg.OptimizeMinDPI, Quality: cfg.OptimizeQuality}}})
	if c.readings != nil {
		c.readings.SetUpright(c.intake.ReplaceUpright)
	}
	bd := bundles.Deps{DB: db, Store: store, Packager: pk, Catalog: cat, TmpDir: spoolDir,
		Log: log, Heartbeat: cfg.Heartbeat, Readiness: c.intake.Readiness, Events: c.webhooks}
	if cfg.OCR.TextLayer && c.readings != nil {
		bd.PageTexts = c.readings.PageTexts
	}
	c.bundles = bundles.New(bd)

	// One job queue: bundle builds and webhook deliveries, each its own
	// River queue so that a long build never holds an event back.
	workers := river.NewWorkers()
	c.bundles.AddWorker(workers, cfg.BuildTimeout)
	c.webhooks.AddWorker(workers)
	if c.readings != nil {
		c.readings.AddWorker(workers)
	}
	if err := setupMail(c, cfg, db, workers, log); err != nil {
		return fail(err)
	}
	var queues map[string]int
	if cfg.Workers > 0 {
		queues = map[string]int{bundles.Queue: cfg.Workers, webhooks.Queue: cfg.WebhookWorkers, reminders.Queue: 2}
		if c.readings != nil {
			queues[readings.Queue] = cfg.OCR.Workers
		}
	}
	c.queue, err = jobs.Open(ctx, db, workers, jobs.Config{Queues: queues, JobTimeout: cfg.BuildTimeout}, log)
	if err != nil {
		return fail(err)
	}
	c.bundles.SetQueue(bundles.QueueOn(c.queue))
	c.webhooks.SetQueue(c.queue)
	if c.readings != nil {
		c.readings.SetQueue(c.queue)
	}
	c.queue.Background(c.bundles.RunSweeper)
	c.queue.Background(c.webhooks.RunSweeper)
	c.queue.Background(func(ctx context.Context) { c.intake.RunReadinessRecheck(ctx, cfg.ReadinessRecheck) })
	c.reminders.SetQueue(c.queue)
	c.queue.Background(func(ctx context.Context) { c.reminders.RunScan(ctx, cfg.ReadinessRecheck) })
	c.db = db
	c.close = func() {
		c.audit.Close() // commits what is queued
		db.Close()
	}
	return c, nil
}

// newReadings makes the reading of accepted scans: OCR in sandbox children
// of child, under cfg.OCR's limits. With OCR "auto" and Tesseract or
// poppler missing, it warns and returns nil (documents are not read);
// with "on" that is an error.
func newReadings(cfg config.Config, child string, db *database.DB, store storage.Store, tmpDir string, log *slog.Logger) (*readings.Service, error) {
	if cfg.OCR.Mode == "off" {
		log.Info("reading of scans: off (ACCREDPACK_OCR=off)")
		return nil, nil
	}
	tools, err := ocr.FindTools()
	if err != nil {
		if cfg.OCR.Mode == "on" {
			return nil, err
		}
		log.Warn("reading of scans: off, its tools are missing (install them, or say ACCREDPACK_OCR=off)", "error", err)
		return nil, nil
	}
	// One reading's child: its tools inherit its address-space limit.
	runner, err := sandbox.NewRunner(child, sandbox.Limits{Memory: cfg.OCR.Memory, Timeout: cfg.OCR.Timeout, Parallel: cfg.OCR.Workers})
	if err != nil {
		return nil, err
	}
	opts := ocr.DefaultOptions
	opts.Parallel = cfg.OCR.Parallel
	reader := ocr.NewReader(runner, tools, opts, tmpDir)
	log.Info("reading of scans: on", "tesseract", tools.Tesseract, "workers", cfg.OCR.Workers, "parallel", cfg.OCR.Parallel)
	return readings.New(readings.Deps{DB: db, Store: store, Reader: reader, TmpDir: tmpDir, Timeout: cfg.OCR.Timeout + time.Minute, Log: log}), nil
}

// openStore opens S3 storage when an endpoint is configured, the local
// file store otherwise. With master keys, local files are sealed in the
// service (package storage/sealed); S3 objects only with s3-encrypt, since
// S3 keeps its server-side encryption.
func openStore(ctx context.Context, cfg config.Config, keys *keyring.Ring, log *slog.Logger) (storage.Store, error) {
	if cfg.S3.Endpoint == "" {
		fs, err := fsstore.Open(cfg.StoreDir())
		if err != nil {
			return nil, err
		}
		if keys == nil {
			return fs, nil
		}
		log.Info("local storage", "storage_encryption", "AES-256-GCM in the service")
		return sealed.New(fs, keys), nil
	}
	s, err := s3store.Open(ctx, s3store.Config{Endpoint: cfg.S3.Endpoint, AccessKey: cfg.S3.AccessKey, SecretKey: cfg.S3.SecretKey,
		Bucket: cfg.S3.Bucket, Region: cfg.S3.Region, UseSSL: cfg.S3.UseSSL, SSE: cfg.S3.SSE, SSECKey: cfg.S3.SSECKey, CAFile: cfg.S3.CAFile})
	if err != nil {
		return nil, err
	}
	if keys != nil && cfg.Encryption.EncryptS3 {
		log.Info("S3 storage", "endpoint", cfg.S3.Endpoint, "bucket", cfg.S3.Bucket, "encryption", s.Encryption(),
			"storage_encryption", "AES-256-GCM in the service",
			"direct_links", "off: a presigned link would hand out ciphertext")
		return sealed.New(s, keys), nil
	}
	log.Info("S3 storage", "endpoint", cfg.S3.Endpoint, "bucket", cfg.S3.Bucket, "encryption", s.Encryption(),
		"storage_encryption", "S3 SSE only", "uploads_streamed", s.SizedStreamMax() > 0)
	return s, nil
}

// removeStale deletes files older than age in dir: uploads in progress of
// a process that was killed.
func removeStale(dir string, age time.Duration, log *slog.Logger) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.IsDir() || time.Since(info.ModTime()) < age {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
			log.Info("removed a stale upload file", "file", e.Name())
		}
	}
}

func runGC(ctx context.Context, cfg config.Config, log *slog.Logger, dryRun bool, stdout, stderr io.Writer) int {
	cfg.Workers = 0
	c, err := newComponents(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "accredpack gc: %v\n", err)
		return 1
	}
	defer c.close()
	r, err := c.intake.CollectOrphans(ctx, cfg.GCGrace, dryRun)
	if err != nil {
		fmt.Fprintf(stderr, "accredpack gc: %v\n", err)
		return 1
	}
	verb := "removed"
	if dryRun {
		verb = "would remove"
	}
	fmt.Fprintf(stdout, "objects %d, orphans %d (%d younger than %s kept), %s %d, failed %d\n",
		r.Objects, r.Orphans, r.Young, cfg.GCGrace, verb, r.Orphans-r.Young, r.Failures)
	if r.Failures > 0 {
		return 1
	}
	return 0
}

// serve runs the API until ctx ends. When listening is non-nil it receives
// the bound address once the server accepts connections.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, listening chan<- string) error {
	// Listening comes first: links in e-mails name the port (when the
	// configured one is 0, the one the system chose).
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	cfg.PublicURL = cfg.PublicBase(ln.Addr().String())
	// /metrics on its own address, when one is configured (the Prometheus
	// convention: scraped on a port that is not published).
	var metricsLn net.Listener
	if cfg.MetricsListen != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			ln.Close()
			return fmt.Errorf("listen for metrics on %s: %w", cfg.MetricsListen, err)
		}
	}
	// pprof on its own address, when one is configured (off by default:
	// profiles show the service's internals and cost CPU while taken).
	var debugLn net.Listener
	if cfg.DebugListen != "" {
		if debugLn, err = net.Listen("tcp", cfg.DebugListen); err != nil {
			ln.Close()
			if metricsLn != nil {
				metricsLn.Close()
			}
			return fmt.Errorf("listen for debug on %s: %w", cfg.DebugListen, err)
		}
	}
	c, stop, err := startComponents(ctx, cfg, log)
	if err != nil {
		for _, l := range []net.Listener{ln, metricsLn, debugLn} {
			if l != nil {
				l.Close()
			}
		}
		return err
	}
	defer stop()
	if cfg.BootstrapToken == "" {
		log.Warn("ACCREDPACK_BOOTSTRAP_TOKEN is not set: every /api/v1 call will be refused with 401")
	}
	handler := httpapi.New(httpapi.Deps{Intake: c.intake, Bundles: c.bundles, Accounts: c.accounts, Webhooks: c.webhooks, Audit: c.audit, Policy: c.policy, Idempotency: c.db,
		Log: log, Registry: prometheus.NewRegistry()}, httpapi.Config{MaxFileBytes: cfg.MaxFileBytes, OptimizeMaxBytes: cfg.OptimizeMaxBytes, PresignTTL: cfg.PresignTTL,
		AllowSignup: cfg.AllowSignup, SecureCookies: cfg.SecureCookies, LoginPerMinute: cfg.LoginPerMinute, UploadsPerMinute: cfg.UploadsPerMinute,
		MetricsSeparate: metricsLn != nil, MetricsToken: cfg.MetricsToken, MaxInFlight: cfg.MaxRequests, MaxUploadsInFlight: cfg.UploadsInFlight(),
		Version: versionString()})

	pages, err := web.New()
	if err != nil {
		return fmt.Errorf("web pages: %w", err)
	}
	// Administration pages are refused (403) to a session whose role may not use them.
	pages.Guard(handler.SessionPrincipal, c.policy)
	// The web interface's pages under /app/ (and / leads there); the API,
	// health and metrics from Echo.
	mux := http.NewServeMux()
	bounded := handler.Bound(pages) // the same bound of requests in flight as the API
	mux.Handle("/app/", bounded)
	mux.Handle("/{$}", bounded)
	mux.Handle("/", handler)

	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("accredpack is serving", "version", versionString(), "addr", ln.Addr().String(), "data_dir", cfg.DataDir, "max_file_bytes", cfg.MaxFileBytes,
		"metrics_token", cfg.MetricsToken != "",
		"max_requests", cfg.MaxRequests, "max_uploads", cfg.UploadsInFlight())
	servers := []*http.Server{srv}
	listeners := []net.Listener{ln}
	if metricsLn != nil {
		servers = append(servers, metricsServer(handler.MetricsHandler(), log))
		listeners = append(listeners, metricsLn)
		log.Info("metrics are served on their own address", "metrics_addr", metricsLn.Addr().String())
	}
	if debugLn != nil {
		servers = append(servers, debugServer(log))
		listeners = append(listeners, debugLn)
		log.Info("pprof is served on the debug address", "debug_addr", debugLn.Addr().String())
	}
	if listening != nil {
		listening <- ln.Addr().String()
	}
	errc := make(chan error, len(servers))
	for i := range servers {
		go func() { errc <- servers[i].Serve(listeners[i]) }()
	}
	// The first server to stop (an error) or the end of ctx stops them all.
	var first error
	running := len(servers)
	select {
	case first = <-errc:
		running--
		log.Error("a listener stopped", "error", first)
	case <-ctx.Done():
		log.Info("shutting down")
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var errs []error
	if first != nil && !errors.Is(first, http.ErrServerClosed) {
		errs = append(errs, first)
	}
	for _, s := range servers {
		if err := s.Shutdown(shutdownCtx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
		}
	}
	for range running {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// metricsServer serves h at /metrics and nothing else (404), for the
// metrics' own listener.
func metricsServer(h http.Handler, log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	return sideServer(mux, 30*time.Second, log)
}

// sideServer is a server of a listener beside the API's (metrics, debug):
// short limits, its errors in the log.
func sideServer(h http.Handler, writeTimeout time.Duration, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// debugServer serves net/http/pprof's handlers under /debug/pprof/ on a
// mux of its own, for the debug listener only. Its write timeout leaves
// room for a 30 s CPU profile or trace (?seconds=30).
func debugServer(log *slog.Logger) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index) // and the named profiles: heap, goroutine, allocs, …
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return sideServer(mux, 2*time.Minute, log)
}

// startComponents opens the components and starts this process's workers;
// stop lets running builds finish, then closes everything.
func startComponents(ctx context.Context, cfg config.Config, log *slog.Logger) (*components, func(), error) {
	c, err := newComponents(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	if err := c.queue.Start(ctx); err != nil {
		c.close()
		return nil, nil, err
	}
	return c, func() {
		stopQueue(ctx, c.queue, log)
		c.close()
	}, nil
}

// stopQueue lets running builds finish for up to 30 s; a build cut short is
// resumed by another worker's sweeper.
func stopQueue(ctx context.Context, q *jobs.Queue, log *slog.Logger) {
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := q.Stop(stopCtx); err != nil {
		log.Warn("job queue stopped with an error", "error", err)
	}
}

// runWorker builds bundles and delivers webhooks until ctx ends, without
// serving HTTP.
func runWorker(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if cfg.Workers == 0 {
		cfg.Workers = 2
	}
	_, stop, err := startComponents(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer stop()
	log.Info("accredpack worker is running jobs: bundle builds and webhook deliveries", "builds", cfg.Workers, "deliveries", cfg.WebhookWorkers)
	<-ctx.Done()
	return nil
}
