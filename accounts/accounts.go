// Package accounts knows who is calling: people (specialists, consultancy
// and training-center staff, administrators) with passwords and sessions,
// integrations with API keys, organizations, and the sharing of an
// application with an organization (directly or by a one-time share code).
// It turns credentials into an access.Principal and an application into
// access.Facts; the decisions themselves are package access's.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"accredpack/access"
	"accredpack/checks"
	"accredpack/database"
	"accredpack/fault"
)

// Config is what accounts are told from outside.
type Config struct {
	// BootstrapToken, when set, is a bearer token with the administrator
	// role: the way in before the first administrator account exists.
	BootstrapToken string
	SessionTTL     time.Duration
	ShareCodeTTL   time.Duration
	// HashParallel bounds password hashes at once (19 MiB each).
	HashParallel int
}

// Service manages accounts and turns credentials into principals.
type Service struct {
	db        *database.DB
	hasher    *Hasher
	cfg       Config
	bootstrap [32]byte // SHA-256 of the bootstrap token
	dummy     string   // a hash verified when the e-mail is unknown, so timing does not tell
	log       *slog.Logger
	now       func() time.Time
	// E-mail (email.go): nil sends nothing.
	mailer              Mailer
	requireConfirmation bool
}

// New returns a Service.
func New(ctx context.Context, db *database.DB, cfg Config, log *slog.Logger) (*Service, error) {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.ShareCodeTTL <= 0 {
		cfg.ShareCodeTTL = 7 * 24 * time.Hour
	}
	s := &Service{db: db, hasher: NewHasher(cfg.HashParallel), cfg: cfg, log: log, now: func() time.Time { return time.Now().UTC() }}
	if cfg.BootstrapToken != "" {
		s.bootstrap = sha256.Sum256([]byte(cfg.BootstrapToken))
	}
	var err error
	if s.dummy, err = s.hasher.Hash(ctx, randomToken(16)); err != nil {
		return nil, err
	}
	return s, nil
}

// SessionTTL is how long a login lasts.
func (s *Service) SessionTTL() time.Duration { return s.cfg.SessionTTL }

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("accounts: no randomness: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func newID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("accounts: no randomness: %v", err))
	}
	return hex.EncodeToString(b)
}

func digest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func unavailable(err error) error { return fmt.Errorf("%w: %w", fault.ErrUnavailable, err) }

func principalOf(u database.User) access.Principal {
	return access.Principal{UserID: u.ID, Role: access.Role(u.Role), OrgID: u.OrgID, Label: u.Email, Name: u.Name, Email: u.Email}
}

var errUnknownCredentials = fault.Unauthorized("Нужен действующий токен доступа: заголовок Authorization: Bearer <токен>, или вход по паролю.")

// Bearer authenticates a bearer token: the bootstrap token or an API key.
// Comparisons are of digests in constant time.
func (s *Service) Bearer(ctx context.Context, token string) (access.Principal, error) {
	if s.cfg.BootstrapToken != "" {
		sum := sha256.Sum256([]byte(token))
		if subtle.ConstantTimeCompare(sum[:], s.bootstrap[:]) == 1 {
			return access.Principal{Role: access.Admin, Label: "bootstrap"}, nil
		}
	}
	id, secret, ok := parseKey(token)
	if !ok {
		return access.Principal{}, errUnknownCredentials
	}
	k, err := s.db.APIKey(ctx, id)
	if errors.Is(err, database.ErrNotFound) {
		return access.Principal{}, errUnknownCredentials
	}
	if err != nil {
		return access.Principal{}, unavailable(err)
	}
	want, _ := hex.DecodeString(k.SecretHash)
	got := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(got[:], want) != 1 || k.RevokedAt != nil {
		return access.Principal{}, errUnknownCredentials
	}
	if k.ExpiresAt != nil && !s.now().Before(*k.ExpiresAt) {
		return access.Principal{}, errKeyExpired
	}
	u, err := s.db.User(ctx, k.UserID)
	if err != nil {
		return access.Principal{}, unavailable(err)
	}
	if u.DisabledAt != nil {
		return access.Principal{}, errKeyOwnerDisabled
	}
	if err := s.db.TouchAPIKey(ctx, k.ID, s.now()); err != nil {
		s.log.WarnContext(ctx, "could not record an API key's use", "key", k.ID, "error", err)
	}
	p := principalOf(u)
	p.KeyID, p.KeyScope, p.Label = k.ID, k.Scope, u.Email+" (ключ «"+k.Name+"»)"
	return p, nil
}

