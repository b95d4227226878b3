package database

import (
	"context"
	"errors"
	"testing"
	"time"
)

// testEmailTokens: tokens work once and not after they expire; an
// invitation makes an application without an owner someone's, keeps its
// grants, and leaves the token unused when the application is taken;
// reminders and unsubscriptions are recorded once.
func testEmailTokens(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	u := User{ID: "u1", Email: "a@example.ru", Name: "А", Role: "specialist", PasswordHash: "h0", CreatedAt: now}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.EmailConfirmed(ctx, u.ID); err != nil || ok {
		t.Fatalf("new user confirmed = %v, %v", ok, err)
	}
	tok := func(hash, purpose, user, app string, ttl time.Duration) {
		t.Helper()
		if err := db.CreateEmailToken(ctx, EmailToken{TokenHash: hash, Purpose: purpose, UserID: user, ApplicationID: app, Email: u.Email,
			CreatedBy: "x", CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
			t.Fatal(err)
		}
	}
	tok("c1", TokenConfirm, u.ID, "", time.Hour)
	tok("c2", TokenConfirm, u.ID, "", time.Minute)
	if _, err := db.ConfirmEmail(ctx, "c1", now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ConfirmEmail(ctx, "c1", now); !errors.Is(err, ErrTokenUsed) {
		t.Errorf("second use: %v", err)
	}
	if _, err := db.ConfirmEmail(ctx, "c2", now.Add(time.Hour)); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("expired: %v", err)
	}
	if _, err := db.ConfirmEmail(ctx, "nope", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	if _, err := db.ResetPassword(ctx, "c2", "h1", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("a confirmation token used for a reset: %v", err)
	}
	if ok, _ := db.EmailConfirmed(ctx, u.ID); !ok {
		t.Error("not confirmed after the link")
	}
	if err := db.CreateSession(ctx, Session{TokenHash: "s1", UserID: u.ID, CSRFToken: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	tok("r1", TokenReset, u.ID, "", time.Hour)
	if _, err := db.ResetPassword(ctx, "r1", "h1", now); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.User(ctx, u.ID); got.PasswordHash != "h1" {
		t.Errorf("password hash %q after a reset", got.PasswordHash)
	}
	if _, _, err := db.SessionUser(ctx, "s1", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("session after a reset: %v", err)
	}

	// Invitations.
	if err := db.CreateOrganization(ctx, Organization{ID: "o1", Name: "К", Kind: "consultancy", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	a := newApp("app1", now)
	a.Owner = ""
	if err := db.CreateApplication(ctx, a, Grant{OrgID: "o1", CreatedAt: now, CreatedBy: "staff"}); err != nil {
		t.Fatal(err)
	}
	tok("i1", TokenInvite, "", a.ID, time.Hour)
	tok("i2", TokenInvite, "", a.ID, time.Hour)
	if id, err := db.RedeemInvitation(ctx, "i1", u.ID, now); err != nil || id != a.ID {
		t.Fatalf("redeem = %s, %v", id, err)
	}
	_, owner, orgs, _ := db.AccessFacts(ctx, a.ID)
	if owner != u.ID || orgs["o1"] != "consultancy" {
		t.Errorf("after the takeover owner %q, grants %v", owner, orgs)
	}
	if _, err := db.RedeemInvitation(ctx, "i2", "u2", now); !errors.Is(err, ErrOwned) {
		t.Errorf("second invitation to a taken application: %v", err)
	}
	if _, err := db.RedeemInvitation(ctx, "i2", "u2", now); !errors.Is(err, ErrOwned) {
		t.Errorf("the refused invitation was used up: %v", err)
	}

	// Reminders and unsubscription.
	r := Reminder{ApplicationID: a.ID, Kind: "reminder_window", ConcernsOn: "2026-05-01"}
	for range 2 {
		if err := db.RecordReminder(ctx, r, u.ID, now); err != nil {
			t.Fatal(err)
		}
	}
	if sent, err := db.ReminderSent(ctx, r, u.ID); err != nil || !sent {
		t.Errorf("reminder sent = %v, %v", sent, err)
	}
	r.Detail = "stage"
	if sent, _ := db.ReminderSent(ctx, r, u.ID); sent {
		t.Error("another stage counts as sent")
	}
	if err := db.CreateUnsubscribeToken(ctx, "un1", u.ID, now); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if id, err := db.Unsubscribe(ctx, "un1", now); err != nil || id != u.ID {
			t.Fatalf("unsubscribe = %s, %v", id, err)
		}
	}
	if out, _ := db.OptedOut(ctx, u.ID); !out {
		t.Error("not opted out")
	}
	if ids, err := db.ApplicationIDs(ctx, "", 10); err != nil || len(ids) != 1 {
		t.Errorf("application ids %v, %v", ids, err)
	}
}
