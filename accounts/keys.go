package accounts

import (
	"context"
	"strings"
	"unicode/utf8"

	"accredpack/access"
	"accredpack/checks"
	"accredpack/database"
	"accredpack/fault"
)

// NewKey is a key just created: Token is shown this once and never stored.
type NewKey struct {
	database.APIKey
	Token string `json:"token"`
}

// CreateKey creates an API key that acts as p.
func (s *Service) CreateKey(ctx context.Context, p access.Principal, name string) (NewKey, error) {
	if p.UserID == "" {
		return NewKey{}, fault.Forbidden("Ключи API принадлежат учётным записям: создайте администратора и войдите под ним.")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return NewKey{}, &checks.ValidationError{Fields: []checks.FieldError{{Field: "name", Code: "required",
			Message: "Дайте ключу название (до 100 символов), например «Интеграция с СДО»."}}}
	}
	secret := randomToken(32)
	k := database.APIKey{ID: newID(), UserID: p.UserID, Name: name, SecretHash: digest(secret), CreatedAt: s.now()}
	if err := s.db.CreateAPIKey(ctx, k); err != nil {
		return NewKey{}, unavailable(err)
	}
	s.log.InfoContext(ctx, "API key created", "user", p.UserID, "key", k.ID)
	return NewKey{APIKey: k, Token: keyPrefix + k.ID + "_" + secret}, nil
}

// Keys lists the keys of p.
func (s *Service) Keys(ctx context.Context, p access.Principal) ([]database.APIKey, error) {
	k, err := s.db.APIKeys(ctx, p.UserID)
	if err != nil {
		return nil, unavailable(err)
	}
	return k, nil
}
