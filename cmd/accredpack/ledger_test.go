package main

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

func (c *client) createWith(change func(map[string]any)) string {
	c.t.Helper()
	f := validForm()
	change(f)
	r := c.jsonCall("POST", "/api/v1/applications", f)
	if r.status != 201 {
		c.t.Fatalf("create: %d %s", r.status, r.body)
	}
	return r.json(c.t)["id"].(string)
}

func fieldsOf(t *testing.T, r response) string {
	var out []string
	for _, f := range r.json(t)["error"].(map[string]any)["fields"].([]any) {
		out = append(out, f.(map[string]any)["field"].(string))
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func testLedgerAndReadiness(t *testing.T, c *client) {
	id := c.createWith(func(f map[string]any) { f["previous_accreditation_date"] = "2021-09-15" })
	app := c.jsonCall("GET", "/api/v1/applications/"+id, nil).json(t)
	d, _ := app["deadlines"].(map[string]any)
	if d == nil || d["expiry"] != "2026-09-15" || d["submit_by"] != "2026-07-31" {
		t.Fatalf("deadlines = %v", app["deadlines"])
	}

	// Courses.
	r := c.jsonCall("POST", "/api/v1/applications/"+id+"/courses", map[string]any{
		"title": "Актуальные вопросы терапии", "organization": "РМАНПО", "hours": 144,
		"start_date": "2023-02-01", "end_date": "2023-03-01", "in_specialty": true, "frdo_number": "1177-0001",
		"certificate_slot": "qualification_certificates.1"})
	if r.status != 201 || r.json(t)["id"] == "" {
		t.Fatalf("add course: %d %s", r.status, r.body)
	}
	courseID := r.json(t)["id"].(string)
	bad := c.jsonCall("POST", "/api/v1/applications/"+id+"/courses", map[string]any{
		"organization": "x", "hours": 0, "start_date": "2023-03-01", "end_date": "2023-02-01", "certificate_slot": "snils"})
	if bad.status != 422 || fieldsOf(t, bad) != "certificate_slot,end_date,hours,title" {
		t.Errorf("invalid course: %d %s", bad.status, bad.body)
	}
	if r := c.jsonCall("PUT", "/api/v1/applications/"+id+"/courses/nope", map[string]any{"title": "x"}); r.status != 404 {
		t.Errorf("replace of an unknown course: %d", r.status)
	}

	// NMO activities: the code is normalized and activated once per specialist.
	r = c.jsonCall("POST", "/api/v1/applications/"+id+"/nmo", map[string]any{
		"title": "Конгресс терапевтов", "date": "2024-03-10", "credits": 6, "code": " abcd 12o4 efgh ", "kind": "event"})
	if r.status != 201 || r.json(t)["code"] != "ABCD-1204EFGH" {
		t.Fatalf("add activity: %d %s", r.status, r.body)
	}
	sameSpecialist := c.create() // same SNILS as validForm
	r = c.jsonCall("POST", "/api/v1/applications/"+sameSpecialist+"/nmo", map[string]any{
		"title": "Тот же код", "date": "2024-03-11", "credits": 6, "code": "ABCD-1204EFGH", "kind": "e_module"})
	if r.status != 409 || r.errorCode(t) != "conflict" {
		t.Errorf("a code used twice by one specialist: %d %s", r.status, r.body)
	}
	other := c.createWith(func(f map[string]any) { f["specialist"].(map[string]any)["snils"] = "026-002-389 00" })
	if r := c.jsonCall("POST", "/api/v1/applications/"+other+"/nmo", map[string]any{
		"title": "Тот же код", "date": "2024-03-11", "credits": 6, "code": "ABCD-1204EFGH", "kind": "event"}); r.status != 201 {
		t.Errorf("the same code for another specialist: %d %s", r.status, r.body)
	}
	if r := c.jsonCall("POST", "/api/v1/applications/"+id+"/nmo", map[string]any{"title": "x", "date": "2024-01-01", "credits": 1, "code": "short", "kind": "party"}); r.status != 422 || fieldsOf(t, r) != "code,kind" {
		t.Errorf("invalid activity: %d %s", r.status, r.body)
	}

	// Readiness: hours are enough, documents are missing.
	rep := c.jsonCall("GET", "/api/v1/applications/"+id+"/readiness", nil).json(t)
	if rep["ready"] != false || rep["period_from"] != "2021-09-15" || rep["totals"].(map[string]any)["courses"] != float64(144) {
		t.Errorf("readiness = %v", rep)
	}
	codes := map[string]bool{}
	for _, f := range rep["findings"].([]any) {
		codes[f.(map[string]any)["code"].(string)] = true
	}
	if !codes["missing_document"] || codes["education_hours"] || codes["frdo_missing"] {
		t.Errorf("findings = %v", codes)
	}

	// The consultancy view: due before August 2026 and not ready.
	later := c.createWith(func(f map[string]any) { f["previous_accreditation_date"] = "2022-12-01" })
	list := c.jsonCall("GET", "/api/v1/applications?due_before=2026-08-01&ready=false", nil).json(t)["items"].([]any)
	var ids []string
	for _, it := range list {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	if fmt.Sprint(ids) != fmt.Sprint([]string{id}) {
		t.Errorf("due before 2026-08-01: %v; want only %s (not %s)", ids, id, later)
	}
	if r := c.jsonCall("GET", "/api/v1/applications?due_before=someday", nil); r.status != 400 {
		t.Errorf("a bad date: %d", r.status)
	}

	if r := c.do("DELETE", "/api/v1/applications/"+id+"/courses/"+courseID, nil, "", 0, true); r.status != 204 {
		t.Errorf("delete course: %d", r.status)
	}
	if r := c.do("DELETE", "/api/v1/applications/"+id+"/courses/"+courseID, nil, "", 0, true); r.status != 404 {
		t.Errorf("delete again: %d", r.status)
	}
	rep = c.jsonCall("GET", "/api/v1/applications/"+id+"/readiness", nil).json(t)
	if !strings.Contains(fmt.Sprint(rep["findings"]), "education_hours") {
		t.Error("without the course the hours are not enough")
	}
}
