package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"accredpack/internal/testdocs"
)

func cookieOf(t *testing.T, r response) *http.Cookie {
	t.Helper()
	for _, line := range r.header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == "accredpack_session" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", r.header.Values("Set-Cookie"))
	return nil
}

func TestSessionsAndCSRF(t *testing.T) {
	c := startService(t, accessConfig(t))
	anon := c.anonymous("anon")
	email := unique("anna") + "@example.ru"
	first := anon.call("POST", "/api/v1/auth/register", map[string]any{"email": strings.ToUpper(email), "password": password, "name": "Анна"})
	// A known address answers the same (its owner is told by e-mail).
	if r := anon.call("POST", "/api/v1/auth/register", map[string]any{"email": email, "password": password, "name": "Анна"}); first.status != 202 || r.status != 202 || string(r.body) != string(first.body) {
		t.Errorf("sign-ups with one e-mail: %d %s, then %d %s; want the same 202", first.status, first.body, r.status, r.body)
	}
	r := anon.call("POST", "/api/v1/auth/register", map[string]any{"email": "not-an-email", "password": "short", "name": ""})
	if r.status != 422 || len(r.json(t)["error"].(map[string]any)["fields"].([]any)) != 3 {
		t.Errorf("bad sign-up: %d %s; want 422 naming email, password and name", r.status, r.body)
	}

	// Wrong password and unknown e-mail read the same.
	wrong := anon.call("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": "не тот пароль"})
	unknown := anon.call("POST", "/api/v1/auth/login", map[string]any{"email": "nobody@example.ru", "password": password})
	if wrong.status != 401 || unknown.status != 401 || string(wrong.body) != string(unknown.body) {
		t.Errorf("wrong password %d %s vs unknown e-mail %d %s: want the same 401", wrong.status, wrong.body, unknown.status, unknown.body)
	}
	if r := anon.call("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": password}, "Origin", "http://evil.example"); r.status != 403 {
		t.Errorf("login from another site's page: %d; want 403", r.status)
	}

	web := c.browser("web")
	login := web.call("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": password}, "Origin", c.base)
	if login.status != 200 {
		t.Fatalf("login: %d %s", login.status, login.body)
	}
	ck := cookieOf(t, login)
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.Path != "/" || ck.MaxAge <= 0 {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", ck)
	}
	csrf := login.json(t)["csrf_token"].(string)
	if me := web.must(200, "GET", "/api/v1/auth/me", nil); me["csrf_token"] != csrf || me["role"] != "specialist" {
		t.Errorf("me = %v", me)
	}
	// A write with the cookie but without the token is another site's.
	if r := web.call("POST", "/api/v1/applications", validForm()); r.status != 403 || r.errorCode(t) != "forbidden" {
		t.Errorf("cookie write without CSRF token: %d %s", r.status, r.body)
	}
	if r := web.call("POST", "/api/v1/applications", validForm(), "X-CSRF-Token", csrf+"x"); r.status != 403 {
		t.Errorf("cookie write with a wrong CSRF token: %d", r.status)
	}
	web.csrf = csrf
	id := web.must(201, "POST", "/api/v1/applications", validForm())["id"].(string)
	if list := web.must(200, "GET", "/api/v1/applications", nil)["items"].([]any); len(list) != 1 || list[0].(map[string]any)["id"] != id {
		t.Errorf("own list = %v", list)
	}
	web.must(204, "POST", "/api/v1/auth/logout", nil)
	stale := c.anonymous("stale")
	req := func() response {
		return stale.call("GET", "/api/v1/auth/me", nil, "Cookie", "accredpack_session="+ck.Value)
	}
	if r := req(); r.status != 401 {
		t.Errorf("session after logout: %d; want 401", r.status)
	}

	// Behind a TLS proxy the cookie is Secure; sign-up can be turned off.
	cfg := accessConfig(t)
	cfg.SecureCookies, cfg.AllowSignup = true, false
	c2 := startService(t, cfg)
	c2.admin().must(201, "POST", "/api/v1/users", map[string]any{"email": email, "password": password, "name": "Анна", "role": "specialist"})
	if ck := cookieOf(t, c2.anonymous("x").call("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": password})); !ck.Secure {
		t.Errorf("cookie with secure-cookies: %+v; want Secure", ck)
	}
	if r := c2.anonymous("x").call("POST", "/api/v1/auth/register", map[string]any{"email": "b@example.ru", "password": password, "name": "Б"}); r.status != 403 {
		t.Errorf("sign-up when off: %d; want 403", r.status)
	}
}

