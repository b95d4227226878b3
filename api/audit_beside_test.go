package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/labstack/echo/v4"

	"accredpack/access"
	"accredpack/audit"
	"accredpack/database"
)

// A granted read runs while its audit line commits, but answers only once
// the line is in: with the audit log failing, the answer is the failure
// and nothing of the read goes out.
func TestReadBesideAudit(t *testing.T) {
	ctx := context.Background()
	db, err := database.Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s := &Server{audit: audit.New(db)}
	event := audit.Event{Action: access.ReadApplication, ApplicationID: "app1", Outcome: audit.Granted}
	read := func(c echo.Context) error {
		c.Response().Header().Set("X-Read", "yes")
		return c.JSON(http.StatusOK, map[string]string{"id": "app1"})
	}
	serve := func() (*httptest.ResponseRecorder, echo.Context, error) {
		rec := httptest.NewRecorder()
		c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/api/v1/applications/app1", nil), rec)
		c.Set(principalKey, access.Principal{UserID: "u1"})
		return rec, c, s.readBesideAudit(c, event, read)
	}

	rec, c, err := serve()
	if err != nil || rec.Code != 200 || rec.Body.String() != "{\"id\":\"app1\"}\n" || rec.Header().Get("X-Read") != "yes" {
		t.Fatalf("granted read: %v, %d %q %v", err, rec.Code, rec.Body.String(), rec.Header())
	}
	if c.Response().Status != 200 || c.Response().Size != int64(rec.Body.Len()) {
		t.Errorf("the response says %d, %d bytes", c.Response().Status, c.Response().Size)
	}
	n := 0
	if err := s.audit.Each(ctx, audit.Filter{ApplicationID: "app1"}, func(audit.Entry) error { n++; return nil }); err != nil || n != 1 {
		t.Fatalf("%d audit lines (%v); want the read's", n, err)
	}

	db.Close() // the audit log now fails
	rec, c, err = serve()
	if err == nil {
		t.Fatal("the audit log failing: no error")
	}
	if rec.Body.Len() != 0 || rec.Header().Get("X-Read") != "" || c.Response().Committed {
		t.Errorf("the read went out without its audit line: %q %v, committed %v", rec.Body.String(), rec.Header(), c.Response().Committed)
	}
}
