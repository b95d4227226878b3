package database

import (
	"context"
	"errors"
	"testing"
	"time"

	"accredpack/access"
	"accredpack/dossier"
)

func testAccounts(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	org := Organization{ID: "org1", Name: "Аккредитация-Консалт", Kind: "consultancy", CreatedAt: now}
	if err := db.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	u := User{ID: "u1", Email: "staff@example.ru", Name: "Мария", Role: "consultant", OrgID: "org1", PasswordHash: "$argon2id$x", CreatedAt: now}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	dup := u
	dup.ID = "u2"
	if err := db.CreateUser(ctx, dup); !errors.Is(err, ErrDuplicate) {
		t.Errorf("second user with the same e-mail: %v; want ErrDuplicate", err)
	}
	if got, err := db.UserByEmail(ctx, "staff@example.ru"); err != nil || got.ID != "u1" || got.OrgID != "org1" || got.PasswordHash != u.PasswordHash {
		t.Errorf("UserByEmail = %+v, %v", got, err)
	}
	if _, err := db.UserByEmail(ctx, "nobody@example.ru"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown e-mail: %v", err)
	}

	// Sessions expire.
	s := Session{TokenHash: "h1", UserID: "u1", CSRFToken: "c1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got, gu, err := db.SessionUser(ctx, "h1", now.Add(59*time.Minute)); err != nil || got.CSRFToken != "c1" || gu.Email != u.Email {
		t.Errorf("live session: %+v %+v %v", got, gu, err)
	}
	if _, _, err := db.SessionUser(ctx, "h1", now.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired session: %v; want ErrNotFound", err)
	}
	if err := db.DeleteSession(ctx, "h1", now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SessionUser(ctx, "h1", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted session: %v", err)
	}

	// API keys: use is recorded at most once a minute; revocation is per user.
	k := APIKey{ID: "k1", UserID: "u1", Name: "СДО", SecretHash: "abc", CreatedAt: now}
	if err := db.CreateAPIKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	db.TouchAPIKey(ctx, "k1", now.Add(time.Second))
	db.TouchAPIKey(ctx, "k1", now.Add(30*time.Second))
	got, err := db.APIKey(ctx, "k1")
	if err != nil || got.LastUsedAt == nil || !got.LastUsedAt.Equal(now.Add(time.Second)) {
		t.Errorf("last use = %v, %v; want the first touch", got.LastUsedAt, err)
	}
	if err := db.RevokeAPIKey(ctx, "someone-else", "k1", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking another user's key: %v; want ErrNotFound", err)
	}
	if err := db.RevokeAPIKey(ctx, "u1", "k1", now); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.APIKey(ctx, "k1"); got.RevokedAt == nil {
		t.Error("key not revoked")
	}
	if keys, _ := db.APIKeys(ctx, "u1"); len(keys) != 1 {
		t.Errorf("keys of u1: %d", len(keys))
	}
}

func testSharingAndScope(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, o := range []Organization{{ID: "c1", Name: "К", Kind: "consultancy"}, {ID: "t1", Name: "Т", Kind: "training_center"}} {
		o.CreatedAt = now
		if err := db.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	mine := newApp("mine", now)
	mine.Owner = "spec1"
	client := newApp("client", now.Add(time.Second))
	client.Owner = ""
	if err := db.CreateApplication(ctx, mine); err != nil {
		t.Fatal(err)
	}
	// Created by staff: shared with their organization in the same step.
	if err := db.CreateApplication(ctx, client, Grant{OrgID: "c1", CreatedAt: now, CreatedBy: "staff"}); err != nil {
		t.Fatal(err)
	}
	ids := func(scope access.Scope) []string {
		apps, err := db.ListClients(ctx, ListQuery{Scope: scope, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range apps {
			out = append(out, l.App.ID)
		}
		return out
	}
	if got := ids(access.Scope{Org: "c1"}); len(got) != 1 || got[0] != "client" {
		t.Errorf("consultancy sees %v; want [client]", got)
	}
	if got := ids(access.Scope{Owner: "spec1"}); len(got) != 1 || got[0] != "mine" {
		t.Errorf("specialist sees %v; want [mine]", got)
	}

	// A share code works once, before it expires.
	if err := db.CreateShareCode(ctx, ShareCode{CodeHash: "code", ApplicationID: "mine", CreatedBy: "spec1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RedeemShareCode(ctx, "code", Grant{OrgID: "t1", CreatedAt: now.Add(2 * time.Hour), CreatedBy: "tc"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired code: %v; want ErrNotFound", err)
	}
	app, err := db.RedeemShareCode(ctx, "code", Grant{OrgID: "t1", CreatedAt: now.Add(time.Minute), CreatedBy: "tc"})
	if err != nil || app != "mine" {
		t.Fatalf("redeem = %q, %v", app, err)
	}
	if _, err := db.RedeemShareCode(ctx, "code", Grant{OrgID: "c1", CreatedAt: now.Add(time.Minute), CreatedBy: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("second use: %v; want ErrNotFound", err)
	}
	kind, owner, orgs, err := db.AccessFacts(ctx, "mine")
	if err != nil || kind != "periodic" || owner != "spec1" || len(orgs) != 1 || orgs["t1"] != "training_center" {
		t.Errorf("facts = %q %q %v %v", kind, owner, orgs, err)
	}
	if got := ids(access.Scope{Org: "t1"}); len(got) != 1 {
		t.Errorf("after redeem the training center's scope has %v", got)
	}
	if err := db.DeleteGrant(ctx, "mine", "t1"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteGrant(ctx, "mine", "t1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second unshare: %v", err)
	}
	if _, _, _, err := db.AccessFacts(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("facts of a missing application: %v", err)
	}
}

func testAuditIsAppendOnly(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	entries := []AuditEntry{
		{At: now, ActorID: "u1", ActorRole: "specialist", Action: "document.read", ApplicationID: "a1", OwnerID: "u1", Target: "snils", Outcome: "granted", Remote: "127.0.0.1", RequestID: "r1"},
		{At: now.Add(time.Second), ActorID: "u2", ActorRole: "consultant", Action: "document.read", ApplicationID: "a1", OwnerID: "u1", Outcome: "denied"},
		{At: now.Add(2 * time.Second), ActorID: "u3", Action: "application.read", ApplicationID: "a2", OwnerID: "u3", Outcome: "granted"},
	}
	if err := db.AppendAudit(ctx, entries); err != nil {
		t.Fatal(err)
	}
	var got []AuditEntry
	collect := func(f AuditFilter) []AuditEntry {
		got = nil
		if err := db.EachAudit(ctx, f, func(e AuditEntry) error { got = append(got, e); return nil }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if l := collect(AuditFilter{OwnerID: "u1"}); len(l) != 2 || l[0].Target != "snils" || l[1].Outcome != "denied" || !l[0].At.Equal(now) {
		t.Errorf("owner u1: %+v", l)
	}
	if l := collect(AuditFilter{From: now.Add(time.Second), To: now.Add(2 * time.Second)}); len(l) != 1 || l[0].ActorID != "u2" {
		t.Errorf("time window: %+v", l)
	}
	first := collect(AuditFilter{Limit: 1})
	if l := collect(AuditFilter{AfterID: first[0].ID}); len(l) != 2 {
		t.Errorf("after the first: %d lines", len(l))
	}
	for _, q := range []string{`UPDATE audit_log SET outcome = 'granted'`, `DELETE FROM audit_log`} {
		if _, err := db.conn().exec(ctx, q); err == nil {
			t.Errorf("%s succeeded; the log must be append-only", q)
		}
	}
	if l := collect(AuditFilter{}); len(l) != 3 || l[1].Outcome != "denied" {
		t.Errorf("log changed: %+v", l)
	}
}

func testDeleteApplication(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	a := newApp("gone", now)
	keep := newApp("kept", now)
	for _, x := range []*dossier.Application{a, keep} {
		if err := db.CreateApplication(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	ref := dossier.SlotRef{Slot: "snils"}
	for i, key := range []string{"documents/old", "documents/new"} {
		if _, err := db.PutDocument(ctx, "gone", doc(ref, key, now.Add(time.Duration(i)*time.Second)), allowAll, nil,
			dossier.Source{ID: key + "-src", Position: 1, ObjectKey: key + "-photo", Kind: "jpeg", SHA256: "x", Size: 5, UploadedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.PutDocument(ctx, "kept", doc(ref, "documents/kept", now), allowAll, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.PutCourse(ctx, "gone", dossier.Course{ID: "c1", Title: "ПК", Hours: 36, StartDate: "2025-01-01", EndDate: "2025-01-10"}, now); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAudit(ctx, []AuditEntry{{At: now, ActorID: "u1", Action: "document.write", ApplicationID: "gone", Outcome: "granted"}}); err != nil {
		t.Fatal(err)
	}
	keys, err := db.DeleteApplication(ctx, "gone")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 4 {
		t.Errorf("keys = %v; want the current and the replaced document and their sources", keys)
	}
	if src, _ := db.Sources(ctx, "gone"); len(src) != 0 {
		t.Errorf("sources left: %v", src)
	}
	if _, err := db.GetApplication(ctx, "gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted application still reads: %v", err)
	}
	if c, _ := db.Courses(ctx, "gone"); len(c) != 0 {
		t.Errorf("courses left: %v", c)
	}
	ref2, _ := db.ReferencedKeys(ctx)
	if len(ref2) != 1 || !ref2["documents/kept"] {
		t.Errorf("referenced keys after delete = %v", ref2)
	}
	n := 0
	db.EachAudit(ctx, AuditFilter{ApplicationID: "gone"}, func(AuditEntry) error { n++; return nil })
	if n != 1 {
		t.Errorf("audit lines of the deleted application: %d; want 1 kept", n)
	}
	if _, err := db.DeleteApplication(ctx, "gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

// testPasswordChange: a new password hash ends every other session of the
// user at once, keeps the one named and other users' sessions; a login
// verified against the replaced hash opens no session.
func testPasswordChange(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, u := range []User{
		{ID: "p1", Email: "anna@example.ru", Name: "Анна", Role: "specialist", PasswordHash: "$old", CreatedAt: now},
		{ID: "p2", Email: "boris@example.ru", Name: "Борис", Role: "specialist", PasswordHash: "$other", CreatedAt: now},
	} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []Session{
		{TokenHash: "phone", UserID: "p1"}, {TokenHash: "laptop", UserID: "p1"}, {TokenHash: "tablet", UserID: "p1"},
		{TokenHash: "boris", UserID: "p2"},
	} {
		s.CSRFToken, s.CreatedAt, s.ExpiresAt = "c", now, now.Add(time.Hour)
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	ended, err := db.SetPassword(ctx, "p1", "$old", "$new", "laptop")
	if err != nil || ended != 2 {
		t.Fatalf("SetPassword = %d, %v; want 2 sessions ended", ended, err)
	}
	for token, live := range map[string]bool{"phone": false, "tablet": false, "laptop": true, "boris": true} {
		if _, _, err := db.SessionUser(ctx, token, now); (err == nil) != live {
			t.Errorf("session %s after the change: %v; want live=%v", token, err, live)
		}
	}
	if u, _ := db.User(ctx, "p1"); u.PasswordHash != "$new" {
		t.Errorf("hash = %q", u.PasswordHash)
	}
	if u, _ := db.User(ctx, "p2"); u.PasswordHash != "$other" {
		t.Errorf("another user's hash changed: %q", u.PasswordHash)
	}
	// A login that verified the old password while it changed.
	stale := Session{TokenHash: "late", UserID: "p1", CSRFToken: "c", CreatedAt: now, ExpiresAt: now.Add(time.Hour), PasswordHash: "$old"}
	if err := db.CreateSession(ctx, stale); !errors.Is(err, ErrNotFound) {
		t.Errorf("session verified against the replaced hash: %v; want ErrNotFound", err)
	}
	if _, _, err := db.SessionUser(ctx, "late", now); !errors.Is(err, ErrNotFound) {
		t.Errorf("the refused session exists: %v", err)
	}
	fresh := stale
	fresh.TokenHash, fresh.PasswordHash = "fresh", "$new"
	if err := db.CreateSession(ctx, fresh); err != nil {
		t.Errorf("session verified against the current hash: %v", err)
	}
	// No session to keep (an API key's change): all of them end.
	if _, err := db.SetPassword(ctx, "p1", "$old", "$other change", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("a change from a hash already replaced: %v; want ErrNotFound", err)
	}
	if ended, err := db.SetPassword(ctx, "p1", "$new", "$newer", ""); err != nil || ended != 2 {
		t.Errorf("SetPassword keeping none = %d, %v; want 2 (laptop, fresh)", ended, err)
	}
	if _, err := db.SetPassword(ctx, "nobody", "", "$x", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
}