// API keys read "ak_<id>_<secret>".
const keyPrefix = "ak_"

func parseKey(token string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(token, keyPrefix)
	if !ok {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || len(id) != 24 || secret == "" {
		return "", "", false
	}
	return id, secret, true
}

// Session authenticates a session cookie's token; it returns the session's
// CSRF token too.
func (s *Service) Session(ctx context.Context, token string) (access.Principal, string, error) {
	sess, u, err := s.db.SessionUser(ctx, digest(token), s.now())
	if errors.Is(err, database.ErrNotFound) {
		return access.Principal{}, "", fault.Unauthorized("Сеанс истёк или завершён: войдите снова.")
	}
	if err != nil {
		return access.Principal{}, "", unavailable(err)
	}
	if u.DisabledAt != nil {
		return access.Principal{}, "", errSessionDisabled
	}
	return principalOf(u), sess.CSRFToken, nil
}

// Login is a new session.
type Login struct {
	Token     string // the cookie's value; only its digest is stored
	CSRFToken string
	ExpiresAt time.Time
	User      database.User
}

var errBadLogin = fault.Unauthorized("Неверный e-mail или пароль.")

// Refusals of a disabled account (see SetDisabled).
var (
	errLoginDisabled    = fault.Forbidden("Учётная запись отключена администратором: войти нельзя. Обратитесь к администратору сервиса.")
	errKeyOwnerDisabled = fault.Unauthorized("Учётная запись, которой принадлежит этот ключ, отключена администратором: ключ не действует.")
	errSessionDisabled  = fault.Unauthorized("Учётная запись отключена администратором: сеанс завершён.")
)

// Login checks a password and opens a session. Unknown e-mails cost the
// same time as wrong passwords.
func (s *Service) Login(ctx context.Context, email, password string) (Login, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := s.db.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, database.ErrNotFound) {
		return Login{}, unavailable(err)
	}
	hash := u.PasswordHash
	if err != nil {
		hash = s.dummy
	}
	ok, verr := s.hasher.Verify(ctx, hash, password)
	if verr != nil {
		return Login{}, fmt.Errorf("accounts: verify password: %w", verr)
	}
	if err != nil || !ok {
		return Login{}, errBadLogin
	}
	// Said only to whoever knows the password: a guess learns nothing.
	if u.DisabledAt != nil {
		return Login{}, errLoginDisabled
	}
	if err := s.loginConfirmed(ctx, u); err != nil {
		return Login{}, err
	}
	now := s.now()
	l := Login{Token: randomToken(32), CSRFToken: randomToken(32), ExpiresAt: now.Add(s.cfg.SessionTTL), User: u}
	// The session is made only while the password verified is still the
	// account's: a change that commits meanwhile refuses this login.
	err = s.db.CreateSession(ctx, database.Session{TokenHash: digest(l.Token), UserID: u.ID, CSRFToken: l.CSRFToken, CreatedAt: now, ExpiresAt: l.ExpiresAt,
		PasswordHash: u.PasswordHash})
	if errors.Is(err, database.ErrNotFound) {
		return Login{}, errBadLogin
	}
	if err != nil {
		return Login{}, unavailable(err)
	}
	s.log.InfoContext(ctx, "login", "user", u.ID)
	return l, nil
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string) error {
	if err := s.db.DeleteSession(ctx, digest(token), s.now()); err != nil {
		return unavailable(err)
	}
	return nil
}

// NewUser is an account to create.
type NewUser struct {
	Email    string      `json:"email"`
	Password string      `json:"password"`
	Name     string      `json:"name"`
	Role     access.Role `json:"role"`
	OrgID    string      `json:"organization_id"`
}

// passwordRule is the rule a password breaks (its code and message), or
// "": 10 to 128 characters, for sign-up, new accounts and changes alike.
func passwordRule(pw string) (code, msg string) {
	switch l := utf8.RuneCountInString(pw); {
	case l < 10:
		return "min", "Пароль должен быть не короче 10 символов."
	case l > 128:
		return "max", "Пароль должен быть не длиннее 128 символов."
	}
	return "", ""
}

