// Package config reads the service's configuration from flags and the
// environment (flags win) and validates it before anything starts.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is everything the service is told from outside.
type Config struct {
	Addr           string
	DataDir        string
	DatabaseURL    string // empty: SQLite at DataDir/accredpack.db
	S3Endpoint     string
	BootstrapToken string
	MaxFileBytes   int64
	// Parsing untrusted PDFs in child processes.
	ParseMemory   int64
	ParseTimeout  time.Duration
	ParseParallel int
	LogFormat     string // text or json
}

// Default is the embedded default: everything local, under ./data.
func Default() Config {
	return Config{
		Addr:          "127.0.0.1:8080",
		DataDir:       "./data",
		MaxFileBytes:  26214400, // 25 MiB, the FRMR limit
		ParseMemory:   512 << 20,
		ParseTimeout:  30 * time.Second,
		ParseParallel: max(runtime.NumCPU(), 1),
		LogFormat:     "text",
	}
}

// env lists the environment variables and the flags they stand for.
var env = map[string]string{
	"ACCREDPACK_ADDR":            "addr",
	"ACCREDPACK_DATA_DIR":        "data-dir",
	"ACCREDPACK_DATABASE_URL":    "database-url",
	"ACCREDPACK_MAX_FILE_BYTES":  "max-file-bytes",
	"ACCREDPACK_PARSE_MEMORY_MB": "parse-memory-mb",
	"ACCREDPACK_PARSE_TIMEOUT":   "parse-timeout",
	"ACCREDPACK_PARSE_PARALLEL":  "parse-parallel",
	"ACCREDPACK_LOG_FORMAT":      "log-format",
}

// Parse reads args (without the subcommand) over the environment lookup.
func Parse(name string, args []string, getenv func(string) string) (Config, error) {
	c := Default()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on (ACCREDPACK_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "folder of the embedded database and file store (ACCREDPACK_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "database: SQLite file path, or a postgres:// URL (ACCREDPACK_DATABASE_URL)")
	fs.Int64Var(&c.MaxFileBytes, "max-file-bytes", c.MaxFileBytes, "largest accepted file in bytes (ACCREDPACK_MAX_FILE_BYTES)")
	memMB := fs.Int64("parse-memory-mb", c.ParseMemory>>20, "memory a PDF parse may use, MiB (ACCREDPACK_PARSE_MEMORY_MB)")
	fs.DurationVar(&c.ParseTimeout, "parse-timeout", c.ParseTimeout, "time a PDF parse may take (ACCREDPACK_PARSE_TIMEOUT)")
	fs.IntVar(&c.ParseParallel, "parse-parallel", c.ParseParallel, "PDF parses at once (ACCREDPACK_PARSE_PARALLEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json (ACCREDPACK_LOG_FORMAT)")

	// The environment first, as if given as flags; the command line after.
	for variable, flagName := range env {
		if v := getenv(variable); v != "" {
			if err := fs.Set(flagName, v); err != nil {
				return c, fmt.Errorf("%s=%q: %w", variable, v, err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	c.ParseMemory = *memMB << 20
	c.S3Endpoint = getenv("ACCREDPACK_S3_ENDPOINT")
	c.BootstrapToken = getenv("ACCREDPACK_BOOTSTRAP_TOKEN")
	return c, c.Validate()
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: want host:port: %w", c.Addr, err))
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		errs = append(errs, fmt.Errorf("addr %q: bad port", c.Addr))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data-dir must not be empty"))
	}
	if c.MaxFileBytes < 1024 || c.MaxFileBytes > 1<<30 {
		errs = append(errs, fmt.Errorf("max-file-bytes %d: want 1024 .. %d", c.MaxFileBytes, 1<<30))
	}
	if c.ParseMemory < 64<<20 {
		errs = append(errs, fmt.Errorf("parse-memory-mb %d: want at least 64", c.ParseMemory>>20))
	}
	if c.ParseTimeout < time.Second {
		errs = append(errs, fmt.Errorf("parse-timeout %s: want at least 1s", c.ParseTimeout))
	}
	if c.ParseParallel < 1 || c.ParseParallel > 64 {
		errs = append(errs, fmt.Errorf("parse-parallel %d: want 1 .. 64", c.ParseParallel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log-format %q: want text or json", c.LogFormat))
	}
	if strings.HasPrefix(c.DatabaseURL, "postgres") {
		errs = append(errs, errors.New("database-url: PostgreSQL is not supported by this build yet; leave it empty for the embedded SQLite database"))
	}
	if c.S3Endpoint != "" {
		errs = append(errs, errors.New("ACCREDPACK_S3_ENDPOINT: S3 storage is not supported by this build yet; unset it to use the local file store under data-dir"))
	}
	return errors.Join(errs...)
}

// DatabasePath is the SQLite database to use.
func (c Config) DatabasePath() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "accredpack.db")
}

// StoreDir is the root of the local file store.
func (c Config) StoreDir() string { return filepath.Join(c.DataDir, "store") }
