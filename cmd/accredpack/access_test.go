package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	httpapi "accredpack/api"
	"accredpack/config"
	"accredpack/internal/testdocs"
)

// caller is someone calling the API: with a bearer token, with a session
// cookie (and its CSRF token), or anonymously.
type caller struct {
	t      *testing.T
	base   string
	name   string
	bearer string
	http   *http.Client
	csrf   string
	email  string
	userID string
	orgID  string
	pw     string // the account's password, when it is not the shared one
}

// password is the caller's current password.
func (a *caller) password() string {
	if a.pw != "" {
		return a.pw
	}
	return password
}

// anonymous has no credentials and keeps no cookies.
func (c *client) anonymous(name string) *caller {
	return &caller{t: c.t, base: c.base, name: name, http: &http.Client{}}
}

// browser keeps cookies.
func (c *client) browser(name string) *caller {
	jar, _ := cookiejar.New(nil)
	return &caller{t: c.t, base: c.base, name: name, http: &http.Client{Jar: jar}}
}

func (c *client) admin() *caller {
	a := c.anonymous("bootstrap")
	a.bearer = token
	return a
}

// call sends a JSON body (or raw bytes for []byte) and reads the answer.
func (a *caller) call(method, path string, body any, hdr ...string) response {
	a.t.Helper()
	var r io.Reader
	contentType := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		r, contentType = bytes.NewReader(b), "application/pdf"
	case form:
		r, contentType = bytes.NewReader(b.body), b.contentType
	default:
		j, _ := json.Marshal(b)
		r, contentType = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, a.base+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if a.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+a.bearer)
	}
	if a.csrf != "" {
		req.Header.Set("X-CSRF-Token", a.csrf)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := a.http.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// must calls and insists on a status.
func (a *caller) must(status int, method, path string, body any) map[string]any {
	a.t.Helper()
	r := a.call(method, path, body)
	if r.status != status {
		a.t.Fatalf("%s: %s %s = %d %s; want %d", a.name, method, path, r.status, r.body, status)
	}
	if len(r.body) == 0 {
		return nil
	}
	return r.json(a.t)
}

const password = "правильная лошадь"

var seq atomic.Int64

func unique(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

// account creates a user through the bootstrap administrator, logs in with
// a password (cookie session) and makes an API key; the returned caller
// uses the key.
func (c *client) account(role, orgID, name string) *caller {
	c.t.Helper()
	email := unique(name) + "@example.ru"
	u := c.admin().must(201, "POST", "/api/v1/users", map[string]any{"email": email, "password": password, "name": name, "role": role, "organization_id": orgID})
	web := c.login(email, password)
	key := web.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "тест"})
	a := c.anonymous(name)
	a.bearer, a.userID, a.orgID, a.email = key["token"].(string), u["id"].(string), orgID, email
	return a
}

// personWith is a specialist whose password is pw, calling with an API key.
func (c *client) personWith(pw, name string) *caller {
	c.t.Helper()
	email := unique(name) + "@example.ru"
	u := c.admin().must(201, "POST", "/api/v1/users", map[string]any{"email": email, "password": pw, "name": name, "role": "specialist"})
	key := c.login(email, pw).must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "тест"})
	a := c.anonymous(name)
	a.bearer, a.userID, a.email, a.pw = key["token"].(string), u["id"].(string), email, pw
	return a
}

// login is a browser's session: cookie plus CSRF token.
func (c *client) login(email, pw string) *caller {
	c.t.Helper()
	a := c.browser(email)
	s := a.must(200, "POST", "/api/v1/auth/login", map[string]any{"email": email, "password": pw})
	a.csrf, a.userID = s["csrf_token"].(string), s["user_id"].(string)
	return a
}

func (c *client) organization(kind, name string) string {
	c.t.Helper()
	return c.admin().must(201, "POST", "/api/v1/organizations", map[string]any{"name": name, "kind": kind})["id"].(string)
}

// world is every kind of principal, each with a foreign twin.
type world struct {
	c                              *client
	anon, admin, owner, other      *caller
	staff, staffX, center, centerX *caller
	consultancy, trainingCenter    string
}