func TestLoginRateLimit(t *testing.T) {
	cfg := testConfig(t)
	cfg.LoginPerMinute = 3
	c := startService(t, cfg)
	email := unique("u") + "@example.ru"
	c.admin().must(201, "POST", "/api/v1/users", map[string]any{"email": email, "password": password, "name": "У", "role": "specialist"})
	a := c.anonymous("guesser")
	for i := range 3 {
		if r := a.call("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": fmt.Sprint("guess", i)}); r.status != 401 {
			t.Fatalf("guess %d: %d", i, r.status)
		}
	}
	r := a.call("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": password})
	if r.status != 429 || r.errorCode(t) != "rate_limited" || r.header.Get("Retry-After") == "" {
		t.Errorf("fourth attempt in a minute: %d %s Retry-After %q; want 429 rate_limited", r.status, r.body, r.header.Get("Retry-After"))
	}
}

func TestUploadRateLimit(t *testing.T) {
	cfg := testConfig(t)
	cfg.UploadsPerMinute = 2
	c := startService(t, cfg)
	id := c.create()
	second := testdocs.PDF(t, 1, "second")
	for _, doc := range [][]byte{testdocs.PDF(t, 1, "first"), second} {
		if r := c.putRaw(id, "snils", doc); r.status != 201 {
			t.Fatalf("upload: %d %s", r.status, r.body)
		}
	}
	if r := c.putRaw(id, "snils", testdocs.PDF(t, 1, "third")); r.status != 429 || r.errorCode(t) != "rate_limited" {
		t.Errorf("third upload in a minute: %d %s; want 429", r.status, r.body)
	}
	if got := c.do("GET", "/api/v1/applications/"+id+"/slots/snils/file", nil, "", 0, true); sum(got.body) != sum(second) {
		t.Error("the refused upload changed the slot")
	}
}

