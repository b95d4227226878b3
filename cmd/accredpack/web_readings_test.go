package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"accredpack/internal/testscans"
)

// TestWebReadings: the documents page shows what reading a scan found on
// its row, with «Документ верный», which dismisses the warnings.
func TestWebReadings(t *testing.T) {
	cfg := accessConfig(t)
	cfg.OCR.Mode = "on"
	c := startService(t, cfg)
	anna := c.account("specialist", "", "anna")
	id := anna.must(201, "POST", "/api/v1/applications", validForm())["id"].(string)
	if r := c.putRaw(id, "snils", scanFor(t, testscans.SNILS, testscans.People[1])); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	if r := c.putRaw(id, "identity_document", scanFor(t, testscans.Passport, testscans.People[0])); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	c.reading(id, "snils")
	c.reading(id, "identity_document")

	tab := browserTab(t)
	shots := artifacts(t)
	var warnings int
	var passport, before, after string
	err := chromedp.Run(tab,
		signIn(t, c.base, anna.email, password, "body"),
		navigate(t, c.base+"/app/a/"+id+"/documents"),
		waitFor(t, `li[data-slot="snils"] .reading li.warning`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('li[data-slot="snils"] .reading li.warning').length`, &warnings),
		text(`li[data-slot="snils"] .reading`, &before),
		text(`li[data-slot="identity_document"] .reading`, &passport),
		look(t, shots, "20-reading-warnings"),
		chromedp.Click(`li[data-slot="snils"] .reading button`, chromedp.ByQuery),
		waitFor(t, `li[data-slot="snils"] .reading.muted`, chromedp.ByQuery),
		text(`li[data-slot="snils"] .reading`, &after),
		look(t, shots, "21-reading-confirmed"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if warnings != 2 || !strings.Contains(before, "СНИЛС") || !strings.Contains(before, "Документ верный") {
		t.Errorf("another person's SNILS: %d warnings, the row reads %q", warnings, before)
	}
	if !strings.Contains(passport, "замечаний к содержимому нет") {
		t.Errorf("her own passport: %q", passport)
	}
	if !strings.Contains(after, "подтвердили") {
		t.Errorf("after «Документ верный»: %q", after)
	}
}