func newWorld(c *client) *world {
	w := &world{c: c, anon: c.anonymous("anonymous")}
	w.consultancy = c.organization("consultancy", "Консалт")
	otherConsultancy := c.organization("consultancy", "Чужой консалт")
	w.trainingCenter = c.organization("training_center", "Учебный центр")
	otherCenter := c.organization("training_center", "Чужой учебный центр")
	w.admin = c.account("admin", "", "admin")
	w.owner = c.account("specialist", "", "owner")
	w.other = c.account("specialist", "", "other")
	w.staff = c.account("consultant", w.consultancy, "staff")
	w.staffX = c.account("consultant", otherConsultancy, "staffX")
	w.center = c.account("training_center", w.trainingCenter, "center")
	w.centerX = c.account("training_center", otherCenter, "centerX")
	return w
}

// roles in the order of the expectation strings.
func (w *world) roles() []*caller {
	return []*caller{w.anon, w.admin, w.owner, w.other, w.staff, w.staffX, w.center, w.centerX}
}

// fixture is an application of the owner, shared with the consultancy
// (by organization id) and the training center (by a share code), with a
// document, a certificate row, a course, an NMO activity and, when asked,
// a finished bundle.
type fixture struct {
	app, course, nmo, bundle, source string
}

// form is a multipart body with its content type.
type form struct {
	body        []byte
	contentType string
}

// partsForm is a multipart form of file parts, in order.
func partsForm(t testing.TB, names []string, files ...[]byte) form {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i, f := range files {
		pw, err := w.CreateFormFile("file", names[i])
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(f)
	}
	w.Close()
	return form{b.Bytes(), w.FormDataContentType()}
}

func nmoBody() map[string]any {
	return map[string]any{"title": "Вебинар", "date": "2025-03-01", "credits": 2, "code": fmt.Sprintf("AB12-%08d", seq.Add(1)), "kind": "event"}
}

func courseBody() map[string]any {
	return map[string]any{"title": "ПК по терапии", "organization": "Учебный центр", "hours": 36, "start_date": "2025-02-01",
		"end_date": "2025-02-20", "in_specialty": true, "frdo_number": "ФРДО-1"}
}

func (w *world) fixture(withBundle bool) fixture {
	t := w.c.t
	t.Helper()
	o := w.owner
	var f fixture
	f.app = o.must(201, "POST", "/api/v1/applications", validForm())["id"].(string)
	base := "/api/v1/applications/" + f.app
	o.must(201, "PUT", base+"/slots/identity_document/file", testdocs.PDF(t, 1, "passport"))
	o.must(201, "PUT", base+"/slots/qualification_certificates.1/file", testdocs.PDF(t, 1, "cert"))
	made := o.must(201, "POST", base+"/slots/snils/compose", partsForm(t, []string{"снилс.jpg"}, testdocs.JPEG(t)))
	f.source = made["sources"].([]any)[0].(map[string]any)["id"].(string)
	f.course = o.must(201, "POST", base+"/courses", courseBody())["id"].(string)
	f.nmo = o.must(201, "POST", base+"/nmo", nmoBody())["id"].(string)
	o.must(201, "POST", base+"/grants", map[string]any{"organization_id": w.consultancy})
	code := o.must(201, "POST", base+"/share-codes", nil)["code"].(string)
	if got := w.center.must(200, "POST", "/api/v1/share-codes/redeem", map[string]any{"code": code})["application_id"]; got != f.app {
		t.Fatalf("redeemed %v; want %s", got, f.app)
	}
	if withBundle {
		f.bundle = o.must(202, "POST", base+"/bundles", map[string]any{"kind": "frmr_package", "draft": true})["id"].(string)
		waitBundle(t, o, f.bundle)
	}
	return f
}

