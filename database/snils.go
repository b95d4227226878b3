package database

import (
	"context"

	"accredpack/dossier"
)

// ApplicationsBySNILS lists every application of the specialist with a
// SNILS (11 digits, as stored), oldest first, whoever may see them: the
// caller asks the access policy about each.
func (db *DB) ApplicationsBySNILS(ctx context.Context, snils string) ([]*dossier.Application, error) {
	if err := db.ready(ctx); err != nil {
		return nil, err
	}
	h := db.keys.snilsHash(snils)
	if h == "" {
		return nil, nil
	}
	return db.queryApplications(ctx, "applications by SNILS", `SELECT `+applicationColumns+` FROM applications WHERE snils_hash = ? ORDER BY created_at, id`, h)
}
