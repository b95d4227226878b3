package main

import (
	"testing"
	"time"
)

// testKeyScopeAndExpiry: a key's scope limits what it does (read: reads
// only; import: the certificate import and what it reads), a key expires,
// each refusal with its own code; bad expiries and scopes are refused.
func testKeyScopeAndExpiry(t *testing.T, c *client) {
	owner := c.account("specialist", "", "keys")
	web := c.login(owner.email, password)
	newKey := func(body map[string]any) *caller {
		t.Helper()
		k := web.must(201, "POST", "/api/v1/api-keys", body)
		a := c.anonymous("key")
		a.bearer = k["token"].(string)
		return a
	}
	for _, bad := range []map[string]any{
		{"name": "k", "scope": "admin"},
		{"name": "k", "expires_at": time.Now().Add(-time.Hour).Format(time.RFC3339)},
		{"name": "k", "expires_at": time.Now().AddDate(3, 0, 0).Format(time.RFC3339)},
		{"name": "k", "expires_in_days": 0},
		{"name": "k", "expires_in_days": 10, "expires_at": time.Now().Add(time.Hour).Format(time.RFC3339)},
	} {
		if r := web.call("POST", "/api/v1/api-keys", bad); r.status != 422 || r.errorCode(t) != "validation_failed" {
			t.Errorf("key %v: %d %s; want 422 validation_failed", bad, r.status, r.body)
		}
	}

	id := owner.must(201, "POST", "/api/v1/applications", validForm())["id"].(string)
	read := newKey(map[string]any{"name": "чтение", "scope": "read", "expires_in_days": 30})
	read.must(200, "GET", "/api/v1/applications/"+id, nil)
	if r := read.call("PATCH", "/api/v1/applications/"+id, map[string]any{"comment": "x"}); r.status != 403 || r.errorCode(t) != "key_scope" {
		t.Errorf("a read key writes: %d %s; want 403 key_scope", r.status, r.body)
	}
	if r := read.call("POST", "/api/v1/applications", validForm()); r.status != 403 || r.errorCode(t) != "key_scope" {
		t.Errorf("a read key creates: %d %s; want 403 key_scope", r.status, r.body)
	}
	imp := newKey(map[string]any{"name": "импорт", "scope": "import"})
	imp.must(200, "GET", "/api/v1/auth/me", nil)
	if r := imp.call("GET", "/api/v1/applications/"+id, nil); r.status != 403 || r.errorCode(t) != "key_scope" {
		t.Errorf("an import key reads an application: %d %s; want 403 key_scope", r.status, r.body)
	}
	// The import route itself is within the scope: whatever the answer,
	// it is not the scope's refusal.
	if r := imp.call("POST", "/api/v1/imports/certificates", map[string]any{}); r.status == 403 && r.errorCode(t) == "key_scope" {
		t.Errorf("an import key refused the import: %s", r.body)
	}
	full := newKey(map[string]any{"name": "полный"})
	full.must(201, "POST", "/api/v1/applications", validForm())

	until := time.Now().Add(2 * time.Second).UTC()
	short := newKey(map[string]any{"name": "короткий", "expires_at": until.Format(time.RFC3339Nano)})
	short.must(200, "GET", "/api/v1/applications/"+id, nil)
	time.Sleep(time.Until(until) + 100*time.Millisecond)
	if r := short.call("GET", "/api/v1/applications/"+id, nil); r.status != 401 || r.errorCode(t) != "key_expired" {
		t.Errorf("an expired key: %d %s; want 401 key_expired", r.status, r.body)
	}

	list := web.must(200, "GET", "/api/v1/api-keys", nil)["api_keys"].([]any)
	scopes := map[string]any{}
	for _, k := range list {
		k := k.(map[string]any)
		scopes[k["name"].(string)] = k["scope"]
		if k["name"] == "чтение" && k["expires_at"] == nil {
			t.Errorf("the list shows no expiry of a key with one: %v", k)
		}
		if k["name"] == "полный" && k["expires_at"] != nil {
			t.Errorf("a key without expiry listed with one: %v", k)
		}
	}
	if scopes["чтение"] != "read" || scopes["импорт"] != "import" || scopes["полный"] != "full" {
		t.Errorf("scopes listed: %v", scopes)
	}
}
