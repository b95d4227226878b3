package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"

	"accredpack/internal/testdocs"
)

// post sends a POST with an Idempotency-Key as the bootstrap administrator
// (or with bearer, when given).
func (c *client) post(path, key, bearer, contentType string, body []byte) response {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if bearer == "" {
		bearer = token
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func (c *client) countApplications() int {
	c.t.Helper()
	return len(c.jsonCall("GET", "/api/v1/applications?limit=100", nil).json(c.t)["items"].([]any))
}

// testIdempotencyKeys: a POST retried with the same Idempotency-Key is
// answered with the first answer and done once, also when the retries
// race; a key reused for another request is refused; keys are per caller.
func testIdempotencyKeys(t *testing.T, c *client) {
	form, _ := json.Marshal(validForm())
	before := c.countApplications()
	first := c.post("/api/v1/applications", "create-anna-1", "", "application/json", form)
	again := c.post("/api/v1/applications", "create-anna-1", "", "application/json", form)
	if first.status != 201 || again.status != 201 || !bytes.Equal(first.body, again.body) {
		t.Fatalf("retry: %d %s / %d %s", first.status, first.body, again.status, again.body)
	}
	if again.header.Get("Idempotent-Replayed") != "true" || first.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("Idempotent-Replayed: first %q, retry %q", first.header.Get("Idempotent-Replayed"), again.header.Get("Idempotent-Replayed"))
	}
	if n := c.countApplications(); n != before+1 {
		t.Errorf("applications: %d -> %d; want one more", before, n)
	}
	// The same key for a different request.
	other := validForm()
	other["comment"] = "другое"
	otherBody, _ := json.Marshal(other)
	if r := c.post("/api/v1/applications", "create-anna-1", "", "application/json", otherBody); r.status != 422 || r.errorCode(t) != "idempotency_key_reused" {
		t.Errorf("key reused: %d %s", r.status, r.body)
	}
	// A refusal is an answer too: replayed, not re-judged.
	bad := validForm()
	bad["specialist"].(map[string]any)["snils"] = "112-233-445 96"
	badBody, _ := json.Marshal(bad)
	r1 := c.post("/api/v1/applications", "create-bad", "", "application/json", badBody)
	r2 := c.post("/api/v1/applications", "create-bad", "", "application/json", badBody)
	if r1.status != 422 || r2.status != 422 || !bytes.Equal(r1.body, r2.body) || r2.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("validation refusal replayed: %d / %d %s", r1.status, r2.status, r2.header.Get("Idempotent-Replayed"))
	}
	// Keys belong to their caller: another one's same key is a new request.
	specialist := c.account("specialist", "", "keys")
	mine := c.post("/api/v1/applications", "create-anna-1", specialist.bearer, "application/json", form)
	if mine.status != 201 || bytes.Equal(mine.body, first.body) {
		t.Errorf("another caller's key: %d %s", mine.status, mine.body)
	}
	// Eight racing retries: one application.
	before = c.countApplications()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := c.post("/api/v1/applications", "create-race", "", "application/json", form)
			mu.Lock()
			statuses[r.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if n := c.countApplications(); n != before+1 || statuses[201] < 1 || statuses[201]+statuses[409] != 8 {
		t.Errorf("racing retries: %v, applications %d -> %d", statuses, before, n)
	}
	// A composed upload retried: one file, one history.
	id := c.create()
	f := partsForm(t, []string{"a.jpg", "b.pdf"}, testdocs.JPEG(t), testdocs.PDF(t, 1, "b"))
	path := "/api/v1/applications/" + id + "/slots/snils/compose"
	u1 := c.post(path, "compose-1", "", f.contentType, f.body)
	f2 := partsForm(t, []string{"a.jpg", "b.pdf"}, testdocs.JPEG(t), testdocs.PDF(t, 1, "b"))
	u2 := c.post(path, "compose-1", "", f2.contentType, f2.body)
	if u1.status != 201 || u2.status != 201 || !bytes.Equal(u1.body, u2.body) || c.historyLen(id, "snils") != 0 {
		t.Errorf("compose retried: %d / %d, history %d", u1.status, u2.status, c.historyLen(id, "snils"))
	}
	if r := c.post(path, string(bytes.Repeat([]byte("k"), 256)), "", f.contentType, f.body); r.status != 400 {
		t.Errorf("a 256-character key: %d", r.status)
	}
}
