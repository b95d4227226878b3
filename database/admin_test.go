package database

import (
	"context"
	"errors"
	"testing"
	"time"
)

// testDisableUser: disabling ends every session of the user at once (and
// no other user's), stamps disabled_at that every read of the user sees
// (sessions and keys resolve through it); a login verified before refuses
// to open a session; enabling clears the stamp and revives no session.
// Every key is listed with its owner for administrators.
func testDisableUser(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, u := range []User{
		{ID: "u1", Email: "anna@example.ru", Name: "Анна", Role: "specialist", PasswordHash: "h1", CreatedAt: now},
		{ID: "u2", Email: "boris@example.ru", Name: "Борис", Role: "specialist", PasswordHash: "h2", CreatedAt: now},
	} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []Session{
		{TokenHash: "s1a", UserID: "u1", CSRFToken: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{TokenHash: "s1b", UserID: "u1", CSRFToken: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		{TokenHash: "s2", UserID: "u2", CSRFToken: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
	} {
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []APIKey{
		{ID: "k1", UserID: "u1", Name: "СДО", SecretHash: "x", CreatedAt: now},
		{ID: "k2", UserID: "u2", Name: "CRM", SecretHash: "y", CreatedAt: now.Add(time.Minute)},
	} {
		if err := db.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}

	at := now.Add(10 * time.Minute)
	u, err := db.SetUserDisabled(ctx, "u1", &at)
	if err != nil || u.DisabledAt == nil || !u.DisabledAt.Equal(at) || u.Email != "anna@example.ru" {
		t.Fatalf("disable: %+v, %v", u, err)
	}
	for _, h := range []string{"s1a", "s1b"} {
		if _, _, err := db.SessionUser(ctx, h, now); !errors.Is(err, ErrNotFound) {
			t.Errorf("session %s of the disabled user: %v; want it ended", h, err)
		}
	}
	if _, su, err := db.SessionUser(ctx, "s2", now); err != nil || su.ID != "u2" || su.DisabledAt != nil {
		t.Errorf("another user's session: %+v, %v", su, err)
	}
	if got, err := db.User(ctx, "u1"); err != nil || got.DisabledAt == nil {
		t.Errorf("the disabled user reads %+v, %v", got, err)
	}
	if list, _ := db.Users(ctx); len(list) != 2 || list[0].DisabledAt == nil || list[1].DisabledAt != nil {
		t.Errorf("users list: %+v", list)
	}
	// A login whose password verified before the disable opens nothing.
	err = db.CreateSession(ctx, Session{TokenHash: "late", UserID: "u1", CSRFToken: "c", CreatedAt: at, ExpiresAt: at.Add(time.Hour), PasswordHash: "h1"})
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("a session for a disabled user: %v; want ErrNotFound", err)
	}

	// Every key, newest first, with the owner and whether they are disabled.
	all, err := db.AllAPIKeys(ctx)
	if err != nil || len(all) != 2 || all[0].ID != "k2" || all[0].OwnerEmail != "boris@example.ru" || all[0].OwnerDisabled ||
		all[1].ID != "k1" || all[1].OwnerName != "Анна" || all[1].OwnerRole != "specialist" || !all[1].OwnerDisabled {
		t.Errorf("every key: %+v, %v", all, err)
	}

	u, err = db.SetUserDisabled(ctx, "u1", nil)
	if err != nil || u.DisabledAt != nil {
		t.Fatalf("enable: %+v, %v", u, err)
	}
	if _, _, err := db.SessionUser(ctx, "s1a", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("enabling revived a session: %v", err)
	}
	if err := db.CreateSession(ctx, Session{TokenHash: "again", UserID: "u1", CSRFToken: "c", CreatedAt: at, ExpiresAt: at.Add(time.Hour), PasswordHash: "h1"}); err != nil {
		t.Errorf("a login after enabling: %v", err)
	}
	if _, err := db.SetUserDisabled(ctx, "nobody", &at); !errors.Is(err, ErrNotFound) {
		t.Errorf("disabling an unknown user: %v; want ErrNotFound", err)
	}
}

// testAuditFilters: the log selected by action and outcome, newest first
// with pages before an id, as the administration page reads it.
func testAuditFilters(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var entries []AuditEntry
	for i, a := range []struct{ action, outcome string }{
		{"document.read", "granted"}, {"document.read", "denied"}, {"user.disable", "granted"}, {"document.read", "granted"}, {"user.disable", "denied"},
	} {
		entries = append(entries, AuditEntry{At: now.Add(time.Duration(i) * time.Minute), ActorID: "a", ActorRole: "admin", Action: a.action, Outcome: a.outcome})
	}
	if err := db.AppendAudit(ctx, entries); err != nil {
		t.Fatal(err)
	}
	read := func(f AuditFilter) (ids []int64, actions []string) {
		t.Helper()
		err := db.EachAudit(ctx, f, func(e AuditEntry) error {
			ids, actions = append(ids, e.ID), append(actions, e.Action+"/"+e.Outcome)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids, actions
	}
	all, _ := read(AuditFilter{})
	if len(all) != 5 {
		t.Fatalf("%d lines", len(all))
	}
	if _, got := read(AuditFilter{Action: "document.read", Outcome: "granted"}); len(got) != 2 || got[0] != "document.read/granted" || got[1] != "document.read/granted" {
		t.Errorf("granted reads: %v", got)
	}
	if _, got := read(AuditFilter{Outcome: "denied"}); len(got) != 2 || got[0] != "document.read/denied" || got[1] != "user.disable/denied" {
		t.Errorf("denied: %v", got)
	}
	newest, _ := read(AuditFilter{Newest: true, Limit: 2})
	if len(newest) != 2 || newest[0] != all[4] || newest[1] != all[3] {
		t.Errorf("newest two: %v of %v", newest, all)
	}
	next, _ := read(AuditFilter{Newest: true, Limit: 2, BeforeID: newest[1]})
	if len(next) != 2 || next[0] != all[2] || next[1] != all[1] {
		t.Errorf("the page before %d: %v of %v", newest[1], next, all)
	}
	if got, _ := read(AuditFilter{Action: "user.disable", Newest: true, From: now.Add(3 * time.Minute)}); len(got) != 1 || got[0] != all[4] {
		t.Errorf("disables from the fourth minute: %v", got)
	}
}
