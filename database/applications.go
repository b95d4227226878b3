package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"accredpack/dossier"
)

const applicationColumns = `id, owner, kind, status, last_name, first_name, middle_name, snils, birth_date,
	phone, email, education_level, specialty, report_agreed, name_changed, employed, comment, consent,
	created_at, updated_at, submitted_at, previous_accreditation_date, employment_ended`

// CreateApplication inserts a new application.
func (db *DB) CreateApplication(ctx context.Context, a *dossier.Application) error {
	f := &a.Form
	var submitted any
	if a.SubmittedAt != nil {
		submitted = ts(*a.SubmittedAt)
	}
	_, err := db.conn().exec(ctx, `INSERT INTO applications (`+applicationColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.Owner, f.Kind, string(a.Status), f.Specialist.LastName, f.Specialist.FirstName, f.Specialist.MiddleName,
		f.Specialist.SNILS, f.Specialist.BirthDate, f.Contact.Phone, f.Contact.Email, f.EducationLevel, f.Specialty,
		optBool(f.ReportAgreed), boolInt(f.NameChanged), optBool(f.Employed), f.Comment, boolInt(f.Consent),
		ts(a.CreatedAt), ts(a.UpdatedAt), submitted, f.PreviousAccreditationDate, f.EmploymentEnded)
	if err != nil {
		return fmt.Errorf("database: insert application: %w", err)
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
		_, err = tx.exec(ctx, `UPDATE applications SET status = ?, last_name = ?, first_name = ?, middle_name = ?,
			snils = ?, birth_date = ?, phone = ?, email = ?, education_level = ?, specialty = ?, report_agreed = ?,
			name_changed = ?, employed = ?, comment = ?, consent = ?, updated_at = ?, submitted_at = ?,
			previous_accreditation_date = ?, employment_ended = ? WHERE id = ?`,
			string(a.Status), f.Specialist.LastName, f.Specialist.FirstName, f.Specialist.MiddleName, f.Specialist.SNILS,
			f.Specialist.BirthDate, f.Contact.Phone, f.Contact.Email, f.EducationLevel, f.Specialty, optBool(f.ReportAgreed),
			boolInt(f.NameChanged), optBool(f.Employed), f.Comment, boolInt(f.Consent), ts(a.UpdatedAt), submitted,
			f.PreviousAccreditationDate, f.EmploymentEnded, a.ID)
		if err != nil {
			return fmt.Errorf("database: update application: %w", err)
		}
		// NMO codes are unique per specialist: they follow a corrected SNILS,
		// and may not collide with the codes already recorded under it.
		_, err = tx.exec(ctx, `UPDATE nmo_activities SET snils = ? WHERE application_id = ? AND snils <> ?`,
			f.Specialist.SNILS, a.ID, f.Specialist.SNILS)
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
	a, err := scanApplication(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("application %s: %w", id, ErrNotFound)
	}
	return a, err
}

type scanner interface{ Scan(dest ...any) error }

func scanApplication(s scanner) (*dossier.Application, error) {
	var (
		a                      dossier.Application
		status                 string
		reportAgreed, employed sql.NullInt64
		nameChanged, consent   int64
		created, updated       string
		submitted              sql.NullString
	)
	f := &a.Form
	err := s.Scan(&a.ID, &a.Owner, &f.Kind, &status, &f.Specialist.LastName, &f.Specialist.FirstName,
		&f.Specialist.MiddleName, &f.Specialist.SNILS, &f.Specialist.BirthDate, &f.Contact.Phone, &f.Contact.Email,
		&f.EducationLevel, &f.Specialty, &reportAgreed, &nameChanged, &employed, &f.Comment, &consent,
		&created, &updated, &submitted, &f.PreviousAccreditationDate, &f.EmploymentEnded)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, fmt.Errorf("database: read application: %w", err)
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
	return &a, nil
}

// Page is a position in a list: after the item created at CreatedAt with ID.
type Page struct {
	CreatedAt time.Time
	ID        string
}

// ListApplications lists applications of owner (all owners when empty) in
// creation order, at most limit, starting after the given position (nil for
// the first page).
func (db *DB) ListApplications(ctx context.Context, owner string, after *Page, limit int) ([]*dossier.Application, error) {
	q := `SELECT ` + applicationColumns + ` FROM applications WHERE (? = '' OR owner = ?)`
	args := []any{owner, owner}
	if after != nil {
		q += ` AND (created_at > ? OR (created_at = ? AND id > ?))`
		args = append(args, ts(after.CreatedAt), ts(after.CreatedAt), after.ID)
	}
	q += ` ORDER BY created_at, id LIMIT ?`
	args = append(args, limit)
	rows, err := db.conn().query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("database: list applications: %w", err)
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
		return nil, fmt.Errorf("database: list applications: %w", err)
	}
	return out, nil
}
