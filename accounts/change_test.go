package accounts

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"accredpack/access"
	"accredpack/checks"
	"accredpack/database"
)

func testService(t *testing.T, cfg Config) *Service {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, filepath.Join(t.TempDir(), "accounts.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := New(ctx, db, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fieldCodes(err error) string {
	var ve *checks.ValidationError
	if !errors.As(err, &ve) {
		return "not a validation error: " + errString(err)
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestChangePassword: every problem at once and nothing changed; a refusal
// by approve changes nothing; a change keeps the session it came with, ends
// the others and leaves keys working; the old password no longer logs in.
func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	s := testService(t, Config{})
	const old, next = "старый пароль 2025", "новый пароль 2026"
	u, err := s.Register(ctx, NewUser{Email: "anna@example.ru", Password: old, Name: "Анна Иванова"})
	if err != nil {
		t.Fatal(err)
	}
	var sessions []Login
	for range 3 {
		l, err := s.Login(ctx, u.Email, old)
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, l)
	}
	key, err := s.CreateKey(ctx, principalOf(u), KeyRequest{Name: "СДО"})
	if err != nil {
		t.Fatal(err)
	}
	approved := 0
	approve := func(context.Context) error { approved++; return nil }

	for _, tc := range []struct {
		current, next, want string
	}{
		{"не тот пароль", next, "current_password:" + CodeWrongPassword},
		{old, "короткий", "new_password:min"},
		{old, strings.Repeat("я", 129), "new_password:max"},
		{old, old, "new_password:unchanged"},
		{"не тот пароль", "короткий", "current_password:" + CodeWrongPassword + ",new_password:min"},
	} {
		_, err := s.ChangePassword(ctx, PasswordChange{UserID: u.ID, Current: tc.current, New: tc.next, Session: sessions[0].Token}, approve)
		if got := fieldCodes(err); got != tc.want {
			t.Errorf("change %q -> %q: %s; want %s", tc.current, tc.next, got, tc.want)
		}
		if WrongPassword(err) != strings.Contains(tc.want, CodeWrongPassword) {
			t.Errorf("change %q -> %q: WrongPassword = %v", tc.current, tc.next, WrongPassword(err))
		}
	}
	refused := errors.New("audit down")
	if _, err := s.ChangePassword(ctx, PasswordChange{UserID: u.ID, Current: old, New: next}, func(context.Context) error { return refused }); !errors.Is(err, refused) {
		t.Errorf("approve refusing: %v", err)
	}
	if approved != 0 {
		t.Errorf("approve called %d times for refused changes", approved)
	}
	for i, l := range sessions {
		if _, _, err := s.Session(ctx, l.Token); err != nil {
			t.Fatalf("session %d ended by a refused change: %v", i, err)
		}
	}

	ended, err := s.ChangePassword(ctx, PasswordChange{UserID: u.ID, Current: old, New: next, Session: sessions[1].Token}, approve)
	if err != nil || ended != 2 || approved != 1 {
		t.Fatalf("change = %d, %v (approved %d); want 2 sessions ended, approved once", ended, err, approved)
	}
	for i, l := range sessions {
		_, _, err := s.Session(ctx, l.Token)
		if live := i == 1; (err == nil) != live {
			t.Errorf("session %d after the change: %v; want live=%v", i, err, live)
		}
	}
	if p, err := s.Bearer(ctx, key.Token); err != nil || p.UserID != u.ID {
		t.Errorf("API key after the change: %+v, %v", p, err)
	}
	if _, err := s.Login(ctx, u.Email, old); err == nil {
		t.Error("the old password still logs in")
	}
	if _, err := s.Login(ctx, u.Email, next); err != nil {
		t.Errorf("the new password: %v", err)
	}
	// With an API key there is no session to keep.
	if ended, err := s.ChangePassword(ctx, PasswordChange{UserID: u.ID, Current: next, New: old}, approve); err != nil || ended != 2 {
		t.Errorf("change without a session = %d, %v; want both sessions ended", ended, err)
	}
}

// TestPrincipalNames: a person's principal carries their name and e-mail,
// by session and by key; the bootstrap token has none.
func TestPrincipalNames(t *testing.T) {
	ctx := context.Background()
	s := testService(t, Config{BootstrapToken: "bootstrap-token"})
	u, err := s.Register(ctx, NewUser{Email: "Anna@Example.ru", Password: "длинный пароль", Name: "  Анна Иванова "})
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.Login(ctx, "anna@example.ru", "длинный пароль")
	if err != nil {
		t.Fatal(err)
	}
	key, err := s.CreateKey(ctx, principalOf(u), KeyRequest{Name: "СДО"})
	if err != nil {
		t.Fatal(err)
	}
	bySession, _, err := s.Session(ctx, l.Token)
	if err != nil {
		t.Fatal(err)
	}
	byKey, err := s.Bearer(ctx, key.Token)
	if err != nil {
		t.Fatal(err)
	}
	for what, p := range map[string]access.Principal{"session": bySession, "key": byKey} {
		if p.Name != "Анна Иванова" || p.Email != "anna@example.ru" {
			t.Errorf("%s: name %q, e-mail %q", what, p.Name, p.Email)
		}
	}
	boot, err := s.Bearer(ctx, "bootstrap-token")
	if err != nil || boot.Name != "" || boot.Email != "" || boot.Role != access.Admin {
		t.Errorf("bootstrap = %+v, %v; want an administrator without name or e-mail", boot, err)
	}
}
