package database

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"accredpack/dossier"
)

// testFormQuestionsMigration: an application stored before migration 00012
// reads afterwards with both questions unanswered (unknown stays unknown);
// the answers then round-trip.
func testFormQuestionsMigration(t *testing.T, db *DB) {
	ctx := context.Background()
	p := migrateDownTo(t, db, 11)
	created := ts(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	_, err := db.conn().exec(ctx, `INSERT INTO applications (id, owner, kind, status, last_name, first_name, middle_name, snils, birth_date,
		phone, email, education_level, specialty, report_agreed, name_changed, employed, comment, consent, created_at, updated_at,
		previous_accreditation_date, employment_ended)
		VALUES ('old', 'o', 'periodic', 'draft', 'Петров', 'Пётр', '', '11223344595', '1980-01-02', '+79123456789', 'p@example.ru',
		'higher', 'Терапия', 0, 0, 0, '', 1, ?, ?, '2021-09-15', '')`, created, created)
	if err != nil {
		t.Fatalf("a row of the old schema: %v", err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	a, err := db.GetApplication(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if a.Form.ReportAgreed == nil || *a.Form.ReportAgreed || a.Form.ReportNotAgreedReason != "" || a.Form.PrimaryBasis != "" {
		t.Errorf("migrated application: %+v", a.Form)
	}
	if _, known := a.Form.Choice("report_not_agreed_reason"); known {
		t.Error("the reason of a migrated application is unknown, not guessed")
	}
	_, err = db.UpdateApplication(ctx, "old", func(a *dossier.Application) error {
		a.Form.ReportNotAgreedReason, a.Form.PrimaryBasis = dossier.ReasonSoleProprietor, "residency"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if a, _ = db.GetApplication(ctx, "old"); a.Form.ReportNotAgreedReason != dossier.ReasonSoleProprietor || a.Form.PrimaryBasis != "residency" {
		t.Errorf("answers lost: %+v", a.Form)
	}
}

// migrateDownTo undoes the migrations after version (to write rows as an
// older schema had them) and returns the provider that migrates up again.
func migrateDownTo(t *testing.T, db *DB, version int64) *goose.Provider {
	t.Helper()
	dir, _ := fs.Sub(migrations, "migrations/"+db.folder())
	p, err := goose.NewProvider(db.dialect, db.sql, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(context.Background(), version); err != nil {
		t.Fatalf("down to %05d: %v", version, err)
	}
	return p
}
