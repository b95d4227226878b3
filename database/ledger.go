package database

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"accredpack/dossier"
)

// ErrDuplicate reports a row that breaks a uniqueness rule (an NMO
// confirmation code used twice by one specialist).
var ErrDuplicate = errors.New("database: already recorded")

func uniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

const courseColumns = `id, title, organization, hours, start_date, end_date, in_specialty, frdo_number, certificate_slot, imported_by`

// PutCourse inserts or replaces a course of an application. An imported
// course (ImportedBy set) whose FRDO number the application already has
// from an import is ErrDuplicate.
func (db *DB) PutCourse(ctx context.Context, appID string, c dossier.Course, at time.Time) error {
	return db.inTx(ctx, func(tx conn) error {
		if _, err := getApplication(ctx, tx, appID, true); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM courses WHERE id = ? AND application_id = ?`, c.ID, appID); err != nil {
			return fmt.Errorf("database: replace course: %w", err)
		}
		_, err := tx.exec(ctx, `INSERT INTO courses (application_id, created_at, `+courseColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			appID, ts(at), c.ID, c.Title, c.Organization, c.Hours, c.StartDate, c.EndDate, boolInt(c.InSpecialty), c.FRDONumber, c.CertificateSlot, c.ImportedBy)
		if uniqueViolation(err) {
			return fmt.Errorf("imported course of %s: %w", appID, ErrDuplicate)
		}
		if err != nil {
			return fmt.Errorf("database: insert course: %w", err)
		}
		return nil
	})
}

// Courses lists an application's courses in the order they were added.
func (db *DB) Courses(ctx context.Context, appID string) ([]dossier.Course, error) {
	rows, err := db.conn().query(ctx, `SELECT `+courseColumns+` FROM courses WHERE application_id = ? ORDER BY created_at, id`, appID)
	if err != nil {
		return nil, fmt.Errorf("database: courses: %w", err)
	}
	defer rows.Close()
	out := []dossier.Course{}
	for rows.Next() {
		var c dossier.Course
		var inSpecialty int64
		if err := rows.Scan(&c.ID, &c.Title, &c.Organization, &c.Hours, &c.StartDate, &c.EndDate, &inSpecialty, &c.FRDONumber, &c.CertificateSlot, &c.ImportedBy); err != nil {
			return nil, fmt.Errorf("database: course: %w", err)
		}
		c.InSpecialty = inSpecialty != 0
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteCourse removes a course.
func (db *DB) DeleteCourse(ctx context.Context, appID, id string) error {
	return deleteRow(ctx, db, "courses", appID, id)
}

func deleteRow(ctx context.Context, db *DB, table, appID, id string) error {
	res, err := db.conn().exec(ctx, `DELETE FROM `+table+` WHERE id = ? AND application_id = ?`, id, appID)
	if err != nil {
		return fmt.Errorf("database: delete from %s: %w", table, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("%s %s: %w", table, id, ErrNotFound)
	}
	return nil
}

const nmoColumns = `id, title, activity_date, credits, code, kind, foreign_event`

// PutNMOActivity inserts or replaces an NMO activity. Its code must not be
// recorded for the same specialist (SNILS) in any application: ErrDuplicate.
func (db *DB) PutNMOActivity(ctx context.Context, appID string, a dossier.NMOActivity, at time.Time) error {
	return db.inTx(ctx, func(tx conn) error {
		app, err := getApplication(ctx, tx, appID, true)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM nmo_activities WHERE id = ? AND application_id = ?`, a.ID, appID); err != nil {
			return fmt.Errorf("database: replace activity: %w", err)
		}
		_, err = tx.exec(ctx, `INSERT INTO nmo_activities (application_id, snils, created_at, `+nmoColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			appID, tx.k.nmoSNILS(app.Form.Specialist.SNILS), ts(at), a.ID, a.Title, a.Date, a.Credits, a.Code, a.Kind, boolInt(a.Foreign))
		if uniqueViolation(err) {
			return fmt.Errorf("code %s: %w", a.Code, ErrDuplicate)
		}
		if err != nil {
			return fmt.Errorf("database: insert activity: %w", err)
		}
		return nil
	})
}

// NMOActivities lists an application's NMO activities.
func (db *DB) NMOActivities(ctx context.Context, appID string) ([]dossier.NMOActivity, error) {
	rows, err := db.conn().query(ctx, `SELECT `+nmoColumns+` FROM nmo_activities WHERE application_id = ? ORDER BY created_at, id`, appID)
	if err != nil {
		return nil, fmt.Errorf("database: activities: %w", err)
	}
	defer rows.Close()
	out := []dossier.NMOActivity{}
	for rows.Next() {
		var a dossier.NMOActivity
		var foreign int64
		if err := rows.Scan(&a.ID, &a.Title, &a.Date, &a.Credits, &a.Code, &a.Kind, &foreign); err != nil {
			return nil, fmt.Errorf("database: activity: %w", err)
		}
		a.Foreign = foreign != 0
		out = append(out, a)
	}
	return out, rows.Err()
}

// DeleteNMOActivity removes an activity (its code becomes usable again).
func (db *DB) DeleteNMOActivity(ctx context.Context, appID, id string) error {
	return deleteRow(ctx, db, "nmo_activities", appID, id)
}
