package webhooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"accredpack/access"
	"accredpack/client"
	"accredpack/database"
	"accredpack/fault"
)

// Signed with two secrets, a header carries a v1 for each, new first, and
// verifies with either through the client; with neither it does not.
func TestSignWithTwoSecrets(t *testing.T) {
	body := []byte(`{"id":"evt_1","type":"ping","data":{}}`)
	now := time.Unix(1_800_000_000, 0)
	h := SignAll([]string{"whsec_new", "whsec_old"}, now, body)
	parts := strings.Split(h, ",")
	if len(parts) != 3 || parts[0] != "t=1800000000" || parts[1] != strings.Split(Sign("whsec_new", now, body), ",")[1] ||
		parts[2] != strings.Split(Sign("whsec_old", now, body), ",")[1] {
		t.Fatalf("header %q; want t, then v1 of the new secret, then v1 of the old", h)
	}
	if one := SignAll([]string{"whsec_new"}, now, body); one != Sign("whsec_new", now, body) {
		t.Errorf("one secret: %q; want %q", one, Sign("whsec_new", now, body))
	}
	for _, secret := range []string{"whsec_new", "whsec_old"} {
		if _, err := client.VerifyWebhook(secret, h, body, now, 5*time.Minute); err != nil {
			t.Errorf("%s: %v", secret, err)
		}
		// A value that is not hex among them changes nothing.
		if _, err := client.VerifyWebhook(secret, "v1=zz,"+h+",v0=abc", body, now, 5*time.Minute); err != nil {
			t.Errorf("%s with noise: %v", secret, err)
		}
		if _, err := client.VerifyWebhook(secret, h, []byte(`{}`), now, 5*time.Minute); !errors.Is(err, client.ErrBadSignature) {
			t.Errorf("%s, changed body: %v", secret, err)
		}
	}
	if _, err := client.VerifyWebhook("whsec_other", h, body, now, 5*time.Minute); !errors.Is(err, client.ErrBadSignature) {
		t.Errorf("a third secret: %v", err)
	}
	if _, err := client.VerifyWebhook("whsec_old", h, body, now.Add(6*time.Minute), 5*time.Minute); !errors.Is(err, client.ErrStale) {
		t.Errorf("late: %v", err)
	}
}

// A rotation signs with the new and the replaced secret for the grace
// period, then with the new one only; rotating again within it drops the
// oldest; the sweep forgets an expired previous secret; another account's
// subscription is not found.
func TestRotationGracePeriod(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	var mu sync.Mutex
	var headers []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		headers = append(headers, r.Header.Get(HeaderSignature))
		mu.Unlock()
	}))
	defer srv.Close()
	s := New(db, access.Policy{}, nil, Config{Attempts: 3, Timeout: 2 * time.Second, Backoff: time.Second, MaxBackoff: time.Minute,
		AllowPrivate: true, SecretGrace: 24 * time.Hour}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	clock := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }

	owner := access.Principal{UserID: "u1", Role: access.Specialist}
	sub, err := s.Create(ctx, owner, NewSubscription{URL: srv.URL + "/hook", Events: []string{"bundle.done"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	body := func() []byte { return []byte(fmt.Sprintf(`{"n":%d}`, n)) }
	// deliver sends one delivery at the clock's time and returns its
	// signature header.
	deliver := func() string {
		t.Helper()
		n++
		id := fmt.Sprintf("dlv_%d", n)
		if err := db.CreateDelivery(ctx, database.Delivery{ID: id, SubscriptionID: sub.ID, EventID: id, EventType: "ping", Payload: body(), CreatedAt: clock}); err != nil {
			t.Fatal(err)
		}
		if err := s.deliver(ctx, id, 1, 3); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return headers[len(headers)-1]
	}
	verifies := func(h string, secret string) bool {
		_, err := client.VerifyWebhook(secret, h, body(), clock, 5*time.Minute)
		return err == nil
	}
	expect := func(when string, good, bad []string) {
		t.Helper()
		h := deliver()
		if got := strings.Count(h, "v1="); got != len(good) {
			t.Errorf("%s: %d signatures in %q; want %d", when, got, h, len(good))
		}
		for _, secret := range good {
			if !verifies(h, secret) {
				t.Errorf("%s: does not verify with %.12s…", when, secret)
			}
		}
		for _, secret := range bad {
			if verifies(h, secret) {
				t.Errorf("%s: verifies with %.12s…, which no longer signs", when, secret)
			}
		}
	}
	first := sub.Secret
	expect("before rotating", []string{first}, nil)

	for _, who := range []access.Principal{{UserID: "u2", Role: access.Specialist}, {UserID: "u3", Role: access.Consultant, OrgID: "o1"}} {
		if _, err := s.RotateSecret(ctx, who, sub.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("%+v rotates another's subscription: %v; want not found", who, err)
		}
	}
	if _, err := s.RotateSecret(ctx, owner, "wh_missing"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("rotating a missing subscription: %v", err)
	}
	if now, _ := db.Subscription(ctx, sub.ID); now.Secret != first {
		t.Fatal("a refused rotation changed the secret")
	}

	rotated, err := s.RotateSecret(ctx, owner, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	second := rotated.Secret
	if second == first || !strings.HasPrefix(second, "whsec_") || rotated.PreviousSecret != first || !rotated.PreviousSecretExpiresAt.Equal(clock.Add(24*time.Hour)) {
		t.Fatalf("rotated: %+v", rotated)
	}
	expect("just after the rotation", []string{second, first}, nil)
	clock = clock.Add(23 * time.Hour)
	expect("23 h after", []string{second, first}, nil)

	// Again within the grace period: the first secret stops at once, the
	// second signs for a new grace period.
	rotated, err = s.RotateSecret(ctx, owner, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	third := rotated.Secret
	expect("rotated again", []string{third, second}, []string{first})
	clock = clock.Add(24*time.Hour - time.Second)
	expect("just before the end", []string{third, second}, []string{first})
	clock = clock.Add(time.Second)
	expect("at the end", []string{third}, []string{second, first})

	if err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if now, _ := db.Subscription(ctx, sub.ID); now.Secret != third || now.PreviousSecret != "" {
		t.Errorf("after the sweep: previous secret %q kept", now.PreviousSecret)
	}

	// Without a grace period the replaced secret stops at once.
	s.cfg.SecretGrace = 0
	rotated, err = s.RotateSecret(ctx, owner, sub.ID)
	if err != nil || rotated.PreviousSecret != "" {
		t.Fatalf("rotated without grace: %+v %v", rotated, err)
	}
	expect("no grace", []string{rotated.Secret}, []string{third})
}
