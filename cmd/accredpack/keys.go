package main

import (
	"log/slog"

	"accredpack/config"
	"accredpack/keyring"
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
