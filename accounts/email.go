package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"accredpack/access"
	"accredpack/checks"
	"accredpack/database"
	"accredpack/fault"
	"accredpack/mail"
)

// Mailer sends a message of a kind (package mail's Postman).
type Mailer interface {
	Send(ctx context.Context, k mail.Kind, to string, d mail.Data) error
}

// Lifetimes of the links sent by e-mail.
const (
	ConfirmTTL    = 48 * time.Hour
	ResetTTL      = time.Hour
	InvitationTTL = 14 * 24 * time.Hour
)

// SetMailer lets the service send e-mail. requireConfirmation (SMTP is on)
// keeps a new account from signing in until its address is confirmed;
// without it the address counts as confirmed at once (the log says what
// would have been sent).
func (s *Service) SetMailer(m Mailer, requireConfirmation bool) {
	s.mailer, s.requireConfirmation = m, requireConfirmation
}

// RequiresConfirmation tells whether new accounts confirm their address
// before signing in.
func (s *Service) RequiresConfirmation() bool { return s.requireConfirmation }

var errMailDown = &fault.Refusal{Kind: fault.ErrUnavailable, Message: "Письмо не отправлено: почтовый сервер недоступен. Повторите попытку позже."}

// send sends a message, or refuses with errMailDown.
func (s *Service) send(ctx context.Context, k mail.Kind, to string, d mail.Data) error {
	if s.mailer == nil {
		return fmt.Errorf("accounts: no mailer: %w", errMailDown)
	}
	if err := s.mailer.Send(ctx, k, to, d); err != nil {
		s.log.ErrorContext(ctx, "e-mail not sent", "kind", k, "to", mail.Mask(to), "error", err)
		return errMailDown
	}
	return nil
}

// newEmailToken stores a one-time token's digest and returns the token.
func (s *Service) newEmailToken(ctx context.Context, purpose, userID, appID, email, by string, ttl time.Duration) (string, error) {
	token := randomToken(32)
	now := s.now()
	err := s.db.CreateEmailToken(ctx, database.EmailToken{TokenHash: digest(token), Purpose: purpose, UserID: userID, ApplicationID: appID,
		Email: email, CreatedBy: by, CreatedAt: now, ExpiresAt: now.Add(ttl)})
	if err != nil {
		return "", unavailable(err)
	}
	return token, nil
}

// SignUp creates a specialist's own account and sends the confirmation
// of the address. The caller learns nothing of whether the address was
// already known: then its owner gets a message saying so instead (or a
// new confirmation, if that account was never confirmed), and the
// answer is the same. Invalid fields are refused as usual.
func (s *Service) SignUp(ctx context.Context, n NewUser) error {
	n.Role, n.OrgID = access.Specialist, ""
	if err := s.validate(ctx, &n); err != nil {
		return err
	}
	// The password is hashed either way: the answer takes as long.
	hash, err := s.hasher.Hash(ctx, n.Password)
	if err != nil {
		return err
	}
	u, err := s.db.UserByEmail(ctx, n.Email)
	if errors.Is(err, database.ErrNotFound) {
		u = database.User{ID: newID(), Email: n.Email, Name: n.Name, Role: string(n.Role), PasswordHash: hash, CreatedAt: s.now()}
		err = s.db.CreateUser(ctx, u)
		if errors.Is(err, database.ErrDuplicate) {
			// Taken meanwhile: as if it had been known.
			return s.knownSignUp(ctx, n.Email)
		}
		if err != nil {
			return unavailable(err)
		}
		s.log.InfoContext(ctx, "user signed up", "user", u.ID)
		if !s.requireConfirmation {
			if err := s.db.SetEmailConfirmed(ctx, u.ID, s.now()); err != nil {
				return unavailable(err)
			}
		}
		return s.sendConfirmation(ctx, u)
	}
	if err != nil {
		return unavailable(err)
	}
	return s.knownSignUp(ctx, n.Email)
}

