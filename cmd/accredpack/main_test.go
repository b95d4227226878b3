package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"accredpack/childtasks"
	"accredpack/config"
	"accredpack/internal/testdocs"
	"accredpack/internal/testenv"
	"accredpack/keyring"
	"accredpack/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.ServeChild(childtasks.All())
	// Tests that need the service as a separate process (to kill it) run
	// this test binary as the accredpack binary.
	if os.Getenv("ACCREDPACK_TEST_MAIN") == "1" {
		main()
	}
	code := m.Run()
	removeBuilt()
	os.Exit(code)
}

const token = "test-token-0123456789"

type client struct {
	t    *testing.T
	base string
	cfg  config.Config
}

// testConfig is the configuration of a service under test: embedded
// backends in a private folder, a loopback port, a small file limit.
func testConfig(t *testing.T) config.Config {
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.BootstrapToken = token
	cfg.MaxFileBytes = 1 << 20
	// Sandbox children are the dedicated child binary, as in production.
	cfg.SandboxChild = dedicatedChild(t)
	// testFiftyParallelUploads sends 50 uploads at once, within the bound.
	cfg.MaxUploads = 64
	// Webhook receivers of the tests listen on loopback; retries come fast;
	// a rotated secret signs 2 s more, so the test sees the grace period end.
	cfg.WebhookAllowPrivate = true
	cfg.WebhookBackoff = 100 * time.Millisecond
	cfg.WebhookAttempts = 4
	cfg.WebhookSecretGrace = 2 * time.Second
	// Reading scans (OCR) costs about a second of CPU a page: off, except
	// in the tests of readings (readings_test.go), which turn it on.
	cfg.OCR.Mode = "off"
	return cfg
}

// backend configures the database and the store of a service under test.
type backend func(t *testing.T, cfg *config.Config)

func embedded(*testing.T, *config.Config) {}

// realServers starts PostgreSQL and MinIO; each service configured from it
// gets a fresh database and bucket.
func realServers(t *testing.T) (*testenv.Postgres, *testenv.MinIO, backend) {
	pg, m := testenv.StartPostgres(t), testenv.StartMinIO(t)
	return pg, m, func(t *testing.T, cfg *config.Config) {
		cfg.DatabaseURL = pg.NewDatabase(t)
		cfg.Encryption.MasterKey = base64.StdEncoding.EncodeToString(keyring.NewDataKey())
		cfg.S3 = config.S3{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey, Bucket: m.Bucket(t), Region: "us-east-1", SSE: "auto"}
	}
}

// contract is the part of the API every backend must serve the same way.
var contract = []struct {
	name string
	test func(t *testing.T, c *client)
}{
	{"ApplicationLifecycle", testApplicationLifecycle},
	{"SlotFiles", testSlotFiles},
	{"RepeatableSlot", testRepeatableSlot},
	{"ConcurrentUploadsToOneSlot", testConcurrentUploadsToOneSlot},
	{"FiftyParallelUploads", testFiftyParallelUploads},
	{"Bundles", testBundles},
	{"BundleRules", testBundleRules},
	{"BundleList", testBundleList},
	{"DownloadNames", testDownloadNames},
	{"LedgerAndReadiness", testLedgerAndReadiness},
	{"OneReadiness", testOneReadiness},
	{"SubmittedOn", testSubmittedOn},
	{"AuditAndDeletion", testAuditAndDeletion},
	{"ComposeAndOptimize", testComposeAndOptimize},
	{"CertificateImport", testCertificateImport},
	{"IdempotencyKeys", testIdempotencyKeys},
	{"ClientPackage", testClientPackage},
	{"Webhooks", testWebhooks},
	{"Administration", testAdministration},
	{"KeyScopeAndExpiry", testKeyScopeAndExpiry},
	{"Report", testReport},
}

func TestContractEmbedded(t *testing.T) {
	for _, tc := range contract {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, startService(t, testConfig(t))) })
	}
}

func TestContractPostgresMinIO(t *testing.T) {
	_, _, real := realServers(t)
	for _, tc := range contract {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			real(t, &cfg)
			tc.test(t, startService(t, cfg))
		})
	}
}

