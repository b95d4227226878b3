package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"accredpack/access"
	"accredpack/audit"
	"accredpack/checks"
	"accredpack/fault"
)

// UserPatch is what an administrator changes of an account: for now only
// whether it is disabled.
type UserPatch struct {
	Disabled *bool `json:"disabled"`
}

// patchUser disables or enables an account (administrators). Disabled,
// the account's sessions end and its API keys are refused from the next
// request; its login is refused. The audit line (user.disable /
// user.enable, the account as owner and target) is written first;
// refusals are recorded as denied.
func (s *Server) patchUser(c echo.Context) error {
	var body UserPatch
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if body.Disabled == nil {
		return &checks.ValidationError{Fields: []checks.FieldError{{Field: "disabled", Code: "required",
			Message: "Укажите disabled: true — отключить учётную запись, false — включить снова."}}}
	}
	ctx := c.Request().Context()
	uid := c.Param("uid")
	act := access.EnableUser
	if *body.Disabled {
		act = access.DisableUser
	}
	line := func(ctx context.Context, outcome string) error {
		return s.audit.Record(ctx, s.auditRequest(c), audit.Event{Action: act, OwnerID: uid, Target: "user " + uid, Outcome: outcome})
	}
	u, err := s.accounts.SetDisabled(ctx, principal(c), uid, *body.Disabled, func(ctx context.Context) error { return line(ctx, audit.Granted) })
	if err != nil {
		if errors.Is(err, fault.ErrConflict) {
			if aerr := line(ctx, audit.Denied); aerr != nil {
				s.log.ErrorContext(ctx, "audit line of a refused disable not written", "user", uid, "error", aerr)
			}
		}
		return err
	}
	return c.JSON(http.StatusOK, u)
}

// listAllKeys lists every API key of every account with its owner
// (administrators); never a secret.
func (s *Server) listAllKeys(c echo.Context) error {
	k, err := s.accounts.AllKeys(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"api_keys": k})
}

// revokeAPIKey revokes a key: an administrator any key (the owner sees the
// line in their audit), anyone else one of their own (another's is 404, as
// one that does not exist). Each revocation is an audit line, written
// before it.
func (s *Server) revokeAPIKey(c echo.Context) error {
	p := principal(c)
	id := c.Param("kid")
	any := s.policy.Allow(p, access.ManageAllKeys) == nil
	err := s.accounts.Revoke(c.Request().Context(), p, id, any, func(ctx context.Context, owner string) error {
		return s.audit.Record(ctx, s.auditRequest(c), audit.Event{Action: access.RevokeKey, OwnerID: owner, Target: "key " + id, Outcome: audit.Granted})
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// SessionPrincipal is who a browser's session cookie belongs to, for the
// web pages to refuse a page its role may not use (the API refuses the
// calls anyway). ok is false without a live session.
func (s *Server) SessionPrincipal(r *http.Request) (access.Principal, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return access.Principal{}, false
	}
	p, _, err := s.accounts.Session(r.Context(), ck.Value)
	if err != nil {
		return access.Principal{}, false
	}
	return p, true
}
