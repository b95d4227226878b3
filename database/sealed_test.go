package database

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"accredpack/access"
	"accredpack/dossier"
	"accredpack/keyring"
)

// testSealedColumns: a database written in clear is sealed in place once
// it is given keys (the SNILS hashes recorded before stay valid), what is
// written after is sealed too, the raw rows hold no personal value in
// clear, everything reads back, lookups and the list still find it, the
// master key rotates by re-wrapping two values, and a process without
// the key is refused.
func testSealedColumns(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	// Written in clear, before there were keys.
	old := newApp("a1", now)
	old.Form.Specialist.LastName, old.Form.Specialist.FirstName = "Ёлкина", "Дарья"
	// A clear value that begins like a sealed one (or like a marked one)
	// reads back as written, in clear and once sealed.
	old.Form.Comment, old.Form.Contact.Phone = "enc1:декрет, не шифр", "enc0:+79123456789"
	if err := db.CreateApplication(ctx, old); err != nil {
		t.Fatal(err)
	}
	if got, err := db.GetApplication(ctx, "a1"); err != nil || got.Form.Comment != old.Form.Comment || got.Form.Contact.Phone != old.Form.Contact.Phone {
		t.Fatalf("a clear value beginning like a sealed one: %+v, %v", got, err)
	}
	d := doc(dossier.SlotRef{Slot: "passport"}, "documents/p1", now)
	d.FileName = "Ёлкина паспорт.pdf"
	if _, err := db.PutDocument(ctx, "a1", d, allowAll, nil); err != nil {
		t.Fatal(err)
	}
	d2 := doc(dossier.SlotRef{Slot: "passport"}, "documents/p2", now.Add(time.Second))
	if _, err := db.PutDocument(ctx, "a1", d2, allowAll, nil); err != nil { // the first goes to the history
		t.Fatal(err)
	}
	if err := db.PutNMOActivity(ctx, "a1", dossier.NMOActivity{ID: "n1", Title: "Вебинар", Date: "2026-01-10", Credits: 2, Code: "NMO-1", Kind: "webinar"}, now); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, User{ID: "u1", Email: "olga@example.ru", Name: "Ольга Смирнова", Role: "specialist", PasswordHash: "x", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	hashBefore, err := db.SNILSHash(ctx, "11223344595")
	if err != nil {
		t.Fatal(err)
	}

	path := t.TempDir() + "/master.key"
	ring, _, err := keyring.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.UseKeys(ctx, ring); err != nil {
		t.Fatal(err)
	}
	n, err := db.SealColumns(ctx, nil)
	if err != nil || n < 5 { // the application, the account, the NMO code, the document and its history
		t.Fatalf("SealColumns = %d, %v; want at least 4 rows", n, err)
	}
	if n, err := db.SealColumns(ctx, nil); err != nil || n != 0 {
		t.Errorf("SealColumns again = %d, %v; want nothing left", n, err)
	}
	if h, _ := db.SNILSHash(ctx, "112-233-445 95"); h != hashBefore {
		t.Error("the SNILS hash changed when the keys came: recorded hashes would no longer match")
	}
	// Written after the keys.
	fresh := newApp("a2", now.Add(time.Minute))
	fresh.Form.Specialist.LastName, fresh.Form.Specialist.SNILS = "Абрамов", "08765430300"
	if err := db.CreateApplication(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAudit(ctx, []AuditEntry{{At: now, ActorID: "u1", ActorRole: "specialist", ActorLabel: "olga@example.ru", Action: "application.read",
		ApplicationID: "a1", Outcome: "granted", Remote: "203.0.113.7"}}); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.ClaimIdempotencyKey(ctx, "u2", "k1", "f", now, time.Hour, time.Minute); err != nil || !ok {
		t.Fatal(ok, err)
	}
	answer := []byte(`{"last_name":"Абрамов","snils":"08765430300"}`)
	if err := db.SaveIdempotentAnswer(ctx, "u2", "k1", 201, "application/json", answer); err != nil {
		t.Fatal(err)
	}
	if prev, ok, err := db.ClaimIdempotencyKey(ctx, "u2", "k1", "f", now, time.Hour, time.Minute); err != nil || ok || string(prev.Body) != string(answer) {
		t.Errorf("the kept answer reads back as %q, %v, %v", prev.Body, ok, err)
	}
	if err := db.CreateUser(ctx, User{ID: "u2", Email: "anna@example.ru", Name: "Анна Белова", Role: "consultant", PasswordHash: "x", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, User{ID: "u3", Email: "olga@example.ru", Name: "Другая", Role: "specialist", PasswordHash: "x", CreatedAt: now}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("an e-mail taken twice: %v; want ErrDuplicate", err)
	}

	// The raw rows: nothing personal in clear.
	raw := func(query string, args ...any) []string {
		t.Helper()
		rows, err := db.conn().query(ctx, query, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				out = append(out, fmt.Sprint(v))
				if b, ok := v.([]byte); ok {
					out[len(out)-1] = string(b)
				}
			}
		}
		return out
	}
	everything := strings.Join(append(append(append(append(
		raw(`SELECT * FROM applications`),
		raw(`SELECT * FROM documents`)...),
		raw(`SELECT * FROM document_history`)...),
		raw(`SELECT * FROM nmo_activities`)...),
		raw(`SELECT * FROM readiness_state`)...), "|") + strings.Join(raw(`SELECT * FROM users`), "|") +
		strings.Join(raw(`SELECT * FROM audit_log`), "|") + strings.Join(raw(`SELECT body FROM idempotency_keys`), "|")
	for _, clear := range []string{"203.0.113.7", "olga@", "anna@", "Смирнова", "Белова", "Ёлкина", "Дарья", "Абрамов", "Петров", "11223344595", "08765430300", "1980-01-02", "+79123456789", "p@example.ru", "декрет", "паспорт"} {
		if strings.Contains(everything, clear) {
			t.Errorf("%q is stored in clear", clear)
		}
	}
	for _, v := range raw(`SELECT last_name, snils, email FROM applications`) {
		if !strings.HasPrefix(v, sealedPrefix) {
			t.Errorf("column value %q is not sealed", v)
		}
	}
	if got := raw(`SELECT name FROM settings WHERE name IN (?, ?, ?) ORDER BY name`, columnsKeyName, lookupKeyName, clearLookupName); fmt.Sprint(got) != "[columns_key lookup_key]" {
		t.Errorf("settings hold %v; want the two wrapped keys and no clear lookup key", got)
	}

	// Everything reads back.
	got, err := db.GetApplication(ctx, "a1")
	if err != nil || got.Form.Specialist.LastName != "Ёлкина" || got.Form.Contact.Email != "p@example.ru" || got.Form.Comment != old.Form.Comment ||
		got.Form.Contact.Phone != old.Form.Contact.Phone {
		t.Fatalf("GetApplication = %+v, %v", got, err)
	}
	if cur, err := db.Document(ctx, "a1", dossier.SlotRef{Slot: "passport"}); err != nil || cur.FileName != d2.FileName {
		t.Errorf("Document = %+v, %v", cur, err)
	}
	if h, err := db.History(ctx, "a1", dossier.SlotRef{Slot: "passport"}); err != nil || len(h) != 1 || h[0].Document.FileName != "Ёлкина паспорт.pdf" {
		t.Errorf("History = %+v, %v", h, err)
	}
	if apps, err := db.ApplicationsBySNILS(ctx, "087-654-303 00"); err != nil || len(apps) != 1 || apps[0].ID != "a2" {
		t.Errorf("ApplicationsBySNILS = %v, %v", apps, err)
	}
	for _, email := range []string{"olga@example.ru", "ANNA@example.ru"} {
		if u, err := db.UserByEmail(ctx, email); err != nil || !strings.EqualFold(u.Email, email) || u.Name == "" {
			t.Errorf("UserByEmail(%s) = %+v, %v", email, u, err)
		}
	}
	if users, err := db.Users(ctx); err != nil || len(users) != 2 || users[0].Email != "anna@example.ru" || users[1].Name != "Ольга Смирнова" {
		t.Errorf("Users = %+v, %v", users, err)
	}
	var seen []AuditEntry
	if err := db.EachAudit(ctx, AuditFilter{}, func(e AuditEntry) error { seen = append(seen, e); return nil }); err != nil || len(seen) != 1 ||
		seen[0].ActorLabel != "olga@example.ru" || seen[0].Remote != "203.0.113.7" {
		t.Errorf("audit reads back as %+v, %v", seen, err)
	}
	// An NMO code stays unique per specialist under its hash.
	err = db.PutNMOActivity(ctx, "a1", dossier.NMOActivity{ID: "n2", Title: "Снова", Date: "2026-01-11", Credits: 1, Code: "NMO-1", Kind: "webinar"}, now)
	if !errors.Is(err, ErrDuplicate) {
		t.Errorf("a code recorded twice for one SNILS: %v; want ErrDuplicate", err)
	}
	// The list finds by words and sorts by name.
	for _, id := range []string{"a1", "a2"} {
		a, _ := db.GetApplication(ctx, id)
		sum := Summary{SearchText: strings.ToLower(a.Form.Specialist.LastName + " " + a.Form.Specialist.FirstName + " терапия")}
		if _, err := db.SetReadiness(ctx, id, sum, now, Readiness{}, nil); err != nil {
			t.Fatal(err)
		}
	}
	all := access.Scope{All: true}
	ids := func(q ListQuery) string {
		t.Helper()
		q.Limit = 10
		page, err := db.ListClients(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range page {
			out = append(out, l.App.ID)
		}
		return fmt.Sprint(out)
	}
	if got := ids(ListQuery{Scope: all, Text: []string{"ёлк"}}); got != "[a1]" {
		t.Errorf("search ёлк: %s; want [a1]", got)
	}
	if got := ids(ListQuery{Scope: all, Text: []string{"елкина", "дарья"}}); got != "[a1]" {
		t.Errorf("search елкина дарья: %s; want [a1]", got)
	}
	if got := ids(ListQuery{Scope: all, Text: []string{"лкина"}}); got != "[]" {
		t.Errorf("search inside a word: %s; want nothing (words are found by their beginning)", got)
	}
	if got := ids(ListQuery{Scope: all, Sort: ByName}); got != "[a2 a1]" {
		t.Errorf("by name: %s; want [a2 a1] (Абрамов, Ёлкина)", got)
	}
	page, _ := db.ListClients(ctx, ListQuery{Scope: all, Sort: ByName, Limit: 1})
	if len(page) != 1 || strings.Contains(page[0].Cursor.Value, "абрамов") {
		t.Fatalf("the name cursor %+v is not sealed", page)
	}
	if rest, err := db.ListClients(ctx, ListQuery{Scope: all, Sort: ByName, Limit: 5, After: &page[0].Cursor}); err != nil || len(rest) != 1 || rest[0].App.ID != "a1" {
		t.Errorf("the page after the cursor: %v, %v", rest, err)
	}

	// Another process: without the key it is refused; with it, it reads.
	other, err := Open(ctx, db.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.UseKeys(ctx, nil); !errors.Is(err, ErrSealed) {
		t.Errorf("UseKeys(nil) on a sealed database: %v; want ErrSealed", err)
	}
	if _, err := other.GetApplication(ctx, "a1"); !errors.Is(err, ErrSealed) {
		t.Errorf("reading without keys: %v; want ErrSealed", err)
	}
	stranger, _ := keyring.FromBase64(base64.StdEncoding.EncodeToString(keyring.NewDataKey()))
	if err := other.UseKeys(ctx, stranger); !errors.Is(err, keyring.ErrUnknownKey) && !errors.Is(err, keyring.ErrWrapped) {
		t.Errorf("UseKeys with another master key: %v; want refused", err)
	}

	// Rotation: a new current key re-wraps the two data keys; the old one
	// may then go.
	rotated, err := keyring.Rotate(path, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.RewrapKeys(ctx, rotated); err != nil || n != 2 {
		t.Fatalf("RewrapKeys = %d, %v; want 2", n, err)
	}
	if by, err := db.KeysWrappedBy(ctx); err != nil || fmt.Sprint(by) != fmt.Sprint([]string{rotated.CurrentID(), rotated.CurrentID()}) {
		t.Errorf("KeysWrappedBy = %v, %v; want the new key twice", by, err)
	}
	if err := keyring.Retire(path, ring.CurrentID()); err != nil {
		t.Fatal(err)
	}
	newOnly, err := keyring.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.UseKeys(ctx, newOnly); err != nil {
		t.Fatal(err)
	}
	if a, err := other.GetApplication(ctx, "a2"); err != nil || a.Form.Specialist.LastName != "Абрамов" {
		t.Errorf("after rotation: %+v, %v", a, err)
	}
}
