package main

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"accredpack/internal/testenv"
)

// TestWebMail follows the links of e-mails from Mailpit in the browser,
// every page looked at (screenshots at both sizes, axe-core, no English):
// «Забыли пароль?» asks for a link, the link sets a new password once;
// staff invite the client from the share page, the client signs in from
// the invitation and takes the application over; a sign-up is told to
// confirm its address and the link confirms it; the unsubscription page.
func TestWebMail(t *testing.T) {
	mp := testenv.StartMailpit(t)
	var log syncBuffer
	cfg := mailConfig(t, mp)
	c, _ := runService(t, cfg, &log)
	shots := artifacts(t)
	person := c.account("specialist", "", "web-mail")
	org := c.organization("consultancy", "Консалт «Почта»")
	staff := c.account("consultant", org, "web-staff")
	app := staff.must(201, "POST", "/api/v1/applications", validForm())["id"].(string)
	ctx := browserTab(t)
	const newPassword = "новый пароль из письма"

	// Password reset.
	var forgotDone string
	err := chromedp.Run(ctx,
		navigate(t, c.base+"/app/login"),
		waitFor(t, `#forgot-link`, chromedp.ByQuery),
		chromedp.Click(`#forgot-link`, chromedp.ByQuery),
		waitFor(t, `body[data-view=forgot][data-ready] #forgot-form`, chromedp.ByQuery),
		chromedp.Click(`#forgot-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#forgot-form [data-err=email]:not(:empty)`, chromedp.ByQuery),
		look(t, shots, "mail-40-forgot-password"),
		typeInto(`#forgot-form input[name=email]`, person.email),
		chromedp.Click(`#forgot-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#forgot-done`, chromedp.ByQuery),
		text(`#forgot-done`, &forgotDone),
		look(t, shots, "mail-41-forgot-password-sent"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(forgotDone, "Если учётная запись") {
		t.Errorf("reset request says %q", forgotDone)
	}
	link, _ := linkIn(t, newest(t, mp, person.email, 1), "reset-password")
	var addr, flash string
	err = chromedp.Run(ctx,
		navigate(t, link),
		waitFor(t, `#reset-form`, chromedp.ByQuery),
		chromedp.Location(&addr),
		typeInto(`#reset-form input[name=password]`, newPassword),
		typeInto(`#reset-form input[name=password2]`, "другой пароль 12345"),
		chromedp.Click(`#reset-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#reset-form [data-err=password2]:not(:empty)`, chromedp.ByQuery),
		look(t, shots, "mail-42-reset-password"),
		typeInto(`#reset-form input[name=password2]`, newPassword),
		chromedp.Click(`#reset-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#reset-done`, chromedp.ByQuery),
		look(t, shots, "mail-43-reset-password-done"),
		// The link works once (a new document: the same path with only a
		// fragment would not load the page again).
		chromedp.Navigate("about:blank"),
		navigate(t, link),
		typeInto(`#reset-form input[name=password]`, "ещё один пароль 123"),
		typeInto(`#reset-form input[name=password2]`, "ещё один пароль 123"),
		chromedp.Click(`#reset-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#reset-again`, chromedp.ByQuery),
		text(`#flash`, &flash),
		look(t, shots, "mail-44-reset-password-used"),
		signIn(t, c.base, person.email, newPassword, `body[data-view=list]`),
		chromedp.Click(`#logout`, chromedp.ByQuery),
		waitFor(t, `body[data-view=login][data-ready]`, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(addr, "#") {
		t.Errorf("the token stays in the address bar: %s", addr)
	}
	if !strings.Contains(flash, "уже использована") {
		t.Errorf("a used reset link says %q", flash)
	}

	// Invitation: staff send it from the share page. (A tab per part: a
	// tab lives 4 minutes.)
	client := c.account("specialist", "", "web-client")
	ctx = browserTab(t)
	err = chromedp.Run(ctx,
		signIn(t, c.base, staff.email, password, `body[data-view=list]`),
		navigate(t, c.base+"/app/a/"+app+"/share"),
		waitFor(t, `#invite-card`, chromedp.ByQuery),
		typeInto(`#invite-form input[name=email]`, client.email),
		chromedp.Click(`#invite-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#flash.info`, chromedp.ByQuery),
		look(t, shots, "mail-45-share-invite"),
		chromedp.Click(`#logout`, chromedp.ByQuery),
		waitFor(t, `body[data-view=login][data-ready]`, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	link, _ = linkIn(t, newest(t, mp, client.email, 1), "invitation")
	err = chromedp.Run(ctx,
		navigate(t, link),
		waitFor(t, `#invite-signed-out`, chromedp.ByQuery),
		look(t, shots, "mail-46-invitation-signed-out"),
		chromedp.Click(`#invite-login`, chromedp.ByQuery),
		waitFor(t, `body[data-view=login][data-ready] #login-form`, chromedp.ByQuery),
		chromedp.SendKeys(`#login-form input[name=email]`, client.email, chromedp.ByQuery),
		chromedp.SendKeys(`#login-form input[name=password]`, password, chromedp.ByQuery),
		chromedp.Click(`#login-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `body[data-view=invitation][data-ready] #invite-signed-in`, chromedp.ByQuery),
		look(t, shots, "mail-47-invitation"),
		chromedp.Click(`#invite-accept`, chromedp.ByQuery),
		waitFor(t, `body[data-view=check][data-ready]`, chromedp.ByQuery),
		chromedp.Location(&addr),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(addr, "/app/a/"+app) {
		t.Errorf("after the takeover at %s", addr)
	}
	client.must(200, "GET", "/api/v1/applications/"+app, nil)
	staff.must(200, "GET", "/api/v1/applications/"+app, nil)

	// A client without an account: from the invitation to sign-up, told
	// to confirm; the confirmation link (another tab) leads back to the
	// invitation after signing in, and the application becomes theirs.
	email := unique("web-signup") + "@example.ru"
	app3 := staff.must(201, "POST", "/api/v1/applications", validForm())["id"].(string)
	staff.must(202, "POST", "/api/v1/applications/"+app3+"/invitations", map[string]any{"email": email})
	link, _ = linkIn(t, newest(t, mp, email, 1), "invitation")
	var status string
	ctx = browserTab(t)
	err = chromedp.Run(ctx,
		navigate(t, link),
		waitFor(t, `#invite-signed-out`, chromedp.ByQuery),
		chromedp.Click(`#invite-login`, chromedp.ByQuery),
		waitFor(t, `body[data-view=login][data-ready] #register-form`, chromedp.ByQuery),
		chromedp.SendKeys(`#register-form input[name=name]`, "Вера Петрова", chromedp.ByQuery),
		chromedp.SendKeys(`#register-form input[name=email]`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#register-form input[name=password]`, password, chromedp.ByQuery),
		chromedp.Click(`#register-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#register-status.ok`, chromedp.ByQuery),
		text(`#register-status`, &status),
		look(t, shots, "mail-48-signup-confirm-sent"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(status, "Откройте ссылку из письма") {
		t.Errorf("sign-up says %q", status)
	}
	link, _ = linkIn(t, newest(t, mp, email, 2), "confirm-email")
	err = chromedp.Run(ctx,
		navigate(t, link),
		waitFor(t, `#confirm-next`, chromedp.ByQuery),
		text(`#confirm-status`, &status),
		look(t, shots, "mail-49-confirm-email"),
		chromedp.Click(`#confirm-next a`, chromedp.ByQuery),
		waitFor(t, `body[data-view=login][data-ready] #login-form`, chromedp.ByQuery),
		chromedp.SendKeys(`#login-form input[name=email]`, email, chromedp.ByQuery),
		chromedp.SendKeys(`#login-form input[name=password]`, password, chromedp.ByQuery),
		chromedp.Click(`#login-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `body[data-view=invitation][data-ready] #invite-signed-in`, chromedp.ByQuery),
		chromedp.Click(`#invite-accept`, chromedp.ByQuery),
		waitFor(t, `body[data-view=check][data-ready]`, chromedp.ByQuery),
		chromedp.Location(&addr),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(addr, "/app/a/"+app3) {
		t.Errorf("the new client ends at %s", addr)
	}

	// Unsubscription (its token as a reminder would carry it).
	db, err := sql.Open("sqlite", cfg.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const unsubToken = "web-unsubscribe-token"
	sum := sha256.Sum256([]byte(unsubToken))
	if _, err := db.Exec(`INSERT INTO unsubscribe_tokens (token_hash, user_id, created_at) VALUES (?, ?, ?)`,
		hex.EncodeToString(sum[:]), client.userID, time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")); err != nil {
		t.Fatal(err)
	}
	var done string
	err = chromedp.Run(ctx,
		navigate(t, c.base+"/app/unsubscribe#"+unsubToken),
		waitFor(t, `#unsubscribe-button`, chromedp.ByQuery),
		look(t, shots, "mail-50-unsubscribe"),
		chromedp.Click(`#unsubscribe-button`, chromedp.ByQuery),
		waitFor(t, `#unsubscribe-done`, chromedp.ByQuery),
		text(`#unsubscribe-done`, &done),
		look(t, shots, "mail-51-unsubscribe-done"),
	)
	if err != nil {
		t.Fatal(err)
	}
	var out int
	if err := db.QueryRow(`SELECT count(*) FROM mail_opt_outs WHERE user_id = ?`, client.userID).Scan(&out); err != nil || out != 1 {
		t.Errorf("unsubscription recorded %d times (%v)", out, err)
	}
}
