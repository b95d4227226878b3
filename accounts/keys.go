package accounts

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"accredpack/access"
	"accredpack/checks"
	"accredpack/database"
	"accredpack/fault"
)

// Errors of an API key that exists but may not do what is asked.
var (
	// ErrKeyExpired: the key's expiry has passed (401, key_expired).
	ErrKeyExpired = errors.New("API key expired")
	// ErrKeyScope: the key's scope does not cover the action (403,
	// key_scope).
	ErrKeyScope = errors.New("API key scope does not cover the action")
)

// MaxKeyLifetime is the longest expiry a key may be given.
const MaxKeyLifetime = 2 * 366 * 24 * time.Hour

// NewKey is a key just created: Token is shown this once and never stored.
type NewKey struct {
	database.APIKey
	Token string `json:"token"`
}

// KeyRequest is what a caller asks of a new key: a name, and optionally a
// scope (full by default) and an expiry, as a time or a number of days.
type KeyRequest struct {
	Name          string     `json:"name"`
	Scope         string     `json:"scope"`
	ExpiresAt     *time.Time `json:"expires_at"`
	ExpiresInDays *int       `json:"expires_in_days"`
}

// CreateKey creates an API key that acts as p, within its scope, until it
// expires.
func (s *Service) CreateKey(ctx context.Context, p access.Principal, in KeyRequest) (NewKey, error) {
	if p.UserID == "" {
		return NewKey{}, fault.Forbidden("Ключи API принадлежат учётным записям: создайте администратора и войдите под ним.")
	}
	now := s.now()
	var problems []checks.FieldError
	name := strings.TrimSpace(in.Name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		problems = append(problems, checks.FieldError{Field: "name", Code: "required",
			Message: "Дайте ключу название (до 100 символов), например «Интеграция с СДО»."})
	}
	scope := in.Scope
	switch scope {
	case "":
		scope = database.KeyScopeFull
	case database.KeyScopeFull, database.KeyScopeRead, database.KeyScopeImport:
	default:
		problems = append(problems, checks.FieldError{Field: "scope", Code: "oneof",
			Message: "Область действия ключа: full (все действия), read (только чтение) или import (только импорт удостоверений)."})
	}
	var expires *time.Time
	switch {
	case in.ExpiresAt != nil && in.ExpiresInDays != nil:
		problems = append(problems, checks.FieldError{Field: "expires_at", Code: "excluded_with",
			Message: "Укажите срок действия ключа одним способом: expires_at или expires_in_days."})
	case in.ExpiresInDays != nil:
		days := *in.ExpiresInDays
		if days < 1 || time.Duration(days)*24*time.Hour > MaxKeyLifetime {
			problems = append(problems, checks.FieldError{Field: "expires_in_days", Code: "range",
				Message: "Срок действия ключа: от 1 до 732 дней."})
		} else {
			t := now.Add(time.Duration(days) * 24 * time.Hour)
			expires = &t
		}
	case in.ExpiresAt != nil:
		t := in.ExpiresAt.UTC().Truncate(time.Microsecond)
		switch {
		case !t.After(now):
			problems = append(problems, checks.FieldError{Field: "expires_at", Code: "future",
				Message: "Срок действия ключа должен быть в будущем."})
		case t.Sub(now) > MaxKeyLifetime:
			problems = append(problems, checks.FieldError{Field: "expires_at", Code: "max",
				Message: "Срок действия ключа — не более двух лет."})
		default:
			expires = &t
		}
	}
	if len(problems) > 0 {
		return NewKey{}, &checks.ValidationError{Fields: problems}
	}
	secret := randomToken(32)
	k := database.APIKey{ID: newID(), UserID: p.UserID, Name: name, SecretHash: digest(secret), CreatedAt: now, Scope: scope, ExpiresAt: expires}
	if err := s.db.CreateAPIKey(ctx, k); err != nil {
		return NewKey{}, unavailable(err)
	}
	s.log.InfoContext(ctx, "API key created", "user", p.UserID, "key", k.ID, "scope", scope, "expires", expires != nil)
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

var errKeyExpired = &fault.Refusal{Kind: ErrKeyExpired, Message: "Срок действия этого API-ключа истёк: создайте новый ключ."}

// ScopeAllows tells whether a key of scope may call method on the API
// route path (as the route table writes it, e.g. "/imports/certificates").
// A read key reads; an import key imports certificates and reads what that
// needs (who it is, the catalog of slots).
func ScopeAllows(scope, method, path string) bool {
	switch scope {
	case "", database.KeyScopeFull:
		return true
	case database.KeyScopeRead:
		return method == "GET" || method == "HEAD"
	case database.KeyScopeImport:
		switch method + " " + path {
		case "POST /imports/certificates", "GET /auth/me", "HEAD /auth/me", "GET /catalog", "HEAD /catalog":
			return true
		}
	}
	return false
}

// KeyScopeError is the refusal of an action outside a key's scope.
func KeyScopeError(scope string) error {
	msg := "Этот API-ключ не даёт права на это действие."
	switch scope {
	case database.KeyScopeRead:
		msg = "Этот API-ключ — только для чтения: изменять данные с ним нельзя."
	case database.KeyScopeImport:
		msg = "Этот API-ключ — только для импорта удостоверений (POST /imports/certificates)."
	}
	return &fault.Refusal{Kind: ErrKeyScope, Message: msg}
}