func waitBundle(t *testing.T, a *caller, id string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		b := a.must(200, "GET", "/api/v1/bundles/"+id, nil)
		switch b["status"] {
		case "done":
			return
		case "failed":
			t.Fatalf("bundle failed: %v", b["error"])
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("bundle not done in 60 s")
}

// endpoint is one row of the matrix: how to call the route, and what each
// role gets, in the order anonymous, administrator, owner, another
// specialist, consultancy staff of the client, staff of another
// consultancy, the training center shared with, another training center:
// A = allowed (answered with status ok), F = 403, H = 404 (as if the
// application did not exist), U = 401.
type endpoint struct {
	method, path string
	expect       string
	ok           int // the status of an allowed call
	bundle       bool
	request      func(w *world, f fixture, who *caller) (path string, body any)
}

// hookBody subscribes a closed port to builds: deliveries fail quietly.
func hookBody() map[string]any {
	return map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"bundle.done"}}
}

// ownHook calls a path of a subscription the caller creates first (or,
// anonymously, of one that does not exist).
func ownHook(suffix string) func(*world, fixture, *caller) (string, any) {
	return func(_ *world, _ fixture, who *caller) (string, any) {
		id := "wh_000000000000000000000000"
		if who.bearer != "" || who.csrf != "" {
			id = who.must(201, "POST", "/api/v1/webhooks", hookBody())["id"].(string)
		}
		return "/api/v1/webhooks/" + id + suffix, nil
	}
}

