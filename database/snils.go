package database

import (
	"context"
	"fmt"

	"accredpack/dossier"
)

// ApplicationsBySNILS lists every application of the specialist with a
// SNILS (11 digits, as stored), oldest first, whoever may see them: the
// caller asks the access policy about each.
func (db *DB) ApplicationsBySNILS(ctx context.Context, snils string) ([]*dossier.Application, error) {
	rows, err := db.conn().query(ctx, `SELECT `+applicationColumns+` FROM applications WHERE snils = ? ORDER BY created_at, id`, snils)
	if err != nil {
		return nil, fmt.Errorf("database: applications by SNILS: %w", err)
	}
	defer rows.Close()
	var out []*dossier.Application
	for rows.Next() {
		a, err := scanApplication(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("database: applications by SNILS: %w", err)
	}
	return out, nil
}
