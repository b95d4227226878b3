// Package config reads the service's configuration from flags and the
// environment (flags win) and validates it before anything starts.
package config

import (
	"encoding/base64"
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
	S3             S3
	BootstrapToken string
	MaxFileBytes   int64
	// Parsing untrusted PDFs in child processes.
	ParseMemory   int64
	ParseTimeout  time.Duration
	ParseParallel int
	// SandboxChild is the executable of sandbox children: empty for
	// accredpack-child next to the service's executable when it is there
	// (else the service's own binary), "self" for the service's own binary,
	// or a path.
	SandboxChild string
	LogFormat    string // text or json
	// PresignTTL, when not zero, lets clients ask for a time-limited direct
	// download link (S3 storage only).
	PresignTTL time.Duration
	// Bundles: builds at once in this process (0: a separate `accredpack
	// worker` builds), the longest a build may take, how often a build
	// proves it is alive, and the limits of one merge's child process.
	Workers      int
	BuildTimeout time.Duration
	Heartbeat    time.Duration
	MergeMemory  int64
	MergeTimeout time.Duration
	// Composition of several parts and photos into one slot file, and the
	// fitting of oversize files: parts at once, the largest file or part
	// taken for optimization, the largest image in pixels, the resolution
	// images are brought down to first, the legibility floor, JPEG quality.
	ComposeMaxParts  int
	OptimizeMaxBytes int64
	ImageMaxPixels   int64
	OptimizeDPI      int
	OptimizeMinDPI   int
	OptimizeQuality  int
	// Webhooks: deliveries at once in this process (with Workers > 0),
	// the limit of one attempt, the most attempts, the first wait after a
	// failure (doubling up to 1 h), whether subscriptions may use http
	// and private addresses (development only), and how long a rotated
	// secret goes on signing beside its successor.
	WebhookWorkers      int
	WebhookTimeout      time.Duration
	WebhookAttempts     int
	WebhookBackoff      time.Duration
	WebhookAllowPrivate bool
	WebhookSecretGrace  time.Duration
	// ReadinessRecheck is how often a process with workers looks whether
	// the date changed; on a new day (and at start) it evaluates the
	// readiness of every unsubmitted application again (readiness.changed
	// for those that moved with time alone).
	ReadinessRecheck time.Duration
	// RulesFile replaces the shipped education rules and deadlines
	// (readiness/data/rules.json) when set.
	RulesFile string
	// GCGrace is how old an unreferenced object must be before gc removes
	// it: younger ones may belong to an upload between its two writes.
	GCGrace time.Duration
	// Accounts and sessions.
	AllowSignup   bool          // specialists may create their own accounts
	SecureCookies bool          // session cookie Secure even without TLS here (a TLS proxy in front)
	SessionTTL    time.Duration // how long a login lasts
	// Rate limits per minute (0: none): login and sign-up attempts per
	// address and per e-mail; uploads per principal.
	LoginPerMinute   int
	UploadsPerMinute int
	// MaxRequests bounds requests in flight (health, readiness and metrics
	// aside), MaxUploads uploads in flight among them (0: derived from
	// parse-parallel, see UploadsInFlight). Beyond: 503 with Retry-After.
	MaxRequests int
	MaxUploads  int
	// HTTP timeouts: a slow client cannot hold a connection longer.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration // the whole request, body included
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// Metrics: a separate host:port to serve /metrics on (empty: the main
	// listener serves it), and a bearer token /metrics requires wherever
	// it is served (empty: none; from the environment only, never a flag).
	MetricsListen string
	MetricsToken  string
	// DebugListen: a separate host:port serving net/http/pprof's handlers
	// under /debug/pprof/ (empty: off; never on the main listener).
	DebugListen string
	// E-mail (config/mail.go): the public address links start with, and
	// the SMTP server (off when it has no host).
	PublicURL string
	SMTP      SMTP
	// Encryption at rest (config/encryption.go).
	Encryption Encryption
	// Reading of accepted scans (config/ocr.go).
	OCR OCR
}

