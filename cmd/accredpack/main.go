// Command accredpack is the service and its tools:
//
//	accredpack serve           run the HTTP API (embedded default: SQLite + files under ./data)
//	accredpack check FILE...   will the FRMR portal take these files? one verdict per file
//	accredpack migrate         apply the database migrations and exit
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
	"accredpack/storage/fsstore"
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

Run "accredpack serve -h" for the flags; each has an ACCREDPACK_* variable.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve", "check", "migrate":
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

// serve runs the API until ctx ends. When listening is non-nil it receives
// the bound address once the server accepts connections.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, listening chan<- string) error {
	cat, err := catalog.Load()
	if err != nil {
		return err
	}
	forms, err := checks.NewFormValidator(cat)
	if err != nil {
		return err
	}
	files, err := newChecker(cfg)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if n, err := db.Migrate(ctx); err != nil {
		return err
	} else if n > 0 {
		log.Info("database migrated", "migrations", n)
	}
	store, err := fsstore.Open(cfg.StoreDir())
	if err != nil {
		return err
	}
	spoolDir := filepath.Join(cfg.DataDir, "spool")
	if err := os.MkdirAll(spoolDir, 0o700); err != nil {
		return fmt.Errorf("create spool folder: %w", err)
	}
	svc := intake.New(intake.Deps{DB: db, Store: store, Files: files, Forms: forms, Catalog: cat, SpoolDir: spoolDir, Log: log})
	if cfg.BootstrapToken == "" {
		log.Warn("ACCREDPACK_BOOTSTRAP_TOKEN is not set: every /api/v1 call will be refused with 401")
	}
	handler := httpapi.New(svc, httpapi.Config{BootstrapToken: cfg.BootstrapToken, MaxFileBytes: cfg.MaxFileBytes}, log, prometheus.NewRegistry())

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
