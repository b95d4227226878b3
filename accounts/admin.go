package accounts

import (
	"context"
	"errors"
	"time"

	"accredpack/access"
	"accredpack/database"
	"accredpack/fault"
)

// BootstrapActor is how the bootstrap token is named where an account id
// would be (the audit log's actor_id).
const BootstrapActor = "bootstrap"

// Refusals of SetDisabled, each saying why.
var (
	errDisableBootstrap = fault.Conflict("Токен администратора (ACCREDPACK_BOOTSTRAP_TOKEN) — не учётная запись, его нельзя отключить здесь: " +
		"чтобы он перестал действовать, уберите переменную из настроек сервиса и перезапустите его.")
	errDisableSelf = fault.Conflict("Нельзя отключить собственную учётную запись: вы сразу потеряли бы доступ. " +
		"Отключить её может другой администратор.")
	errNoUser = fault.NotFound("Пользователь не найден.")
)

// SetDisabled disables a user (disabled) or enables them again, as the
// administrator p. The bootstrap token is no account and cannot be
// disabled; an administrator cannot disable themself. record is called
// before the change (the audit line comes first); its error stops it.
// Disabled, every session of the user ends at once and every API key of
// theirs is refused at its next use (Bearer and Session read the user on
// every request: nothing is cached); a login is refused with a message
// saying so.
func (s *Service) SetDisabled(ctx context.Context, p access.Principal, uid string, disabled bool, record func(context.Context) error) (database.User, error) {
	if uid == BootstrapActor {
		return database.User{}, errDisableBootstrap
	}
	if disabled && uid == p.UserID {
		return database.User{}, errDisableSelf
	}
	if _, err := s.db.User(ctx, uid); errors.Is(err, database.ErrNotFound) {
		return database.User{}, errNoUser
	} else if err != nil {
		return database.User{}, unavailable(err)
	}
	if err := record(ctx); err != nil {
		return database.User{}, err
	}
	var stamp *time.Time
	if disabled {
		now := s.now()
		stamp = &now
	}
	u, err := s.db.SetUserDisabled(ctx, uid, stamp)
	if errors.Is(err, database.ErrNotFound) {
		return database.User{}, errNoUser
	}
	if err != nil {
		return database.User{}, unavailable(err)
	}
	s.log.InfoContext(ctx, "user disabled or enabled", "user", uid, "disabled", disabled, "by", actorOf(p))
	return u, nil
}

func actorOf(p access.Principal) string {
	if p.UserID == "" {
		return BootstrapActor
	}
	return p.UserID
}

// AllKeys lists every API key with its owner (administrators).
func (s *Service) AllKeys(ctx context.Context) ([]database.OwnedAPIKey, error) {
	k, err := s.db.AllAPIKeys(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	return k, nil
}

// Revoke revokes the API key id; it stops working at once. With any (an
// administrator's revocation) it may be anyone's; otherwise only one of
// p's own, another's being not found, as one that does not exist. record
// is told the key's owner and called before the change (the audit line
// comes first); its error stops it.
func (s *Service) Revoke(ctx context.Context, p access.Principal, id string, any bool, record func(ctx context.Context, owner string) error) error {
	notFound := fault.NotFound("Ключ не найден.")
	k, err := s.db.APIKey(ctx, id)
	if errors.Is(err, database.ErrNotFound) || (err == nil && !any && k.UserID != p.UserID) {
		return notFound
	}
	if err != nil {
		return unavailable(err)
	}
	if err := record(ctx, k.UserID); err != nil {
		return err
	}
	if err := s.db.RevokeAPIKey(ctx, k.UserID, id, s.now()); errors.Is(err, database.ErrNotFound) {
		return notFound
	} else if err != nil {
		return unavailable(err)
	}
	s.log.InfoContext(ctx, "API key revoked", "owner", k.UserID, "key", id, "by", actorOf(p))
	return nil
}
