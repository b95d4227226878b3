// Package config reads the service's configuration from flags and the
// environment (flags win) and validates it before anything starts. Every
// flag has the variable Variable names; Settings lists them all, with the
// secrets read from the environment only, for the operators' page.
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

// Parse reads args (without the subcommand) over the environment lookup:
// every flag's variable (see Settings), then the flags, then the secrets.
func Parse(name string, args []string, getenv func(string) string) (Config, error) {
	c := Default()
	fs, finish := newFlagSet(name, &c)
	// The environment first, as if given as flags; the command line after.
	if err := setFromEnvironment(fs, getenv); err != nil {
		return c, err
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	for _, s := range secrets(&c) {
		*s.value = getenv(s.Env)
	}
	if err := finish(); err != nil {
		return c, errors.Join(err, c.Validate())
	}
	return c, c.Validate()
}

// newFlagSet registers every flag of the service on a new set, writing
// into c (whose values are the defaults), and names each flag's variable
// in its help. finish, called once the flags are parsed, turns the values
// given in other units (MiB, megapixels, base64) into c's and reads the
// SMTP password file.
func newFlagSet(name string, c *Config) (fs *flag.FlagSet, finish func() error) {
	fs = flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "folder of the SQLite database accredpack.db, the local store store/ and uploads in progress spool/")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "database: empty for SQLite in the data folder; postgres://… selects PostgreSQL; a path another SQLite file")
	fs.Int64Var(&c.MaxFileBytes, "max-file-bytes", c.MaxFileBytes, "largest accepted file in bytes (25 MiB, the FRMR limit; some consultancies report 10 MB in practice)")
	memMB := fs.Int64("parse-memory-mb", c.ParseMemory>>20, "address space one PDF parse may add, MiB")
	fs.DurationVar(&c.ParseTimeout, "parse-timeout", c.ParseTimeout, "time a PDF parse may take")
	fs.IntVar(&c.ParseParallel, "parse-parallel", c.ParseParallel, "PDF parses at once; further uploads wait")
	fs.StringVar(&c.SandboxChild, "sandbox-child", "", "executable of sandbox children: empty for accredpack-child beside this one if there (and it answers), else this one (as under go run); \"self\"; or a path (must answer, or the service does not start); the choice is logged at start")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json")
	fs.DurationVar(&c.PresignTTL, "presign-ttl", 0, "lifetime of direct download links, 0 = off, e.g. 5m; S3 only, not with SSE-C or s3-encrypt")
	fs.DurationVar(&c.GCGrace, "gc-grace", c.GCGrace, "age before gc removes an unreferenced object: younger ones may belong to an upload between its two writes")
	fs.StringVar(&c.RulesFile, "rules-file", "", "education rules and deadlines as JSON, instead of the shipped ones")
	fs.IntVar(&c.Workers, "workers", c.Workers, "bundle builds at once in this process; 0 leaves them to `accredpack worker`")
	fs.DurationVar(&c.BuildTimeout, "build-timeout", c.BuildTimeout, "longest a bundle build may take")
	fs.DurationVar(&c.Heartbeat, "heartbeat", c.Heartbeat, "how often a build proves it is alive; a build silent for 5 beats is queued again")
	mergeMB := fs.Int64("merge-memory-mb", c.MergeMemory>>20, "memory a composition may use, MiB, and the most a portfolio merge gets (it holds one document at a time and gets parse-memory-mb + 128)")
	fs.DurationVar(&c.MergeTimeout, "merge-timeout", c.MergeTimeout, "time a portfolio merge may take (compositions run under the same memory and time limits, two at once)")
	fs.IntVar(&c.ComposeMaxParts, "compose-max-parts", c.ComposeMaxParts, "parts one slot file may be composed of")
	optMB := fs.Int64("optimize-max-mb", c.OptimizeMaxBytes>>20, "largest file or part taken with optimize=true, MiB (parts together: twice that)")
	imgMP := fs.Int64("image-max-megapixels", c.ImageMaxPixels/1_000_000, "largest photo taken, megapixels; larger ones are refused before decoding (a small PNG can claim billions of pixels)")
	fs.IntVar(&c.OptimizeDPI, "optimize-dpi", c.OptimizeDPI, "resolution page images are brought down to when a file must fit")
	fs.IntVar(&c.OptimizeMinDPI, "optimize-min-dpi", c.OptimizeMinDPI, "legibility floor: never re-encode below it, refuse instead")
	fs.IntVar(&c.OptimizeQuality, "optimize-quality", c.OptimizeQuality, "JPEG quality of re-encoded page images, 1-100")
	fs.IntVar(&c.WebhookWorkers, "webhook-workers", c.WebhookWorkers, "webhook deliveries at once in a process with workers")
	fs.DurationVar(&c.WebhookTimeout, "webhook-timeout", c.WebhookTimeout, "longest one webhook delivery attempt may take: connection, request, answer")
	fs.IntVar(&c.WebhookAttempts, "webhook-attempts", c.WebhookAttempts, "attempts of one webhook delivery before it is failed")
	fs.DurationVar(&c.WebhookBackoff, "webhook-backoff", c.WebhookBackoff, "wait after a failed webhook attempt, doubling each time up to 1h")
	fs.DurationVar(&c.ReadinessRecheck, "readiness-recheck", c.ReadinessRecheck, "how often a process with workers looks for a new day (UTC); on one, and at start, the readiness of every unsubmitted application is evaluated again and reminders are queued")
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", c.WebhookAllowPrivate, "let webhooks use http and loopback/private addresses; development only")
	fs.DurationVar(&c.WebhookSecretGrace, "webhook-secret-grace", c.WebhookSecretGrace, "how long a rotated webhook secret still signs beside the new one, 0 .. 168h; 0 = not at all")
	fs.StringVar(&c.S3.Endpoint, "s3-endpoint", "", "S3 endpoint host:port; selects S3 storage")
	fs.StringVar(&c.S3.AccessKey, "s3-access-key", "", "S3 access key; required with an endpoint")
	fs.StringVar(&c.S3.SecretKey, "s3-secret-key", "", "S3 secret key; required with an endpoint")
	fs.StringVar(&c.S3.Bucket, "s3-bucket", c.S3.Bucket, "S3 bucket, created when missing")
	fs.StringVar(&c.S3.Region, "s3-region", c.S3.Region, "S3 region")
	fs.BoolVar(&c.S3.UseSSL, "s3-use-ssl", false, "use HTTPS to the S3 endpoint")
	fs.StringVar(&c.S3.SSE, "s3-sse", c.S3.SSE, "server-side encryption: auto (SSE-C when a key is given, else SSE-S3; proved at start), s3, c, none")
	fs.StringVar(&c.S3.CAFile, "s3-ca-file", "", "extra PEM certificates to trust for the S3 endpoint (a private CA)")
	fs.BoolVar(&c.AllowSignup, "allow-signup", c.AllowSignup, "specialists may create their own accounts")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", false, "mark the session cookie Secure; set behind a TLS-terminating proxy (over direct TLS it is Secure anyway)")
	fs.DurationVar(&c.SessionTTL, "session-ttl", c.SessionTTL, "how long a login lasts")
	fs.IntVar(&c.LoginPerMinute, "login-per-minute", c.LoginPerMinute, "login attempts a minute per address and per e-mail, 0 = no limit")
	fs.IntVar(&c.UploadsPerMinute, "uploads-per-minute", c.UploadsPerMinute, "uploads a minute per principal, 0 = no limit")
	fs.IntVar(&c.MaxRequests, "max-requests", c.MaxRequests, "requests in flight; beyond, 503 overloaded with Retry-After: 1 at once (/healthz, /readyz, /metrics are never refused)")
	fs.IntVar(&c.MaxUploads, "max-uploads", c.MaxUploads, "uploads (file, compose, certificate import) in flight, from authentication to the answer; 0 = 2 x parse-parallel + 16; beyond, 503 overloaded")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", c.ReadHeaderTimeout, "time to send request headers")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", c.ReadTimeout, "time to send a whole request, body included (a 25 MB scan over a slow mobile link)")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", c.WriteTimeout, "time to send a whole answer")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", c.IdleTimeout, "how long an idle keep-alive connection stays open")
	fs.StringVar(&c.MetricsListen, "metrics-listen", "", "host:port to serve /metrics on alone (a port that is not published); the main address then answers 404 there")
	fs.StringVar(&c.DebugListen, "debug-listen", "", "host:port to serve pprof's /debug/pprof/ on, e.g. 127.0.0.1:6060, never a published port; empty = off, never on the main address")
	ssecKey := fs.String("s3-sse-c-key", "", "SSE-C key, 32 bytes in base64; SSE-C needs s3-use-ssl")
	readMailPassword := mailFlags(fs, c)
	encryptionFlags(fs, c)
	completeOCR := ocrFlags(fs, c)
	nameVariables(fs)
	return fs, func() error {
		if err := readMailPassword(); err != nil {
			return err
		}
		c.ParseMemory = *memMB << 20
		completeOCR()
		c.MergeMemory = *mergeMB << 20
		c.OptimizeMaxBytes = *optMB << 20
		c.ImageMaxPixels = *imgMP * 1_000_000
		if *ssecKey == "" {
			return nil
		}
		var err error
		c.S3.SSECKey, err = base64.StdEncoding.DecodeString(*ssecKey)
		if err == nil && len(c.S3.SSECKey) != 32 {
			err = fmt.Errorf("decodes to %d bytes, want 32", len(c.S3.SSECKey))
		}
		if err != nil {
			return fmt.Errorf("s3-sse-c-key: %w", err)
		}
		return nil
	}
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
