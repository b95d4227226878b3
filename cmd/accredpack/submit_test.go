package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"accredpack/calendar"
	"accredpack/internal/testdocs"
)

// testSubmittedOn: submission takes the day the FRMR portal took the
// application (refusing a malformed day, one in the future and one before
// the application existed, each in Russian on submitted_on, the application
// still a draft); the application shows it (null while a draft, cleared by
// reopening); the readiness report's stages count from it, not from the
// recommended month; the call without a body is today, as it always was.
func testSubmittedOn(t *testing.T, c *client) {
	now := time.Now().UTC()
	today := now.Format(time.DateOnly)
	// Expiry in four months: the recommended month starts after today, so
	// counting from it and from the submission day differ.
	prev := time.Date(now.Year()-5, now.Month()+4, 10, 0, 0, 0, 0, time.UTC)
	monthStart := time.Date(now.Year(), now.Month()+2, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	id := c.createWith(func(f map[string]any) { f["previous_accreditation_date"] = prev.Format(time.DateOnly) })
	for i, slot := range []string{"identity_document", "snils", "education_diploma", "previous_accreditation",
		"qualification_certificates.1", "work_record", "professional_report"} {
		if r := c.putRaw(id, slot, testdocs.PDF(t, 1+i%2, slot)); r.status != 201 {
			t.Fatalf("upload %s: %d %s", slot, r.status, r.body)
		}
	}
	c.addCourse(id, 144)
	base := "/api/v1/applications/" + id
	app := c.jsonCall("GET", base, nil).json(t)
	if on, ok := app["submitted_on"]; !ok || on != nil || app["ready"] != true {
		t.Fatalf("a ready draft: submitted_on %v (present %v), ready %v, blocking %v", on, ok, app["ready"], app["blocking"])
	}
	deadlines := func() map[string]any {
		t.Helper()
		d, _ := c.jsonCall("GET", base+"/readiness", nil).json(t)["deadlines"].(map[string]any)
		if d == nil {
			t.Fatal("no deadlines in the readiness report")
		}
		return d
	}
	if d := deadlines(); d["planned_submission"] != monthStart || d["submitted_on"] != nil {
		t.Errorf("a draft's deadlines: %v; want planned from %s", d, monthStart)
	}

	for _, tc := range []struct{ day, says string }{
		{"02.12.2026", "ГГГГ-ММ-ДД"},
		{now.AddDate(0, 0, -1).Format(time.DateOnly), "раньше создания заявления"},
		{now.AddDate(0, 0, 2).Format(time.DateOnly), "позже сегодняшнего дня"},
	} {
		r := c.jsonCall("POST", base+"/submit", map[string]any{"submitted_on": tc.day})
		if r.status != 422 || r.errorCode(t) != "validation_failed" || fieldsOf(t, r) != "submitted_on" || !strings.Contains(string(r.body), tc.says) {
			t.Errorf("submitted on %q: %d %s; want 422 on submitted_on saying %q", tc.day, r.status, r.body, tc.says)
		}
	}
	if r := c.do("POST", base+"/submit", strings.NewReader(`{"submitted_on":`), "application/json", 0, true); r.status != 400 || r.errorCode(t) != "bad_request" {
		t.Errorf("malformed body: %d %s", r.status, r.body)
	}
	if got := c.jsonCall("GET", base, nil).json(t); got["status"] != "draft" || got["submitted_on"] != nil {
		t.Fatalf("after refusals: %v, submitted_on %v", got["status"], got["submitted_on"])
	}

	r := c.jsonCall("POST", base+"/submit", map[string]any{"submitted_on": today})
	if r.status != 200 || r.json(t)["status"] != "submitted" || r.json(t)["submitted_on"] != today {
		t.Fatalf("submit on %s: %d %s", today, r.status, r.body)
	}
	if got := c.jsonCall("GET", base, nil).json(t); got["submitted_on"] != today || got["submitted_at"] == nil {
		t.Errorf("stored: submitted_on %v, submitted_at %v", got["submitted_on"], got["submitted_at"])
	}
	d := deadlines()
	if d["submitted_on"] != today || d["planned_submission"] != today {
		t.Errorf("a submitted application's deadlines: %v; want counted from %s", d, today)
	}
	// The stages, counted here on the production calendar from that day.
	if stages, _ := d["stages"].([]any); len(stages) > 0 {
		cal, err := calendar.Load()
		if err != nil {
			t.Fatal(err)
		}
		at, _ := time.Parse(time.DateOnly, today)
		for _, s := range stages {
			st := s.(map[string]any)
			if at, err = cal.AddWorkingDays(at, int(st["working_days"].(float64))); err != nil {
				t.Fatal(err)
			}
			if st["ends"] != at.Format(time.DateOnly) {
				t.Errorf("stage %v ends %v; want %s, counted from the submission day", st["id"], st["ends"], at.Format(time.DateOnly))
			}
		}
	} else {
		t.Logf("no stages (the calendar lacks a year): %v", d)
	}
	list := c.jsonCall("GET", "/api/v1/applications?limit=100", nil).json(t)["items"].([]any)
	for _, item := range list {
		if it := item.(map[string]any); it["id"] == id && it["submitted_on"] != today {
			t.Errorf("the list shows submitted_on %v", it["submitted_on"])
		}
	}

	// Reopening clears the day; the deadlines count from the month again.
	if r := c.jsonCall("POST", base+"/reopen", nil); r.status != 200 || r.json(t)["submitted_on"] != nil {
		t.Fatalf("reopen: %d %s", r.status, r.body)
	}
	if d := deadlines(); d["planned_submission"] != monthStart || d["submitted_on"] != nil {
		t.Errorf("reopened: %v", d)
	}
	// The call as it always was: no body, no content type; and an empty
	// object. Both are today.
	for _, body := range []*bytes.Reader{nil, bytes.NewReader([]byte("{}"))} {
		var r response
		if body == nil {
			r = c.do("POST", base+"/submit", nil, "", 0, true)
		} else {
			r = c.do("POST", base+"/submit", body, "application/json", 0, true)
		}
		if r.status != 200 || r.json(t)["submitted_on"] != today {
			t.Errorf("submit without a day: %d %s", r.status, r.body)
		}
		c.jsonCall("POST", base+"/reopen", nil)
	}
}
