package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"accredpack/access"
	"accredpack/accounts"
	"accredpack/audit"
)

// Accepted is the answer of a request whose outcome the caller is not
// told (sign-up, password reset): the same whatever the address.
type Accepted struct {
	Message string `json:"message"`
	// ConfirmEmail: new accounts confirm their address by a link before
	// signing in (e-mail is on); false: the account is usable at once.
	ConfirmEmail bool `json:"confirm_email"`
}

// register signs a specialist up. Whether the address was known, the
// answer is the same: its owner is told by e-mail instead.
func (s *Server) register(c echo.Context) error {
	if err := sameOrigin(c); err != nil {
		return err
	}
	if !s.cfg.AllowSignup {
		return forbiddenSignup
	}
	var body accounts.NewUser
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := s.limitLogin(c, body.Email); err != nil {
		return err
	}
	if err := s.accounts.SignUp(c.Request().Context(), body); err != nil {
		return err
	}
	a := Accepted{ConfirmEmail: s.accounts.RequiresConfirmation(),
		Message: "Учётная запись создана: можно войти."}
	if a.ConfirmEmail {
		a.Message = "Мы отправили письмо на указанный адрес. Откройте ссылку из письма, чтобы подтвердить адрес и войти. Если письма нет, проверьте папку «Спам»."
	}
	return c.JSON(http.StatusAccepted, a)
}

func (s *Server) confirmEmail(c echo.Context) error {
	if err := sameOrigin(c); err != nil {
		return err
	}
	var body struct {
		Token string `json:"token"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := s.logins.allow("ip:"+c.RealIP(), timeNow()); err != nil {
		return err
	}
	if err := s.accounts.ConfirmEmail(c.Request().Context(), body.Token); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"message": "Адрес подтверждён: теперь можно войти."})
}

// requestPasswordReset always answers 202 with the same body.
func (s *Server) requestPasswordReset(c echo.Context) error {
	if err := sameOrigin(c); err != nil {
		return err
	}
	var body struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := s.limitLogin(c, body.Email); err != nil {
		return err
	}
	if err := s.accounts.RequestReset(c.Request().Context(), body.Email); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, Accepted{Message: "Если учётная запись с этим адресом есть, на него отправлено письмо со ссылкой для смены пароля. Ссылка действует 1 час."})
}

func (s *Server) confirmPasswordReset(c echo.Context) error {
	if err := sameOrigin(c); err != nil {
		return err
	}
	var body struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := s.logins.allow("ip:"+c.RealIP(), timeNow()); err != nil {
		return err
	}
	if err := s.accounts.ResetPassword(c.Request().Context(), body.Token, body.Password); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"message": "Пароль изменён. Войдите с новым паролем."})
}

// resetUserPassword: an administrator sends a user the reset e-mail.
func (s *Server) resetUserPassword(c echo.Context) error {
	if err := s.accounts.AdminReset(c.Request().Context(), c.Param("uid"), principal(c)); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, Accepted{Message: "Письмо для смены пароля отправлено; все сеансы пользователя завершены."})
}

// inviteClient sends the client of an application without an owner an
// invitation to take it over.
func (s *Server) inviteClient(c echo.Context) error {
	var body struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	ctx := c.Request().Context()
	v, err := s.svc.Get(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	inv, err := s.accounts.Invite(ctx, c.Param("id"), body.Email, v.App.Form.Specialty, principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, inv)
}

// redeemInvitation makes the signed-in specialist the application's
// owner. Attempts count against the login limit: tokens must not be
// guessed.
func (s *Server) redeemInvitation(c echo.Context) error {
	var body struct {
		Token string `json:"token"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	if err := s.logins.allow("invitation:"+actor(principal(c)), timeNow()); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := principal(c)
	appID, err := s.accounts.RedeemInvitation(ctx, p, body.Token)
	if err != nil {
		return err
	}
	// The takeover is in the new owner's audit: the application is theirs
	// from here on.
	if err := s.audit.Record(ctx, s.auditRequest(c), audit.Event{Action: access.RedeemInvitation, ApplicationID: appID, OwnerID: p.UserID,
		Target: "invitation", Outcome: audit.Granted}); err != nil {
		s.log.ErrorContext(ctx, "audit line of a redeemed invitation not written", "application", appID, "error", err)
	}
	return c.JSON(http.StatusOK, map[string]string{"application_id": appID})
}

// unsubscribe stops reminders. It takes the token as JSON ({"token"}) from
// the page, or in the query with the form body of a one-click POST from a
// mail program (RFC 8058: List-Unsubscribe=One-Click), which sends no
// Origin worth checking and no cookie.
func (s *Server) unsubscribe(c echo.Context) error {
	token := c.QueryParam("token")
	if strings.HasPrefix(c.Request().Header.Get("Content-Type"), "application/json") {
		var body struct {
			Token string `json:"token"`
		}
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
		token = body.Token
	}
	if err := s.logins.allow("ip:"+c.RealIP(), timeNow()); err != nil {
		return err
	}
	if err := s.accounts.Unsubscribe(c.Request().Context(), token); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"message": "Готово: напоминания о сроках больше не придут. Письма о входе и смене пароля приходить будут."})
}
