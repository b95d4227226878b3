package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"strings"
	"testing"
	"time"

	apiclient "accredpack/client"
	"accredpack/internal/testdocs"
)

const importPath = "/api/v1/imports/certificates"

// zipFiles is a ZIP of name, content pairs.
func zipFiles(t *testing.T, files ...any) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := 0; i+1 < len(files); i += 2 {
		f, err := w.Create(files[i].(string))
		if err != nil {
			t.Fatal(err)
		}
		f.Write(files[i+1].([]byte))
	}
	w.Close()
	return b.Bytes()
}

// importForm is a multipart import: the batch part (typed by name and
// content type) and, if any, the ZIP.
func importForm(t *testing.T, batch []byte, name, contentType string, zipData []byte) form {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="batch"; filename=%q`, name))
	h.Set("Content-Type", contentType)
	pw, _ := w.CreatePart(h)
	pw.Write(batch)
	if zipData != nil {
		pw, _ = w.CreateFormFile("files", "certificates.zip")
		pw.Write(zipData)
	}
	w.Close()
	return form{b.Bytes(), w.FormDataContentType()}
}

// importReport is the answer to an import, read loosely.
type importReport struct {
	Summary map[string]int `json:"summary"`
	Rows    []struct {
		Row          int    `json:"row"`
		SNILS        string `json:"snils"`
		FRDONumber   string `json:"frdo_number"`
		Status       string `json:"status"`
		Code         string `json:"code"`
		Message      string `json:"message"`
		Applications []struct {
			ApplicationID   string `json:"application_id"`
			Status          string `json:"status"`
			CourseID        string `json:"course_id"`
			CertificateSlot string `json:"certificate_slot"`
		} `json:"applications"`
		Fields []struct {
			Field string `json:"field"`
			Code  string `json:"code"`
		} `json:"fields"`
	} `json:"rows"`
}

func (r importReport) statuses() string {
	var out []string
	for _, row := range r.Rows {
		s := fmt.Sprintf("%d:%s", row.Row, row.Status)
		if row.Status != "added" && row.Status != "duplicate" {
			s += "/" + row.Code
		}
		for _, f := range row.Fields {
			s += "," + f.Field + ":" + f.Code
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// runImport posts an import and insists on 200 with a report.
func runImport(t *testing.T, who *caller, body any, hdr ...string) (importReport, response) {
	t.Helper()
	r := who.call("POST", importPath, body, hdr...)
	if r.status != 200 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	var rep importReport
	if err := json.Unmarshal(r.body, &rep); err != nil {
		t.Fatalf("import report: %v: %s", err, r.body)
	}
	return rep, r
}

// appState is what an import may change in an application, as its owner
// reads it: courses (frdo -> slot) and the certificate rows' files.
func appState(t *testing.T, owner *caller, id string) (courses map[string]string, certs map[string]string) {
	t.Helper()
	courses, certs = map[string]string{}, map[string]string{}
	for _, c := range owner.must(200, "GET", "/api/v1/applications/"+id+"/courses", nil)["courses"].([]any) {
		c := c.(map[string]any)
		courses[c["frdo_number"].(string)] = c["certificate_slot"].(string) + "|" + c["organization"].(string)
	}
	for _, s := range owner.must(200, "GET", "/api/v1/applications/"+id, nil)["slots"].([]any) {
		s := s.(map[string]any)
		if d, ok := s["document"].(map[string]any); ok && strings.HasPrefix(s["id"].(string), "qualification_certificates") {
			certs[s["id"].(string)] = d["sha256"].(string)
		}
	}
	return courses, certs
}

// testCertificateImport: a training center imports a batch with a ZIP of
// PDFs: rows for the specialist who shared are added (the certificate
// into the first empty row, the course naming it), the unshared one is
// refused and untouched, bad rows and files are reported by row; the same
// batch again adds nothing. A CSV batch with ';', whole-batch refusals,
// idempotency keys, the audit of both specialists, and the Go client.
func testCertificateImport(t *testing.T, c *client) {
	owner := c.account("specialist", "", "import-owner")
	other := c.account("specialist", "", "import-other")
	org := c.organization("training_center", "УЦ «Импорт»")
	center := c.account("training_center", org, "import-center")
	a := owner.must(201, "POST", "/api/v1/applications", validForm())["id"].(string)
	otherForm := validForm()
	otherForm["specialist"].(map[string]any)["snils"] = "026-002-389 00"
	b := other.must(201, "POST", "/api/v1/applications", otherForm)["id"].(string)
	code := owner.must(201, "POST", "/api/v1/applications/"+a+"/share-codes", nil)["code"]
	center.must(200, "POST", "/api/v1/share-codes/redeem", map[string]any{"code": code})
	bBefore, _ := json.Marshal(other.must(200, "GET", "/api/v1/applications/"+b, nil))

	cert, cert2 := testdocs.PDF(t, 1, "удостоверение 1"), testdocs.PDF(t, 2, "удостоверение 2")
	zipData := zipFiles(t, "2025/ivanova-1.pdf", cert, "ivanova-2.pdf", cert2, "photo.pdf", testdocs.JPEG(t),
		"big.pdf", testdocs.SizedPDF(t, 1<<20+1))
	row := func(snils, frdo, file string) map[string]any {
		r := map[string]any{"snils": snils, "title": "Актуальные вопросы терапии", "hours": 36, "start_date": "2025-02-01",
			"end_date": "20.02.2025", "frdo_number": frdo}
		if file != "" {
			r["file"] = file
		}
		return r
	}
	invalid := row("112-233-445 95", "И-5", "")
	invalid["hours"], invalid["title"] = "много", ""
	batch, _ := json.Marshal(map[string]any{"rows": []any{
		row("112-233-445 95", "И-1", "2025/ivanova-1.pdf"), // 1 added with its certificate
		row("11223344595", "И-2", ""),                      // 2 added
		row("026-002-389 00", "И-3", ""),                   // 3 not shared with the center
		row("112-233-445 96", "И-4", ""),                   // 4 a wrong SNILS
		invalid,                                            // 5 field errors
		row("112-233-445 95", "И-6", "absent.pdf"),         // 6 no such entry
		row("112-233-445 95", "И-7", "photo.pdf"),          // 7 a JPEG named .pdf
		row("112-233-445 95", "И-8", "big.pdf"),            // 8 over the file limit
		row("112-233-445 95", "И-1", ""),                   // 9 row 1's number again
		row("112-233-445 95", "И-10", "ivanova-2.pdf"),     // 10 added with its certificate
	}})
	body := importForm(t, batch, "batch.json", "application/json", zipData)
	rep, raw := runImport(t, center, body)
	want := "1:added 2:added 3:refused/no_access 4:invalid/validation_failed,snils:snils 5:invalid/validation_failed,hours:integer,title:required " +
		"6:invalid/validation_failed,file:not_in_zip 7:invalid/not_pdf 8:invalid/file_too_large 9:invalid/validation_failed,frdo_number:duplicate 10:added"
	if got := rep.statuses(); got != want {
		t.Fatalf("first import:\n got %s\nwant %s", got, want)
	}
	if rep.Summary["rows"] != 10 || rep.Summary["added"] != 3 || rep.Summary["refused"] != 1 || rep.Summary["invalid"] != 6 {
		t.Errorf("summary = %v", rep.Summary)
	}
	if r := rep.Rows[0]; r.SNILS != "***-***-*** 95" || len(r.Applications) != 1 || r.Applications[0].ApplicationID != a ||
		r.Applications[0].CertificateSlot != "qualification_certificates.1" || r.Applications[0].CourseID == "" {
		t.Errorf("row 1 = %+v", r)
	}
	if bytes.Contains(raw.body, []byte("233-445")) || bytes.Contains(raw.body, []byte("002-389")) || bytes.Contains(raw.body, []byte(b)) {
		t.Errorf("the report shows a SNILS or the unshared application: %s", raw.body)
	}

	courses, certs := appState(t, owner, a)
	if len(courses) != 3 || courses["И-1"] != "qualification_certificates.1|УЦ «Импорт»" || courses["И-2"] != "|УЦ «Импорт»" ||
		courses["И-10"] != "qualification_certificates.2|УЦ «Импорт»" {
		t.Errorf("courses = %v", courses)
	}
	if len(certs) != 2 || certs["qualification_certificates.1"] != sum(cert) || certs["qualification_certificates.2"] != sum(cert2) {
		t.Errorf("certificates = %v", certs)
	}
	got := owner.fileOf(a, "qualification_certificates.1")
	if !bytes.Equal(got, cert) {
		t.Error("the certificate reads back different")
	}
	bAfter, _ := json.Marshal(other.must(200, "GET", "/api/v1/applications/"+b, nil))
	if !bytes.Equal(bBefore, bAfter) || len(other.must(200, "GET", "/api/v1/applications/"+b+"/courses", nil)["courses"].([]any)) != 0 {
		t.Error("the unshared application changed")
	}

	// The same batch again: every added row is a duplicate, nothing moves.
	again, _ := runImport(t, center, body)
	want2 := strings.NewReplacer("1:added", "1:duplicate", "2:added", "2:duplicate", "10:added", "10:duplicate").Replace(want)
	if got := again.statuses(); got != want2 {
		t.Errorf("second import:\n got %s\nwant %s", got, want2)
	}
	if r := again.Rows[0]; r.Applications[0].CourseID != rep.Rows[0].Applications[0].CourseID || r.Applications[0].CertificateSlot != "qualification_certificates.1" {
		t.Errorf("duplicate row 1 = %+v", r)
	}
	courses2, certs2 := appState(t, owner, a)
	if fmt.Sprint(courses2) != fmt.Sprint(courses) || fmt.Sprint(certs2) != fmt.Sprint(certs) {
		t.Errorf("the second import changed the application: %v %v", courses2, certs2)
	}
	for _, slot := range []string{"qualification_certificates.1", "qualification_certificates.2"} {
		if h := owner.must(200, "GET", "/api/v1/applications/"+a+"/slots/"+slot+"/history", nil)["history"].([]any); len(h) != 0 {
			t.Errorf("%s history after two imports: %v", slot, h)
		}
	}

	// A CSV batch as Russian Excel writes it: BOM, ';', DD.MM.YYYY, да/нет,
	// the center's own Russian column names.
	csv := "\uFEFFСНИЛС;Название программы;Часы;Дата начала;Дата окончания;Номер ФРДО;По специальности\r\n" +
		"112-233-445 95;\"Кардиология; ЭКГ\";18;01.03.2025;05.03.2025;И-20;нет\r\n" +
		"112-233-445 95;Терапия;36;2025-02-01;2025-02-20;И-2;да\r\n"
	rep, _ = runImport(t, center, form{[]byte(csv), "text/csv"})
	if got := rep.statuses(); got != "2:added 3:duplicate" || rep.Rows[0].Applications[0].CertificateSlot != "" {
		t.Errorf("CSV import: %s", got)
	}
	var csvCourse map[string]any
	for _, x := range owner.must(200, "GET", "/api/v1/applications/"+a+"/courses", nil)["courses"].([]any) {
		if x.(map[string]any)["frdo_number"] == "И-20" {
			csvCourse = x.(map[string]any)
		}
	}
	if csvCourse == nil || csvCourse["title"] != "Кардиология; ЭКГ" || csvCourse["in_specialty"] != false || csvCourse["start_date"] != "2025-03-01" {
		t.Errorf("the CSV course = %v", csvCourse)
	}
	// The same CSV in a form, named .csv with a generic type.
	rep, _ = runImport(t, center, importForm(t, []byte(csv), "выгрузка.csv", "application/octet-stream", nil))
	if got := rep.statuses(); got != "2:duplicate 3:duplicate" {
		t.Errorf("CSV form import: %s", got)
	}

	// Whole-batch refusals: nothing changes.
	n := len(owner.must(200, "GET", "/api/v1/applications/"+a+"/courses", nil)["courses"].([]any))
	var many strings.Builder
	many.WriteString("snils,title,hours,start_date,end_date,frdo_number\n")
	for i := 0; i < 1001; i++ {
		fmt.Fprintf(&many, "11223344595,Т,36,2025-02-01,2025-02-20,M-%d\n", i)
	}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
		says   string
	}{
		{"unknown column", form{[]byte("snils;title;hours;start_date;end_date;frdo_number;часы\n"), "text/csv"}, 400, "bad_request", "«часы»"},
		{"broken JSON", form{[]byte("{\"rows\": [\n{\"snils\": }]}"), "application/json"}, 400, "bad_request", "строке 2"},
		{"not a batch", testdocs.PDF(t, 1, "x"), 400, "bad_request", "text/csv"},
		{"1001 rows", form{[]byte(many.String()), "text/csv"}, 413, "file_too_large", "1000"},
		{"traversal in the ZIP", importForm(t, batch, "b.json", "application/json", zipFiles(t, "../../x.pdf", cert)), 400, "bad_request", "путём вне архива"},
		{"not a ZIP", importForm(t, batch, "b.json", "application/json", cert), 400, "bad_request", "не ZIP"},
		{"no batch part", partsForm(t, []string{"a.pdf"}, cert), 400, "bad_request", "неизвестная часть"},
	} {
		r := center.call("POST", importPath, tc.body)
		if r.status != tc.status || r.errorCode(t) != tc.code || !strings.Contains(string(r.body), tc.says) {
			t.Errorf("%s: %d %s; want %d %s saying %q", tc.name, r.status, r.body, tc.status, tc.code, tc.says)
		}
	}
	if got := len(owner.must(200, "GET", "/api/v1/applications/"+a+"/courses", nil)["courses"].([]any)); got != n {
		t.Errorf("refused batches changed the courses: %d -> %d", n, got)
	}
	if r := owner.call("POST", importPath, form{[]byte(csv), "text/csv"}); r.status != 403 {
		t.Errorf("a specialist importing: %d", r.status)
	}

	// An idempotency key: the answer replayed; the key with another CSV 422.
	one := []byte("snils;title;hours;start_date;end_date;frdo_number\n11223344595;Т;36;2025-02-01;2025-02-20;И-30\n")
	first, _ := runImport(t, center, form{one, "text/csv"}, "Idempotency-Key", "import-1")
	replay, r := runImport(t, center, form{one, "text/csv"}, "Idempotency-Key", "import-1")
	if first.statuses() != "2:added" || replay.statuses() != "2:added" || r.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %s / %s (%q)", first.statuses(), replay.statuses(), r.header.Get("Idempotent-Replayed"))
	}
	if r := center.call("POST", importPath, form{[]byte(csv[3:]), "text/csv"}, "Idempotency-Key", "import-1"); r.status != 422 {
		t.Errorf("the key with another batch: %d %s", r.status, r.body)
	}

	// The audit: the owner sees the center's imports; the other specialist
	// sees the refused attempt on their application.
	lines := func(who *caller) (granted, denied int) {
		for _, e := range who.must(200, "GET", "/api/v1/me/audit?limit=1000", nil)["items"].([]any) {
			e := e.(map[string]any)
			if e["action"] == "certificates.import" && e["organization_id"] == org {
				if e["outcome"] == "granted" {
					granted++
				} else {
					denied++
				}
			}
		}
		return
	}
	if g, d := lines(owner); g < 4 || d != 0 {
		t.Errorf("owner's audit: %d granted, %d denied import lines", g, d)
	}
	if g, d := lines(other); g != 0 || d != 2 {
		t.Errorf("other specialist's audit: %d granted, %d denied import lines; want 0 and 2", g, d)
	}

	// Through the Go client, with an API key of the center's system.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key := center.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "СДО"})["token"].(string)
	integration := clientFor(c, key)
	no := false
	rows := []apiclient.CertificateRow{
		{SNILS: "112-233-445 95", Title: "Паллиативная помощь", Hours: 36, StartDate: "2025-04-01", EndDate: "2025-04-10", FRDONumber: "К-1", File: "k1.pdf"},
		{SNILS: "112-233-445 95", Title: "Паллиативная помощь", Hours: 36, StartDate: "2025-04-01", EndDate: "2025-04-10", FRDONumber: "К-2", InSpecialty: &no},
		{SNILS: "126-103-073 01", Title: "Паллиативная помощь", Hours: 36, StartDate: "2025-04-01", EndDate: "2025-04-10", FRDONumber: "К-3"},
	}
	k1 := testdocs.PDF(t, 1, "k1")
	cr, err := integration.ImportCertificates(ctx, rows, bytes.NewReader(zipFiles(t, "k1.pdf", k1)))
	if err != nil {
		t.Fatal(err)
	}
	if cr.Summary.Added != 2 || cr.Summary.Refused != 1 || cr.Rows[0].Applications[0].CertificateSlot != "qualification_certificates.3" ||
		cr.Rows[2].Code != "no_access" || cr.Rows[2].SNILS != "***-***-*** 01" {
		t.Errorf("client import: %+v", cr)
	}
	if _, certs := appState(t, owner, a); certs["qualification_certificates.3"] != sum(k1) {
		t.Errorf("the client's certificate: %v", certs)
	}
	cr, err = integration.ImportCertificates(ctx, rows, bytes.NewReader(zipFiles(t, "k1.pdf", k1)))
	if err != nil || cr.Summary.Duplicate != 2 || cr.Summary.Added != 0 {
		t.Errorf("client import again: %+v, %v", cr, err)
	}
	cr, err = integration.ImportCertificatesCSV(ctx, strings.NewReader(csv), nil)
	if err != nil || cr.Summary.Duplicate != 2 {
		t.Errorf("client CSV import: %+v, %v", cr, err)
	}
	if _, err := integration.ImportCertificatesCSV(ctx, strings.NewReader("snils;hours\n"), nil); !apiclient.IsCode(err, "bad_request") {
		t.Errorf("client: a CSV without its columns: %v", err)
	}
}

// fileOf reads a slot's file.
func (a *caller) fileOf(appID, slot string) []byte {
	a.t.Helper()
	r := a.call("GET", "/api/v1/applications/"+appID+"/slots/"+slot+"/file", nil)
	if r.status != 200 {
		a.t.Fatalf("read %s: %d", slot, r.status)
	}
	return r.body
}
