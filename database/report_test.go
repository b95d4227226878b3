package database

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"accredpack/keyring"
)

// testReportDrafts: a draft is saved from the version it was made from; a
// save from an older version (a second device) is refused and changes
// nothing; a draft written before the keys is sealed by SealColumns and
// one written after is sealed at once (the raw row holds no text in
// clear); deleting the application deletes its draft; a consultancy's
// templates are its own.
func testReportDrafts(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	if err := db.CreateApplication(ctx, newApp("r1", now)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReportDraft(ctx, "r1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no draft yet: %v", err)
	}
	if _, err := db.SaveReportDraft(ctx, "nope", `{}`, 0, "u", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown application: %v", err)
	}
	if _, err := db.SaveReportDraft(ctx, "r1", `{"duties":"x"}`, 3, "u", now); !errors.Is(err, ErrVersionMoved) {
		t.Errorf("a save from a version never stored: %v", err)
	}
	v, err := db.SaveReportDraft(ctx, "r1", `{"duties":"Приём пациентов"}`, 0, "u1", now)
	if err != nil || v != 1 {
		t.Fatalf("first save = %d, %v", v, err)
	}
	if _, err := db.SaveReportDraft(ctx, "r1", `{"duties":"другое устройство"}`, 0, "u2", now); !errors.Is(err, ErrVersionMoved) {
		t.Errorf("a second first save: %v", err)
	}
	v, err = db.SaveReportDraft(ctx, "r1", `{"duties":"Приём пациентов и диспансеризация"}`, 1, "u1", now.Add(time.Minute))
	if err != nil || v != 2 {
		t.Fatalf("second save = %d, %v", v, err)
	}
	if _, err := db.SaveReportDraft(ctx, "r1", `{"duties":"старое"}`, 1, "u2", now.Add(2*time.Minute)); !errors.Is(err, ErrVersionMoved) {
		t.Errorf("a save from version 1 after 2: %v", err)
	}
	got, err := db.ReportDraft(ctx, "r1")
	if err != nil || got.Version != 2 || got.Body != `{"duties":"Приём пациентов и диспансеризация"}` || got.UpdatedBy != "u1" || !got.UpdatedAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("read back: %+v, %v", got, err)
	}
	if err := db.SetReportSlotSHA256(ctx, "r1", "abc"); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.ReportDraft(ctx, "r1"); got.SlotSHA256 != "abc" {
		t.Errorf("slot sha: %q", got.SlotSHA256)
	}
	if vs, err := db.ReportDraftVersions(ctx, []string{"r1", "nope"}); err != nil || len(vs) != 1 || vs["r1"] != 2 {
		t.Errorf("versions: %v, %v", vs, err)
	}

	// Keys: the draft in clear is sealed; a new one is sealed as written.
	ring, _, err := keyring.LoadOrCreate(t.TempDir() + "/master.key")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UseKeys(ctx, ring); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SealColumns(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateApplication(ctx, newApp("r2", now)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveReportDraft(ctx, "r2", `{"proposals":"Внедрить телемедицину"}`, 0, "u1", now); err != nil {
		t.Fatal(err)
	}
	rows, err := db.conn().query(ctx, `SELECT body FROM report_drafts`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			t.Fatal(err)
		}
		n++
		if !strings.HasPrefix(body, sealedPrefix) || strings.Contains(body, "Приём") || strings.Contains(body, "телемедицин") {
			t.Errorf("a draft in clear in the row: %.40q", body)
		}
	}
	rows.Close()
	if n != 2 {
		t.Errorf("%d drafts stored, want 2", n)
	}
	if got, err := db.ReportDraft(ctx, "r1"); err != nil || !strings.Contains(got.Body, "диспансеризация") {
		t.Errorf("a sealed draft reads back: %+v, %v", got, err)
	}
	if _, err := db.DeleteApplication(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReportDraft(ctx, "r1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the draft outlived its application: %v", err)
	}

	// Templates belong to one organization.
	for _, o := range []Organization{{ID: "o1", Name: "Консалтинг", Kind: "consultancy", CreatedAt: now}, {ID: "o2", Name: "Другая", Kind: "consultancy", CreatedAt: now}} {
		if err := db.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CreateReportTemplate(ctx, ReportTemplate{ID: "t1", OrganizationID: "o1", Specialty: "Терапия", Title: "Терапевт участковый", Body: `{}`, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if list, err := db.ReportTemplates(ctx, "o1"); err != nil || len(list) != 1 || list[0].Title != "Терапевт участковый" {
		t.Errorf("templates of o1: %+v, %v", list, err)
	}
	if list, err := db.ReportTemplates(ctx, "o2"); err != nil || len(list) != 0 {
		t.Errorf("templates of o2: %+v, %v", list, err)
	}
	if err := db.DeleteReportTemplate(ctx, "o2", "t1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another organization deletes a template: %v", err)
	}
	if err := db.DeleteReportTemplate(ctx, "o1", "t1"); err != nil {
		t.Error(err)
	}
}
