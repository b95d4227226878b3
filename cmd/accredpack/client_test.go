package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	apiclient "accredpack/client"
	"accredpack/internal/testdocs"
)

// testClientPackage drives the service through the integrators' Go client
// package: a specialist's system creates an application (retried with an
// idempotency key: one application) and uploads the documents; a training
// center's system, with its API key, redeems the share code, adds a course
// and composes the certificate from two photos; the refusal of a read
// comes back as a typed error; the FRMR package is built and downloaded.
func testClientPackage(t *testing.T, c *client) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	owner := c.account("specialist", "", "client-owner")
	center := c.account("training_center", c.organization("training_center", "УЦ «Клиент»"), "client-center")
	key := center.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "СДО"})["token"].(string)
	specialist := clientFor(c, owner.bearer)
	integration := clientFor(c, key)

	idem := apiclient.NewIdempotencyKey()
	a, err := specialist.CreateApplication(ctx, validForm(), apiclient.WithIdempotencyKey(idem))
	if err != nil {
		t.Fatal(err)
	}
	again, err := specialist.CreateApplication(ctx, validForm(), apiclient.WithIdempotencyKey(idem))
	if err != nil || again.ID != a.ID {
		t.Fatalf("retried create: %v, %s vs %s", err, again.ID, a.ID)
	}
	if _, err := specialist.CreateApplication(ctx, map[string]any{"kind": "periodic"}); !apiclient.IsCode(err, "validation_failed") {
		t.Errorf("an empty form: %v", err)
	} else if e := err.(*apiclient.Error); e.Status != 422 || len(e.Fields) == 0 {
		t.Errorf("validation error: %+v", e)
	}
	for _, slot := range []string{"identity_document", "snils", "education_diploma", "previous_accreditation", "work_record", "professional_report"} {
		doc, err := specialist.Upload(ctx, a.ID, slot, slot+".pdf", bytes.NewReader(testdocs.PDF(t, 1, slot)))
		if err != nil || doc.Pages != 1 || doc.Slot != slot {
			t.Fatalf("upload %s: %+v, %v", slot, doc, err)
		}
	}

	// Not ready yet: the refusal of a package names what blocks it, and so
	// does the application.
	_, err = specialist.RequestBundle(ctx, a.ID, "frmr_package", false)
	var notReady *apiclient.Error
	if !errors.As(err, &notReady) || notReady.Status != 409 || !hasFinding(notReady.Findings, "education_hours") || !hasFinding(notReady.Findings, "missing_document") {
		t.Errorf("a package of an unready application: %v", err)
	}
	if got, err := specialist.Application(ctx, a.ID); err != nil || got.Ready || !hasFinding(got.Blocking, "education_hours") {
		t.Errorf("the unready application's blocking findings: %+v, %v", got, err)
	}

	code, err := specialist.ShareCode(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := integration.RedeemShareCode(ctx, code); err != nil || id != a.ID {
		t.Fatalf("redeem: %s, %v", id, err)
	}
	course, err := integration.AddCourse(ctx, a.ID, apiclient.Course{Title: "Терапия: новое", Organization: "УЦ «Клиент»", Hours: 144,
		StartDate: "2025-01-10", EndDate: "2025-03-20", InSpecialty: true, FRDONumber: "ФРДО-77", CertificateSlot: "qualification_certificates.1"})
	if err != nil || course.ID == "" {
		t.Fatalf("add course: %+v, %v", course, err)
	}
	made, err := integration.Compose(ctx, a.ID, "qualification_certificates.1", []apiclient.Part{
		{Name: "удостоверение.jpg", Data: bytes.NewReader(testdocs.JPEG(t))},
		{Name: "оборот.png", Data: bytes.NewReader(testdocs.PNG(t))},
	}, true)
	if err != nil || made.Compose.Parts != 2 || made.Document.Pages != 2 || len(made.Sources) != 2 {
		t.Fatalf("compose: %+v, %v", made, err)
	}
	// A training center adds; it reads nothing.
	if _, err := integration.Application(ctx, a.ID); !apiclient.IsCode(err, "forbidden") {
		t.Errorf("training center reading the application: %v", err)
	}

	got, err := specialist.Application(ctx, a.ID)
	if err != nil || !got.Ready {
		t.Fatalf("application after the certificate: ready %v, missing %v, %v", got.Ready, got.Missing, err)
	}
	b, err := specialist.RequestBundle(ctx, a.ID, "frmr_package", false)
	if err != nil {
		t.Fatal(err)
	}
	if b, err = specialist.WaitBundle(ctx, b.ID, 100*time.Millisecond); err != nil || b.Status != "done" {
		t.Fatalf("bundle: %+v, %v", b, err)
	}
	var zipped bytes.Buffer
	if err := specialist.DownloadBundle(ctx, b.ID, &zipped); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
	if err != nil || int64(zipped.Len()) != b.Size {
		t.Fatalf("package: %d bytes (want %d), %v", zipped.Len(), b.Size, err)
	}
	if len(zr.File) < 8 {
		t.Errorf("package has %d entries", len(zr.File))
	}

	// What the web interface and integrators read besides: the bundles of
	// an application, the names of downloads, who the key belongs to.
	list, err := specialist.Bundles(ctx, a.ID)
	if err != nil || len(list) != 1 || list[0].ID != b.ID || list[0].Draft || list[0].ApplicationID != a.ID || list[0].CreatedAt.IsZero() {
		t.Errorf("bundles: %+v, %v", list, err)
	}
	if name, err := specialist.DownloadBundleNamed(ctx, b.ID, io.Discard); err != nil || name != "Иванова А.С. - пакет для ФРМР.zip" {
		t.Errorf("package name: %q, %v", name, err)
	}
	var passport bytes.Buffer
	if name, err := specialist.DownloadFile(ctx, a.ID, "identity_document", &passport); err != nil || name != "Иванова А.С. - Паспорт.pdf" || passport.Len() == 0 {
		t.Errorf("passport: %q (%d bytes), %v", name, passport.Len(), err)
	}
	if me, err := specialist.Me(ctx); err != nil || me.Name != "client-owner" || me.Email != owner.email || me.Role != "specialist" {
		t.Errorf("me: %+v, %v", me, err)
	}
	if me, err := apiclient.New(c.base, token, nil).Me(ctx); err != nil || me.Name != "" || me.Role != "admin" {
		t.Errorf("the bootstrap token's me: %+v, %v", me, err)
	}

	// Submitted on the day the portal took it; a day in the future is
	// refused on its field.
	if _, err := specialist.Submit(ctx, a.ID, time.Now().AddDate(0, 0, 3)); !apiclient.IsCode(err, "validation_failed") || err.(*apiclient.Error).Fields[0].Field != "submitted_on" {
		t.Errorf("a submission in three days: %v", err)
	}
	today := time.Now().UTC()
	sent, err := specialist.Submit(ctx, a.ID, today)
	if err != nil || sent.Status != "submitted" || sent.SubmittedOn != today.Format(time.DateOnly) {
		t.Errorf("submit: %+v, %v", sent, err)
	}

	// The key's account changes its password; the key goes on working.
	err = specialist.ChangePassword(ctx, "не тот пароль", "новый пароль клиента")
	if e := (*apiclient.Error)(nil); !errors.As(err, &e) || e.Status != 422 || len(e.Fields) != 1 || e.Fields[0].Field != "current_password" {
		t.Errorf("a wrong current password: %v", err)
	}
	if err := specialist.ChangePassword(ctx, password, "новый пароль клиента"); err != nil {
		t.Errorf("change password: %v", err)
	}
	if _, err := specialist.Me(ctx); err != nil {
		t.Errorf("the key after the change: %v", err)
	}
}

func hasFinding(list []apiclient.Finding, code string) bool {
	for _, f := range list {
		if f.Code == code {
			return true
		}
	}
	return false
}

func clientFor(c *client, bearer string) *apiclient.Client { return apiclient.New(c.base, bearer, nil) }
