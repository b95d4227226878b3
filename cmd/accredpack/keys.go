package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"accredpack/config"
	"accredpack/keyring"
	"accredpack/storage/sealed"
)

// openKeys returns the master keys of personal data at rest, or nil when
// encryption is off. On the embedded default the key file is created at
// the first start; elsewhere it must be given (config refuses to start
// without it).
func openKeys(cfg config.Config, log *slog.Logger) (*keyring.Ring, error) {
	e := cfg.Encryption
	switch {
	case !e.Enabled():
		log.Warn("encryption at rest is off: files and personal data are stored in clear")
		return nil, nil
	case e.MasterKey != "":
		return keyring.FromBase64(e.MasterKey)
	case cfg.Embedded():
		ring, created, err := keyring.LoadOrCreate(cfg.KeyFilePath())
		if err != nil {
			return nil, err
		}
		if created {
			log.Warn("master key file created: keep a copy apart from the data and its backups, without it nothing encrypted can be read", "key_file", cfg.KeyFilePath())
		}
		return ring, nil
	default:
		return keyring.Load(cfg.KeyFilePath())
	}
}

// runKeys is `accredpack keys new FILE | rotate | retire ID... | status`.
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return 2
	}
	sub, rest := args[0], args[1:]
	if sub == "new" {
		if len(rest) != 1 {
			fmt.Fprint(stderr, keysUsage)
			return 2
		}
		if _, err := os.Stat(rest[0]); err == nil {
			fmt.Fprintf(stderr, "accredpack keys new: %s exists: a key file is never overwritten\n", rest[0])
			return 1
		}
		ring, _, err := keyring.LoadOrCreate(rest[0])
		if err != nil {
			fmt.Fprintf(stderr, "accredpack keys new: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "key file %s created (0600) with key %s: keep a copy apart from the data and its backups\n", rest[0], ring.CurrentID())
		return 0
	}
	var ids []string
	if sub == "retire" {
		rest, ids = splitFiles(rest)
		if len(ids) == 0 {
			fmt.Fprint(stderr, keysUsage)
			return 2
		}
	}
	cfg, err := config.Parse("keys", rest, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "accredpack keys: configuration: %v\n", err)
		return 2
	}
	if !cfg.Encryption.Enabled() || cfg.Encryption.MasterKey != "" {
		fmt.Fprintln(stderr, "accredpack keys: keys rotate in a key file (ACCREDPACK_KEY_FILE); with ACCREDPACK_MASTER_KEY or encryption off there is nothing to rotate here")
		return 2
	}
	path := cfg.KeyFilePath()
	var ring *keyring.Ring
	switch sub {
	case "rotate":
		ring, err = keyring.Rotate(path, time.Now())
	case "retire", "status":
		ring, err = keyring.Load(path)
	default:
		fmt.Fprintf(stderr, "accredpack keys: unknown %q\n\n%s", sub, keysUsage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "accredpack keys %s: %v\n", sub, err)
		return 1
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "accredpack keys %s: %v\n", sub, err)
		return 1
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		fmt.Fprintf(stderr, "accredpack keys %s: %v\n", sub, err)
		return 1
	}
	if err := db.UseKeys(ctx, ring); err != nil {
		fmt.Fprintf(stderr, "accredpack keys %s: %v\n", sub, err)
		return 1
	}
	if sub == "status" {
		by, err := db.KeysWrappedBy(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "accredpack keys status: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "key file %s: keys %s, current %s\ndatabase keys wrapped by %s\n",
			path, strings.Join(ring.IDs(), ", "), ring.CurrentID(), strings.Join(by, ", "))
		return 0
	}
	// rotate and retire: everything wrapped again by the current key first.
	n, err := db.RewrapKeys(ctx, ring)
	if err != nil {
		fmt.Fprintf(stderr, "accredpack keys %s: %v\n", sub, err)
		return 1
	}
	fmt.Fprintf(stdout, "current key %s; database keys re-wrapped: %d\n", ring.CurrentID(), n)
	if cfg.S3.Endpoint == "" {
		files, err := sealed.RewrapAll(ctx, cfg.StoreDir(), ring, nil)
		if err != nil {
			fmt.Fprintf(stderr, "accredpack keys %s: %v (run it again: it goes on where it stopped)\n", sub, err)
			return 1
		}
		fmt.Fprintf(stdout, "files re-wrapped: %d\n", files)
	} else if cfg.Encryption.EncryptS3 {
		fmt.Fprintln(stderr, "accredpack keys: objects sealed in S3 keep the key that wrapped them (re-wrapping S3 objects is not built): keep the older keys in the file")
		if sub == "retire" {
			return 1
		}
	}
	if sub == "retire" {
		if err := keyring.Retire(path, ids...); err != nil {
			fmt.Fprintf(stderr, "accredpack keys retire: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "retired %s\n", strings.Join(ids, ", "))
	}
	return 0
}

const keysUsage = `accredpack keys: master keys of data at rest

  accredpack keys new FILE              create a key file (0600) with a fresh key
  accredpack keys rotate [flags]        add a new current key to the key file and re-wrap
                                        the database's keys and every file's key with it
  accredpack keys retire [flags] ID...  re-wrap what is left, then remove older keys; only once
                                        every service process was restarted after the rotation
                                        (a running process wraps new files with the key it loaded)
  accredpack keys status [flags]        which keys the file holds and which wrap the database's

The key file is ACCREDPACK_KEY_FILE (default DATA_DIR/master.key). Files are never re-encrypted:
only the wrapped keys change.
`

// runEncrypt is `accredpack encrypt`: seals what was written in clear, in
// place: the database's personal columns and the local store's files. It
// may run beside the service and may be interrupted: a rerun goes on.
func runEncrypt(ctx context.Context, cfg config.Config, log *slog.Logger, stdout, stderr io.Writer) int {
	if !cfg.Encryption.Enabled() {
		fmt.Fprintln(stderr, "accredpack encrypt: encryption is off (ACCREDPACK_ENCRYPTION=off)")
		return 2
	}
	ring, err := openKeys(cfg, log)
	if err != nil {
		fmt.Fprintf(stderr, "accredpack encrypt: %v\n", err)
		return 1
	}
	db, err := openDatabase(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "accredpack encrypt: %v\n", err)
		return 1
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		fmt.Fprintf(stderr, "accredpack encrypt: %v\n", err)
		return 1
	}
	if err := db.UseKeys(ctx, ring); err != nil {
		fmt.Fprintf(stderr, "accredpack encrypt: %v\n", err)
		return 1
	}
	rows, err := db.SealColumns(ctx, func(table string, n int) { fmt.Fprintf(stdout, "  %s: %d rows\n", table, n) })
	if err != nil {
		fmt.Fprintf(stderr, "accredpack encrypt: %v (run it again: it goes on where it stopped)\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "database: %d rows sealed\n", rows)
	if cfg.S3.Endpoint != "" {
		fmt.Fprintln(stdout, "files: in S3, protected by its server-side encryption (not encrypted again)")
		return 0
	}
	// Each file is checked against the SHA-256 its row recorded before it
	// is sealed: once sealed, its reads are trusted to the encryption.
	sums, err := db.ObjectChecksums(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "accredpack encrypt: %v\n", err)
		return 1
	}
	expect := func(key string) (string, bool) { sum, ok := sums[key]; return sum, ok }
	last := time.Now()
	files, damaged, err := sealed.EncryptInPlace(ctx, cfg.StoreDir(), ring, expect, func(done, total int) {
		if time.Since(last) > 2*time.Second || done == total {
			fmt.Fprintf(stdout, "  files: %d of %d\n", done, total)
			last = time.Now()
		}
	})
	if err != nil {
		fmt.Fprintf(stderr, "accredpack encrypt: %v (run it again: it goes on where it stopped)\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "files: %d encrypted\n", files)
	if len(damaged) > 0 {
		fmt.Fprintf(stderr, "accredpack encrypt: %d file(s) left in clear: their bytes do not hash to the SHA-256 their rows recorded (damaged before the migration): %s\n",
			len(damaged), strings.Join(damaged, ", "))
		return 1
	}
	return 0
}