// TestPasswordChange: a person changes their own password by session or
// by API key; wrong current passwords and bad new ones are 422 on their
// fields and change nothing; on success the other sessions end at once,
// the current one and API keys stay, only the new password logs in; the
// bootstrap token has no password; each change and each wrong attempt is
// an audit line the person sees.
func TestPasswordChange(t *testing.T) {
	c := startService(t, accessConfig(t))
	email := unique("anna") + "@example.ru"
	u := c.admin().must(201, "POST", "/api/v1/users", map[string]any{"email": email, "password": password, "name": "Анна Иванова", "role": "specialist"})
	laptop, phone := c.login(email, password), c.login(email, password)
	key := c.anonymous("key")
	key.bearer = laptop.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "СДО"})["token"].(string)
	const next = "новый пароль 2026"
	change := func(who *caller, current, next string) response {
		return who.call("POST", "/api/v1/auth/password", map[string]any{"current_password": current, "new_password": next})
	}
	live := func(who *caller) bool { return who.call("GET", "/api/v1/auth/me", nil).status == 200 }

	for _, tc := range []struct{ current, next, fields, code string }{
		{"не тот пароль", next, "current_password", "password_wrong"},
		{password, "короткий", "new_password", "min"},
		{password, password, "new_password", "unchanged"},
		{"не тот пароль", "короткий", "current_password,new_password", ""},
	} {
		r := change(laptop, tc.current, tc.next)
		if r.status != 422 || r.errorCode(t) != "validation_failed" || fieldsOf(t, r) != tc.fields {
			t.Errorf("change %q -> %q: %d %s; want 422 on %s", tc.current, tc.next, r.status, r.body, tc.fields)
			continue
		}
		f := r.json(t)["error"].(map[string]any)["fields"].([]any)[0].(map[string]any)
		if msg, _ := f["message"].(string); tc.code != "" && (f["code"] != tc.code || !strings.ContainsAny(msg, "абвгдеёжзийклмнопрстуфхцчшщыьэюя")) {
			t.Errorf("change %q -> %q: field %v; want code %s with a Russian message", tc.current, tc.next, f, tc.code)
		}
		if strings.Contains(string(r.body), tc.current) || strings.Contains(string(r.body), tc.next) {
			t.Errorf("the refusal echoes a password: %s", r.body)
		}
	}
	if !live(laptop) || !live(phone) {
		t.Fatal("a refused change ended a session")
	}
	if r := c.anonymous("x").call("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": password}); r.status != 200 {
		t.Fatalf("a refused change changed the password: login %d", r.status)
	}
	if r := change(c.admin(), password, next); r.status != 403 || r.errorCode(t) != "forbidden" {
		t.Errorf("the bootstrap token changing a password: %d %s; want 403", r.status, r.body)
	}
	if r := change(c.anonymous("anon"), password, next); r.status != 401 {
		t.Errorf("anonymous: %d; want 401", r.status)
	}
	// A session write needs its CSRF token, as every write.
	noCSRF := *laptop
	noCSRF.csrf = ""
	if r := change(&noCSRF, password, next); r.status != 403 {
		t.Errorf("a change without the CSRF token: %d; want 403", r.status)
	}

	if r := change(laptop, password, next); r.status != 204 {
		t.Fatalf("change: %d %s", r.status, r.body)
	}
	if !live(laptop) {
		t.Error("the session that changed the password ended")
	}
	if live(phone) {
		t.Error("another session still works after the change")
	}
	if !live(key) {
		t.Error("the API key stopped working after the change")
	}
	if r := c.anonymous("x").call("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": password}); r.status != 401 {
		t.Errorf("login with the old password: %d; want 401", r.status)
	}
	again := c.login(email, next)

	// By API key: no session is the current one, so every session ends.
	if r := change(key, next, password+" снова"); r.status != 204 {
		t.Fatalf("change by API key: %d %s", r.status, r.body)
	}
	if live(laptop) || live(again) {
		t.Error("a session survived a change made with an API key")
	}
	if !live(key) {
		t.Error("the key that changed the password stopped working")
	}

	// The person sees every change and every wrong attempt in their log.
	var granted, denied int
	for _, l := range key.must(200, "GET", "/api/v1/me/audit?limit=1000", nil)["items"].([]any) {
		e := l.(map[string]any)
		if e["action"] != "password.change" {
			continue
		}
		if e["actor_id"] != u["id"] || e["owner_id"] != u["id"] || e["remote"] != "127.0.0.1" {
			t.Errorf("audit line %v", e)
		}
		switch e["outcome"] {
		case "granted":
			granted++
		case "denied":
			denied++
		}
	}
	if granted != 2 || denied != 2 {
		t.Errorf("audit: %d changes, %d wrong attempts; want 2 and 2", granted, denied)
	}
}

// TestPasswordChangeRateLimit: wrong current passwords count like login
// attempts, per account; a right one does not.
func TestPasswordChangeRateLimit(t *testing.T) {
	cfg := testConfig(t)
	cfg.LoginPerMinute = 3
	c := startService(t, cfg)
	a := c.account("specialist", "", "guesser")
	other := c.account("specialist", "", "bystander")
	change := func(who *caller, current, next string) response {
		return who.call("POST", "/api/v1/auth/password", map[string]any{"current_password": current, "new_password": next})
	}
	const next = "новый пароль 2026"
	for i, want := range []int{422, 422, 204, 422} {
		current := fmt.Sprint("угадываю ", i)
		if want == 204 {
			current = password
		}
		if r := change(a, current, next); r.status != want {
			t.Fatalf("attempt %d: %d %s; want %d", i+1, r.status, r.body, want)
		}
	}
	// Three wrong attempts: even the right password waits now.
	r := change(a, next, password)
	if r.status != 429 || r.errorCode(t) != "rate_limited" || r.header.Get("Retry-After") == "" {
		t.Errorf("after three wrong attempts: %d %s Retry-After %q; want 429 rate_limited", r.status, r.body, r.header.Get("Retry-After"))
	}
	if r := change(other, "не тот", next); r.status != 422 {
		t.Errorf("another account is limited too: %d", r.status)
	}
}

