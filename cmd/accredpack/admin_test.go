package main

import (
	"fmt"
	"strings"
	"testing"
)

// testAdministration: an administrator disables an account: both of its
// sessions and its API key are refused at the very next request (401), its
// login is refused saying why (403), the users list shows it disabled;
// enabled again, the key works and a login opens a new session, the old
// sessions stay ended. An administrator cannot disable themself, nor the
// bootstrap token, each with the reason; others may not disable anyone.
// Administrators list every API key with its owner and revoke anyone's
// (the owner sees the line in their audit); others are refused the list
// and another's key is not found for them. The audit log filtered by
// action and outcome, newest first, page by page.
func testAdministration(t *testing.T, c *client) {
	admin := c.account("admin", "", "admin")
	adminWeb := c.login(admin.email, password)
	target := c.account("specialist", "", "target")
	web1, web2 := c.login(target.email, password), c.login(target.email, password)
	bystander := c.account("specialist", "", "bystander")
	for _, who := range []*caller{web1, web2, target} {
		who.must(200, "GET", "/api/v1/auth/me", nil)
	}

	// Refusals first: nothing changes.
	if r := bystander.call("PATCH", "/api/v1/users/"+target.userID, map[string]any{"disabled": true}); r.status != 403 {
		t.Errorf("a specialist disabling someone: %d; want 403", r.status)
	}
	r := adminWeb.call("PATCH", "/api/v1/users/"+admin.userID, map[string]any{"disabled": true})
	if r.status != 409 || !strings.Contains(errMessage(t, r), "собственную учётную запись") {
		t.Errorf("disabling oneself: %d %s; want 409 saying why", r.status, r.body)
	}
	r = c.admin().call("PATCH", "/api/v1/users/bootstrap", map[string]any{"disabled": true})
	if r.status != 409 || !strings.Contains(errMessage(t, r), "ACCREDPACK_BOOTSTRAP_TOKEN") {
		t.Errorf("disabling the bootstrap token: %d %s; want 409 saying why", r.status, r.body)
	}
	if r := admin.call("PATCH", "/api/v1/users/0123456789abcdef01234567", map[string]any{"disabled": true}); r.status != 404 {
		t.Errorf("an unknown user: %d; want 404", r.status)
	}
	if r := admin.call("PATCH", "/api/v1/users/"+target.userID, map[string]any{}); r.status != 422 || !strings.Contains(string(r.body), `"disabled"`) {
		t.Errorf("no disabled field: %d %s; want 422 on disabled", r.status, r.body)
	}
	adminWeb.must(200, "GET", "/api/v1/auth/me", nil)
	target.must(200, "GET", "/api/v1/auth/me", nil)

	// Disabled by the session of an administrator (with its CSRF token).
	u := adminWeb.must(200, "PATCH", "/api/v1/users/"+target.userID, map[string]any{"disabled": true})
	if u["disabled_at"] == nil || u["id"] != target.userID {
		t.Fatalf("disable answered %v", u)
	}
	for _, who := range []*caller{web1, web2} {
		if r := who.call("GET", "/api/v1/auth/me", nil); r.status != 401 {
			t.Errorf("a session of the disabled account: %d %s; want 401", r.status, r.body)
		}
	}
	if r := target.call("GET", "/api/v1/applications", nil); r.status != 401 || !strings.Contains(errMessage(t, r), "отключена") {
		t.Errorf("the disabled account's API key: %d %s; want 401 saying the account is disabled", r.status, r.body)
	}
	r = c.browser("relogin").call("POST", "/api/v1/auth/login", map[string]any{"email": target.email, "password": password})
	if r.status != 403 || !strings.Contains(errMessage(t, r), "отключена администратором") {
		t.Errorf("login of the disabled account: %d %s; want 403 saying so", r.status, r.body)
	}
	if r := c.browser("guess").call("POST", "/api/v1/auth/login", map[string]any{"email": target.email, "password": "не тот пароль"}); r.status != 401 ||
		strings.Contains(string(r.body), "отключена") {
		t.Errorf("a wrong password for the disabled account: %d %s; want the usual 401, telling nothing", r.status, r.body)
	}
	bystander.must(200, "GET", "/api/v1/auth/me", nil)
	listed := map[string]map[string]any{}
	for _, x := range admin.must(200, "GET", "/api/v1/users", nil)["users"].([]any) {
		listed[x.(map[string]any)["id"].(string)] = x.(map[string]any)
	}
	if listed[target.userID]["disabled_at"] == nil || listed[bystander.userID]["disabled_at"] != nil {
		t.Errorf("users list: target %v, bystander %v", listed[target.userID], listed[bystander.userID])
	}

	// Every key with its owner, for administrators only.
	keys := admin.must(200, "GET", "/api/v1/api-keys/all", nil)["api_keys"].([]any)
	var targetKey map[string]any
	for _, k := range keys {
		k := k.(map[string]any)
		if k["owner_email"] == target.email {
			targetKey = k
		}
		if k["token"] != nil || k["secret_hash"] != nil {
			t.Errorf("a listed key shows a secret: %v", k)
		}
	}
	if len(keys) < 3 || targetKey == nil || targetKey["owner_disabled"] != true || targetKey["owner_name"] != "target" || targetKey["revoked_at"] != nil {
		t.Errorf("every key: %d keys, the target's %v", len(keys), targetKey)
	}
	c.admin().must(200, "GET", "/api/v1/api-keys/all", nil)
	if r := bystander.call("GET", "/api/v1/api-keys/all", nil); r.status != 403 {
		t.Errorf("a specialist listing every key: %d; want 403", r.status)
	}

	// Enabled again: the key works, a login opens a session, old sessions stay ended.
	u = admin.must(200, "PATCH", "/api/v1/users/"+target.userID, map[string]any{"disabled": false})
	if u["disabled_at"] != nil {
		t.Errorf("enable answered %v", u)
	}
	target.must(200, "GET", "/api/v1/auth/me", nil)
	if r := web1.call("GET", "/api/v1/auth/me", nil); r.status != 401 {
		t.Errorf("a session ended by the disable came back: %d", r.status)
	}
	c.login(target.email, password).must(200, "GET", "/api/v1/auth/me", nil)

	// Revocation: another's key is 404 to a specialist; an administrator revokes it.
	kid := targetKey["id"].(string)
	if r := bystander.call("DELETE", "/api/v1/api-keys/"+kid, nil); r.status != 404 {
		t.Errorf("a specialist revoking another's key: %d; want 404", r.status)
	}
	target.must(200, "GET", "/api/v1/auth/me", nil)
	adminWeb.must(204, "DELETE", "/api/v1/api-keys/"+kid, nil)
	if r := target.call("GET", "/api/v1/auth/me", nil); r.status != 401 {
		t.Errorf("a key revoked by an administrator: %d; want 401", r.status)
	}
	spare := bystander.must(201, "POST", "/api/v1/api-keys", map[string]any{"name": "запасной"})["id"].(string)
	c.admin().must(204, "DELETE", "/api/v1/api-keys/"+spare, nil)
	revoked := false
	for _, l := range c.login(target.email, password).must(200, "GET", "/api/v1/me/audit?limit=1000", nil)["items"].([]any) {
		l := l.(map[string]any)
		revoked = revoked || (l["action"] == "keys.revoke" && l["target"] == "key "+kid && l["actor_id"] == admin.userID)
	}
	if !revoked {
		t.Error("the owner's audit lacks the administrator's revocation of their key")
	}

	// The audit log by action and outcome, newest first, page by page.
	lines := func(q string) []map[string]any {
		var out []map[string]any
		for _, l := range admin.must(200, "GET", "/api/v1/audit?"+q, nil)["items"].([]any) {
			out = append(out, l.(map[string]any))
		}
		return out
	}
	disables := lines("action=user.disable&outcome=granted")
	if len(disables) != 1 || disables[0]["owner_id"] != target.userID || disables[0]["actor_id"] != admin.userID || disables[0]["target"] != "user "+target.userID {
		t.Errorf("granted disables: %v", disables)
	}
	denied := lines("action=user.disable&outcome=denied")
	if len(denied) != 2 || denied[0]["owner_id"] != admin.userID || denied[1]["actor_id"] != "bootstrap" {
		t.Errorf("refused disables: %v", denied)
	}
	if got := lines("action=user.enable&actor_id=" + admin.userID); len(got) != 1 {
		t.Errorf("enables by the administrator: %v", got)
	}
	all := lines("limit=1000")
	first := admin.must(200, "GET", "/api/v1/audit?order=desc&limit=3", nil)
	items := first["items"].([]any)
	before := first["next_before"].(float64)
	second := admin.must(200, "GET", fmt.Sprintf("/api/v1/audit?order=desc&limit=3&before=%d", int64(before)), nil)["items"].([]any)
	n := len(all)
	if len(items) != 3 || items[0].(map[string]any)["id"] != all[n-1]["id"] || items[2].(map[string]any)["id"] != all[n-3]["id"] || int64(before) != int64(all[n-3]["id"].(float64)) ||
		len(second) != 3 || second[0].(map[string]any)["id"] != all[n-4]["id"] {
		t.Errorf("newest first: %v then %v (of %d)", items, second, n)
	}
	for _, q := range []string{"outcome=maybe", "order=sideways", "before=x"} {
		if r := admin.call("GET", "/api/v1/audit?"+q, nil); r.status != 400 {
			t.Errorf("audit ?%s: %d; want 400", q, r.status)
		}
	}
	if r := admin.call("GET", "/api/v1/audit?format=csv&action=user.disable", nil); r.status != 200 || strings.Count(string(r.body), "\n") != 4 {
		t.Errorf("CSV of the disables: %d\n%s", r.status, r.body)
	}
}

// errMessage is an error answer's message.
func errMessage(t *testing.T, r response) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}
