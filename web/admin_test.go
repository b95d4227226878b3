package web

import (
	"net/http"
	"strings"
	"testing"

	"accredpack/access"
)

// TestAdminPagesGuarded: the administration pages have their shells and
// modules; with a guard, a signed-in role the policy does not allow gets a
// Russian «Нет доступа» page with 403, one allowed gets the page, and
// nobody signed in gets the page (its script sends them to sign in).
func TestAdminPagesGuarded(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var who *access.Principal
	h.Guard(func(*http.Request) (access.Principal, bool) {
		if who == nil {
			return access.Principal{}, false
		}
		return *who, true
	}, access.Policy{})
	admin := access.Principal{UserID: "a", Role: access.Admin}
	specialist := access.Principal{UserID: "s", Role: access.Specialist}
	consultant := access.Principal{UserID: "c", Role: access.Consultant, OrgID: "o"}
	for path, allowed := range map[string][]access.Principal{
		"/app/organizations": {admin},
		"/app/users":         {admin},
		"/app/audit":         {admin},
		"/app/keys":          {admin, specialist, consultant},
		"/app/webhooks":      {admin, specialist, consultant},
	} {
		view := adminPages[path].View
		if _, err := static.ReadFile("static/js/pages/" + view + ".js"); err != nil {
			t.Errorf("%s: the page's module: %v", path, err)
		}
		for _, p := range []*access.Principal{nil, &admin, &specialist, &consultant} {
			who = p
			ok := p == nil
			for _, a := range allowed {
				ok = ok || (p != nil && a.Role == p.Role)
			}
			r := get(t, h, path)
			page := string(body(t, r))
			role := "nobody"
			if p != nil {
				role = string(p.Role)
			}
			switch {
			case ok && (r.StatusCode != 200 || !strings.Contains(page, `data-view="`+view+`"`)):
				t.Errorf("%s as %s: %d, want the page", path, role, r.StatusCode)
			case !ok && (r.StatusCode != 403 || !strings.Contains(page, `data-view="forbidden"`) || !strings.Contains(page, "<h1>Нет доступа</h1>") ||
				strings.Contains(page, `id="`+view)):
				t.Errorf("%s as %s: %d, want «Нет доступа» with 403\n%s", path, role, r.StatusCode, page)
			}
		}
	}
	// Other pages are not guarded.
	who = &specialist
	if r := get(t, h, "/app/account"); r.StatusCode != 200 {
		t.Errorf("/app/account: %d", r.StatusCode)
	}
}
