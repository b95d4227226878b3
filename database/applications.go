package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"accredpack/dossier"
)

const applicationColumns = `id, owner, kind, status, last_name, first_name, middle_name, snils, birth_date,
	phone, email, education_level, specialty, report_agreed, name_changed, employed, comment, consent,
	created_at, updated_at, submitted_at, previous_accreditation_date, employment_ended,
	report_not_agreed_reason, primary_basis, submitted_on`

// CreateApplication inserts a new application, shared with the
// organizations of grants in the same transaction.
func (db *DB) CreateApplication(ctx context.Context, a *dossier.Application, grants ...Grant) error {
	return db.inTx(ctx, func(tx conn) error {
		if err := insertApplication(ctx, tx, a); err != nil {
			return err
		}
		for _, g := range grants {
			g.ApplicationID = a.ID
			if err := putGrant(ctx, tx, g); err != nil {
				return err
			}
		}
		return nil
	})
}

func insertApplication(ctx context.Context, tx conn, a *dossier.Application) error {
	f := &a.Form
	var submitted any
	if a.SubmittedAt != nil {
		submitted = ts(*a.SubmittedAt)
	}
	k := tx.k
	_, err := tx.exec(ctx, `INSERT INTO applications (`+applicationColumns+`, snils_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Owner, f.Kind, string(a.Status), k.seal("last_name", f.Specialist.LastName), k.seal("first_name", f.Specialist.FirstName),
		k.seal("middle_name", f.Specialist.MiddleName), k.seal("snils", f.Specialist.SNILS), k.seal("birth_date", f.Specialist.BirthDate),
		k.seal("phone", f.Contact.Phone), k.seal("email", f.Contact.Email), f.EducationLevel, f.Specialty,
		optBool(f.ReportAgreed), boolInt(f.NameChanged), optBool(f.Employed), k.seal("comment", f.Comment), boolInt(f.Consent),
		ts(a.CreatedAt), ts(a.UpdatedAt), submitted, f.PreviousAccreditationDate, f.EmploymentEnded,
		f.ReportNotAgreedReason, f.PrimaryBasis, optDate(a.SubmittedOn), k.snilsHash(f.Specialist.SNILS))
	if err != nil {
		return fmt.Errorf("database: insert application: %w", err)
	}
	// Its list row, never evaluated yet (version 0): lists join it.
	if _, err := tx.exec(ctx, `INSERT INTO readiness_state (application_id, ready, updated_at, version) VALUES (?, 0, ?, 0)`, a.ID, ts(a.CreatedAt)); err != nil {
		return fmt.Errorf("database: insert application: list row: %w", err)
	}
	return nil
}

// UpdateApplication writes the form, status and times of an existing
// application inside fn's transaction after fn approves the current row.
// fn receives the stored application and changes it in place.
func (db *DB) UpdateApplication(ctx context.Context, id string, fn func(a *dossier.Application) error) (*dossier.Application, error) {
	var out *dossier.Application
	err := db.inTx(ctx, func(tx conn) error {
		a, err := getApplication(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
		f := &a.Form
		var submitted any
		if a.SubmittedAt != nil {
			submitted = ts(*a.SubmittedAt)
		}
		k := tx.k
		_, err = tx.exec(ctx, `UPDATE applications SET status = ?, last_name = ?, first_name = ?, middle_name = ?,
			snils = ?, birth_date = ?, phone = ?, email = ?, education_level = ?, specialty = ?, report_agreed = ?,
			name_changed = ?, employed = ?, comment = ?, consent = ?, updated_at = ?, submitted_at = ?,
			previous_accreditation_date = ?, employment_ended = ?, report_not_agreed_reason = ?, primary_basis = ?,
			submitted_on = ?, snils_hash = ? WHERE id = ?`,
			string(a.Status), k.seal("last_name", f.Specialist.LastName), k.seal("first_name", f.Specialist.FirstName),
			k.seal("middle_name", f.Specialist.MiddleName), k.seal("snils", f.Specialist.SNILS),
			k.seal("birth_date", f.Specialist.BirthDate), k.seal("phone", f.Contact.Phone), k.seal("email", f.Contact.Email),
			f.EducationLevel, f.Specialty, optBool(f.ReportAgreed),
			boolInt(f.NameChanged), optBool(f.Employed), k.seal("comment", f.Comment), boolInt(f.Consent), ts(a.UpdatedAt), submitted,
			f.PreviousAccreditationDate, f.EmploymentEnded, f.ReportNotAgreedReason, f.PrimaryBasis, optDate(a.SubmittedOn),
			k.snilsHash(f.Specialist.SNILS), a.ID)
		if err != nil {
			return fmt.Errorf("database: update application: %w", err)
		}
		// NMO codes are unique per specialist: they follow a corrected SNILS,
		// and may not collide with the codes already recorded under it.
		_, err = tx.exec(ctx, `UPDATE nmo_activities SET snils = ? WHERE application_id = ? AND snils <> ?`,
			k.nmoSNILS(f.Specialist.SNILS), a.ID, k.nmoSNILS(f.Specialist.SNILS))
		if uniqueViolation(err) {
			return fmt.Errorf("NMO codes of %s under the new SNILS: %w", a.ID, ErrDuplicate)
		}
		if err != nil {
			return fmt.Errorf("database: move NMO codes: %w", err)
		}
		out = a
		return nil
	})
	return out, err
}

// GetApplication reads one application.
func (db *DB) GetApplication(ctx context.Context, id string) (*dossier.Application, error) {
	return getApplication(ctx, db.conn(), id, false)
}

// getApplication reads one application; lock holds its row until the end
// of the transaction, so that changes to one application queue.
func getApplication(ctx context.Context, c conn, id string, lock bool) (*dossier.Application, error) {
	q := `SELECT ` + applicationColumns + ` FROM applications WHERE id = ?`
	if lock {
		q += c.forUpdate()
	}
	row := c.queryRow(ctx, q, id)
	a, err := scanApplication(row, c.k)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("application %s: %w", id, ErrNotFound)
	}
	return a, err
}

type scanner interface{ Scan(dest ...any) error }

func scanApplication(s scanner, k *keys) (*dossier.Application, error) {
	var (
		a                      dossier.Application
		status                 string
		reportAgreed, employed sql.NullInt64
		nameChanged, consent   int64
		created, updated       string
		submitted, submittedOn sql.NullString
	)
	f := &a.Form
	err := s.Scan(&a.ID, &a.Owner, &f.Kind, &status, &f.Specialist.LastName, &f.Specialist.FirstName,
		&f.Specialist.MiddleName, &f.Specialist.SNILS, &f.Specialist.BirthDate, &f.Contact.Phone, &f.Contact.Email,
		&f.EducationLevel, &f.Specialty, &reportAgreed, &nameChanged, &employed, &f.Comment, &consent,
		&created, &updated, &submitted, &f.PreviousAccreditationDate, &f.EmploymentEnded,
		&f.ReportNotAgreedReason, &f.PrimaryBasis, &submittedOn)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, fmt.Errorf("database: read application: %w", err)
	}
	for col, v := range map[string]*string{"last_name": &f.Specialist.LastName, "first_name": &f.Specialist.FirstName,
		"middle_name": &f.Specialist.MiddleName, "snils": &f.Specialist.SNILS, "birth_date": &f.Specialist.BirthDate,
		"phone": &f.Contact.Phone, "email": &f.Contact.Email, "comment": &f.Comment} {
		if err := k.open(col, v); err != nil {
			return nil, fmt.Errorf("application %s: %w", a.ID, err)
		}
	}
	a.Status = dossier.Status(status)
	f.ReportAgreed, f.Employed = scanOptBool(reportAgreed), scanOptBool(employed)
	f.NameChanged, f.Consent = nameChanged != 0, consent != 0
	if a.CreatedAt, err = parseTS(created); err != nil {
		return nil, fmt.Errorf("database: application %s created_at: %w", a.ID, err)
	}
	if a.UpdatedAt, err = parseTS(updated); err != nil {
		return nil, fmt.Errorf("database: application %s updated_at: %w", a.ID, err)
	}
	if submitted.Valid {
		t, err := parseTS(submitted.String)
		if err != nil {
			return nil, fmt.Errorf("database: application %s submitted_at: %w", a.ID, err)
		}
		a.SubmittedAt = &t
	}
	a.SubmittedOn = submittedOn.String
	return &a, nil
}

// optDate stores a day (YYYY-MM-DD), or NULL for none.
func optDate(day string) any {
	if day == "" {
		return nil
	}
	return day
}

// queryApplications reads the applications a query selects (the
// applicationColumns, in order); what names the query in errors.
func (db *DB) queryApplications(ctx context.Context, what, q string, args ...any) ([]*dossier.Application, error) {
	c := db.conn()
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("database: %s: %w", what, err)
	}
	defer rows.Close()
	var out []*dossier.Application
	for rows.Next() {
		a, err := scanApplication(rows, c.k)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("database: %s: %w", what, err)
	}
	return out, nil
}

// DeleteApplication removes an application and every row that belongs to
// it (documents, history, ledger, bundles, sharing) in one transaction and
// returns the object keys those rows pointed at, for the caller to remove
// from storage. The audit log keeps its lines.
func (db *DB) DeleteApplication(ctx context.Context, id string) (keys []string, err error) {
	err = db.inTx(ctx, func(tx conn) error {
		if _, err := getApplication(ctx, tx, id, true); err != nil {
			return err
		}
		rows, err := tx.query(ctx, `SELECT object_key FROM documents WHERE application_id = ?
			UNION SELECT object_key FROM document_history WHERE application_id = ?
			UNION SELECT object_key FROM document_sources WHERE application_id = ?
			UNION SELECT object_key FROM bundles WHERE application_id = ? AND object_key <> ''`, id, id, id, id)
		if err != nil {
			return fmt.Errorf("database: keys of application: %w", err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return fmt.Errorf("database: keys of application: %w", err)
			}
			keys = append(keys, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("database: keys of application: %w", err)
		}
		// Children first: the same order works with or without cascades.
		for _, table := range []string{"documents", "document_history", "document_sources", "courses", "nmo_activities", "bundles", "grants", "share_codes", "readiness_state"} {
			if _, err := tx.exec(ctx, `DELETE FROM `+table+` WHERE application_id = ?`, id); err != nil {
				return fmt.Errorf("database: delete %s of application: %w", table, err)
			}
		}
		if _, err := tx.exec(ctx, `DELETE FROM applications WHERE id = ?`, id); err != nil {
			return fmt.Errorf("database: delete application: %w", err)
		}
		return nil
	})
	return keys, err
}
