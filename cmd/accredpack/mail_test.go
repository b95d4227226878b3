package main

import (
	"context"
	"database/sql"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"accredpack/config"
	"accredpack/internal/testenv"
)

const smtpPassword = "smtp-test-Pa55word"

// mailConfig is a service that sends e-mail through a Mailpit.
func mailConfig(t *testing.T, mp *testenv.Mailpit) config.Config {
	cfg := accessConfig(t)
	cfg.SMTP = config.SMTP{Host: mp.Host, Port: mp.SMTPPort, TLS: "none", User: "robot", Password: smtpPassword, From: "accredpack <noreply@example.ru>"}
	return cfg
}

// runService runs the service until stop is called (or the test ends).
func runService(t *testing.T, cfg config.Config, w *syncBuffer) (*client, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, newLogger(cfg, w), listening) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	select {
	case addr := <-listening:
		t.Cleanup(stop)
		return &client{t: t, base: "http://" + addr, cfg: cfg}, stop
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	return nil, nil
}

var linkRE = regexp.MustCompile(`(http://[^\s"<>]+/app/([a-z-]+))#([A-Za-z0-9_%-]+)`)

// linkIn finds the link to page in a message's text and HTML (the same in
// both) and returns its token.
func linkIn(t *testing.T, m testenv.Message, page string) (link, token string) {
	t.Helper()
	for _, match := range linkRE.FindAllStringSubmatch(m.Text, -1) {
		if match[2] == page {
			tok, _ := url.QueryUnescape(match[3])
			if !strings.Contains(m.HTML, match[0]) {
				t.Errorf("the HTML part lacks the link %s", match[0])
			}
			return match[0], tok
		}
	}
	t.Fatalf("no link to /app/%s in %q", page, m.Text)
	return "", ""
}

// newest reads the newest message to addr, once there are n.
func newest(t *testing.T, mp *testenv.Mailpit, addr string, n int) testenv.Message {
	t.Helper()
	return mp.Message(t, mp.WaitFor(t, addr, n)[0].ID)
}

// TestMailSignUpAndReset: sign-up sends a confirmation whose link works
// once, login waits for it; a known address answers the same and its
// owner is told; a reset link works once and ends the sessions; the SMTP
// password and the tokens never reach the log.
func TestMailSignUpAndReset(t *testing.T) {
	mp := testenv.StartMailpit(t)
	var log syncBuffer
	c, _ := runService(t, mailConfig(t, mp), &log)
	anon := c.anonymous("anon")
	email := unique("anna") + "@example.ru"
	body := map[string]any{"email": email, "password": password, "name": "Анна Иванова"}
	first := anon.call("POST", "/api/v1/auth/register", body)
	if first.status != 202 || first.json(t)["confirm_email"] != true {
		t.Fatalf("sign-up: %d %s\n%s", first.status, first.body, log.String())
	}
	confirm := newest(t, mp, email, 1)
	if confirm.Subject != "Подтвердите адрес электронной почты" || !strings.Contains(confirm.Text, "Здравствуйте, Анна Иванова!") {
		t.Errorf("confirmation: %q %q", confirm.Subject, confirm.Text)
	}
	if confirm.From.Address != "noreply@example.ru" || confirm.Headers["List-Unsubscribe"] != nil {
		t.Errorf("confirmation from %v, headers %v", confirm.From, confirm.Headers)
	}
	_, token := linkIn(t, confirm, "confirm-email")

	// Not confirmed yet: the right password is refused with the reason.
	r := anon.call("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": password})
	if r.status != 403 || !strings.Contains(string(r.body), "не подтверждён") {
		t.Errorf("login before confirming: %d %s", r.status, r.body)
	}
	anon.must(200, "POST", "/api/v1/auth/confirm", map[string]any{"token": token})
	if r := anon.call("POST", "/api/v1/auth/confirm", map[string]any{"token": token}); r.status != 409 {
		t.Errorf("a used confirmation link: %d %s; want 409", r.status, r.body)
	}
	session := c.login(email, password)

	// The same address again: the same answer, and its owner is told.
	again := anon.call("POST", "/api/v1/auth/register", map[string]any{"email": strings.ToUpper(email), "password": "другой пароль 123", "name": "Кто-то"})
	if again.status != first.status || string(again.body) != string(first.body) {
		t.Errorf("sign-up with a known address: %d %s; a new one: %d %s", again.status, again.body, first.status, first.body)
	}
	if told := newest(t, mp, email, 2); told.Subject != "Попытка регистрации с вашим адресом" {
		t.Errorf("owner of a known address told %q", told.Subject)
	}

	// Reset: the same answer for a known and an unknown address.
	known := anon.call("POST", "/api/v1/auth/password-reset", map[string]any{"email": email})
	unknown := anon.call("POST", "/api/v1/auth/password-reset", map[string]any{"email": unique("nobody") + "@example.ru"})
	if known.status != 202 || unknown.status != 202 || string(known.body) != string(unknown.body) {
		t.Errorf("reset known %d %s, unknown %d %s: want the same 202", known.status, known.body, unknown.status, unknown.body)
	}
	reset := newest(t, mp, email, 3)
	if reset.Subject != "Восстановление пароля" {
		t.Fatalf("reset message %q", reset.Subject)
	}
	_, resetToken := linkIn(t, reset, "reset-password")
	if r := anon.call("POST", "/api/v1/auth/password-reset/confirm", map[string]any{"token": resetToken, "password": "short"}); r.status != 422 {
		t.Errorf("short new password: %d %s", r.status, r.body)
	}
	const newPassword = "новый надёжный пароль"
	anon.must(200, "POST", "/api/v1/auth/password-reset/confirm", map[string]any{"token": resetToken, "password": newPassword})
	if r := anon.call("POST", "/api/v1/auth/password-reset/confirm", map[string]any{"token": resetToken, "password": "ещё один пароль 1"}); r.status != 409 {
		t.Errorf("a used reset link: %d %s; want 409", r.status, r.body)
	}
	if r := session.call("GET", "/api/v1/auth/me", nil); r.status != 401 {
		t.Errorf("session after a reset: %d; want 401", r.status)
	}
	if r := anon.call("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": password}); r.status != 401 {
		t.Errorf("old password after a reset: %d", r.status)
	}
	c.login(email, newPassword)

	// An administrator's reset: the person's sessions end, a link goes out.
	s2 := c.login(email, newPassword)
	c.admin().must(202, "POST", "/api/v1/users/"+s2.userID+"/password-reset", nil)
	if r := s2.call("GET", "/api/v1/auth/me", nil); r.status != 401 {
		t.Errorf("session after an administrator's reset: %d; want 401", r.status)
	}
	if m := newest(t, mp, email, 4); m.Subject != "Восстановление пароля" {
		t.Errorf("administrator's reset sent %q", m.Subject)
	}

	out := log.String()
	for _, secret := range []string{smtpPassword, token, resetToken, email} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	if !strings.Contains(out, "e-mail sent") {
		t.Error("the log does not say that e-mail was sent")
	}
}

