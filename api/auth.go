package api

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"accredpack/access"
	"accredpack/accounts"
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

// SessionJSON is the caller as the API shows it.
type SessionJSON struct {
	UserID    string      `json:"user_id"`
	Role      access.Role `json:"role"`
	OrgID     string      `json:"organization_id,omitempty"`
	Label     string      `json:"label"`
	CSRFToken string      `json:"csrf_token,omitempty"`
	ExpiresAt *time.Time  `json:"expires_at,omitempty"`
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
		CSRFToken: l.CSRFToken, ExpiresAt: &l.ExpiresAt})
}

func (s *Server) register(c echo.Context) error {
	if err := sameOrigin(c); err != nil {
		return err
	}
	if !s.cfg.AllowSignup {
		return fault.Forbidden("Самостоятельная регистрация отключена: учётную запись создаёт администратор.")
	}
	var body accounts.NewUser
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := s.limitLogin(c, body.Email); err != nil {
		return err
	}
	u, err := s.accounts.Register(c.Request().Context(), body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

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
	return c.JSON(http.StatusOK, SessionJSON{UserID: p.UserID, Role: p.Role, OrgID: p.OrgID, Label: p.Label, CSRFToken: csrf})
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
	var body struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	k, err := s.accounts.CreateKey(c.Request().Context(), principal(c), body.Name)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, k)
}

func (s *Server) revokeKey(c echo.Context) error {
	if err := s.accounts.RevokeKey(c.Request().Context(), principal(c), c.Param("kid")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