func (s *Service) validate(ctx context.Context, n *NewUser) error {
	var fields []checks.FieldError
	bad := func(field, code, msg string) {
		fields = append(fields, checks.FieldError{Field: field, Code: code, Message: msg})
	}
	n.Email = strings.ToLower(strings.TrimSpace(n.Email))
	if !validEmail(n.Email) {
		bad("email", "email", "Укажите адрес электронной почты, например ivanova@example.ru.")
	}
	if code, msg := passwordRule(n.Password); code != "" {
		bad("password", code, msg)
	}
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" || utf8.RuneCountInString(n.Name) > 200 {
		bad("name", "required", "Укажите имя (до 200 символов).")
	}
	switch n.Role {
	case access.Admin, access.Specialist:
		if n.OrgID != "" {
			bad("organization_id", "excluded", "Администратор и специалист не входят в организацию.")
		}
	case access.Consultant, access.TrainingCenter:
		o, err := s.db.Organization(ctx, n.OrgID)
		switch {
		case errors.Is(err, database.ErrNotFound) || n.OrgID == "":
			bad("organization_id", "required", "Укажите существующую организацию сотрудника.")
		case err != nil:
			return unavailable(err)
		default:
			if r, _ := access.RoleOf(access.OrgKind(o.Kind)); r != n.Role {
				bad("organization_id", "organization_kind", "Роль сотрудника не подходит к виду организации.")
			}
		}
	default:
		bad("role", "oneof", "Роль: admin, specialist, consultant или training_center.")
	}
	if len(fields) > 0 {
		return &checks.ValidationError{Fields: fields}
	}
	return nil
}

// validEmail tells whether email (lower case, trimmed) is one plain address.
func validEmail(email string) bool {
	addr, err := mail.ParseAddress(email)
	return err == nil && addr.Address == email && len(email) <= 254
}

// CreateUser creates an account of any role (administrators do this).
func (s *Service) CreateUser(ctx context.Context, n NewUser) (database.User, error) {
	if err := s.validate(ctx, &n); err != nil {
		return database.User{}, err
	}
	hash, err := s.hasher.Hash(ctx, n.Password)
	if err != nil {
		return database.User{}, err
	}
	u := database.User{ID: newID(), Email: n.Email, Name: n.Name, Role: string(n.Role), OrgID: n.OrgID, PasswordHash: hash, CreatedAt: s.now()}
	err = s.db.CreateUser(ctx, u)
	if errors.Is(err, database.ErrDuplicate) {
		return database.User{}, fault.Conflict("Учётная запись с таким e-mail уже есть.")
	}
	if err != nil {
		return database.User{}, unavailable(err)
	}
	// The administrator vouches for the address.
	if err := s.db.SetEmailConfirmed(ctx, u.ID, u.CreatedAt); err != nil {
		return database.User{}, unavailable(err)
	}
	s.log.InfoContext(ctx, "user created", "user", u.ID, "role", u.Role)
	return u, nil
}

// Register creates a specialist's own account.
func (s *Service) Register(ctx context.Context, n NewUser) (database.User, error) {
	n.Role, n.OrgID = access.Specialist, ""
	return s.CreateUser(ctx, n)
}

// Users lists every account.
func (s *Service) Users(ctx context.Context) ([]database.User, error) {
	u, err := s.db.Users(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	return u, nil
}

// CreateOrganization creates a consultancy or a training center.
func (s *Service) CreateOrganization(ctx context.Context, name string, kind access.OrgKind) (database.Organization, error) {
	var fields []checks.FieldError
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 300 {
		fields = append(fields, checks.FieldError{Field: "name", Code: "required", Message: "Укажите название организации (до 300 символов)."})
	}
	if _, ok := access.RoleOf(kind); !ok {
		fields = append(fields, checks.FieldError{Field: "kind", Code: "oneof", Message: "Вид организации: consultancy или training_center."})
	}
	if len(fields) > 0 {
		return database.Organization{}, &checks.ValidationError{Fields: fields}
	}
	o := database.Organization{ID: newID(), Name: name, Kind: string(kind), CreatedAt: s.now()}
	if err := s.db.CreateOrganization(ctx, o); err != nil {
		return o, unavailable(err)
	}
	return o, nil
}

// Organizations lists every organization.
func (s *Service) Organizations(ctx context.Context) ([]database.Organization, error) {
	o, err := s.db.Organizations(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	return o, nil
}

// Organization reads one organization.
func (s *Service) Organization(ctx context.Context, id string) (database.Organization, error) {
	o, err := s.db.Organization(ctx, id)
	if errors.Is(err, database.ErrNotFound) {
		return o, fault.NotFound("Организация не найдена.")
	}
	if err != nil {
		return o, unavailable(err)
	}
	return o, nil
}
