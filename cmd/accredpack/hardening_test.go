package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"accredpack/config"
	"accredpack/internal/testdocs"
)

// Issue 19 (security hardening): each check runs on the embedded backends
// and on PostgreSQL with MinIO.
var hardening = []struct {
	name string
	test func(t *testing.T, c *client)
}{
	{"IdempotentSecrets", testIdempotentSecrets},
	{"HostileFileNames", testHostileFileNames},
}

func TestHardeningEmbedded(t *testing.T) {
	for _, tc := range hardening {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, startService(t, hardeningConfig(t))) })
	}
}

func TestHardeningPostgresMinIO(t *testing.T) {
	_, _, real := realServers(t)
	for _, tc := range hardening {
		t.Run(tc.name, func(t *testing.T) {
			cfg := hardeningConfig(t)
			real(t, &cfg)
			tc.test(t, startService(t, cfg))
		})
	}
}

// hardeningConfig is testConfig with signed links on (S3 only).
func hardeningConfig(t *testing.T) config.Config {
	cfg := testConfig(t)
	cfg.PresignTTL = time.Minute
	return cfg
}

// rawDB opens the service's database directly (SQLite file or PostgreSQL).
func rawDB(t *testing.T, cfg config.Config) *sql.DB {
	t.Helper()
	driver := "sqlite"
	if cfg.DatabaseURL != "" {
		driver = "pgx"
	}
	db, err := sql.Open(driver, cfg.DatabasePath())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// keptAnswers is every answer body the idempotency store holds.
func keptAnswers(t *testing.T, cfg config.Config) [][]byte {
	t.Helper()
	rows, err := rawDB(t, cfg).Query(`SELECT body FROM idempotency_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// testIdempotentSecrets: every POST whose answer carries a secret (an API
// key's token, a webhook's signing secret, created or rotated, a share
// code, a signed file link) sent with an Idempotency-Key: the idempotency
// table does not hold the secret, and a replay answers without it, naming
// it in secret_withheld.
func testIdempotentSecrets(t *testing.T, c *client) {
	spec := c.account("specialist", "", "secrets")
	form, _ := json.Marshal(validForm())
	app := c.post("/api/v1/applications", "", spec.bearer, "application/json", form)
	if app.status != 201 {
		t.Fatalf("application: %d %s", app.status, app.body)
	}
	appID := app.json(t)["id"].(string)
	hook := spec.must(201, "POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"bundle.done"}})

	type call struct {
		name, path, field string
		status            int
		body              []byte
		bearer            string
	}
	calls := []call{
		{"api key", "/api/v1/api-keys", "token", 201, []byte(`{"name":"повтор"}`), spec.bearer},
		{"webhook", "/api/v1/webhooks", "secret", 201, []byte(`{"url":"http://127.0.0.1:9/other","events":["bundle.done"]}`), spec.bearer},
		{"webhook secret rotated", "/api/v1/webhooks/" + hook["id"].(string) + "/secret", "secret", 200, nil, spec.bearer},
		{"share code", "/api/v1/applications/" + appID + "/share-codes", "code", 201, nil, spec.bearer},
	}
	// Signed links need S3: the local store refuses them (nothing kept).
	linkApp := c.create()
	if r := c.putRaw(linkApp, "snils", testdocs.PDF(t, 1, "linked")); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	linkPath := "/api/v1/applications/" + linkApp + "/slots/snils/file/link"
	if c.cfg.S3.Endpoint != "" {
		calls = append(calls, call{"signed link", linkPath, "url", 200, nil, ""})
	} else if r := c.post(linkPath, "link-1", "", "application/json", nil); r.status != 409 {
		t.Errorf("link on the local store: %d %s", r.status, r.body)
	}

	for i, cl := range calls {
		key := "secret-" + string(rune('a'+i))
		first := c.post(cl.path, key, cl.bearer, "application/json", cl.body)
		if first.status != cl.status {
			t.Fatalf("%s: %d %s", cl.name, first.status, first.body)
		}
		secret, _ := first.json(t)[cl.field].(string)
		if len(secret) < 8 {
			t.Fatalf("%s: no %s in the first answer: %s", cl.name, cl.field, first.body)
		}
		for _, kept := range keptAnswers(t, c.cfg) {
			if bytes.Contains(kept, []byte(secret)) {
				t.Errorf("%s: the idempotency table holds the %s in clear: %s", cl.name, cl.field, kept)
			}
		}
		again := c.post(cl.path, key, cl.bearer, "application/json", cl.body)
		if again.status != cl.status || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("%s replayed: %d %s %v", cl.name, again.status, again.body, again.header)
		}
		replay := again.json(t)
		if _, shown := replay[cl.field]; shown || bytes.Contains(again.body, []byte(secret)) {
			t.Errorf("%s: the replay shows the %s again: %s", cl.name, cl.field, again.body)
		}
		if w, _ := replay["secret_withheld"].([]any); len(w) != 1 || w[0] != cl.field {
			t.Errorf("%s: replay's secret_withheld = %v; want [%s]", cl.name, replay["secret_withheld"], cl.field)
		}
		// The rest of the answer is the first one's.
		firstJSON := first.json(t)
		delete(firstJSON, cl.field)
		for k, v := range firstJSON {
			if got, _ := json.Marshal(replay[k]); string(got) != mustJSON(v) {
				t.Errorf("%s: replay's %s = %s; first answer had %s", cl.name, k, got, mustJSON(v))
			}
		}
	}
	// The API key made once, the webhook created once.
	keys := spec.must(200, "GET", "/api/v1/api-keys", nil)["api_keys"].([]any)
	if len(keys) != 2 {
		t.Errorf("API keys after a replayed creation: %d; want 2", len(keys))
	}
	if hooks := spec.must(200, "GET", "/api/v1/webhooks", nil)["webhooks"].([]any); len(hooks) != 2 {
		t.Errorf("webhooks after a replayed creation: %d; want 2", len(hooks))
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// testHostileFileNames: a file uploaded with a right-to-left override in
// its name (shown as "exe.pdf" while it is "fdp.exe") and the originals of
// a composed document with bidi and zero-width characters are stored and
// read back with clean names.
func testHostileFileNames(t *testing.T, c *client) {
	id := c.create()
	r := c.do("PUT", "/api/v1/applications/"+id+"/slots/snils/file?filename="+url.QueryEscape("\u202efdp.exe"),
		bytes.NewReader(testdocs.PDF(t, 1, "bidi")), "application/pdf", 0, true)
	if r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	if got := r.json(t)["document"].(map[string]any)["file_name"]; got != "fdp.pdf" {
		t.Errorf("upload answers file_name %q; want fdp.pdf", got)
	}
	app := c.jsonCall("GET", "/api/v1/applications/"+id, nil)
	if !bytes.Contains(app.body, []byte(`"file_name":"fdp.pdf"`)) {
		t.Errorf("the application reads back without the clean name: %s", app.body)
	}
	f := partsForm(t, []string{"скан\u200b\u2067.jpg", "../../\u202eприложение.exe"}, testdocs.JPEG(t), testdocs.PDF(t, 1, "annex"))
	if r := c.do("POST", "/api/v1/applications/"+id+"/slots/identity_document/compose", bytes.NewReader(f.body), f.contentType, 0, true); r.status != 201 {
		t.Fatalf("compose: %d %s", r.status, r.body)
	} else if got := r.json(t)["document"].(map[string]any)["file_name"]; got != "скан.pdf" {
		t.Errorf("composed file_name %q; want скан.pdf", got)
	}
	sources := c.jsonCall("GET", "/api/v1/applications/"+id+"/slots/identity_document/sources", nil)
	var names []string
	for _, s := range sources.json(t)["sources"].([]any) {
		names = append(names, s.(map[string]any)["file_name"].(string))
	}
	if strings.Join(names, "|") != "скан.jpg|приложение.pdf" {
		t.Errorf("sources read back as %q", names)
	}
	for _, b := range [][]byte{app.body, sources.body} {
		for _, bad := range []string{"\u202e", "\u200b", "\u2067", "exe"} {
			if strings.Contains(string(b), bad) || strings.Contains(strings.ToLower(string(b)), strings.ToLower(mustJSON(bad))[1:len(mustJSON(bad))-1]) {
				t.Errorf("%q read back: %s", bad, b)
			}
		}
	}
}
