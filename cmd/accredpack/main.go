// Command accredpack is the service and its tools:
//
//	accredpack serve           run the HTTP API (embedded default: SQLite + files under ./data)
//	accredpack check FILE...   will the FRMR portal take these files? one verdict per file
//	accredpack migrate         apply the database migrations and exit
//	accredpack gc              remove stored objects that no database row points at
//
// The same binary is the sandbox child that parses untrusted PDFs.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/prometheus/client_golang/prometheus"

	httpapi "accredpack/api"
	"accredpack/catalog"
	"accredpack/checks"
	"accredpack/config"
	"accredpack/database"
	"accredpack/intake"
	"accredpack/sandbox"
	"accredpack/storage"
	"accredpack/storage/fsstore"
	"accredpack/storage/s3store"
)

func main() {
	sandbox.ServeChild(checks.SandboxTasks())
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

Run "accredpack serve -h" for the flags; each has an ACCREDPACK_* variable.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve", "check", "migrate", "gc":
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
		return runCheck(ctx, cfg, files, stdout, stderr)
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
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func openDatabase(ctx context.Context, cfg config.Config) (*database.DB, error) {
	return database.Open(ctx, cfg.DatabasePath())
}

func newChecker(cfg config.Config) (*checks.Checker, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable for the PDF sandbox: %w", err)
	}
	runner, err := sandbox.NewRunner(exe, sandbox.Limits{Memory: cfg.ParseMemory, Timeout: cfg.ParseTimeout, Parallel: cfg.ParseParallel})
	if err != nil {
		return nil, err
	}
	return checks.NewChecker(cfg.MaxFileBytes, runner), nil
}

// newService opens the database (migrating it), the store and the
// checkers. close releases what was opened.
func newService(ctx context.Context, cfg config.Config, log *slog.Logger) (svc *intake.Service, close func(), err error) {
	cat, err := catalog.Load()
	if err != nil {
		return nil, nil, err
	}
	forms, err := checks.NewFormValidator(cat)
	if err != nil {
		return nil, nil, err
	}
	files, err := newChecker(cfg)
	if err != nil {
		return nil, nil, err
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if n, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, nil, err
	} else if n > 0 {
		log.Info("database migrated", "migrations", n, "dialect", db.Dialect())
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	spoolDir := filepath.Join(cfg.DataDir, "spool")
	if err := os.MkdirAll(spoolDir, 0o700); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("create spool folder: %w", err)
	}
	removeStale(spoolDir, time.Hour, log)
	svc = intake.New(intake.Deps{DB: db, Store: store, Files: files, Forms: forms, Catalog: cat, SpoolDir: spoolDir, Log: log})
	return svc, func() { db.Close() }, nil
}

// openStore opens S3 storage when an endpoint is configured, the local
// file store otherwise.
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (storage.Store, error) {
	if cfg.S3.Endpoint == "" {
		return fsstore.Open(cfg.StoreDir())
	}
	s, err := s3store.Open(ctx, s3store.Config{Endpoint: cfg.S3.Endpoint, AccessKey: cfg.S3.AccessKey, SecretKey: cfg.S3.SecretKey,
		Bucket: cfg.S3.Bucket, Region: cfg.S3.Region, UseSSL: cfg.S3.UseSSL, SSE: cfg.S3.SSE, SSECKey: cfg.S3.SSECKey, CAFile: cfg.S3.CAFile})
	if err != nil {
		return nil, err
	}
	log.Info("S3 storage", "endpoint", cfg.S3.Endpoint, "bucket", cfg.S3.Bucket, "encryption", s.Encryption())
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
	svc, closeSvc, err := newService(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "accredpack gc: %v\n", err)
		return 1
	}
	defer closeSvc()
	r, err := svc.CollectOrphans(ctx, cfg.GCGrace, dryRun)
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
	svc, closeSvc, err := newService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeSvc()
	if cfg.BootstrapToken == "" {
		log.Warn("ACCREDPACK_BOOTSTRAP_TOKEN is not set: every /api/v1 call will be refused with 401")
	}
	handler := httpapi.New(svc, httpapi.Config{BootstrapToken: cfg.BootstrapToken, MaxFileBytes: cfg.MaxFileBytes, PresignTTL: cfg.PresignTTL}, log, prometheus.NewRegistry())

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		// A 25 MB scan over a slow mobile link takes minutes.
		ReadTimeout:  10 * time.Minute,
		WriteTimeout: 10 * time.Minute,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("accredpack is serving", "addr", ln.Addr().String(), "data_dir", cfg.DataDir, "max_file_bytes", cfg.MaxFileBytes)
	if listening != nil {
		listening <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
