package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"accredpack/access"
	"accredpack/accounts"
	"accredpack/audit"
	"accredpack/fault"
)

// sameOrigin refuses a browser request sent from another site's page (login
// CSRF): when the browser says where the page came from, it must be us.
func sameOrigin(c echo.Context) error {
	origin := c.Request().Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || !strings.EqualFold(u.Host, c.Request().Host) {
		return fault.Forbidden("Запрос со стороннего сайта отклонён.")
	}
	return nil
}

// limitLogin counts an attempt against the caller's address and the e-mail.
func (s *Server) limitLogin(c echo.Context, email string) error {
	now := time.Now()
	if err := s.logins.allow("ip:"+c.RealIP(), now); err != nil {
		return err
	}
	return s.logins.allow("email:"+strings.ToLower(strings.TrimSpace(email)), now)
}

// SessionJSON is the caller as the API shows it. Name and Email are the
// person's (null for the bootstrap token, which is nobody's), for a page
// to greet them.
type SessionJSON struct {
	UserID    string      `json:"user_id"`
	Role      access.Role `json:"role"`
	OrgID     string      `json:"organization_id,omitempty"`
	Label     string      `json:"label"`
	Name      *string     `json:"name"`
	Email     *string     `json:"email"`
	CSRFToken string      `json:"csrf_token,omitempty"`
	ExpiresAt *time.Time  `json:"expires_at,omitempty"`
}

// nonEmpty is s, or nil (JSON null) when it is empty.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) login(c echo.Context) error {
	if err := sameOrigin(c); err != nil {
		return err
	}
	var body struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := s.limitLogin(c, body.Email); err != nil {
		return err
	}
	l, err := s.accounts.Login(c.Request().Context(), body.Email, body.Password)
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: l.Token, Path: "/", Expires: l.ExpiresAt, MaxAge: int(time.Until(l.ExpiresAt).Seconds()),
		HttpOnly: true, Secure: s.cfg.SecureCookies || c.IsTLS(), SameSite: http.SameSiteLaxMode})
	return c.JSON(http.StatusOK, SessionJSON{UserID: l.User.ID, Role: access.Role(l.User.Role), OrgID: l.User.OrgID, Label: l.User.Email,
		Name: nonEmpty(l.User.Name), Email: nonEmpty(l.User.Email), CSRFToken: l.CSRFToken, ExpiresAt: &l.ExpiresAt})
}

// forbiddenSignup refuses sign-up when accounts are made by administrators
// only (register itself is in mail.go).
var forbiddenSignup = fault.Forbidden("Самостоятельная регистрация отключена: учётную запись создаёт администратор.")

func (s *Server) logout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := s.accounts.Logout(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies || c.IsTLS(), SameSite: http.SameSiteLaxMode})
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) me(c echo.Context) error {
	p := principal(c)
	csrf, _ := c.Get(csrfKey).(string)
	return c.JSON(http.StatusOK, SessionJSON{UserID: p.UserID, Role: p.Role, OrgID: p.OrgID, Label: p.Label,
		Name: nonEmpty(p.Name), Email: nonEmpty(p.Email), CSRFToken: csrf})
}

// PasswordBody is a change of one's own password.
type PasswordBody struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword lets a person (by session or by an API key of their
// account) change their own password. Wrong current passwords count
// against the login limit of the account (a stolen session must not
// guess its way to the password); the other sessions end at once, the one
// the request came with stays, API keys stay. One audit line, granted
// before the change or denied for a wrong current password.
func (s *Server) changePassword(c echo.Context) error {
	var body PasswordBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	p := principal(c)
	ctx := c.Request().Context()
	giveBack, err := s.logins.take("password:"+p.UserID, time.Now())
	if err != nil {
		return err
	}
	session, _ := c.Get(sessionKey).(string)
	line := func(outcome string) error {
		return s.audit.Record(ctx, s.auditRequest(c), audit.Event{Action: access.ChangeOwnPassword, OwnerID: p.UserID, Target: "password", Outcome: outcome})
	}
	_, err = s.accounts.ChangePassword(ctx, accounts.PasswordChange{UserID: p.UserID, Current: body.CurrentPassword, New: body.NewPassword, Session: session},
		func(context.Context) error { return line(audit.Granted) })
	if !accounts.WrongPassword(err) {
		giveBack()
		if err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
	if aerr := line(audit.Denied); aerr != nil {
		s.log.ErrorContext(ctx, "audit line of a refused password change not written", "user", p.UserID, "error", aerr)
	}
	return err
}

func (s *Server) listUsers(c echo.Context) error {
	u, err := s.accounts.Users(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"users": u})
}

func (s *Server) createUser(c echo.Context) error {
	var body accounts.NewUser
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	u, err := s.accounts.CreateUser(c.Request().Context(), body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

func (s *Server) listOrganizations(c echo.Context) error {
	o, err := s.accounts.Organizations(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"organizations": o})
}

func (s *Server) createOrganization(c echo.Context) error {
	var body struct {
		Name string         `json:"name"`
		Kind access.OrgKind `json:"kind"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	o, err := s.accounts.CreateOrganization(c.Request().Context(), body.Name, body.Kind)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, o)
}

func (s *Server) listKeys(c echo.Context) error {
	k, err := s.accounts.Keys(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"api_keys": k})
}

// createKey answers the key's token once; only its digest is kept.
func (s *Server) createKey(c echo.Context) error {
	var body accounts.KeyRequest
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	k, err := s.accounts.CreateKey(c.Request().Context(), principal(c), body)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	shownOnce(c, "token")
	return c.JSON(http.StatusCreated, k)
}
