package accounts

import (
	"context"
	"errors"
	"fmt"

	"accredpack/checks"
	"accredpack/database"
	"accredpack/fault"
)

// PasswordChange is a person's request to change their own password.
type PasswordChange struct {
	UserID  string
	Current string
	New     string
	// Session is the token of the session the request came with (its
	// cookie's value): it stays open, every other session of the user
	// ends. Empty (a request with an API key): every session ends.
	Session string
}

// CodeWrongPassword is the field code of a current password that does not
// match.
const CodeWrongPassword = "password_wrong"

// WrongPassword tells whether err refused a change because the current
// password did not match (what a rate limit counts).
func WrongPassword(err error) bool {
	var ve *checks.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	for _, f := range ve.Fields {
		if f.Field == "current_password" && f.Code == CodeWrongPassword {
			return true
		}
	}
	return false
}

// ChangePassword checks the current password and the rules for the new
// one (every problem at once, as field errors of current_password and
// new_password), then calls approve, which may still refuse (the audit
// line is written there, before anything changes), and stores the new
// hash while ending the user's other sessions in the same transaction.
// API keys stay. It answers how many sessions ended.
func (s *Service) ChangePassword(ctx context.Context, ch PasswordChange, approve func(context.Context) error) (int64, error) {
	u, err := s.db.User(ctx, ch.UserID)
	if errors.Is(err, database.ErrNotFound) {
		return 0, errUnknownCredentials
	}
	if err != nil {
		return 0, unavailable(err)
	}
	if u.DisabledAt != nil {
		return 0, fault.Unauthorized("Учётная запись отключена.")
	}
	var fields []checks.FieldError
	ok, err := s.hasher.Verify(ctx, u.PasswordHash, ch.Current)
	if err != nil {
		return 0, fmt.Errorf("accounts: verify password: %w", err)
	}
	if !ok {
		fields = append(fields, checks.FieldError{Field: "current_password", Code: CodeWrongPassword, Message: "Текущий пароль указан неверно."})
	}
	switch code, msg := passwordRule(ch.New); {
	case code != "":
		fields = append(fields, checks.FieldError{Field: "new_password", Code: code, Message: msg})
	case ch.New == ch.Current:
		fields = append(fields, checks.FieldError{Field: "new_password", Code: "unchanged", Message: "Новый пароль совпадает с текущим: придумайте другой."})
	}
	if len(fields) > 0 {
		return 0, &checks.ValidationError{Fields: fields}
	}
	hash, err := s.hasher.Hash(ctx, ch.New)
	if err != nil {
		return 0, fmt.Errorf("accounts: hash password: %w", err)
	}
	if err := approve(ctx); err != nil {
		return 0, err
	}
	keep := ""
	if ch.Session != "" {
		keep = digest(ch.Session)
	}
	ended, err := s.db.SetPassword(ctx, u.ID, u.PasswordHash, hash, keep)
	if errors.Is(err, database.ErrNotFound) {
		// Another change came first: what was sent is no longer current.
		return 0, &checks.ValidationError{Fields: []checks.FieldError{{Field: "current_password", Code: CodeWrongPassword,
			Message: "Пароль только что изменён другим запросом: текущий пароль уже другой."}}}
	}
	if err != nil {
		return 0, unavailable(err)
	}
	s.log.InfoContext(ctx, "password changed", "user", u.ID, "sessions_ended", ended)
	return ended, nil
}
