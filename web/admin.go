package web

import (
	"net/http"

	"accredpack/access"
)

// Administration pages (issue 18), by path: each names the action of the
// service its role must be allowed, as the API's routes do.
var adminPages = map[string]page{
	"/app/organizations": {Title: "Организации", View: "organizations", Needs: access.ManageAccounts},
	"/app/users":         {Title: "Пользователи", View: "users", Needs: access.ManageAccounts},
	"/app/keys":          {Title: "Ключи API", View: "keys", Needs: access.ManageOwnKeys},
	"/app/audit":         {Title: "Журнал", View: "audit", Needs: access.ReadAllAudit},
	"/app/webhooks":      {Title: "Вебхуки", View: "webhooks", Needs: access.ManageWebhooks},
}

// PrincipalFunc tells who a browser's request comes from (its session),
// false when nobody is signed in.
type PrincipalFunc func(*http.Request) (access.Principal, bool)

// guard refuses a page to a signed-in role the policy does not allow its
// action (403, a Russian «Нет доступа» page). Nobody signed in gets the page,
// whose script sends them to sign in; without a PrincipalFunc (tests of the
// shells alone) every page is served and the page's script shows the API's
// refusal.
type guard struct {
	who    PrincipalFunc
	policy access.Policy
}

func (g guard) allows(r *http.Request, p page) bool {
	if p.Needs == "" || g.who == nil {
		return true
	}
	who, ok := g.who(r)
	return !ok || g.policy.Allow(who, p.Needs) == nil
}

// Guard makes the handler refuse administration pages to roles the policy
// does not allow, with who telling the principal of a request.
func (h *Handler) Guard(who PrincipalFunc, policy access.Policy) {
	h.guard = guard{who: who, policy: policy}
}