// TestMeNames: /auth/me (and the login's answer) name the person, by
// session and by API key; the bootstrap token is nobody (null).
func TestMeNames(t *testing.T) {
	c := startService(t, accessConfig(t))
	email := unique("maria") + "@example.ru"
	c.admin().must(201, "POST", "/api/v1/users", map[string]any{"email": strings.ToUpper(email), "password": password, "name": "Мария Петрова", "role": "specialist"})
	web := c.browser("web")
	login := web.must(200, "POST", "/api/v1/auth/login", map[string]any{"email": email, "password": password})
	if login["name"] != "Мария Петрова" || login["email"] != email {
		t.Errorf("login answer: %v", login)
	}
	web.csrf = login["csrf_token"].(string)
	me := web.must(200, "GET", "/api/v1/auth/me", nil)
	if me["name"] != "Мария Петрова" || me["email"] != email || me["role"] != "specialist" {
		t.Errorf("me by session: %v", me)
	}
	key := c.anonymous("key")
	key.bearer = web.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "CRM"})["token"].(string)
	if me := key.must(200, "GET", "/api/v1/auth/me", nil); me["name"] != "Мария Петрова" || me["email"] != email {
		t.Errorf("me by API key: %v", me)
	}
	boot := c.admin().call("GET", "/api/v1/auth/me", nil)
	m := boot.json(t)
	if name, ok := m["name"]; boot.status != 200 || !ok || name != nil || m["email"] != nil || m["role"] != "admin" {
		t.Errorf("me by the bootstrap token: %d %s; want name and email null", boot.status, boot.body)
	}
}

func TestAPIKeyLifecycle(t *testing.T) {
	c := startService(t, accessConfig(t))
	if r := c.admin().call("POST", "/api/v1/api-keys", map[string]any{"name": "x"}); r.status != 403 {
		t.Errorf("bootstrap token making a key: %d; want 403 (keys belong to accounts)", r.status)
	}
	center := c.account("training_center", c.organization("training_center", "УЦ"), "center")
	key := center.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "Интеграция СДО"})
	if !strings.HasPrefix(key["token"].(string), "ak_") {
		t.Errorf("token %q", key["token"])
	}
	list := center.must(200, "GET", "/api/v1/api-keys", nil)["api_keys"].([]any)
	var listed map[string]any
	for _, k := range list {
		if k.(map[string]any)["id"] == key["id"] {
			listed = k.(map[string]any)
		}
	}
	if listed == nil || listed["token"] != nil || listed["last_used_at"] != nil || listed["name"] != "Интеграция СДО" {
		t.Fatalf("listed key = %v; want name, no token, never used", listed)
	}
	integration := c.anonymous("integration")
	integration.bearer = key["token"].(string)
	if me := integration.must(200, "GET", "/api/v1/auth/me", nil); me["role"] != "training_center" {
		t.Errorf("key acts as %v", me)
	}
	for _, k := range center.must(200, "GET", "/api/v1/api-keys", nil)["api_keys"].([]any) {
		if k.(map[string]any)["id"] == key["id"] && k.(map[string]any)["last_used_at"] == nil {
			t.Error("last use not recorded")
		}
	}
	other := c.account("specialist", "", "other")
	if r := other.call("DELETE", "/api/v1/api-keys/"+key["id"].(string), nil); r.status != 404 {
		t.Errorf("revoking someone else's key: %d; want 404", r.status)
	}
	center.must(204, "DELETE", "/api/v1/api-keys/"+key["id"].(string), nil)
	if r := integration.call("GET", "/api/v1/auth/me", nil); r.status != 401 {
		t.Errorf("revoked key: %d; want 401", r.status)
	}
	tampered := c.anonymous("tampered")
	last := "A"
	if strings.HasSuffix(center.bearer, last) {
		last = "B" // a real change, whatever the token ends in
	}
	tampered.bearer = center.bearer[:len(center.bearer)-1] + last
	if r := tampered.call("GET", "/api/v1/auth/me", nil); r.status != 401 {
		t.Errorf("tampered key: %d; want 401", r.status)
	}
}