func (s *Service) knownSignUp(ctx context.Context, email string) error {
	u, err := s.db.UserByEmail(ctx, email)
	if err != nil {
		return unavailable(err)
	}
	if u.DisabledAt != nil {
		return nil
	}
	confirmed, err := s.db.EmailConfirmed(ctx, u.ID)
	if err != nil {
		return unavailable(err)
	}
	if !confirmed {
		return s.sendConfirmation(ctx, u)
	}
	return s.send(ctx, mail.KindSignupExists, u.Email, mail.Data{Name: u.Name, Email: u.Email})
}

func (s *Service) sendConfirmation(ctx context.Context, u database.User) error {
	token, err := s.newEmailToken(ctx, database.TokenConfirm, u.ID, "", u.Email, u.ID, ConfirmTTL)
	if err != nil {
		return err
	}
	return s.send(ctx, mail.KindConfirm, u.Email, mail.Data{Name: u.Name, Email: u.Email, Token: token})
}

// tokenRefusal turns the refusal of a token into a message for the person.
func tokenRefusal(err error, what string) error {
	switch {
	case errors.Is(err, database.ErrNotFound):
		return fault.NotFound("Ссылка " + what + " неверна: откройте её из письма целиком или запросите новую.")
	case errors.Is(err, database.ErrTokenUsed):
		return fault.Conflict("Ссылка " + what + " уже использована: она действует один раз.")
	case errors.Is(err, database.ErrTokenExpired):
		return fault.Conflict("Срок действия ссылки " + what + " истёк: запросите новую.")
	}
	return unavailable(err)
}

// ConfirmEmail confirms an address by the token of its link.
func (s *Service) ConfirmEmail(ctx context.Context, token string) error {
	userID, err := s.db.ConfirmEmail(ctx, digest(strings.TrimSpace(token)), s.now())
	if err != nil {
		return tokenRefusal(err, "подтверждения адреса")
	}
	s.log.InfoContext(ctx, "e-mail confirmed", "user", userID)
	return nil
}

// RequestReset sends a password reset link to a known, enabled account's
// address; for any other address it does nothing, and the caller cannot
// tell which. A message that could not be sent is logged, not told.
func (s *Service) RequestReset(ctx context.Context, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := s.db.UserByEmail(ctx, email)
	if errors.Is(err, database.ErrNotFound) {
		return nil
	}
	if err != nil {
		return unavailable(err)
	}
	if u.DisabledAt != nil {
		return nil
	}
	if err := s.sendReset(ctx, u, u.ID); err != nil && !errors.Is(err, errMailDown) {
		return err
	}
	return nil
}

func (s *Service) sendReset(ctx context.Context, u database.User, by string) error {
	token, err := s.newEmailToken(ctx, database.TokenReset, u.ID, "", u.Email, by, ResetTTL)
	if err != nil {
		return err
	}
	return s.send(ctx, mail.KindPasswordReset, u.Email, mail.Data{Name: u.Name, Email: u.Email, Token: token})
}

// AdminReset sends a user the password reset e-mail and ends every
// session of theirs (an administrator does this).
func (s *Service) AdminReset(ctx context.Context, userID string, by access.Principal) error {
	u, err := s.db.User(ctx, userID)
	if errors.Is(err, database.ErrNotFound) {
		return fault.NotFound("Учётная запись не найдена.")
	}
	if err != nil {
		return unavailable(err)
	}
	ended, err := s.db.EndSessions(ctx, u.ID)
	if err != nil {
		return unavailable(err)
	}
	s.log.InfoContext(ctx, "password reset by an administrator", "user", u.ID, "by", actorID(by), "sessions_ended", ended)
	return s.sendReset(ctx, u, actorID(by))
}

// ResetPassword sets a new password by the token of a reset link; every
// session of the account ends.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	if code, msg := passwordRule(password); code != "" {
		return &checks.ValidationError{Fields: []checks.FieldError{{Field: "password", Code: code, Message: msg}}}
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return fmt.Errorf("accounts: hash password: %w", err)
	}
	userID, err := s.db.ResetPassword(ctx, digest(strings.TrimSpace(token)), hash, s.now())
	if err != nil {
		return tokenRefusal(err, "смены пароля")
	}
	s.log.InfoContext(ctx, "password reset by e-mail link", "user", userID)
	return nil
}