func (w *world) endpoints() []endpoint {
	t := w.c.t
	app := func(suffix string, body func() any) func(*world, fixture, *caller) (string, any) {
		return func(_ *world, f fixture, _ *caller) (string, any) {
			var b any
			if body != nil {
				b = body()
			}
			return "/api/v1/applications/" + f.app + suffix, b
		}
	}
	fixed := func(path string, body func(who *caller) any) func(*world, fixture, *caller) (string, any) {
		return func(_ *world, _ fixture, who *caller) (string, any) {
			var b any
			if body != nil {
				b = body(who)
			}
			return path, b
		}
	}
	pdf := func() any { return testdocs.PDF(t, 1, "new") }
	return []endpoint{
		{"POST", "/api/v1/auth/login", "AAAAAAAA", 200, false, func(w *world, _ fixture, _ *caller) (string, any) {
			return "/api/v1/auth/login", map[string]any{"email": w.owner.email, "password": w.owner.password()}
		}},
		// Every person changes their own password (by API key); the
		// caller remembers the new one.
		{"POST", "/api/v1/auth/password", "UAAAAAAA", 204, false, func(_ *world, _ fixture, who *caller) (string, any) {
			body := map[string]any{"current_password": who.password(), "new_password": unique("новый пароль ")}
			if who.userID != "" {
				who.pw = body["new_password"].(string)
			}
			return "/api/v1/auth/password", body
		}},
		{"POST", "/api/v1/auth/register", "AAAAAAAA", 202, false, fixed("/api/v1/auth/register", func(*caller) any {
			return map[string]any{"email": unique("new") + "@example.ru", "password": password, "name": "Новый"}
		})},
		// E-mail: links with tokens no one has are refused alike (404);
		// invitations are staff's for applications without an owner (this
		// one has one: 409 for whoever may manage its sharing).
		{"POST", "/api/v1/auth/confirm", "AAAAAAAA", 404, false, fixed("/api/v1/auth/confirm", func(*caller) any { return map[string]any{"token": "no-such-token"} })},
		{"POST", "/api/v1/auth/password-reset", "AAAAAAAA", 202, false, fixed("/api/v1/auth/password-reset", func(*caller) any {
			return map[string]any{"email": unique("nobody") + "@example.ru"}
		})},
		{"POST", "/api/v1/auth/password-reset/confirm", "AAAAAAAA", 404, false, fixed("/api/v1/auth/password-reset/confirm", func(*caller) any {
			return map[string]any{"token": "no-such-token", "password": "длинный новый пароль"}
		})},
		{"POST", "/api/v1/users/:uid/password-reset", "UAFFFFFF", 202, false, func(w *world, _ fixture, _ *caller) (string, any) {
			return "/api/v1/users/" + w.other.userID + "/password-reset", nil
		}},
		{"POST", "/api/v1/applications/:id/invitations", "UAAHFHFH", 409, false, app("/invitations", func() any { return map[string]any{"email": "client@example.ru"} })},
		{"POST", "/api/v1/invitations/redeem", "UFAAFFFF", 404, false, fixed("/api/v1/invitations/redeem", func(*caller) any { return map[string]any{"token": "no-such-token"} })},
		{"POST", "/api/v1/unsubscribe", "AAAAAAAA", 404, false, fixed("/api/v1/unsubscribe", func(*caller) any { return map[string]any{"token": "no-such-token"} })},
		{"POST", "/api/v1/auth/logout", "UAAAAAAA", 204, false, fixed("/api/v1/auth/logout", nil)},
		{"GET", "/api/v1/auth/me", "UAAAAAAA", 200, false, fixed("/api/v1/auth/me", nil)},
		{"GET", "/api/v1/catalog", "UAAAAAAA", 200, false, fixed("/api/v1/catalog", nil)},
		{"GET", "/api/v1/openapi.json", "AAAAAAAA", 200, false, fixed("/api/v1/openapi.json", nil)},
		{"GET", "/api/v1/organizations", "UAAAAAAA", 200, false, fixed("/api/v1/organizations", nil)},
		{"POST", "/api/v1/organizations", "UAFFFFFF", 201, false, fixed("/api/v1/organizations", func(*caller) any {
			return map[string]any{"name": unique("Орг"), "kind": "consultancy"}
		})},
		{"GET", "/api/v1/users", "UAFFFFFF", 200, false, fixed("/api/v1/users", nil)},
		{"POST", "/api/v1/users", "UAFFFFFF", 201, false, fixed("/api/v1/users", func(*caller) any {
			return map[string]any{"email": unique("u") + "@example.ru", "password": password, "name": "Пользователь", "role": "specialist"}
		})},
		{"GET", "/api/v1/api-keys", "UAAAAAAA", 200, false, fixed("/api/v1/api-keys", nil)},
		{"POST", "/api/v1/api-keys", "UAAAAAAA", 201, false, fixed("/api/v1/api-keys", func(*caller) any { return map[string]any{"name": "ещё"} })},
		{"DELETE", "/api/v1/api-keys/:kid", "UAAAAAAA", 204, false, func(w *world, _ fixture, who *caller) (string, any) {
			// Each revokes a spare key of their own (or, anonymously, any).
			id := "000000000000000000000000"
			if who.bearer != "" {
				id = who.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "запасной"})["id"].(string)
			}
			return "/api/v1/api-keys/" + id, nil
		}},
		{"GET", "/api/v1/audit", "UAFFFFFF", 200, false, fixed("/api/v1/audit", nil)},
		// Administration: every key; an account disabled (a fresh one each
		// time, so that no caller of the matrix is).
		{"GET", "/api/v1/api-keys/all", "UAFFFFFF", 200, false, fixed("/api/v1/api-keys/all", nil)},
		{"PATCH", "/api/v1/users/:uid", "UAFFFFFF", 200, false, func(w *world, _ fixture, _ *caller) (string, any) {
			u := w.c.admin().must(201, "POST", "/api/v1/users", map[string]any{"email": unique("off") + "@example.ru", "password": password, "name": "Отключаемый", "role": "specialist"})
			return "/api/v1/users/" + u["id"].(string), map[string]any{"disabled": true}
		}},
		{"GET", "/api/v1/me/audit", "UFAAFFFF", 200, false, fixed("/api/v1/me/audit", nil)},
		// Only training centers import; another center's rows are refused
		// in the report (200), not by status.
		{"POST", "/api/v1/imports/certificates", "UFFFFFAA", 200, false, func(_ *world, f fixture, _ *caller) (string, any) {
			return "/api/v1/imports/certificates", map[string]any{"rows": []any{map[string]any{"snils": "112-233-445 95", "title": "ПК", "hours": 36,
				"start_date": "2025-02-01", "end_date": "2025-02-20", "frdo_number": unique("ИМП-"), "application_id": f.app}}}
		}},
		{"POST", "/api/v1/share-codes/redeem", "UFFFAAAA", 200, false, func(w *world, f fixture, _ *caller) (string, any) {
			code := w.owner.must(201, "POST", "/api/v1/applications/"+f.app+"/share-codes", nil)["code"]
			return "/api/v1/share-codes/redeem", map[string]any{"code": code}
		}},
		{"GET", "/api/v1/webhooks", "UAAAAAAA", 200, false, fixed("/api/v1/webhooks", nil)},
		{"POST", "/api/v1/webhooks", "UAAAAAAA", 201, false, fixed("/api/v1/webhooks", func(*caller) any { return hookBody() })},
		{"GET", "/api/v1/webhooks/:wid", "UAAAAAAA", 200, false, ownHook("")},
		{"DELETE", "/api/v1/webhooks/:wid", "UAAAAAAA", 204, false, ownHook("")},
		{"GET", "/api/v1/webhooks/:wid/deliveries", "UAAAAAAA", 200, false, ownHook("/deliveries")},
		{"POST", "/api/v1/webhooks/:wid/ping", "UAAAAAAA", 202, false, ownHook("/ping")},
		{"POST", "/api/v1/webhooks/:wid/secret", "UAAAAAAA", 200, false, ownHook("/secret")},
		{"POST", "/api/v1/forms/check", "UAAAAAFF", 200, false, fixed("/api/v1/forms/check", func(*caller) any { return validForm() })},
		{"POST", "/api/v1/applications", "UAAAAAFF", 201, false, fixed("/api/v1/applications", func(*caller) any { return validForm() })},
		{"GET", "/api/v1/applications", "UAAAAAFF", 200, false, fixed("/api/v1/applications", nil)},
		{"GET", "/api/v1/applications/export", "UAAAAAFF", 200, false, fixed("/api/v1/applications/export?format=csv", nil)},
		{"GET", "/api/v1/staff", "UFFFAAAA", 200, false, fixed("/api/v1/staff", nil)},
		// A consultancy assigns its own staff; nobody else assigns.
		{"PUT", "/api/v1/applications/:id/assignee", "UFFHAHFH", 200, false, func(_ *world, f fixture, who *caller) (string, any) {
			return "/api/v1/applications/" + f.app + "/assignee", map[string]any{"user_id": who.userID}
		}},
		{"GET", "/api/v1/applications/:id", "UAAHAHFH", 200, false, app("", nil)},
		{"PATCH", "/api/v1/applications/:id", "UAAHAHFH", 200, false, app("", func() any { return map[string]any{"comment": "правка"} })},
		{"DELETE", "/api/v1/applications/:id", "UAAHFHFH", 204, false, app("", nil)},
		{"POST", "/api/v1/applications/:id/submit", "UAAHAHFH", 409, false, app("/submit", nil)},
		{"POST", "/api/v1/applications/:id/reopen", "UAAHAHFH", 409, false, app("/reopen", nil)},
		{"PUT", "/api/v1/applications/:id/slots/:slot/file", "UAAHAHAH", 201, false, app("/slots/qualification_certificates.2/file", pdf)},
		{"GET", "/api/v1/applications/:id/slots/:slot/file", "UAAHAHFH", 200, false, app("/slots/identity_document/file", nil)},
		{"HEAD", "/api/v1/applications/:id/slots/:slot/file", "UAAHAHFH", 200, false, app("/slots/identity_document/file", nil)},
		{"DELETE", "/api/v1/applications/:id/slots/:slot/file", "UAAHAHFH", 204, false, app("/slots/identity_document/file", nil)},
		{"GET", "/api/v1/applications/:id/slots/:slot/history", "UAAHAHFH", 200, false, app("/slots/identity_document/history", nil)},
		// Direct links need S3: an allowed caller is told they are off.
		{"POST", "/api/v1/applications/:id/slots/:slot/file/link", "UAAHAHFH", 409, false, app("/slots/identity_document/file/link", nil)},
		{"POST", "/api/v1/applications/:id/slots/:slot/compose", "UAAHAHAH", 201, false, app("/slots/qualification_certificates.2/compose", func() any {
			return partsForm(t, []string{"удостоверение.jpg", "приложение.pdf"}, testdocs.JPEG(t), testdocs.PDF(t, 1, "annex"))
		})},
		{"GET", "/api/v1/applications/:id/slots/:slot/sources", "UAAHAHFH", 200, false, app("/slots/snils/sources", nil)},
		// The matrix's service reads no scans (OCR off): an allowed caller
		// hears there is nothing to confirm.
		{"POST", "/api/v1/applications/:id/slots/:slot/confirm", "UAAHAHFH", 409, false, app("/slots/identity_document/confirm", nil)},
		{"GET", "/api/v1/applications/:id/sources/:sid", "UAAHAHFH", 200, false, func(_ *world, f fixture, _ *caller) (string, any) {
			return "/api/v1/applications/" + f.app + "/sources/" + f.source, nil
		}},
		{"GET", "/api/v1/applications/:id/readiness", "UAAHAHFH", 200, false, app("/readiness", nil)},
		{"GET", "/api/v1/applications/:id/courses", "UAAHAHFH", 200, false, app("/courses", nil)},
		{"POST", "/api/v1/applications/:id/courses", "UAAHAHAH", 201, false, app("/courses", func() any { return courseBody() })},
		{"PUT", "/api/v1/applications/:id/courses/:rid", "UAAHAHFH", 200, false, func(_ *world, f fixture, _ *caller) (string, any) {
			return "/api/v1/applications/" + f.app + "/courses/" + f.course, courseBody()
		}},
		{"DELETE", "/api/v1/applications/:id/courses/:rid", "UAAHAHFH", 204, false, func(_ *world, f fixture, _ *caller) (string, any) {
			return "/api/v1/applications/" + f.app + "/courses/" + f.course, nil
		}},
		{"GET", "/api/v1/applications/:id/nmo", "UAAHAHFH", 200, false, app("/nmo", nil)},
		{"POST", "/api/v1/applications/:id/nmo", "UAAHAHAH", 201, false, app("/nmo", func() any { return nmoBody() })},
		{"PUT", "/api/v1/applications/:id/nmo/:rid", "UAAHAHFH", 200, false, func(_ *world, f fixture, _ *caller) (string, any) {
			return "/api/v1/applications/" + f.app + "/nmo/" + f.nmo, nmoBody()
		}},
		{"DELETE", "/api/v1/applications/:id/nmo/:rid", "UAAHAHFH", 204, false, func(_ *world, f fixture, _ *caller) (string, any) {
			return "/api/v1/applications/" + f.app + "/nmo/" + f.nmo, nil
		}},
		{"POST", "/api/v1/applications/:id/bundles", "UAAHAHFH", 202, false, app("/bundles", func() any {
			return map[string]any{"kind": "frmr_package", "draft": true}
		})},
		{"GET", "/api/v1/applications/:id/bundles", "UAAHAHFH", 200, true, app("/bundles", nil)},
		{"GET", "/api/v1/applications/:id/grants", "UAAHFHFH", 200, false, app("/grants", nil)},
		{"POST", "/api/v1/applications/:id/grants", "UAAHFHFH", 201, false, func(w *world, f fixture, _ *caller) (string, any) {
			return "/api/v1/applications/" + f.app + "/grants", map[string]any{"organization_id": w.consultancy}
		}},
		{"DELETE", "/api/v1/applications/:id/grants/:org", "UAAHFHFH", 204, false, func(w *world, f fixture, _ *caller) (string, any) {
			return "/api/v1/applications/" + f.app + "/grants/" + w.consultancy, nil
		}},
		{"POST", "/api/v1/applications/:id/share-codes", "UAAHFHFH", 201, false, app("/share-codes", nil)},
		{"GET", "/api/v1/applications/:id/audit", "UAAHFHFH", 200, false, app("/audit", nil)},
		{"GET", "/api/v1/bundles/:id", "UAAHAHFH", 200, true, func(_ *world, f fixture, _ *caller) (string, any) { return "/api/v1/bundles/" + f.bundle, nil }},
		{"GET", "/api/v1/bundles/:id/file", "UAAHAHFH", 200, true, func(_ *world, f fixture, _ *caller) (string, any) {
			return "/api/v1/bundles/" + f.bundle + "/file", nil
		}},
		// The report on professional activity: read and written as the
		// application; its PDF into the slot by those who may replace any
		// document (not training centers); a template only of one's own
		// consultancy (this id is nobody's: 404 for whoever gets that far).
		{"GET", "/api/v1/applications/:id/report", "UAAHAHFH", 200, false, app("/report", nil)},
		{"PUT", "/api/v1/applications/:id/report", "UAAHAHFH", 200, false, app("/report", func() any {
			return map[string]any{"version": 0, "draft": map[string]any{"duties": "Приём пациентов"}}
		})},
		{"GET", "/api/v1/applications/:id/report/pdf", "UAAHAHFH", 200, false, app("/report/pdf", nil)},
		{"GET", "/api/v1/applications/:id/report/docx", "UAAHAHFH", 200, false, app("/report/docx", nil)},
		{"POST", "/api/v1/applications/:id/report/slot", "UAAHAHFH", 201, false, func(w *world, f fixture, who *caller) (string, any) {
			// A draft to put, saved first on the fresh application of an
			// allowed caller (refused ones share an application that
			// must stay as it was).
			if who == w.admin || who == w.owner || who == w.staff {
				w.owner.must(200, "PUT", "/api/v1/applications/"+f.app+"/report", map[string]any{"version": 0, "draft": map[string]any{"duties": "Приём"}})
			}
			return "/api/v1/applications/" + f.app + "/report/slot", nil
		}},
		{"POST", "/api/v1/applications/:id/report/template", "UAAHAHFH", 404, false, app("/report/template", func() any {
			return map[string]any{"template_id": "no-such-template"}
		})},
		{"GET", "/api/v1/report-templates", "UFFFAAFF", 200, false, fixed("/api/v1/report-templates", nil)},
		{"POST", "/api/v1/report-templates", "UFFFAAFF", 201, false, fixed("/api/v1/report-templates", func(*caller) any {
			return map[string]any{"specialty": "Терапия", "title": "Терапевт участковый", "draft": map[string]any{"duties": "Приём"}}
		})},
		{"DELETE", "/api/v1/report-templates/:tid", "UFFFAAFF", 204, false, func(w *world, _ fixture, who *caller) (string, any) {
			id := "no-such-template"
			if who == w.staff || who == w.staffX {
				id = who.must(201, "POST", "/api/v1/report-templates", map[string]any{"specialty": "Терапия", "title": "Шаблон", "draft": map[string]any{}})["id"].(string)
			}
			return "/api/v1/report-templates/" + id, nil
		}},
		// Only a failed build is retried: an allowed caller hears so.
		{"POST", "/api/v1/bundles/:id/retry", "UAAHAHFH", 409, true, func(_ *world, f fixture, _ *caller) (string, any) {
			return "/api/v1/bundles/" + f.bundle + "/retry", nil
		}},
	}
}