// S3 is the object storage; an endpoint selects it over the local store.
type S3 struct {
	Endpoint  string
	AccessKey string
	SecretKey string
	Bucket    string
	Region    string
	UseSSL    bool
	SSE       string // auto, s3, c, none
	SSECKey   []byte // decoded from base64
	CAFile    string // extra PEM certificates to trust (a private CA)
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
		GCGrace:       time.Hour,
		Workers:       2,
		BuildTimeout:  30 * time.Minute,
		Heartbeat:     5 * time.Second,
		MergeMemory:   2 << 30,
		MergeTimeout:  10 * time.Minute,
		// Up to 20 parts; 100 MiB files when optimizing; a 120 Mpx image
		// (the largest phone sensors); 200 dpi first, never below 150 dpi,
		// where small print in scans stops being legible.
		ComposeMaxParts:  20,
		OptimizeMaxBytes: 100 << 20,
		ImageMaxPixels:   120_000_000,
		OptimizeDPI:      200,
		OptimizeMinDPI:   150,
		OptimizeQuality:  75,
		// 16 deliveries at once (they wait on the network); 10 s an attempt; 8 attempts 30 s, 1, 2, 4,
		// 8, 16, 32 min apart (a subscriber down for an hour still gets
		// everything).
		WebhookWorkers:   16,
		WebhookTimeout:   10 * time.Second,
		WebhookAttempts:  8,
		WebhookBackoff:   30 * time.Second,
		ReadinessRecheck: 10 * time.Minute,
		S3:               S3{Bucket: "accredpack", Region: "us-east-1", SSE: "auto"},
		OCR:              defaultOCR(),
		AllowSignup:      true,
		SessionTTL:       12 * time.Hour,

		// A day to put a rotated webhook secret in place.
		WebhookSecretGrace: 24 * time.Hour,

		// Ten attempts a minute stop guessing and leave a person typing.
		LoginPerMinute:   10,
		UploadsPerMinute: 120,
		MaxRequests:      defaultMaxRequests(),
		// A 25 MB scan over a slow mobile link (about 0.5 Mbit/s) takes
		// about 7 minutes.
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Minute,
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
}