// loginConfirmed refuses a login whose address is not confirmed yet, when
// confirmation is required; it is asked only after the password matched.
func (s *Service) loginConfirmed(ctx context.Context, u database.User) error {
	if !s.requireConfirmation {
		return nil
	}
	ok, err := s.db.EmailConfirmed(ctx, u.ID)
	if err != nil {
		return unavailable(err)
	}
	if !ok {
		return fault.Forbidden("Адрес электронной почты не подтверждён: откройте ссылку из письма, отправленного при регистрации. Письма нет — зарегистрируйтесь с тем же адресом ещё раз, придёт новое.")
	}
	return nil
}

// Invitation is an invitation just sent.
type Invitation struct {
	Email     string    `json:"email"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Invite sends an invitation to take over an application that has no
// owner (staff created it for a client without an account). what names
// the application in the message.
func (s *Service) Invite(ctx context.Context, appID, email, what string, by access.Principal) (Invitation, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if !validEmail(email) {
		return Invitation{}, &checks.ValidationError{Fields: []checks.FieldError{{Field: "email", Code: "email", Message: "Укажите адрес электронной почты клиента, например ivanova@example.ru."}}}
	}
	f, err := s.Facts(ctx, appID)
	if err != nil {
		return Invitation{}, err
	}
	if f.Owner != "" {
		return Invitation{}, fault.Conflict("У заявления уже есть учётная запись специалиста: приглашение не нужно.")
	}
	org := ""
	if by.OrgID != "" {
		if o, err := s.db.Organization(ctx, by.OrgID); err == nil {
			org = o.Name
		}
	}
	token, err := s.newEmailToken(ctx, database.TokenInvite, "", appID, email, actorID(by), InvitationTTL)
	if err != nil {
		return Invitation{}, err
	}
	if err := s.send(ctx, mail.KindInvitation, email, mail.Data{Email: email, Token: token, Org: org, Application: what}); err != nil {
		return Invitation{}, err
	}
	s.log.InfoContext(ctx, "invitation sent", "application", appID, "by", actorID(by), "to", mail.Mask(email))
	return Invitation{Email: email, ExpiresAt: s.now().Add(InvitationTTL)}, nil
}

// RedeemInvitation makes the signed-in specialist p the owner of the
// invitation's application; the organizations it is shared with keep
// their access. It returns the application's id.
func (s *Service) RedeemInvitation(ctx context.Context, p access.Principal, token string) (string, error) {
	if p.Role != access.Specialist || p.UserID == "" {
		return "", fault.Forbidden("Приглашение принимает специалист: войдите в свою учётную запись специалиста.")
	}
	appID, err := s.db.RedeemInvitation(ctx, digest(strings.TrimSpace(token)), p.UserID, s.now())
	if errors.Is(err, database.ErrOwned) {
		return "", fault.Conflict("Заявление уже принято другой учётной записью. Если это ошибка, обратитесь к консультанту.")
	}
	if err != nil {
		return "", tokenRefusal(err, "приглашения")
	}
	s.log.InfoContext(ctx, "invitation redeemed", "application", appID, "user", p.UserID)
	return appID, nil
}

// NewUnsubscribeToken is the token of a link that stops reminders to a
// user.
func (s *Service) NewUnsubscribeToken(ctx context.Context, userID string) (string, error) {
	token := randomToken(24)
	if err := s.db.CreateUnsubscribeToken(ctx, digest(token), userID, s.now()); err != nil {
		return "", unavailable(err)
	}
	return token, nil
}

// Unsubscribe stops reminders to the person of an unsubscription token.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	userID, err := s.db.Unsubscribe(ctx, digest(strings.TrimSpace(token)), s.now())
	if errors.Is(err, database.ErrNotFound) {
		return fault.NotFound("Ссылка отказа от напоминаний неверна: откройте её из письма целиком.")
	}
	if err != nil {
		return unavailable(err)
	}
	s.log.InfoContext(ctx, "reminders unsubscribed", "user", userID)
	return nil
}
