package database

import (
	"context"
	"testing"
	"time"

	"accredpack/dossier"
)

// testSubmittedOnMigration: after migration 00013 an application submitted
// before it was submitted on the (UTC) day of its submitted_at, a draft on
// no day, one submitted and reopened neither; the day then round-trips and
// clears.
func testSubmittedOnMigration(t *testing.T, db *DB) {
	ctx := context.Background()
	p := migrateDownTo(t, db, 12)
	created := ts(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	// 23:30 UTC on 2 March is already 3 March in Moscow: the service counts
	// days in UTC, so the day is the 2nd.
	late := ts(time.Date(2026, 3, 2, 23, 30, 0, 0, time.UTC))
	for _, row := range []struct {
		id, status string
		submitted  any
	}{{"sent", "submitted", late}, {"draft", "draft", nil}, {"odd", "draft", late}} {
		_, err := db.conn().exec(ctx, `INSERT INTO applications (id, owner, kind, status, last_name, first_name, middle_name, snils, birth_date,
			phone, email, education_level, specialty, report_agreed, name_changed, employed, comment, consent, created_at, updated_at,
			submitted_at, previous_accreditation_date, employment_ended, report_not_agreed_reason, primary_basis)
			VALUES (?, 'o', 'periodic', ?, 'Петров', 'Пётр', '', '11223344595', '1980-01-02', '+79123456789', 'p@example.ru',
			'higher', 'Терапия', 1, 0, 1, '', 1, ?, ?, ?, '2021-09-15', '', '', '')`, row.id, row.status, created, created, row.submitted)
		if err != nil {
			t.Fatalf("a row of the old schema: %v", err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	for id, want := range map[string]string{"sent": "2026-03-02", "draft": "", "odd": ""} {
		a, err := db.GetApplication(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.SubmittedOn != want {
			t.Errorf("%s after the migration: submitted on %q; want %q", id, a.SubmittedOn, want)
		}
	}
	_, err := db.UpdateApplication(ctx, "draft", func(a *dossier.Application) error {
		a.Status, a.SubmittedOn = dossier.StatusSubmitted, "2026-03-05"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := db.GetApplication(ctx, "draft"); a.SubmittedOn != "2026-03-05" {
		t.Errorf("submitted on %q; want 2026-03-05", a.SubmittedOn)
	}
	_, err = db.UpdateApplication(ctx, "sent", func(a *dossier.Application) error {
		a.Status, a.SubmittedAt, a.SubmittedOn = dossier.StatusDraft, nil, ""
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var stored any
	if err := db.conn().queryRow(ctx, `SELECT submitted_on FROM applications WHERE id = 'sent'`).Scan(&stored); err != nil || stored != nil {
		t.Errorf("reopened: submitted_on %v (%v); want NULL", stored, err)
	}
	// A new application keeps its day from the start.
	a := newApp("new", time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	a.Status, a.SubmittedOn = dossier.StatusSubmitted, "2026-03-04"
	if err := db.CreateApplication(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetApplication(ctx, "new"); got.SubmittedOn != "2026-03-04" {
		t.Errorf("created submitted on %q", got.SubmittedOn)
	}
}