// env lists the environment variables and the flags they stand for.
var env = map[string]string{
	"ACCREDPACK_ADDR":                  "addr",
	"ACCREDPACK_DATA_DIR":              "data-dir",
	"ACCREDPACK_DATABASE_URL":          "database-url",
	"ACCREDPACK_MAX_FILE_BYTES":        "max-file-bytes",
	"ACCREDPACK_PARSE_MEMORY_MB":       "parse-memory-mb",
	"ACCREDPACK_PARSE_TIMEOUT":         "parse-timeout",
	"ACCREDPACK_PARSE_PARALLEL":        "parse-parallel",
	"ACCREDPACK_SANDBOX_CHILD":         "sandbox-child",
	"ACCREDPACK_LOG_FORMAT":            "log-format",
	"ACCREDPACK_PRESIGN_TTL":           "presign-ttl",
	"ACCREDPACK_GC_GRACE":              "gc-grace",
	"ACCREDPACK_RULES_FILE":            "rules-file",
	"ACCREDPACK_WORKERS":               "workers",
	"ACCREDPACK_BUILD_TIMEOUT":         "build-timeout",
	"ACCREDPACK_HEARTBEAT":             "heartbeat",
	"ACCREDPACK_MERGE_MEMORY_MB":       "merge-memory-mb",
	"ACCREDPACK_MERGE_TIMEOUT":         "merge-timeout",
	"ACCREDPACK_COMPOSE_MAX_PARTS":     "compose-max-parts",
	"ACCREDPACK_OPTIMIZE_MAX_MB":       "optimize-max-mb",
	"ACCREDPACK_IMAGE_MAX_MEGAPIXELS":  "image-max-megapixels",
	"ACCREDPACK_OPTIMIZE_DPI":          "optimize-dpi",
	"ACCREDPACK_OPTIMIZE_MIN_DPI":      "optimize-min-dpi",
	"ACCREDPACK_WEBHOOK_WORKERS":       "webhook-workers",
	"ACCREDPACK_WEBHOOK_TIMEOUT":       "webhook-timeout",
	"ACCREDPACK_WEBHOOK_ATTEMPTS":      "webhook-attempts",
	"ACCREDPACK_WEBHOOK_BACKOFF":       "webhook-backoff",
	"ACCREDPACK_WEBHOOK_ALLOW_PRIVATE": "webhook-allow-private",
	"ACCREDPACK_WEBHOOK_SECRET_GRACE":  "webhook-secret-grace",
	"ACCREDPACK_READINESS_RECHECK":     "readiness-recheck",
	"ACCREDPACK_OPTIMIZE_QUALITY":      "optimize-quality",
	"ACCREDPACK_S3_ENDPOINT":           "s3-endpoint",
	"ACCREDPACK_S3_ACCESS_KEY":         "s3-access-key",
	"ACCREDPACK_S3_SECRET_KEY":         "s3-secret-key",
	"ACCREDPACK_S3_BUCKET":             "s3-bucket",
	"ACCREDPACK_S3_REGION":             "s3-region",
	"ACCREDPACK_S3_USE_SSL":            "s3-use-ssl",
	"ACCREDPACK_S3_SSE":                "s3-sse",
	"ACCREDPACK_S3_SSE_C_KEY":          "s3-sse-c-key",
	"ACCREDPACK_S3_CA_FILE":            "s3-ca-file",
	"ACCREDPACK_ALLOW_SIGNUP":          "allow-signup",
	"ACCREDPACK_SECURE_COOKIES":        "secure-cookies",
	"ACCREDPACK_SESSION_TTL":           "session-ttl",
	"ACCREDPACK_LOGIN_PER_MINUTE":      "login-per-minute",
	"ACCREDPACK_UPLOADS_PER_MINUTE":    "uploads-per-minute",
	"ACCREDPACK_MAX_REQUESTS":          "max-requests",
	"ACCREDPACK_MAX_UPLOADS":           "max-uploads",
	"ACCREDPACK_READ_HEADER_TIMEOUT":   "read-header-timeout",
	"ACCREDPACK_READ_TIMEOUT":          "read-timeout",
	"ACCREDPACK_WRITE_TIMEOUT":         "write-timeout",
	"ACCREDPACK_IDLE_TIMEOUT":          "idle-timeout",
	"ACCREDPACK_METRICS_LISTEN":        "metrics-listen",
	"ACCREDPACK_DEBUG_LISTEN":          "debug-listen",
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
	fs.StringVar(&c.SandboxChild, "sandbox-child", "", "executable of sandbox children: empty for accredpack-child beside this one if there, else this one; \"self\"; or a path (ACCREDPACK_SANDBOX_CHILD)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json (ACCREDPACK_LOG_FORMAT)")
	fs.DurationVar(&c.PresignTTL, "presign-ttl", 0, "lifetime of direct download links, 0 = off; S3 only (ACCREDPACK_PRESIGN_TTL)")
	fs.DurationVar(&c.GCGrace, "gc-grace", c.GCGrace, "age before gc removes an unreferenced object (ACCREDPACK_GC_GRACE)")
	fs.StringVar(&c.RulesFile, "rules-file", "", "education rules and deadlines as JSON, instead of the shipped ones (ACCREDPACK_RULES_FILE)")
	fs.IntVar(&c.Workers, "workers", c.Workers, "bundle builds at once in this process; 0 leaves them to `accredpack worker` (ACCREDPACK_WORKERS)")
	fs.DurationVar(&c.BuildTimeout, "build-timeout", c.BuildTimeout, "longest a bundle build may take (ACCREDPACK_BUILD_TIMEOUT)")
	fs.DurationVar(&c.Heartbeat, "heartbeat", c.Heartbeat, "how often a build proves it is alive; a build silent for 5 beats is queued again (ACCREDPACK_HEARTBEAT)")
	mergeMB := fs.Int64("merge-memory-mb", c.MergeMemory>>20, "memory a portfolio merge may use, MiB (ACCREDPACK_MERGE_MEMORY_MB)")
	fs.DurationVar(&c.MergeTimeout, "merge-timeout", c.MergeTimeout, "time a portfolio merge may take (ACCREDPACK_MERGE_TIMEOUT)")
	fs.IntVar(&c.ComposeMaxParts, "compose-max-parts", c.ComposeMaxParts, "parts one slot file may be composed of (ACCREDPACK_COMPOSE_MAX_PARTS)")
	optMB := fs.Int64("optimize-max-mb", c.OptimizeMaxBytes>>20, "largest file or part taken with optimize=true, MiB (ACCREDPACK_OPTIMIZE_MAX_MB)")
	imgMP := fs.Int64("image-max-megapixels", c.ImageMaxPixels/1_000_000, "largest photo taken, megapixels (ACCREDPACK_IMAGE_MAX_MEGAPIXELS)")
	fs.IntVar(&c.OptimizeDPI, "optimize-dpi", c.OptimizeDPI, "resolution page images are brought down to when a file must fit (ACCREDPACK_OPTIMIZE_DPI)")
	fs.IntVar(&c.OptimizeMinDPI, "optimize-min-dpi", c.OptimizeMinDPI, "legibility floor: never re-encode below it, refuse instead (ACCREDPACK_OPTIMIZE_MIN_DPI)")
	fs.IntVar(&c.OptimizeQuality, "optimize-quality", c.OptimizeQuality, "JPEG quality of re-encoded page images, 1-100 (ACCREDPACK_OPTIMIZE_QUALITY)")
	fs.IntVar(&c.WebhookWorkers, "webhook-workers", c.WebhookWorkers, "webhook deliveries at once in a process with workers (ACCREDPACK_WEBHOOK_WORKERS)")
	fs.DurationVar(&c.WebhookTimeout, "webhook-timeout", c.WebhookTimeout, "longest one webhook delivery attempt may take (ACCREDPACK_WEBHOOK_TIMEOUT)")
	fs.IntVar(&c.WebhookAttempts, "webhook-attempts", c.WebhookAttempts, "attempts of one webhook delivery before it is failed (ACCREDPACK_WEBHOOK_ATTEMPTS)")
	fs.DurationVar(&c.WebhookBackoff, "webhook-backoff", c.WebhookBackoff, "wait after a failed webhook attempt, doubling each time up to 1h (ACCREDPACK_WEBHOOK_BACKOFF)")
	fs.DurationVar(&c.ReadinessRecheck, "readiness-recheck", c.ReadinessRecheck, "how often to look for a new day, on which the readiness of unsubmitted applications is evaluated again (ACCREDPACK_READINESS_RECHECK)")
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", c.WebhookAllowPrivate, "let webhooks use http and loopback/private addresses; development only (ACCREDPACK_WEBHOOK_ALLOW_PRIVATE)")
	fs.DurationVar(&c.WebhookSecretGrace, "webhook-secret-grace", c.WebhookSecretGrace, "how long a rotated webhook secret still signs beside the new one, 0 = not at all (ACCREDPACK_WEBHOOK_SECRET_GRACE)")
	fs.StringVar(&c.S3.Endpoint, "s3-endpoint", "", "S3 endpoint host:port; selects S3 storage (ACCREDPACK_S3_ENDPOINT)")
	fs.StringVar(&c.S3.AccessKey, "s3-access-key", "", "S3 access key (ACCREDPACK_S3_ACCESS_KEY)")
	fs.StringVar(&c.S3.SecretKey, "s3-secret-key", "", "S3 secret key (ACCREDPACK_S3_SECRET_KEY)")
	fs.StringVar(&c.S3.Bucket, "s3-bucket", c.S3.Bucket, "S3 bucket, created when missing (ACCREDPACK_S3_BUCKET)")
	fs.StringVar(&c.S3.Region, "s3-region", c.S3.Region, "S3 region (ACCREDPACK_S3_REGION)")
	fs.BoolVar(&c.S3.UseSSL, "s3-use-ssl", false, "use HTTPS to the S3 endpoint (ACCREDPACK_S3_USE_SSL)")
	fs.StringVar(&c.S3.SSE, "s3-sse", c.S3.SSE, "server-side encryption: auto, s3, c, none (ACCREDPACK_S3_SSE)")
	fs.StringVar(&c.S3.CAFile, "s3-ca-file", "", "PEM certificates to trust for the S3 endpoint (ACCREDPACK_S3_CA_FILE)")
	fs.BoolVar(&c.AllowSignup, "allow-signup", c.AllowSignup, "specialists may create their own accounts (ACCREDPACK_ALLOW_SIGNUP)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", false, "mark the session cookie Secure; set behind a TLS proxy (ACCREDPACK_SECURE_COOKIES)")
	fs.DurationVar(&c.SessionTTL, "session-ttl", c.SessionTTL, "how long a login lasts (ACCREDPACK_SESSION_TTL)")
	fs.IntVar(&c.LoginPerMinute, "login-per-minute", c.LoginPerMinute, "login attempts a minute per address and per e-mail, 0 = no limit (ACCREDPACK_LOGIN_PER_MINUTE)")
	fs.IntVar(&c.UploadsPerMinute, "uploads-per-minute", c.UploadsPerMinute, "uploads a minute per principal, 0 = no limit (ACCREDPACK_UPLOADS_PER_MINUTE)")
	fs.IntVar(&c.MaxRequests, "max-requests", c.MaxRequests, "requests in flight; beyond, 503 overloaded (ACCREDPACK_MAX_REQUESTS)")
	fs.IntVar(&c.MaxUploads, "max-uploads", c.MaxUploads, "uploads in flight, 0 = 2 x parse-parallel + 16; beyond, 503 overloaded (ACCREDPACK_MAX_UPLOADS)")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", c.ReadHeaderTimeout, "time to send request headers (ACCREDPACK_READ_HEADER_TIMEOUT)")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "time to send a whole request, body included (ACCREDPACK_READ_TIMEOUT)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "time to send a whole answer (ACCREDPACK_WRITE_TIMEOUT)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "how long an idle keep-alive connection stays open (ACCREDPACK_IDLE_TIMEOUT)")
	fs.StringVar(&c.MetricsListen, "metrics-listen", "", "host:port to serve /metrics on alone; the main address then answers 404 there (ACCREDPACK_METRICS_LISTEN)")
	fs.StringVar(&c.DebugListen, "debug-listen", "", "host:port to serve pprof's /debug/pprof/ on; empty = off, never on the main address (ACCREDPACK_DEBUG_LISTEN)")
	ssecKey := fs.String("s3-sse-c-key", "", "SSE-C key, 32 bytes in base64 (ACCREDPACK_S3_SSE_C_KEY)")
	readMailPassword := mailFlags(fs, &c, getenv)
	encryptionFlags(fs, &c, getenv)
	completeOCR := ocrFlags(fs, &c)

	// The environment first, as if given as flags; the command line after.
	for variable, flagName := range env {
		if v := getenv(variable); v != "" {
			if err := fs.Set(flagName, v); err != nil {
				return c, fmt.Errorf("%s=%q: %w", variable, v, err)
			}
		}
	}
	for variable, flagName := range encryptionEnv {
		if v := getenv(variable); v != "" {
			if err := fs.Set(flagName, v); err != nil {
				return c, fmt.Errorf("%s=%q: %w", variable, v, err)
			}
		}
	}
	for variable, flagName := range ocrEnv {
		if v := getenv(variable); v != "" {
			if err := fs.Set(flagName, v); err != nil {
				return c, fmt.Errorf("%s=%q: %w", variable, v, err)
			}
		}
	}
	for variable, flagName := range mailEnv {
		if v := getenv(variable); v != "" {
			if err := fs.Set(flagName, v); err != nil {
				return c, fmt.Errorf("%s=%q: %w", variable, v, err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := readMailPassword(); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	c.ParseMemory = *memMB << 20
	completeOCR()
	c.MergeMemory = *mergeMB << 20
	c.OptimizeMaxBytes = *optMB << 20
	c.ImageMaxPixels = *imgMP * 1_000_000
	c.BootstrapToken = getenv("ACCREDPACK_BOOTSTRAP_TOKEN")
	c.MetricsToken = getenv("ACCREDPACK_METRICS_TOKEN")
	var keyErr error
	if *ssecKey != "" {
		c.S3.SSECKey, keyErr = base64.StdEncoding.DecodeString(*ssecKey)
		if keyErr == nil && len(c.S3.SSECKey) != 32 {
			keyErr = fmt.Errorf("decodes to %d bytes, want 32", len(c.S3.SSECKey))
		}
		if keyErr != nil {
			keyErr = fmt.Errorf("s3-sse-c-key: %w", keyErr)
		}
	}
	return c, errors.Join(keyErr, c.Validate())
}

// sideListen checks an optional address of its own (metrics, debug):
// empty, or host:port with a port that is not the main address's.
func sideListen(name, addr, main string) []error {
	if addr == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return []error{fmt.Errorf("%s %q: want host:port: %w", name, addr, err)}
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return []error{fmt.Errorf("%s %q: bad port", name, addr)}
	} else if addr == main && p != 0 {
		return []error{fmt.Errorf("%s %q: must differ from addr", name, addr)}
	}
	return nil
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: want host:port: %w", c.Addr, err))
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		errs = append(errs, fmt.Errorf("addr %q: bad port", c.Addr))
	}
	errs = append(errs, sideListen("metrics-listen", c.MetricsListen, c.Addr)...)
	errs = append(errs, sideListen("debug-listen", c.DebugListen, c.Addr)...)
	if c.DebugListen != "" && c.DebugListen == c.MetricsListen && !strings.HasSuffix(c.DebugListen, ":0") {
		errs = append(errs, fmt.Errorf("debug-listen %q: must differ from metrics-listen", c.DebugListen))
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
	if c.S3.Endpoint != "" {
		if _, _, err := net.SplitHostPort(c.S3.Endpoint); err != nil || strings.Contains(c.S3.Endpoint, "/") {
			errs = append(errs, fmt.Errorf("s3-endpoint %q: want host:port, without a scheme (HTTPS is s3-use-ssl)", c.S3.Endpoint))
		}
		if c.S3.AccessKey == "" || c.S3.SecretKey == "" {
			errs = append(errs, errors.New("S3 storage needs ACCREDPACK_S3_ACCESS_KEY and ACCREDPACK_S3_SECRET_KEY"))
		}
		if c.S3.Bucket == "" {
			errs = append(errs, errors.New("s3-bucket must not be empty"))
		}
		switch c.S3.SSE {
		case "auto", "s3", "none":
		case "c":
			if len(c.S3.SSECKey) == 0 {
				errs = append(errs, errors.New("s3-sse c needs ACCREDPACK_S3_SSE_C_KEY"))
			}
		default:
			errs = append(errs, fmt.Errorf("s3-sse %q: want auto, s3, c or none", c.S3.SSE))
		}
	}
	if c.PresignTTL < 0 || c.PresignTTL > 7*24*time.Hour {
		errs = append(errs, fmt.Errorf("presign-ttl %s: want 0 (off) up to 168h", c.PresignTTL))
	}
	if c.PresignTTL > 0 && c.S3.Endpoint == "" {
		errs = append(errs, errors.New("presign-ttl needs S3 storage: the local store has no direct links"))
	}
	if c.Workers < 0 || c.Workers > 64 {
		errs = append(errs, fmt.Errorf("workers %d: want 0 .. 64", c.Workers))
	}
	if c.BuildTimeout < 10*time.Second {
		errs = append(errs, fmt.Errorf("build-timeout %s: want at least 10s", c.BuildTimeout))
	}
	if c.Heartbeat < 100*time.Millisecond || c.Heartbeat > time.Minute {
		errs = append(errs, fmt.Errorf("heartbeat %s: want 100ms .. 1m", c.Heartbeat))
	}
	if c.MergeMemory < 64<<20 {
		errs = append(errs, fmt.Errorf("merge-memory-mb %d: want at least 64", c.MergeMemory>>20))
	}
	if c.MergeTimeout < time.Second {
		errs = append(errs, fmt.Errorf("merge-timeout %s: want at least 1s", c.MergeTimeout))
	}
	if c.ComposeMaxParts < 1 || c.ComposeMaxParts > 200 {
		errs = append(errs, fmt.Errorf("compose-max-parts %d: want 1 .. 200", c.ComposeMaxParts))
	}
	if c.OptimizeMaxBytes < c.MaxFileBytes || c.OptimizeMaxBytes > 2<<30 {
		errs = append(errs, fmt.Errorf("optimize-max-mb %d: want max-file-bytes .. 2048 MiB", c.OptimizeMaxBytes>>20))
	}
	if c.ImageMaxPixels < 1_000_000 || c.ImageMaxPixels > 1_000_000_000 {
		errs = append(errs, fmt.Errorf("image-max-megapixels %d: want 1 .. 1000", c.ImageMaxPixels/1_000_000))
	}
	if c.OptimizeMinDPI < 50 || c.OptimizeDPI < c.OptimizeMinDPI || c.OptimizeDPI > 1200 {
		errs = append(errs, fmt.Errorf("optimize-dpi %d, optimize-min-dpi %d: want 50 <= min <= dpi <= 1200", c.OptimizeDPI, c.OptimizeMinDPI))
	}
	if c.WebhookWorkers < 1 || c.WebhookWorkers > 64 {
		errs = append(errs, fmt.Errorf("webhook-workers %d: want 1 .. 64", c.WebhookWorkers))
	}
	if c.WebhookTimeout < 100*time.Millisecond || c.WebhookTimeout > time.Minute {
		errs = append(errs, fmt.Errorf("webhook-timeout %s: want 100ms .. 1m", c.WebhookTimeout))
	}
	if c.WebhookAttempts < 1 || c.WebhookAttempts > 25 {
		errs = append(errs, fmt.Errorf("webhook-attempts %d: want 1 .. 25", c.WebhookAttempts))
	}
	if c.WebhookBackoff < 10*time.Millisecond || c.WebhookBackoff > time.Hour {
		errs = append(errs, fmt.Errorf("webhook-backoff %s: want 10ms .. 1h", c.WebhookBackoff))
	}
	if c.ReadinessRecheck < time.Second || c.ReadinessRecheck > 24*time.Hour {
		errs = append(errs, fmt.Errorf("readiness-recheck %s: want 1s .. 24h", c.ReadinessRecheck))
	}
	if c.WebhookSecretGrace < 0 || c.WebhookSecretGrace > 7*24*time.Hour {
		errs = append(errs, fmt.Errorf("webhook-secret-grace %s: want 0 .. 168h", c.WebhookSecretGrace))
	}
	if c.OptimizeQuality < 10 || c.OptimizeQuality > 100 {
		errs = append(errs, fmt.Errorf("optimize-quality %d: want 10 .. 100", c.OptimizeQuality))
	}
	if c.SessionTTL < time.Minute || c.SessionTTL > 30*24*time.Hour {
		errs = append(errs, fmt.Errorf("session-ttl %s: want 1m .. 720h", c.SessionTTL))
	}
	if c.MaxRequests < 1 || c.MaxRequests > 100_000 {
		errs = append(errs, fmt.Errorf("max-requests %d: want 1 .. 100000", c.MaxRequests))
	}
	if c.MaxUploads < 0 || c.MaxUploads > c.MaxRequests {
		errs = append(errs, fmt.Errorf("max-uploads %d: want 0 (derived) .. max-requests", c.MaxUploads))
	}
	if c.LoginPerMinute < 0 || c.UploadsPerMinute < 0 {
		errs = append(errs, errors.New("login-per-minute and uploads-per-minute must not be negative"))
	}
	for name, d := range map[string]time.Duration{"read-header-timeout": c.ReadHeaderTimeout, "read-timeout": c.ReadTimeout,
		"write-timeout": c.WriteTimeout, "idle-timeout": c.IdleTimeout} {
		if d < 100*time.Millisecond {
			errs = append(errs, fmt.Errorf("%s %s: want at least 100ms", name, d))
		}
	}
	if c.GCGrace < 0 {
		errs = append(errs, fmt.Errorf("gc-grace %s must not be negative", c.GCGrace))
	}
	errs = append(errs, c.validateMail()...)
	errs = append(errs, c.validateEncryption()...)
	errs = append(errs, c.validateOCR()...)
	return errors.Join(errs...)
}

// DatabasePath is the database to use: the URL given, or SQLite in the
// data folder.
func (c Config) DatabasePath() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "accredpack.db")
}

// StoreDir is the root of the local file store.
func (c Config) StoreDir() string { return filepath.Join(c.DataDir, "store") }

// UploadsInFlight is the bound of uploads in flight: MaxUploads, or when 0
// twice the parses at once plus 16. An upload in flight is mostly a body
// arriving over the network into the spool (about 0.3 MiB of memory, up to
// max-file-bytes of disk), then a wait for one of parse-parallel parses:
// the 16 are for slow links (a 25 MB scan over a mobile link takes
// minutes), the rest keeps the parses busy.
func (c Config) UploadsInFlight() int {
	if c.MaxUploads > 0 {
		return c.MaxUploads
	}
	return min(2*c.ParseParallel+16, c.MaxRequests)
}

// defaultMaxRequests derives the bound of requests in flight from the
// memory this process may use (the smaller of the machine's and its
// cgroup's limit): one request for every 16 MiB, between 64 and 1024 (256
// on 4 GiB). A read holds well under 1 MiB; an upload streams to disk
// (about 0.3 MiB) and is bounded on its own; the margin is for the Go
// heap's growth and the PDF parses, which run in children.
func defaultMaxRequests() int {
	mem := memoryLimit()
	if mem <= 0 {
		return 256
	}
	return int(min(max(mem/(16<<20), 64), 1024))
}

// memoryLimit is MemTotal from /proc/meminfo, or the cgroup v2 limit when
// lower; 0 when neither is known.
func memoryLimit() int64 {
	var total int64
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				if kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64); err == nil {
					total = kb << 10
				}
			}
		}
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (total == 0 || n < total) {
			total = n
		}
	}
	return total
}