// testAuditAndDeletion: reads and refusals land in the audit log with who,
// what and from where; the specialist and administrators read it, staff
// do not; deleting an application removes its objects and keeps the log.
func testAuditAndDeletion(t *testing.T, c *client) {
	consultancy := c.organization("consultancy", "Консалт")
	owner := c.account("specialist", "", "owner")
	staff := c.account("consultant", consultancy, "staff")
	other := c.account("specialist", "", "other")
	admin := c.account("admin", "", "admin")

	id := owner.must(201, "POST", "/api/v1/applications", validForm())["id"].(string)
	base := "/api/v1/applications/" + id
	owner.must(201, "PUT", base+"/slots/identity_document/file", testdocs.PDF(t, 2, "passport"))
	owner.must(201, "PUT", base+"/slots/identity_document/file", testdocs.PDF(t, 1, "passport again"))
	owner.must(201, "POST", base+"/grants", map[string]any{"organization_id": consultancy})
	if r := staff.call("GET", base+"/slots/identity_document/file", nil); r.status != 200 {
		t.Fatalf("staff read: %d", r.status)
	}
	if r := staff.call("GET", base+"/audit", nil); r.status != 403 {
		t.Errorf("staff reading the audit: %d; want 403", r.status)
	}
	foreign := other.call("GET", base, nil)
	missing := other.call("GET", "/api/v1/applications/0123456789abcdef01234567", nil)
	if foreign.status != 404 || string(foreign.body) != string(missing.body) {
		t.Errorf("a foreign application (%d %s) must read exactly like a missing one (%d %s)", foreign.status, foreign.body, missing.status, missing.body)
	}

	lines := owner.must(200, "GET", base+"/audit", nil)["items"].([]any)
	var staffRead, denied bool
	for _, l := range lines {
		e := l.(map[string]any)
		if e["actor_id"] == staff.userID && e["action"] == "document.read" && e["target"] == "identity_document" &&
			e["outcome"] == "granted" && e["remote"] == "127.0.0.1" && e["organization_id"] == consultancy && e["request_id"] != "" {
			staffRead = true
		}
		if e["actor_id"] == other.userID && e["outcome"] == "denied" {
			denied = true
		}
	}
	if !staffRead || !denied {
		t.Errorf("audit of %s lacks the staff read (%v) or the refused look (%v): %v", id, staffRead, denied, lines)
	}

	// Export: CSV with a header, NDJSON one object a line.
	r := admin.call("GET", "/api/v1/audit?format=csv&application_id="+id, nil)
	rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if r.status != 200 || err != nil || len(rows) != len(lines)+1 || rows[0][0] != "id" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Errorf("CSV export: %d, %d rows (%v), want %d", r.status, len(rows), err, len(lines)+1)
	}
	r = admin.call("GET", "/api/v1/audit?format=ndjson&application_id="+id, nil)
	n := 0
	for sc := bufio.NewScanner(bytes.NewReader(r.body)); sc.Scan(); n++ {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e["application_id"] != id {
			t.Errorf("NDJSON line %q: %v", sc.Text(), err)
		}
	}
	if n != len(lines) {
		t.Errorf("NDJSON export: %d lines; want %d", n, len(lines))
	}

	// Deletion: the objects go (gc finds nothing left over), the log stays.
	owner.must(204, "DELETE", base, nil)
	if r := owner.call("GET", base, nil); r.status != 404 {
		t.Errorf("deleted application reads %d", r.status)
	}
	var out, errOut bytes.Buffer
	if code := runGC(context.Background(), c.cfg, newLogger(c.cfg, io.Discard), true, &out, &errOut); code != 0 {
		t.Fatalf("gc: %d %s", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "objects 0, orphans 0") {
		t.Errorf("after deletion the store holds %q; want nothing", out.String())
	}
	own := owner.must(200, "GET", "/api/v1/me/audit?limit=1000", nil)["items"].([]any)
	deleted := false
	for _, l := range own {
		e := l.(map[string]any)
		deleted = deleted || (e["action"] == "application.delete" && e["application_id"] == id)
	}
	if !deleted || len(own) <= len(lines) {
		t.Errorf("the specialist's audit after deletion has %d lines (deletion recorded: %v); want the earlier %d and more", len(own), deleted, len(lines))
	}
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsKeepSNILSOut runs the usual flows, including refusals that
// concern the SNILS, with the production logger, and searches the log.
func TestLogsKeepSNILSOut(t *testing.T) {
	var logs syncBuffer
	c := startServiceLogging(t, testConfig(t), &logs)
	id := c.create()
	c.putRaw(id, "snils", testdocs.PDF(t, 1, "snils"))
	c.jsonCall("PATCH", "/api/v1/applications/"+id, map[string]any{"specialist": map[string]any{"snils": "112-233-445 96"}})
	c.jsonCall("POST", "/api/v1/applications", map[string]any{"kind": "periodic", "specialist": map[string]any{"snils": "11223344596"}})
	nmo := map[string]any{"title": "Вебинар", "date": "2025-03-01", "credits": 2, "code": "AB12-00000001", "kind": "event"}
	c.jsonCall("POST", "/api/v1/applications/"+id+"/nmo", nmo)
	if r := c.jsonCall("POST", "/api/v1/applications/"+c.create()+"/nmo", nmo); r.status != 409 {
		t.Errorf("a code used twice by one SNILS: %d", r.status)
	}
	c.jsonCall("GET", "/api/v1/applications", nil)
	// A training center's import: a row added, one with a wrong SNILS.
	center := c.account("training_center", c.organization("training_center", "УЦ"), "log-center")
	code := c.admin().must(201, "POST", "/api/v1/applications/"+id+"/share-codes", nil)["code"]
	center.must(200, "POST", "/api/v1/share-codes/redeem", map[string]any{"code": code})
	center.must(200, "POST", "/api/v1/imports/certificates", form{[]byte("snils;title;hours;start_date;end_date;frdo_number\n" +
		"112-233-445 95;Т;36;2025-02-01;2025-02-20;Л-1\n112-233-445 96;Т;36;2025-02-01;2025-02-20;Л-2\n"), "text/csv"})
	out := logs.String()
	if !strings.Contains(out, "document accepted") || !strings.Contains(out, "certificates imported") {
		t.Fatalf("the log is not being captured: %q", out)
	}
	for _, s := range []string{"11223344595", "112-233-445 95", "11223344596", "112-233-445 96", "9123456789"} {
		if strings.Contains(out, s) {
			t.Errorf("the log holds %q", s)
		}
	}
}

// TestSlowClients: headers or a body that trickle in are cut off by the
// configured timeouts, and the slot is left as it was.
func TestSlowClients(t *testing.T) {
	cfg := testConfig(t)
	cfg.ReadHeaderTimeout, cfg.ReadTimeout = 300*time.Millisecond, time.Second
	c := startService(t, cfg)
	id := c.create()
	addr := strings.TrimPrefix(c.base, "http://")
	closedWithin := func(name, send string) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := io.WriteString(conn, send); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		start := time.Now()
		io.Copy(io.Discard, conn) // until the server closes
		if d := time.Since(start); d > 8*time.Second {
			t.Errorf("%s: connection held for %s", name, d)
		}
	}
	closedWithin("headers never finished", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
	closedWithin("body never finished", "PUT /api/v1/applications/"+id+"/slots/snils/file HTTP/1.1\r\nHost: x\r\n"+
		"Authorization: Bearer "+token+"\r\nContent-Type: application/pdf\r\nContent-Length: 100000\r\n\r\n%PDF-1.7\n")
	if r := c.do("GET", "/api/v1/applications/"+id+"/slots/snils/file", nil, "", 0, true); r.status != 404 {
		t.Errorf("slot after a cut-off upload: %d; want still empty", r.status)
	}
}
