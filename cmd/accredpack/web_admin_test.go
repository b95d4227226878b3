package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// sayYes answers every confirmation of the page «yes», as a person who
// meant to click does.
func sayYes() chromedp.Action {
	return chromedp.Evaluate(`window.confirm = () => true`, nil)
}

// person is c.account with a Russian name shown on the pages (the e-mail
// made from login).
func (c *client) person(role, orgID, login, name string) *caller {
	c.t.Helper()
	email := unique(login) + "@example.ru"
	u := c.admin().must(201, "POST", "/api/v1/users", map[string]any{"email": email, "password": password, "name": name, "role": role, "organization_id": orgID})
	key := c.login(email, password).must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "тест"})
	a := c.anonymous(login)
	a.bearer, a.userID, a.orgID, a.email = key["token"].(string), u["id"].(string), orgID, email
	return a
}

// TestWebAdministration walks the administrator's pages in the browser,
// each looked at (screenshots and axe-core) at the phone and the desktop
// size, doing the main thing on each: creates a consultancy and a staff
// member of it; disables a specialist, whose session is refused at its next
// request and who cannot log in; makes an API key (shown once, working),
// revokes it, and revokes a specialist's key from the list of every key;
// makes a read-only key valid 30 days, listed with its scope and date,
// whose token is refused a write (key_scope), and sees an expired key
// marked «истёк»;
// filters the audit log by action and sees the export links follow the
// filter; subscribes a webhook, pings it (delivered, HTTP 204 in the log)
// and rotates its secret. A consultant and a specialist are refused the
// administration pages (403 from the server, «Нет доступа») and have no
// links to them.
func TestWebAdministration(t *testing.T) {
	c := startService(t, accessConfig(t))
	shots := artifacts(t)
	var hooks atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accredpack-Signature") != "" {
			hooks.Add(1)
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	admin := c.person("admin", "", "admin", "Администратор Сервиса")
	victim := c.person("specialist", "", "victim", "Пётр Отключаемый")
	victimWeb := c.login(victim.email, password)
	keyOwner := c.person("specialist", "", "integrator", "Ольга Интегратор")
	staffEmail := unique("irina") + "@example.ru"
	orgName := unique("Консалт «Север» ")

	ctx := browserTab(t)
	var orgKind, staffRow, victimState, token, keyState, auditCount, csvHref string
	var auditActions []string
	err := chromedp.Run(ctx,
		signIn(t, c.base, admin.email, password, `body[data-view=list]`),
		waitFor(t, `#nav a[href="/app/users"]`, chromedp.ByQuery),

		// Организации: a new consultancy.
		navigate(t, c.base+"/app/organizations"),
		typeInto(`#org-form input[name=name]`, orgName),
		choose(`#org-form select[name=kind]`, "consultancy"),
		chromedp.Click(`#org-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, fmt.Sprintf(`//table[@id="orgs"]//tr[contains(., %q)]`, orgName)),
		chromedp.Text(fmt.Sprintf(`//table[@id="orgs"]//tr[contains(., %q)]/td[2]`, orgName), &orgKind),
		look(t, shots, "30-admin-organizations"),

		// Пользователи: a staff member of it; then the specialist disabled.
		navigate(t, c.base+"/app/users"),
		sayYes(),
		typeInto(`#user-form input[name=name]`, "Ирина Сотрудник"),
		typeInto(`#user-form input[name=email]`, staffEmail),
		typeInto(`#user-form input[name=password]`, password),
		choose(`#user-form select[name=role]`, "consultant"),
		chromedp.Evaluate(fmt.Sprintf(`(() => { const s = document.querySelector("#user-form select[name=organization_id]");
			s.value = Array.from(s.options).find((o) => o.text.startsWith(%q)).value; s.dispatchEvent(new Event("change", {bubbles: true})); })()`, orgName), nil),
		chromedp.Click(`#user-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, fmt.Sprintf(`#users tr[data-email=%q]`, staffEmail), chromedp.ByQuery),
		chromedp.Text(fmt.Sprintf(`#users tr[data-email=%q]`, staffEmail), &staffRow, chromedp.ByQuery),
		chromedp.Click(fmt.Sprintf(`#users tr[data-email=%q] button[data-action=disable]`, victim.email), chromedp.ByQuery),
		waitFor(t, fmt.Sprintf(`#users tr.off[data-email=%q] button[data-action=enable]`, victim.email), chromedp.ByQuery),
		chromedp.Text(fmt.Sprintf(`#users tr[data-email=%q] td[data-label="Состояние"]`, victim.email), &victimState, chromedp.ByQuery),
		look(t, shots, "31-admin-users"),
	)
	if err != nil {
		t.Fatalf("organizations and users: %v", err)
	}
	if orgKind != "консалтинговая компания" {
		t.Errorf("the new organization's kind reads %q", orgKind)
	}
	if !strings.Contains(staffRow, "сотрудник консалтинга") || !strings.Contains(staffRow, orgName) || !strings.Contains(staffRow, "действует") {
		t.Errorf("the new staff member's row: %q", staffRow)
	}
	if !strings.HasPrefix(victimState, "отключён с ") {
		t.Errorf("the disabled specialist's state: %q", victimState)
	}
	if r := victimWeb.call("GET", "/api/v1/auth/me", nil); r.status != 401 {
		t.Errorf("the disabled specialist's session: %d; want 401", r.status)
	}
	if r := c.browser("again").call("POST", "/api/v1/auth/login", map[string]any{"email": victim.email, "password": password}); r.status != 403 {
		t.Errorf("the disabled specialist's login: %d; want 403", r.status)
	}
	c.login(staffEmail, password).must(200, "GET", "/api/v1/auth/me", nil)

	// Ключи API: a key of one's own, shown once, working; revoked; and a
	// specialist's key revoked from the list of every key.
	err = chromedp.Run(ctx,
		navigate(t, c.base+"/app/keys"),
		sayYes(),
		typeInto(`#key-form input[name=name]`, "Выгрузка в CRM"),
		chromedp.Click(`#key-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#key-made`, chromedp.ByQuery),
		chromedp.Text(`#key-token`, &token, chromedp.ByQuery),
		waitFor(t, fmt.Sprintf(`#all-keys tr[data-owner=%q] button[data-action=revoke]`, keyOwner.email), chromedp.ByQuery),
		look(t, shots, "32-admin-keys"),
	)
	if err != nil {
		t.Fatalf("keys: %v", err)
	}
	integration := c.anonymous("crm")
	integration.bearer = token
	if me := integration.must(200, "GET", "/api/v1/auth/me", nil); me["user_id"] != admin.userID {
		t.Errorf("the new key acts as %v", me)
	}
	err = chromedp.Run(ctx,
		chromedp.Click(`//table[@id="keys"]//tr[contains(., "Выгрузка в CRM")]//button[@data-action="revoke"]`),
		waitFor(t, `//table[@id="keys"]//tr[contains(., "Выгрузка в CRM")]//span[starts-with(., "отозван")]`),
		chromedp.Click(fmt.Sprintf(`#all-keys tr[data-owner=%q] button[data-action=revoke]`, keyOwner.email), chromedp.ByQuery),
		waitFor(t, fmt.Sprintf(`#all-keys tr[data-owner=%q] .bad-text`, keyOwner.email), chromedp.ByQuery),
		chromedp.Text(fmt.Sprintf(`#all-keys tr[data-owner=%q] td[data-label="Состояние"]`, keyOwner.email), &keyState, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("revoking keys: %v", err)
	}
	if r := integration.call("GET", "/api/v1/auth/me", nil); r.status != 401 {
		t.Errorf("the revoked own key: %d; want 401", r.status)
	}
	if r := keyOwner.call("GET", "/api/v1/auth/me", nil); r.status != 401 || !strings.HasPrefix(keyState, "отозван") {
		t.Errorf("the specialist's key revoked by the administrator: %d, state %q", r.status, keyState)
	}

	// A read-only key with an expiry, made on the page: listed with its
	// scope and date; its token reads and is refused a write (key_scope).
	// Days that are not a number are the person's to fix, not a key
	// without expiry. A key whose expiry passed reads «истёк».
	adminWeb := c.login(admin.email, password)
	soon := time.Now().Add(1500 * time.Millisecond).UTC()
	adminWeb.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "Старая выгрузка", "expires_at": soon.Format(time.RFC3339Nano)})
	time.Sleep(time.Until(soon) + 100*time.Millisecond)
	keysBefore := len(adminWeb.must(200, "GET", "/api/v1/api-keys", nil)["api_keys"].([]any))
	var daysError, scopeHint, readToken, terms, readRow, readScope, readUntil, oldState string
	err = chromedp.Run(ctx,
		navigate(t, c.base+"/app/keys"),
		waitFor(t, `//table[@id="keys"]//tr[contains(., "Старая выгрузка")]`),
		typeInto(`#key-form input[name=name]`, "Отчёты для руководителя"),
		choose(`#key-form select[name=scope]`, "read"),
		chromedp.Text(`#scope-hint`, &scopeHint, chromedp.ByQuery),
		typeInto(`#key-form input[name=expires_in_days]`, "год"),
		chromedp.Click(`#key-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#key-form [data-err=expires_in_days]:not(:empty)`, chromedp.ByQuery),
		chromedp.Text(`#key-form [data-err=expires_in_days]`, &daysError, chromedp.ByQuery),
		typeInto(`#key-form input[name=expires_in_days]`, "30"),
		chromedp.Click(`#key-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `//table[@id="keys"]//tr[contains(., "Отчёты для руководителя")]`),
		waitFor(t, `#key-made:not([hidden])`, chromedp.ByQuery),
		chromedp.Text(`#key-token`, &readToken, chromedp.ByQuery),
		chromedp.Text(`#key-made-terms`, &terms, chromedp.ByQuery),
		chromedp.Text(`//table[@id="keys"]//tr[contains(., "Отчёты для руководителя")]`, &readRow),
		chromedp.Text(`//table[@id="keys"]//tr[contains(., "Отчёты для руководителя")]/td[@data-label="Доступ"]`, &readScope),
		chromedp.Text(`//table[@id="keys"]//tr[contains(., "Отчёты для руководителя")]/td[@data-label="Действует до"]`, &readUntil),
		chromedp.Text(`//table[@id="keys"]//tr[contains(., "Старая выгрузка")]/td[@data-label="Состояние"]`, &oldState),
		look(t, shots, "37-admin-keys-scope"),
	)
	if err != nil {
		t.Fatalf("a read-only key: %v", err)
	}
	if !strings.Contains(scopeHint, "ничего не меняет") {
		t.Errorf("the hint of «Только чтение»: %q", scopeHint)
	}
	if !strings.Contains(daysError, "от 1 до 732") {
		t.Errorf("days «год»: the field says %q", daysError)
	}
	// «год» made no key; 30 made one.
	if n := len(adminWeb.must(200, "GET", "/api/v1/api-keys", nil)["api_keys"].([]any)); n != keysBefore+1 {
		t.Errorf("keys after a refused and an accepted form: %d, before %d", n, keysBefore)
	}
	until := time.Now().AddDate(0, 0, 30).Format("02.01.2006")
	if readScope != "Только чтение" || readUntil != until || !strings.Contains(readRow, "действует") {
		t.Errorf("the read-only key's row: %q (scope %q, until %q; want %s)", readRow, readScope, readUntil, until)
	}
	if terms != "только чтение, действует до "+until {
		t.Errorf("the new key's terms read %q", terms)
	}
	if oldState != "истёк "+soon.Local().Format("02.01.2006") {
		t.Errorf("the expired key's state: %q", oldState)
	}
	reader := c.anonymous("reports")
	reader.bearer = readToken
	if me := reader.must(200, "GET", "/api/v1/auth/me", nil); me["user_id"] != admin.userID {
		t.Errorf("the read-only key acts as %v", me)
	}
	if r := reader.call("POST", "/api/v1/organizations", map[string]any{"name": unique("Чужая"), "kind": "consultancy"}); r.status != 403 || r.errorCode(t) != "key_scope" {
		t.Errorf("a write with the read-only key: %d %s; want 403 key_scope", r.status, r.body)
	}
	var listed map[string]any
	for _, k := range adminWeb.must(200, "GET", "/api/v1/api-keys", nil)["api_keys"].([]any) {
		if k := k.(map[string]any); k["name"] == "Отчёты для руководителя" {
			listed = k
		}
	}
	if listed["scope"] != "read" || listed["expires_at"] == nil {
		t.Errorf("the API lists the page's key as %v", listed)
	}

	// Журнал: filtered by action; the export follows the filter.
	err = chromedp.Run(ctx,
		navigate(t, c.base+"/app/audit"),
		waitFor(t, `#audit tbody tr`, chromedp.ByQuery),
		choose(`#audit-form select[name=action]`, "user.disable"),
		typeInto(`#audit-form input[name=from]`, time.Now().Format("02012006")),
		chromedp.Click(`#audit-form button[type=submit]`, chromedp.ByQuery),
		// The filtered page replaces the first one: only disables are left.
		waitFor(t, `#audit tbody:not(:has(tr:not([data-action="user.disable"]))) tr[data-action="user.disable"]`, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#audit tbody tr"), (tr) => tr.dataset.action)`, &auditActions),
		chromedp.Text(`#audit-count`, &auditCount, chromedp.ByQuery),
		chromedp.AttributeValue(`#export-csv`, "href", &csvHref, nil, chromedp.ByQuery),
		look(t, shots, "33-admin-audit"),
	)
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	if len(auditActions) != 1 || auditActions[0] != "user.disable" || !strings.Contains(auditCount, "Показано записей: 1") {
		t.Errorf("the log filtered by disabling: %v, %q", auditActions, auditCount)
	}
	var csv fetched
	if err := chromedp.Run(ctx, fetchInPage(csvHref, &csv)); err != nil || csv.Status != 200 || !strings.Contains(csvHref, "action=user.disable") ||
		!strings.Contains(csvHref, "format=csv") || csv.Name != "audit.csv" {
		t.Errorf("the CSV export %s: %+v, %v", csvHref, csv, err)
	}

	// Вебхуки: a subscription, a ping delivered, a new secret.
	var secret, rotated, delivered, note string
	err = chromedp.Run(ctx,
		navigate(t, c.base+"/app/webhooks"),
		sayYes(),
		typeInto(`#hook-form input[name=url]`, receiver.URL+"/hooks/accredpack"),
		chromedp.Click(`#ev-bundle-done`, chromedp.ByQuery),
		typeInto(`#hook-form input[name=description]`, "CRM консалтинга"),
		chromedp.Click(`#hook-form button[type=submit]`, chromedp.ByQuery),
		waitFor(t, `#hook-secret`, chromedp.ByQuery),
		chromedp.Text(`#hook-secret-value`, &secret, chromedp.ByQuery),
		waitFor(t, `#hooks li.hook button[data-action=ping]`, chromedp.ByQuery),
		chromedp.Click(`#hooks li.hook button[data-action=ping]`, chromedp.ByQuery),
		waitFor(t, `#hooks li.delivery`, chromedp.ByQuery),
		// The worker delivers in the background: the log is refreshed until it says so.
		chromedp.ActionFunc(func(ctx context.Context) error {
			for i := 0; i < 50; i++ {
				var n int
				if err := chromedp.Evaluate(`document.querySelectorAll('#hooks li.delivery[data-status=delivered]').length`, &n).Do(ctx); err != nil {
					return err
				}
				if n > 0 {
					return nil
				}
				if err := chromedp.Evaluate(`document.querySelector('#hooks button[data-action=refresh]').click()`, nil).Do(ctx); err != nil {
					return err
				}
				time.Sleep(200 * time.Millisecond)
			}
			return fmt.Errorf("the ping was not delivered")
		}),
		chromedp.Text(`#hooks li.delivery[data-status=delivered]`, &delivered, chromedp.ByQuery),
		look(t, shots, "34-admin-webhooks"),
		chromedp.Click(`#hooks li.hook button[data-action=rotate]`, chromedp.ByQuery),
		waitFor(t, `//p[@id="hook-secret-note"][contains(., "Прежний секрет")]`),
		chromedp.Text(`#hook-secret-value`, &rotated, chromedp.ByQuery),
		chromedp.Text(`#hook-secret-note`, &note, chromedp.ByQuery),
		look(t, shots, "35-admin-webhook-secret"),
	)
	if err != nil {
		t.Fatalf("webhooks: %v", err)
	}
	if !strings.HasPrefix(secret, "whsec_") || !strings.HasPrefix(rotated, "whsec_") || rotated == secret || !strings.Contains(note, "Прежний секрет") {
		t.Errorf("secrets: %q then %q (%q)", secret, rotated, note)
	}
	if !strings.Contains(delivered, "проверочное событие") || !strings.Contains(delivered, "доставлено") || !strings.Contains(delivered, "ответ HTTP 204") || hooks.Load() < 1 {
		t.Errorf("the ping's delivery reads %q; the receiver got %d signed requests", delivered, hooks.Load())
	}
	subs := c.login(admin.email, password).must(200, "GET", "/api/v1/webhooks", nil)["webhooks"].([]any)
	if len(subs) != 1 || fmt.Sprint(subs[0].(map[string]any)["events"]) != "[document.accepted readiness.changed]" {
		t.Errorf("subscriptions: %v; want one, without bundle.done (unchecked)", subs)
	}

	// A consultant and a specialist: no links, and «Нет доступа» from the server.
	consultant := c.person("consultant", c.organization("consultancy", "Консалт «Юг»"), "consultant", "Мария Консультант")
	specialist := c.person("specialist", "", "specialist", "Анна Специалист")
	for i, who := range []*caller{consultant, specialist} {
		web := c.login(who.email, password)
		for _, page := range []string{"/app/organizations", "/app/users", "/app/audit"} {
			if r := web.call("GET", page, nil); r.status != 403 || !strings.Contains(string(r.body), "Нет доступа") {
				t.Errorf("%s opening %s: %d; want 403 «Нет доступа»", who.name, page, r.status)
			}
		}
		if r := web.call("GET", "/app/keys", nil); r.status != 200 {
			t.Errorf("%s opening their keys: %d", who.name, r.status)
		}
		var links []string
		var heading string
		err := chromedp.Run(ctx,
			chromedp.Click(`#logout`, chromedp.ByQuery),
			waitFor(t, `#login-form`, chromedp.ByQuery),
			signIn(t, c.base, who.email, password, `body[data-view=list]`),
			chromedp.Evaluate(`Array.from(document.querySelectorAll("#nav a"), (a) => a.getAttribute("href"))`, &links),
			navigate(t, c.base+"/app/users"),
			waitFor(t, `#forbidden`, chromedp.ByQuery),
			chromedp.Text(`h1`, &heading, chromedp.ByQuery),
		)
		if err != nil {
			t.Fatalf("%s: %v", who.name, err)
		}
		if i == 0 {
			if err := chromedp.Run(ctx, look(t, shots, "36-admin-forbidden")); err != nil {
				t.Fatal(err)
			}
		}
		joined := strings.Join(links, " ")
		if heading != "Нет доступа" || strings.Contains(joined, "/app/users") || strings.Contains(joined, "/app/audit") ||
			strings.Contains(joined, "/app/organizations") || !strings.Contains(joined, "/app/keys") {
			t.Errorf("%s: heading %q, links %v", who.name, heading, links)
		}
	}
}