// accessConfig is a service without rate limits: the matrix logs in and
// uploads far more than a person would.
func accessConfig(t *testing.T) config.Config {
	cfg := testConfig(t)
	cfg.LoginPerMinute, cfg.UploadsPerMinute = 0, 0
	return cfg
}

// TestAccessMatrix tries every /api/v1 endpoint as every kind of principal
// against one application: its owner's, shared with one consultancy and
// one training center. Refusals change nothing, so they share a fixture;
// every allowed call that changes something gets a fresh one.
func TestAccessMatrix(t *testing.T) {
	t.Run("Embedded", func(t *testing.T) { testAccessMatrix(t, accessConfig(t), false) })
	t.Run("PostgresMinIO", func(t *testing.T) {
		_, _, real := realServers(t)
		cfg := accessConfig(t)
		real(t, &cfg)
		cfg.PresignTTL = time.Minute
		testAccessMatrix(t, cfg, true)
	})
}

// testAccessMatrix runs the matrix on one backend; presign: direct links
// are on (S3), so an allowed caller gets a link that opens the file, and a
// refused one gets none.
func testAccessMatrix(t *testing.T, cfg config.Config, presign bool) {
	c := startService(t, cfg)
	w := newWorld(c)
	endpoints := w.endpoints()
	const linkRoute = "/api/v1/applications/:id/slots/:slot/file/link"
	if presign {
		for i := range endpoints {
			if endpoints[i].path == linkRoute {
				endpoints[i].ok = http.StatusOK
			}
		}
	}

	// The table covers exactly the routes the server has.
	covered := map[string]bool{}
	for _, e := range endpoints {
		covered[e.method+" "+e.path] = true
	}
	for _, r := range httpapi.Routes() {
		key := r.Method + " " + r.Path
		if !covered[key] {
			t.Errorf("route %s has no row in the access matrix", key)
		}
		delete(covered, key)
	}
	for key := range covered {
		t.Errorf("matrix row %s names no route", key)
	}

	roles := w.roles()
	// One test, not subtests: the callers belong to it.
	for _, e := range endpoints {
		func() {
			if len(e.expect) != len(roles) {
				t.Fatalf("expectation %q: want %d letters", e.expect, len(roles))
			}
			shared := w.fixture(e.bundle)
			for i, who := range roles {
				f := shared
				want := e.expect[i]
				if want == 'A' && e.method != "GET" && e.method != "HEAD" {
					f = w.fixture(e.bundle)
				}
				path, body := e.request(w, f, who)
				r := who.call(e.method, path, body)
				var ok bool
				switch want {
				case 'A':
					ok = r.status == e.ok
				case 'F':
					ok = r.status == http.StatusForbidden
				case 'H':
					ok = r.status == http.StatusNotFound
				case 'U':
					ok = r.status == http.StatusUnauthorized
				}
				if !ok {
					t.Errorf("%s: %s %s = %d %.200s; want %c", who.name, e.method, path, r.status, r.body, want)
				}
				if presign && e.path == linkRoute {
					checkDirectLink(t, who.name, r, want == 'A')
				}
			}
			// Refusals changed nothing: the shared application is intact.
			if !strings.Contains(e.path, ":id") || e.bundle {
				return
			}
			got := w.owner.must(200, "GET", "/api/v1/applications/"+shared.app, nil)
			slots := map[string]string{}
			for _, s := range got["slots"].([]any) {
				s := s.(map[string]any)
				slots[s["id"].(string)] = s["status"].(string)
			}
			if slots["identity_document"] != "accepted" || slots["qualification_certificates.1"] != "accepted" || got["comment"] != "" {
				t.Errorf("%s %s: a refused call changed the application: %v, comment %q", e.method, e.path, slots, got["comment"])
			}
		}()
	}
}

// checkDirectLink: an allowed caller's direct link opens the PDF, once
// signed, without the service; a refused caller's answer holds no link.
func checkDirectLink(t *testing.T, who string, r response, allowed bool) {
	t.Helper()
	var out struct {
		URL string `json:"url"`
	}
	json.Unmarshal(r.body, &out)
	if !allowed {
		if out.URL != "" || strings.Contains(string(r.body), "X-Amz-Signature") {
			t.Errorf("%s: a refused link request carries a link: %.200s", who, r.body)
		}
		return
	}
	resp, err := http.Get(out.URL)
	if err != nil {
		t.Errorf("%s: direct link %q: %v", who, out.URL, err)
		return
	}
	defer resp.Body.Close()
	head := make([]byte, 5)
	io.ReadFull(resp.Body, head)
	if resp.StatusCode != http.StatusOK || string(head) != "%PDF-" {
		t.Errorf("%s: direct link answered %d %q; want the PDF", who, resp.StatusCode, head)
	}
	tampered := strings.Replace(out.URL, "X-Amz-Signature=", "X-Amz-Signature=0", 1)
	if resp, err := http.Get(tampered); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("%s: a direct link with a changed signature opened the file", who)
		}
	}
}