// startService runs the real service on a loopback port.
func startService(t *testing.T, cfg config.Config) *client {
	t.Helper()
	return startServiceLogging(t, cfg, testLog())
}

// startServiceLogging runs the service with its production logger writing
// to w.
func startServiceLogging(t *testing.T, cfg config.Config, w io.Writer) *client {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	done := make(chan error, 1)
	log := newLogger(cfg, w)
	go func() { done <- serve(ctx, cfg, log, listening) }()
	select {
	case addr := <-listening:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
		return &client{t: t, base: "http://" + addr, cfg: cfg}
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	return nil
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer is not JSON (%d): %s", r.status, r.body)
	}
	return m
}

func (r response) errorCode(t *testing.T) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	code, _ := e["code"].(string)
	if msg, _ := e["message"].(string); code != "" && msg == "" {
		t.Errorf("error %s has no message", code)
	}
	return code
}

func (c *client) do(method, path string, body io.Reader, contentType string, length int64, auth bool) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if length != 0 {
		req.ContentLength = length // -1: chunked
	}
	if auth {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (c *client) jsonCall(method, path string, v any) response {
	c.t.Helper()
	var body io.Reader
	if v != nil {
		b, _ := json.Marshal(v)
		body = bytes.NewReader(b)
	}
	return c.do(method, path, body, "application/json", 0, true)
}

func (c *client) putRaw(appID, slot string, data []byte) response {
	c.t.Helper()
	return c.do("PUT", "/api/v1/applications/"+appID+"/slots/"+slot+"/file", bytes.NewReader(data), "application/pdf", 0, true)
}

// multipartBody builds a form with the given file parts (name -> content)
// and one ordinary field.
func multipartBody(t *testing.T, files ...[]byte) (*bytes.Buffer, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("comment", "скан паспорта")
	for i, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="Паспорт-%d.pdf"`, i+1))
		h.Set("Content-Type", "application/pdf")
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(f)
	}
	w.Close()
	return &b, w.FormDataContentType()
}

func validForm() map[string]any {
	return map[string]any{
		"kind":            "periodic",
		"specialist":      map[string]any{"last_name": "Иванова", "first_name": "Анна", "middle_name": "Сергеевна", "snils": "112-233-445 95", "birth_date": "1985-04-12"},
		"contact":         map[string]any{"phone": "8 912 345-67-89", "email": "anna@example.ru"},
		"education_level": "higher",
		"specialty":       "Терапия",
		"report_agreed":   true,
		"name_changed":    false,
		"comment":         "",
		"consent":         true,
	}
}

// addCourse records a course of hours in the specialty, registered in FIS
// FRDO, that ended last year: inside any five-year period up to today.
func (c *client) addCourse(appID string, hours int) {
	c.t.Helper()
	end := time.Now().AddDate(-1, 0, 0).Format(time.DateOnly)
	r := c.jsonCall("POST", "/api/v1/applications/"+appID+"/courses", map[string]any{
		"title": "Актуальные вопросы терапии", "organization": "РМАНПО", "hours": hours,
		"start_date": end, "end_date": end, "in_specialty": true, "frdo_number": "1177-0001",
		"certificate_slot": "qualification_certificates.1"})
	if r.status != 201 {
		c.t.Fatalf("add course: %d %s", r.status, r.body)
	}
}

func (c *client) create() string {
	c.t.Helper()
	r := c.jsonCall("POST", "/api/v1/applications", validForm())
	if r.status != http.StatusCreated {
		c.t.Fatalf("create: %d %s", r.status, r.body)
	}
	return r.json(c.t)["id"].(string)
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestHealthAndAuth(t *testing.T) {
	c := startService(t, testConfig(t))
	if r := c.do("GET", "/healthz", nil, "", 0, false); r.status != 200 {
		t.Errorf("healthz: %d", r.status)
	}
	if r := c.do("GET", "/readyz", nil, "", 0, false); r.status != 200 {
		t.Errorf("readyz: %d %s", r.status, r.body)
	}
	if r := c.do("GET", "/metrics", nil, "", 0, false); r.status != 200 || !bytes.Contains(r.body, []byte("accredpack_http_requests_total")) {
		t.Errorf("metrics: %d", r.status)
	}
	if r := c.do("GET", "/api/v1/applications", nil, "", 0, false); r.status != 401 || r.errorCode(t) != "unauthorized" {
		t.Errorf("no token: %d %s", r.status, r.body)
	}
	req, _ := http.NewRequest("GET", c.base+"/api/v1/applications", nil)
	req.Header.Set("Authorization", "Bearer wrong-token")
	res, _ := http.DefaultClient.Do(req)
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Errorf("wrong token: %d", res.StatusCode)
	}
	if r := c.jsonCall("GET", "/api/v1/nothing-here", nil); r.status != 404 || r.errorCode(t) != "not_found" {
		t.Errorf("unknown route: %d %s", r.status, r.body)
	}
}

func testApplicationLifecycle(t *testing.T, c *client) {

	// Malformed JSON.
	r := c.do("POST", "/api/v1/applications", strings.NewReader(`{"kind":`), "application/json", 0, true)
	if r.status != 400 || r.errorCode(t) != "bad_request" {
		t.Errorf("malformed JSON: %d %s", r.status, r.body)
	}

	// Every violated field at once, in Russian, never echoing the SNILS.
	bad := validForm()
	bad["specialist"].(map[string]any)["snils"] = "112-233-445 96"
	bad["contact"] = map[string]any{"phone": "12345", "email": "nope"}
	bad["consent"] = false
	delete(bad, "report_agreed")
	r = c.jsonCall("POST", "/api/v1/applications", bad)
	if r.status != 422 || r.errorCode(t) != "validation_failed" {
		t.Fatalf("invalid form: %d %s", r.status, r.body)
	}
	var fields []string
	for _, f := range r.json(t)["error"].(map[string]any)["fields"].([]any) {
		fields = append(fields, f.(map[string]any)["field"].(string))
	}
	if got := strings.Join(fields, ","); got != "specialist.snils,contact.phone,contact.email,consent,report_agreed" {
		t.Errorf("fields = %s", got)
	}
	if bytes.Contains(r.body, []byte("445 96")) || bytes.Contains(r.body, []byte("44596")) {
		t.Error("the error echoes the SNILS")
	}

	// A valid application: normalized, with its checklist.
	r = c.jsonCall("POST", "/api/v1/applications", validForm())
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	app := r.json(t)
	id := app["id"].(string)
	if app["contact"].(map[string]any)["phone"] != "+79123456789" || app["ready"] != false || app["status"] != "draft" {
		t.Errorf("created: %s", r.body)
	}
	missing := fmt.Sprint(app["missing"])
	if missing != "[identity_document snils education_diploma previous_accreditation qualification_certificates.1 work_record professional_report]" {
		t.Errorf("missing = %s", missing)
	}

	// Conditional slots follow the form. A report not agreed asks why:
	// until answered it is a question, not a missing refusal.
	r = c.jsonCall("PATCH", "/api/v1/applications/"+id, map[string]any{"report_agreed": false, "name_changed": true})
	if r.status != 200 {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	missing = fmt.Sprint(r.json(t)["missing"])
	if strings.Contains(missing, "report_refusal") || !strings.Contains(missing, "name_change") {
		t.Errorf("after patch, missing = %s", missing)
	}
	if p := fmt.Sprint(r.json(t)["problems"]); !strings.Contains(p, "report_not_agreed_reason") || !strings.Contains(p, "question") {
		t.Errorf("the reason is asked: problems = %s", p)
	}
	r = c.jsonCall("PATCH", "/api/v1/applications/"+id, map[string]any{"report_not_agreed_reason": "head_refused"})
	if missing = fmt.Sprint(r.json(t)["missing"]); r.status != 200 || !strings.Contains(missing, "report_refusal") {
		t.Errorf("the head refused: %d, missing = %s", r.status, missing)
	}
	if r := c.jsonCall("PATCH", "/api/v1/applications/"+id, map[string]any{"report_not_agreed_reason": "boss"}); r.status != 422 || fieldsOf(t, r) != "report_not_agreed_reason" {
		t.Errorf("a reason not offered: %d %s", r.status, r.body)
	}
	if r = c.jsonCall("PATCH", "/api/v1/applications/"+id, map[string]any{"contact": map[string]any{"email": "bad"}}); r.status != 422 {
		t.Errorf("invalid patch: %d", r.status)
	}
	if r = c.jsonCall("PATCH", "/api/v1/applications/"+id, map[string]any{"kind": "primary_specialized"}); r.status != 422 {
		t.Errorf("changing the kind: %d", r.status)
	}

	// Fill every required slot; the application becomes ready.
	pdf := testdocs.PDF(t, 2, "doc")
	for _, slot := range []string{"identity_document", "snils", "name_change", "education_diploma", "previous_accreditation",
		"qualification_certificates.1", "work_record", "professional_report"} {
		if r := c.putRaw(id, slot, pdf); r.status != 201 {
			t.Fatalf("put %s: %d %s", slot, r.status, r.body)
		}
	}
	r = c.jsonCall("GET", "/api/v1/applications/"+id, nil)
	if got := r.json(t); got["ready"] != false || fmt.Sprint(got["missing"]) != "[report_refusal]" {
		t.Errorf("one slot left: ready=%v missing=%v", got["ready"], got["missing"])
	}
	if r := c.jsonCall("POST", "/api/v1/applications/"+id+"/submit", nil); r.status != 409 || r.errorCode(t) != "conflict" {
		t.Errorf("submitting an unready application: %d %s", r.status, r.body)
	}
	c.putRaw(id, "report_refusal", pdf)
	// Every document, but no education recorded: not ready, and the
	// refusal to submit names why.
	got := c.jsonCall("GET", "/api/v1/applications/"+id, nil).json(t)
	if got["ready"] != false || fmt.Sprint(got["missing"]) != "[]" || !strings.Contains(fmt.Sprint(got["blocking"]), "education_hours") {
		t.Errorf("documents without education: ready %v, missing %v, blocking %v", got["ready"], got["missing"], got["blocking"])
	}
	r = c.jsonCall("POST", "/api/v1/applications/"+id+"/submit", nil)
	if r.status != 409 || !strings.Contains(fmt.Sprint(r.json(t)["error"].(map[string]any)["findings"]), "education_hours") {
		t.Errorf("submitting without education: %d %s", r.status, r.body)
	}
	c.addCourse(id, 144)
	if got := c.jsonCall("GET", "/api/v1/applications/"+id, nil).json(t); got["ready"] != true || fmt.Sprint(got["blocking"]) != "[]" {
		t.Errorf("complete application not ready: %v %v", got["missing"], got["blocking"])
	}

	// Submitted applications are locked.
	if r := c.jsonCall("POST", "/api/v1/applications/"+id+"/submit", nil); r.status != 200 || r.json(t)["status"] != "submitted" {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	if r := c.putRaw(id, "snils", pdf); r.status != 409 || r.errorCode(t) != "conflict" {
		t.Errorf("upload to a submitted application: %d %s", r.status, r.body)
	}
	if r := c.jsonCall("PATCH", "/api/v1/applications/"+id, map[string]any{"comment": "x"}); r.status != 409 {
		t.Errorf("edit of a submitted application: %d", r.status)
	}
	if r := c.jsonCall("POST", "/api/v1/applications/"+id+"/reopen", nil); r.status != 200 || r.json(t)["status"] != "draft" {
		t.Errorf("reopen: %d %s", r.status, r.body)
	}

	// Listing pages through everything.
	c.create()
	c.create()
	r = c.jsonCall("GET", "/api/v1/applications?limit=2", nil)
	page := r.json(t)
	if len(page["items"].([]any)) != 2 || page["next_cursor"] == nil {
		t.Fatalf("first page: %s", r.body)
	}
	r = c.jsonCall("GET", "/api/v1/applications?limit=2&cursor="+page["next_cursor"].(string), nil)
	if page := r.json(t); len(page["items"].([]any)) != 1 || page["next_cursor"] != nil {
		t.Errorf("second page: %s", r.body)
	}
	if r := c.jsonCall("GET", "/api/v1/applications/doesnotexist", nil); r.status != 404 || r.errorCode(t) != "not_found" {
		t.Errorf("unknown application: %d", r.status)
	}
}

func testSlotFiles(t *testing.T, c *client) {
	id := c.create()
	first := testdocs.PDF(t, 3, "first")
	second := testdocs.PDF(t, 1, "second")

	r := c.putRaw(id, "identity_document", first)
	if r.status != 201 {
		t.Fatalf("raw upload: %d %s", r.status, r.body)
	}
	d := r.json(t)["document"].(map[string]any)
	if d["sha256"] != sum(first) || d["size"] != float64(len(first)) || d["pages"] != float64(3) || d["slot"] != "identity_document" || d["uploaded_at"] == nil {
		t.Errorf("document = %v", d)
	}

	// Every refused upload leaves the slot as it was.
	unchanged := func(what string) {
		t.Helper()
		got := c.do("GET", "/api/v1/applications/"+id+"/slots/identity_document/file", nil, "", 0, true)
		if got.status != 200 || !bytes.Equal(got.body, first) {
			t.Errorf("after %s the slot changed: %d", what, got.status)
		}
	}
	refusals := []struct {
		name   string
		data   []byte
		status int
		code   string
	}{
		{"JPEG", testdocs.JPEG(t), 415, "not_pdf"},
		{"DOCX", testdocs.DOCX(t), 415, "not_pdf"},
		{"HTML", testdocs.HTML(), 415, "not_pdf"},
		{"ZIP", testdocs.ZIP(t), 415, "not_pdf"},
		{"truncated", testdocs.Truncated(first), 422, "pdf_invalid"},
		{"garbage", testdocs.GarbageAfterHeader(), 422, "pdf_invalid"},
		{"zero pages", testdocs.ZeroPages(), 422, "pdf_invalid"},
		{"encrypted", testdocs.Encrypted(t, first), 422, "pdf_encrypted"},
		{"over the limit", testdocs.SizedPDF(t, 1<<20+1), 413, "file_too_large"},
	}
	for _, tc := range refusals {
		r := c.putRaw(id, "identity_document", tc.data)
		if r.status != tc.status || r.errorCode(t) != tc.code {
			t.Errorf("%s: %d %s; want %d %s", tc.name, r.status, r.body, tc.status, tc.code)
		}
		unchanged(tc.name)
	}

	// Over the limit without Content-Length (chunked), raw and multipart.
	r = c.do("PUT", "/api/v1/applications/"+id+"/slots/identity_document/file", io.MultiReader(bytes.NewReader(make([]byte, 2<<20))), "application/pdf", -1, true)
	if r.status != 413 || r.errorCode(t) != "file_too_large" {
		t.Errorf("chunked raw over the limit: %d %s", r.status, r.body)
	}
	big, ct := multipartBody(t, testdocs.SizedPDF(t, 1<<20+1))
	r = c.do("PUT", "/api/v1/applications/"+id+"/slots/identity_document/file", io.MultiReader(big), ct, -1, true)
	if r.status != 413 || r.errorCode(t) != "file_too_large" {
		t.Errorf("chunked multipart over the limit: %d %s", r.status, r.body)
	}
	unchanged("chunked uploads over the limit")

	// Multipart with two files, even two good ones.
	two, ct := multipartBody(t, second, second)
	r = c.do("PUT", "/api/v1/applications/"+id+"/slots/identity_document/file", two, ct, 0, true)
	if r.status != 400 || r.errorCode(t) != "one_file_per_slot" {
		t.Errorf("two file parts: %d %s", r.status, r.body)
	}
	r = c.do("PUT", "/api/v1/applications/"+id+"/slots/identity_document/file", strings.NewReader("--x\r\nbroken"), "multipart/form-data; boundary=x", 0, true)
	if r.status != 400 || r.errorCode(t) != "bad_request" {
		t.Errorf("broken multipart: %d %s", r.status, r.body)
	}
	unchanged("refused multipart uploads")

	// Multipart replaces the file; the old one goes to history.
	one, ct := multipartBody(t, second)
	r = c.do("PUT", "/api/v1/applications/"+id+"/slots/identity_document/file", one, ct, 0, true)
	if r.status != 201 {
		t.Fatalf("multipart upload: %d %s", r.status, r.body)
	}
	got := c.do("GET", "/api/v1/applications/"+id+"/slots/identity_document/file", nil, "", 0, true)
	if !bytes.Equal(got.body, second) || got.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download after replace: %q", got.header.Get("Content-Type"))
	}
	h := c.jsonCall("GET", "/api/v1/applications/"+id+"/slots/identity_document/history", nil).json(t)["history"].([]any)
	if len(h) != 1 || h[0].(map[string]any)["sha256"] != sum(first) || h[0].(map[string]any)["ended_reason"] != "replaced" {
		t.Errorf("history = %v", h)
	}
	app := c.jsonCall("GET", "/api/v1/applications/"+id, nil).json(t)
	for _, s := range app["slots"].([]any) {
		s := s.(map[string]any)
		if s["id"] == "identity_document" {
			doc := s["document"].(map[string]any)
			if s["status"] != "accepted" || doc["file_name"] != "Паспорт-1.pdf" || doc["sha256"] != sum(second) {
				t.Errorf("slot = %v", s)
			}
		}
	}

	// Delete empties the slot.
	if r := c.do("DELETE", "/api/v1/applications/"+id+"/slots/identity_document/file", nil, "", 0, true); r.status != 204 {
		t.Errorf("delete: %d", r.status)
	}
	if r := c.do("GET", "/api/v1/applications/"+id+"/slots/identity_document/file", nil, "", 0, true); r.status != 404 {
		t.Errorf("download of an empty slot: %d", r.status)
	}
	if r := c.do("DELETE", "/api/v1/applications/"+id+"/slots/identity_document/file", nil, "", 0, true); r.status != 404 {
		t.Errorf("delete of an empty slot: %d", r.status)
	}

	// Unknown targets are refused before the body is read.
	for path, want := range map[string]int{
		"/api/v1/applications/nope/slots/snils/file":                404,
		"/api/v1/applications/" + id + "/slots/horoscope/file":      404,
		"/api/v1/applications/" + id + "/slots/snils.1/file":        404,
		"/api/v1/applications/" + id + "/slots/report_refusal/file": 201, // exists even if not required
	} {
		if r := c.do("PUT", path, bytes.NewReader(second), "application/pdf", 0, true); r.status != want {
			t.Errorf("PUT %s: %d %s; want %d", path, r.status, r.body, want)
		}
	}
}

func testRepeatableSlot(t *testing.T, c *client) {
	id := c.create()
	pdf := testdocs.PDF(t, 1, "cert")
	if r := c.putRaw(id, "qualification_certificates", pdf); r.status != 404 {
		t.Errorf("a repeatable slot without a row: %d", r.status)
	}
	if r := c.putRaw(id, "qualification_certificates.2", pdf); r.status != 404 {
		t.Errorf("skipping row 1: %d %s", r.status, r.body)
	}
	for _, row := range []string{"1", "2", "3"} {
		if r := c.putRaw(id, "qualification_certificates."+row, pdf); r.status != 201 {
			t.Fatalf("row %s: %d %s", row, r.status, r.body)
		}
	}
	var rows []string
	for _, s := range c.jsonCall("GET", "/api/v1/applications/"+id, nil).json(t)["slots"].([]any) {
		if id := s.(map[string]any)["id"].(string); strings.HasPrefix(id, "qualification_certificates") {
			rows = append(rows, id)
		}
	}
	if fmt.Sprint(rows) != "[qualification_certificates.1 qualification_certificates.2 qualification_certificates.3]" {
		t.Errorf("rows = %v", rows)
	}
}

func testConcurrentUploadsToOneSlot(t *testing.T, c *client) {
	id := c.create()
	a, b := testdocs.PDF(t, 1, "client A"), testdocs.PDF(t, 1, "client B")
	var wg sync.WaitGroup
	for _, data := range [][]byte{a, b} {
		wg.Add(1)
		go func(data []byte) {
			defer wg.Done()
			if r := c.putRaw(id, "snils", data); r.status != 201 {
				t.Errorf("concurrent upload: %d %s", r.status, r.body)
			}
		}(data)
	}
	wg.Wait()
	cur := c.do("GET", "/api/v1/applications/"+id+"/slots/snils/file", nil, "", 0, true).body
	h := c.jsonCall("GET", "/api/v1/applications/"+id+"/slots/snils/history", nil).json(t)["history"].([]any)
	if len(h) != 1 {
		t.Fatalf("history has %d entries; want 1", len(h))
	}
	old := h[0].(map[string]any)["sha256"]
	if !(bytes.Equal(cur, a) && old == sum(b)) && !(bytes.Equal(cur, b) && old == sum(a)) {
		t.Error("current and history are not the two uploads")
	}
}

func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "Диплом.pdf")
	photo := filepath.Join(dir, "photo.pdf")
	diploma := testdocs.PDF(t, 2, "diploma")
	os.WriteFile(good, diploma, 0o600)
	os.WriteFile(photo, testdocs.JPEG(t), 0o600)
	var out, errOut bytes.Buffer
	env := func(string) string { return "" }
	if code := run(context.Background(), []string{"check", good}, &out, &errOut, env); code != 0 {
		t.Errorf("good file: exit %d: %s %s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "OK") || !strings.Contains(out.String(), "2 стр.") {
		t.Errorf("verdict: %s", out.String())
	}
	// The same with the dedicated child binary, and a configured child that
	// is none: the command refuses to run rather than check without one.
	out.Reset()
	if code := run(context.Background(), []string{"check", "--sandbox-child", dedicatedChild(t), good}, &out, &errOut, env); code != 0 || !strings.Contains(out.String(), "2 стр.") {
		t.Errorf("good file, dedicated child: exit %d: %s %s", code, out.String(), errOut.String())
	}
	if code := run(context.Background(), []string{"check", "--sandbox-child", "/bin/true", good}, &out, &errOut, env); code != 2 || !strings.Contains(errOut.String(), "sandbox child /bin/true") {
		t.Errorf("a child that is none: exit %d: %s", code, errOut.String())
	}
	out.Reset()
	fits, over := fmt.Sprint(len(diploma)), fmt.Sprint(len(diploma)-1)
	code := run(context.Background(), []string{"check", "--max-file-bytes", fits, good, photo}, &out, &errOut, env)
	if code != 1 {
		t.Errorf("with a bad file: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "OK") || !strings.Contains(lines[1], "not_pdf") {
		t.Errorf("verdicts: %q", lines)
	}
	if code := run(context.Background(), []string{"check", "--max-file-bytes", over, good}, &out, &errOut, env); code != 1 {
		t.Errorf("over the limit: exit %d", code)
	}
	if code := run(context.Background(), []string{"serve", "--addr", "nonsense"}, &out, &errOut, env); code != 2 || !strings.Contains(errOut.String(), "addr") {
		t.Errorf("bad configuration: exit %d: %s", code, errOut.String())
	}
}

// testFiftyParallelUploads sends 50 uploads at once to 50 different slots
// (ten applications, five slots each); all must land with their checksums.
func testFiftyParallelUploads(t *testing.T, c *client) {
	slots := []string{"identity_document", "snils", "education_diploma", "previous_accreditation", "professional_report"}
	type job struct {
		app, slot string
		data      []byte
	}
	var jobs []job
	for i := 0; i < 10; i++ {
		id := c.create()
		for j, slot := range slots {
			jobs = append(jobs, job{id, slot, testdocs.PDF(t, 1+j%3, fmt.Sprintf("app %d slot %s", i, slot))})
		}
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func(j job) {
			defer wg.Done()
			r := c.putRaw(j.app, j.slot, j.data)
			if r.status != 201 {
				t.Errorf("upload %s/%s: %d %s", j.app, j.slot, r.status, r.body)
				return
			}
			if got := r.json(t)["document"].(map[string]any)["sha256"]; got != sum(j.data) {
				t.Errorf("upload %s/%s: sha256 %v", j.app, j.slot, got)
			}
		}(j)
	}
	wg.Wait()
	for _, j := range jobs {
		got := c.do("GET", "/api/v1/applications/"+j.app+"/slots/"+j.slot+"/file", nil, "", 0, true)
		if got.status != 200 || sum(got.body) != sum(j.data) {
			t.Errorf("read back %s/%s: %d", j.app, j.slot, got.status)
		}
	}
}

// testLog is where services under test log: nowhere, unless
// ACCREDPACK_TEST_LOG=1 asks for stderr.
func testLog() io.Writer {
	if os.Getenv("ACCREDPACK_TEST_LOG") == "1" {
		return os.Stderr
	}
	return io.Discard
}