// TestMailOffLogs: without SMTP, sign-up works at once and the log says
// what would have been sent, without the link.
func TestMailOffLogs(t *testing.T) {
	var log syncBuffer
	c, _ := runService(t, accessConfig(t), &log)
	email := unique("off") + "@example.ru"
	r := c.anonymous("a").must(202, "POST", "/api/v1/auth/register", map[string]any{"email": email, "password": password, "name": "Офф"})
	if r["confirm_email"] != false {
		t.Errorf("sign-up without SMTP: %v", r)
	}
	c.login(email, password)
	out := log.String()
	if !strings.Contains(out, "e-mail not sent") || !strings.Contains(out, "kind=confirm_email") || strings.Contains(out, "/app/confirm-email") || strings.Contains(out, email) {
		t.Errorf("log without SMTP:\n%s", out)
	}
}

// TestInvitation: staff invite the client of an application they made;
// the client's account takes it over and the consultancy keeps its grant.
func TestInvitation(t *testing.T) {
	mp := testenv.StartMailpit(t)
	var log syncBuffer
	c, _ := runService(t, mailConfig(t, mp), &log)
	org := c.organization("consultancy", "Консалт «Пример»")
	staff := c.account("consultant", org, "staff")
	app := staff.must(201, "POST", "/api/v1/applications", validForm())["id"].(string)
	client := unique("client") + "@example.ru"
	if r := staff.call("POST", "/api/v1/applications/"+app+"/invitations", map[string]any{"email": "not an address"}); r.status != 422 {
		t.Errorf("invitation to a bad address: %d %s", r.status, r.body)
	}
	staff.must(202, "POST", "/api/v1/applications/"+app+"/invitations", map[string]any{"email": client})
	inv := newest(t, mp, client, 1)
	if !strings.Contains(inv.Text, "«Консалт «Пример»»") || !strings.Contains(inv.Text, "Терапия") {
		t.Errorf("invitation text: %s", inv.Text)
	}
	_, token := linkIn(t, inv, "invitation")

	// Only a specialist takes it over.
	if r := staff.call("POST", "/api/v1/invitations/redeem", map[string]any{"token": token}); r.status != 403 {
		t.Errorf("staff redeeming: %d", r.status)
	}
	specialist := c.account("specialist", "", "client")
	got := specialist.must(200, "POST", "/api/v1/invitations/redeem", map[string]any{"token": token})
	if got["application_id"] != app {
		t.Fatalf("redeemed %v, want %s", got, app)
	}
	specialist.must(200, "GET", "/api/v1/applications/"+app, nil)
	if list := specialist.must(200, "GET", "/api/v1/applications", nil)["items"].([]any); len(list) != 1 {
		t.Errorf("specialist's list: %v", list)
	}
	staff.must(200, "GET", "/api/v1/applications/"+app, nil)
	grants := specialist.must(200, "GET", "/api/v1/applications/"+app+"/grants", nil)["grants"].([]any)
	if len(grants) != 1 || grants[0].(map[string]any)["organization_id"] != org {
		t.Errorf("grants after the takeover: %v", grants)
	}
	// Staff no longer manage its sharing: it is the specialist's now.
	if r := staff.call("GET", "/api/v1/applications/"+app+"/grants", nil); r.status != 403 {
		t.Errorf("staff reading grants of an owned application: %d", r.status)
	}
	other := c.account("specialist", "", "other")
	if r := other.call("POST", "/api/v1/invitations/redeem", map[string]any{"token": token}); r.status != 409 || !strings.Contains(string(r.body), "уже использована") {
		t.Errorf("a used invitation: %d %s", r.status, r.body)
	}
	if r := c.admin().call("POST", "/api/v1/applications/"+app+"/invitations", map[string]any{"email": client}); r.status != 409 {
		t.Errorf("inviting to an owned application: %d %s", r.status, r.body)
	}
	// Two invitations to one application: the second redeemed finds it taken.
	app2 := staff.must(201, "POST", "/api/v1/applications", validForm())["id"].(string)
	staff.must(202, "POST", "/api/v1/applications/"+app2+"/invitations", map[string]any{"email": client})
	staff.must(202, "POST", "/api/v1/applications/"+app2+"/invitations", map[string]any{"email": client})
	msgs := mp.WaitFor(t, client, 3)
	_, t1 := linkIn(t, mp.Message(t, msgs[0].ID), "invitation")
	_, t2 := linkIn(t, mp.Message(t, msgs[1].ID), "invitation")
	specialist.must(200, "POST", "/api/v1/invitations/redeem", map[string]any{"token": t1})
	if r := other.call("POST", "/api/v1/invitations/redeem", map[string]any{"token": t2}); r.status != 409 || !strings.Contains(string(r.body), "уже принято") {
		t.Errorf("an invitation to a taken application: %d %s", r.status, r.body)
	}
}

