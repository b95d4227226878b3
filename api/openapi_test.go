package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestOpenAPICoversEveryRoute: every route Echo serves under /api/v1 is in
// the description with its method, every $ref resolves, operation ids are
// unique.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	s := New(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Registry: prometheus.NewRegistry()}, Config{})
	if s.openapiErr != nil {
		t.Fatal(s.openapiErr)
	}
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(s.openapi, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	served := 0
	for _, r := range s.echo.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		served++
		path := pathParam.ReplaceAllString(r.Path, "{$1}")
		if _, ok := doc.Paths[path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is served but not described", r.Method, r.Path)
		}
	}
	described, ids := 0, map[string]bool{}
	for path, item := range doc.Paths {
		for method, o := range item {
			described++
			id, _ := o["operationId"].(string)
			if ids[id] {
				t.Errorf("operationId %q twice", id)
			}
			ids[id] = true
			if o["responses"] == nil || o["summary"] == "" {
				t.Errorf("%s %s: no responses or summary", method, path)
			}
		}
	}
	if served < 50 || described != served {
		t.Errorf("%d routes served, %d operations described", served, described)
	}
	refs := strings.Split(string(s.openapi), `"$ref": "#/components/schemas/`)
	for _, r := range refs[1:] {
		name := r[:strings.IndexByte(r, '"')]
		if _, ok := doc.Components.Schemas[name]; !ok {
			t.Errorf("$ref to a missing schema %s", name)
		}
	}
	// A route without a documented operation stops the description.
	orig := operations["GET /catalog"]
	delete(operations, "GET /catalog")
	defer func() { operations["GET /catalog"] = orig }()
	if _, err := OpenAPI(); err == nil || !strings.Contains(err.Error(), "GET /catalog") {
		t.Errorf("an undocumented route: %v", err)
	}
}
