package config

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"
)

// Encryption is how personal data is protected at rest: files in the
// local store and personal columns of the database are encrypted with data
// keys that the master keys wrap (package keyring). The master keys come
// from a key file, or one key from ACCREDPACK_MASTER_KEY (base64, never a
// flag); on the embedded default the key file is created at the first
// start. With PostgreSQL or S3 the service refuses to start without a key
// unless Mode is "off".
type Encryption struct {
	Mode      string // on, off
	KeyFile   string // empty: DataDir/master.key (embedded default only)
	MasterKey string // base64, from the environment
	// EncryptS3 encrypts objects in the service before they go to S3 as
	// well; off by default, since S3 keeps its server-side encryption.
	EncryptS3 bool
}

// Enabled tells whether personal data is encrypted in the service.
func (e Encryption) Enabled() bool { return e.Mode != "off" }

func encryptionFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.Encryption.Mode, "encryption", "on", "encrypt files in the local store and personal columns at rest: on, or off to store them in clear, explicitly")
	fs.StringVar(&c.Encryption.KeyFile, "key-file", "", "file of the master keys (0600); default DATA_DIR/master.key, created at the first start of the embedded default; with PostgreSQL or S3 a key file (accredpack keys new FILE) or ACCREDPACK_MASTER_KEY is required")
	fs.BoolVar(&c.Encryption.EncryptS3, "s3-encrypt", false, "encrypt objects in the service before S3 too, over its server-side encryption (direct links are then off)")
}

// Embedded tells whether the service runs on the embedded default: SQLite
// and the local file store.
func (c Config) Embedded() bool {
	return c.S3.Endpoint == "" && !isPostgres(c.DatabaseURL)
}

// KeyFilePath is the key file in use: the one given, or master.key in the
// data folder.
func (c Config) KeyFilePath() string {
	if c.Encryption.KeyFile != "" {
		return c.Encryption.KeyFile
	}
	return filepath.Join(c.DataDir, "master.key")
}

func (c Config) validateEncryption() []error {
	var errs []error
	switch c.Encryption.Mode {
	case "on":
		if !c.Embedded() && c.Encryption.KeyFile == "" && c.Encryption.MasterKey == "" {
			errs = append(errs, errors.New("with PostgreSQL or S3 the master key must be given: ACCREDPACK_KEY_FILE (create one with `accredpack keys new FILE`) or ACCREDPACK_MASTER_KEY; or say ACCREDPACK_ENCRYPTION=off"))
		}
		if c.Encryption.KeyFile != "" && c.Encryption.MasterKey != "" {
			errs = append(errs, errors.New("give the master key once: ACCREDPACK_KEY_FILE or ACCREDPACK_MASTER_KEY, not both"))
		}
	case "off":
	default:
		errs = append(errs, fmt.Errorf("encryption %q: want on or off", c.Encryption.Mode))
	}
	if c.Encryption.EncryptS3 && c.S3.Endpoint == "" {
		errs = append(errs, errors.New("s3-encrypt needs S3 storage"))
	}
	return errs
}

func isPostgres(url string) bool {
	return len(url) > 11 && (url[:11] == "postgres://" || len(url) > 13 && url[:13] == "postgresql://")
}
