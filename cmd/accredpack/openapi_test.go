package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
)

type openAPIDoc struct {
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas map[string]map[string]any `json:"schemas"`
	} `json:"components"`
}

type openAPIOp struct {
	RequestBody *struct {
		Content map[string]struct {
			Example any `json:"example"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema  map[string]any `json:"schema"`
			Example any            `json:"example"`
		} `json:"content"`
	} `json:"responses"`
}

// TestOpenAPIExamples: the served description's every request example is
// sent to the running server, which must answer with the documented
// status and a body the documented schema describes (no key it does not
// declare, every value of the declared type). Reads of a filled
// application, a rotated webhook secret and every example of an answer are
// checked against their schemas the same way.
func TestOpenAPIExamples(t *testing.T) {
	c := startService(t, testConfig(t))
	r := c.do("GET", "/api/v1/openapi.json", nil, "", 0, false)
	if r.status != 200 {
		t.Fatalf("openapi.json: %d", r.status)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	id, _ := c.readyApplication()
	// Examples are sent by the administrator, except where only another
	// role may call: a training center the application is shared with.
	center := c.account("training_center", c.organization("training_center", "УЦ «Пример»"), "openapi-center")
	code := c.admin().must(201, "POST", "/api/v1/applications/"+id+"/share-codes", nil)["code"]
	center.must(200, "POST", "/api/v1/share-codes/redeem", map[string]any{"code": code})
	// The password example is a person's own change: an account made
	// with the example's current password sends it.
	var pw struct {
		CurrentPassword string `json:"current_password"`
	}
	if ex, err := json.Marshal(doc.Paths["/api/v1/auth/password"]["post"].RequestBody.Content["application/json"].Example); err != nil || json.Unmarshal(ex, &pw) != nil || pw.CurrentPassword == "" {
		t.Fatalf("POST /api/v1/auth/password has no example with a current password: %s", ex)
	}
	person := c.personWith(pw.CurrentPassword, "openapi-person")
	callers := map[string]*caller{"post /api/v1/imports/certificates": center, "post /api/v1/auth/password": person}
	// An account for the administration examples (disabling a user).
	uid := c.account("specialist", "", "openapi-user").userID
	fill := func(path string) string {
		return strings.NewReplacer("{id}", id, "{slot}", "identity_document", "{uid}", uid).Replace(path)
	}
	checked := 0
	var paths []string
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, path := range paths {
		for method, o := range doc.Paths[path] {
			if o.RequestBody == nil {
				continue
			}
			ex, ok := o.RequestBody.Content["application/json"]
			if !ok || ex.Example == nil {
				continue
			}
			body, _ := json.Marshal(ex.Example)
			var got response
			if who := callers[method+" "+path]; who != nil {
				got = who.call(strings.ToUpper(method), fill(path), ex.Example)
			} else {
				got = c.do(strings.ToUpper(method), fill(path), bytes.NewReader(body), "application/json", 0, true)
			}
			status, schema := documented(o)
			if got.status != status {
				t.Errorf("%s %s example: %d %s; documented %d", method, path, got.status, got.body, status)
				continue
			}
			checkAgainst(t, method+" "+path, got.body, schema, doc)
			checked++
		}
	}
	if got := person.call("GET", "/api/v1/auth/me", nil); got.status != 200 {
		t.Errorf("GET /api/v1/auth/me: %d", got.status)
	} else {
		_, schema := documented(doc.Paths["/api/v1/auth/me"]["get"])
		checkAgainst(t, "GET /api/v1/auth/me", got.body, schema, doc)
		checked++
	}
	for _, path := range []string{"/api/v1/applications/{id}", "/api/v1/applications/{id}/readiness", "/api/v1/catalog", "/api/v1/auth/me",
		"/api/v1/applications", "/api/v1/applications/{id}/slots/{slot}/history", "/api/v1/applications/{id}/courses"} {
		got := c.do("GET", fill(path), nil, "", 0, true)
		status, schema := documented(doc.Paths[path]["get"])
		if got.status != status {
			t.Errorf("GET %s: %d; documented %d", path, got.status, status)
			continue
		}
		checkAgainst(t, "GET "+path, got.body, schema, doc)
		checked++
	}
	// The bootstrap token is no account, which a subscription needs.
	subscriber := c.account("specialist", "", "openapi-hooks")
	hook := subscriber.must(201, "POST", "/api/v1/webhooks", map[string]any{"url": "http://127.0.0.1:9/hook", "events": []string{"bundle.done"}})
	rotated := subscriber.call("POST", "/api/v1/webhooks/"+hook["id"].(string)+"/secret", nil)
	if status, schema := documented(doc.Paths["/api/v1/webhooks/{wid}/secret"]["post"]); rotated.status != status || status == 0 {
		t.Errorf("POST /api/v1/webhooks/{wid}/secret: %d %s; documented %d", rotated.status, rotated.body, status)
	} else {
		checkAgainst(t, "POST /api/v1/webhooks/{wid}/secret", rotated.body, schema, doc)
		checked++
	}
	answers := 0
	for _, path := range paths {
		for method, o := range doc.Paths[path] {
			for code, resp := range o.Responses {
				if ex := resp.Content["application/json"]; ex.Example != nil {
					body, _ := json.Marshal(ex.Example)
					checkAgainst(t, method+" "+path+" "+code+" example", body, ex.Schema, doc)
					answers++
				}
			}
		}
	}
	if answers == 0 {
		t.Error("no example of an answer checked")
	}
	if checked < 10 {
		t.Errorf("only %d answers checked", checked)
	}
}

func documented(o openAPIOp) (int, map[string]any) {
	for code, resp := range o.Responses {
		if n, err := strconv.Atoi(code); err == nil && n < 400 {
			return n, resp.Content["application/json"].Schema
		}
	}
	return 0, nil
}

func checkAgainst(t *testing.T, what string, body []byte, schema map[string]any, doc openAPIDoc) {
	t.Helper()
	if schema == nil {
		return
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("%s: not JSON: %v", what, err)
		return
	}
	for _, p := range conform(v, schema, doc, "$") {
		t.Errorf("%s: %s", what, p)
	}
}

// conform lists how v departs from schema (a small subset of JSON Schema:
// $ref, oneOf, type, properties, items, additionalProperties).
func conform(v any, schema map[string]any, doc openAPIDoc, at string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		return conform(v, doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")], doc, at)
	}
	if alts, ok := schema["oneOf"].([]any); ok {
		for _, a := range alts {
			if len(conform(v, a.(map[string]any), doc, at)) == 0 {
				return nil
			}
		}
		return []string{at + ": matches no alternative"}
	}
	var types []string
	switch ty := schema["type"].(type) {
	case string:
		types = []string{ty}
	case []any:
		for _, x := range ty {
			types = append(types, x.(string))
		}
	}
	if len(types) > 0 && !typeMatches(v, types) {
		return []string{fmt.Sprintf("%s: %T, documented %v", at, v, types)}
	}
	var out []string
	switch x := v.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		extra, _ := schema["additionalProperties"].(map[string]any)
		for k, val := range x {
			switch {
			case props[k] != nil:
				out = append(out, conform(val, props[k].(map[string]any), doc, at+"."+k)...)
			case extra != nil:
				out = append(out, conform(val, extra, doc, at+"."+k)...)
			case props != nil:
				out = append(out, at+"."+k+": not documented")
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, val := range x {
				out = append(out, conform(val, items, doc, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return out
}

func typeMatches(v any, types []string) bool {
	for _, ty := range types {
		switch x := v.(type) {
		case nil:
			if ty == "null" {
				return true
			}
		case string:
			if ty == "string" {
				return true
			}
		case bool:
			if ty == "boolean" {
				return true
			}
		case float64:
			if ty == "number" || (ty == "integer" && x == float64(int64(x))) {
				return true
			}
		case map[string]any:
			if ty == "object" {
				return true
			}
		case []any:
			if ty == "array" {
				return true
			}
		}
	}
	return false
}