// waitReminderJobs waits until every reminder job in the service's
// database has finished.
func waitReminderJobs(t *testing.T, cfg config.Config, atLeast int) {
	t.Helper()
	db, err := sql.Open("sqlite", cfg.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var all, done int
		err := db.QueryRow(`SELECT count(*), coalesce(sum(CASE WHEN state IN ('completed', 'cancelled', 'discarded') THEN 1 ELSE 0 END), 0) FROM river_job WHERE kind = 'reminder'`).Scan(&all, &done)
		if err == nil && all >= atLeast && all == done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("reminder jobs: %d done of %d (want at least %d): %v", done, all, atLeast, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestReminders: an application 45 days before its accreditation expires
// gets its reminders (the submission window, 60 days) once, across
// restarts of the service on the same database; nothing goes to a person
// who unsubscribed by the one-click link.
func TestReminders(t *testing.T) {
	mp := testenv.StartMailpit(t)
	var log syncBuffer
	cfg := mailConfig(t, mp)
	// One port for every start: the links of earlier messages still work.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = l.Addr().String()
	l.Close()
	c, stop := runService(t, cfg, &log)
	person := c.account("specialist", "", "Мария")
	form := validForm()
	form["previous_accreditation_date"] = time.Now().UTC().AddDate(-5, 0, 45).Format(time.DateOnly)
	app := person.must(201, "POST", "/api/v1/applications", form)["id"].(string)
	// Shared with a consultancy whose staff member looks after the client:
	// they hear of it too.
	consultancy := c.organization("consultancy", "Консалт")
	staff := c.person("consultant", consultancy, "irina", "Ирина Сотрудникова")
	person.must(201, "POST", "/api/v1/applications/"+app+"/grants", map[string]any{"organization_id": consultancy})
	staff.must(200, "PUT", "/api/v1/applications/"+app+"/assignee", map[string]any{"user_id": staff.userID})
	deadlines := person.must(200, "GET", "/api/v1/applications/"+app+"/readiness", nil)["deadlines"].(map[string]any)
	want := map[string]bool{"До окончания срока аккредитации 45 дней": true}
	if from, _ := time.Parse(time.DateOnly, deadlines["submit_from"].(string)); !time.Now().UTC().Before(from) {
		want["Пора подавать документы на аккредитацию"] = true
	}
	stop()

	// The scan runs at start: the reminders go out.
	c, stop = runService(t, cfg, &log)
	msgs := mp.WaitFor(t, person.email, len(want))
	staffMsgs := mp.WaitFor(t, staff.email, len(want))
	waitReminderJobs(t, cfg, len(want))
	got := map[string]bool{}
	var expiry testenv.Message
	for _, m := range mp.To(t, person.email) {
		full := mp.Message(t, m.ID)
		got[full.Subject] = true
		if strings.HasPrefix(full.Subject, "До окончания") {
			expiry = full
		}
	}
	if len(got) != len(want) || len(msgs) != len(want) {
		t.Fatalf("reminders %v (%d messages), want %v", got, len(msgs), want)
	}
	for s := range want {
		if !got[s] {
			t.Errorf("no reminder %q in %v", s, got)
		}
	}
	if !strings.Contains(expiry.Text, c.base+"/app/a/"+app) {
		t.Errorf("the reminder does not link the application: %s", expiry.Text)
	}
	if h := expiry.Headers["List-Unsubscribe-Post"]; len(h) != 1 || h[0] != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %v", h)
	}
	unsub := expiry.Headers["List-Unsubscribe"]
	if len(unsub) != 1 || !strings.HasPrefix(unsub[0], "<"+c.base+"/api/v1/unsubscribe?token=") {
		t.Fatalf("List-Unsubscribe %v", unsub)
	}
	linkIn(t, expiry, "unsubscribe")
	stop()

	// Another start: nothing new.
	c, stop = runService(t, cfg, &log)
	time.Sleep(time.Second)
	waitReminderJobs(t, cfg, len(want))
	if n := len(mp.To(t, person.email)); n != len(want) {
		t.Errorf("after a restart %d reminders, want %d", n, len(want))
	}
	if n := len(mp.To(t, staff.email)); n != len(want) || len(staffMsgs) != len(want) {
		t.Errorf("the assigned staff member had %d reminders (%d at first), want %d", n, len(staffMsgs), len(want))
	}

	// A mail program's one-click POST (RFC 8058) unsubscribes.
	res, err := http.Post(strings.Trim(unsub[0], "<>"), "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %d", res.StatusCode)
	}
	// A second application due the same way, and a second person who did
	// not unsubscribe: only the latter hears of it.
	app2 := person.must(201, "POST", "/api/v1/applications", form)["id"].(string)
	other := c.account("specialist", "", "Ольга")
	other.must(201, "POST", "/api/v1/applications", form)
	stop()
	runService(t, cfg, &log)
	mp.WaitFor(t, other.email, len(want))
	waitReminderJobs(t, cfg, 3*len(want))
	if n := len(mp.To(t, person.email)); n != len(want) {
		t.Errorf("an unsubscribed person got %d reminders in all (application %s), want %d", n, app2, len(want))
	}
	if strings.Contains(log.String(), smtpPassword) {
		t.Error("the SMTP password reached the log")
	}
}

// TestReminderRetry: a reminder whose SMTP server is down is tried again
// (River's retry) and arrives once the server is back.
func TestReminderRetry(t *testing.T) {
	mp := testenv.StartMailpit(t)
	var log syncBuffer
	cfg := mailConfig(t, mp)
	c, stop := runService(t, cfg, &log)
	person := c.account("specialist", "", "Нина")
	form := validForm()
	form["previous_accreditation_date"] = time.Now().UTC().AddDate(-5, 0, 20).Format(time.DateOnly)
	person.must(201, "POST", "/api/v1/applications", form)
	stop()
	mp.Stop()
	runService(t, cfg, &log)
	db, err := sql.Open("sqlite", cfg.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		db.QueryRow(`SELECT count(*) FROM river_job WHERE kind = 'reminder' AND state = 'retryable'`).Scan(&n)
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reminder failed while SMTP was down; log:\n%s", log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	mp.Start()
	// 20 days before expiry: the window and the 30 days' reminder, each
	// once (River waits 1 s, then 16 s between attempts).
	waitReminderJobs(t, cfg, 2)
	subjects := map[string]int{}
	for _, m := range mp.To(t, person.email) {
		subjects[m.Subject]++
	}
	if len(subjects) != 2 || subjects["До окончания срока аккредитации 20 дней"] != 1 || subjects["Пора подавать документы на аккредитацию"] != 1 {
		t.Errorf("after the outage: %v", subjects)
	}
	if !strings.Contains(log.String(), "reminders: send") {
		t.Error("the failed attempt is not in the log")
	}
}
