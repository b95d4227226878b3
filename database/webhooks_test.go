package database

import (
	"context"
	"errors"
	"testing"
	"time"
)

func testWebhooks(t *testing.T, db *DB) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	mine := Subscription{ID: "wh_1", UserID: "u1", Role: "specialist", URL: "https://a.example/h", Events: []string{"bundle.done", "document.accepted"},
		Secret: "whsec_1", CreatedAt: now}
	org := Subscription{ID: "wh_2", UserID: "u2", Role: "consultant", OrgID: "o1", URL: "https://b.example/h", Events: []string{"readiness.changed"},
		Secret: "whsec_2", CreatedAt: now.Add(time.Second)}
	for _, s := range []Subscription{mine, org} {
		if err := db.CreateSubscription(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := db.Subscription(ctx, "wh_1"); err != nil || got.URL != mine.URL || len(got.Events) != 2 || got.Secret != "whsec_1" || !got.CreatedAt.Equal(now) {
		t.Errorf("subscription = %+v, %v", got, err)
	}
	if l, _ := db.Subscriptions(ctx, "u1", ""); len(l) != 1 || l[0].ID != "wh_1" {
		t.Errorf("user's subscriptions = %+v", l)
	}
	if l, _ := db.Subscriptions(ctx, "u1", "o1"); len(l) != 1 || l[0].ID != "wh_2" {
		t.Errorf("organization's subscriptions = %+v", l)
	}
	if l, _ := db.Subscriptions(ctx, "", ""); len(l) != 2 {
		t.Errorf("all subscriptions = %+v", l)
	}

	// Rotation: the replaced secret becomes the previous one until the
	// given time; rotating again keeps only the one it replaces; a zero
	// time keeps none. Expired previous secrets are forgotten.
	if got, _ := db.Subscription(ctx, "wh_2"); got.PreviousSecret != "" || !got.PreviousSecretExpiresAt.IsZero() || got.PreviousActive(now) {
		t.Errorf("a new subscription has a previous secret: %+v", got)
	}
	until := now.Add(24 * time.Hour)
	rotated, err := db.RotateSubscriptionSecret(ctx, "wh_2", "whsec_2b", until)
	if err != nil || rotated.Secret != "whsec_2b" || rotated.PreviousSecret != "whsec_2" || !rotated.PreviousSecretExpiresAt.Equal(until) || rotated.URL != org.URL {
		t.Errorf("rotated = %+v, %v", rotated, err)
	}
	if !rotated.PreviousActive(until.Add(-time.Millisecond)) || rotated.PreviousActive(until) {
		t.Errorf("the previous secret must sign until %s and not after", until)
	}
	rotated, err = db.RotateSubscriptionSecret(ctx, "wh_2", "whsec_2c", until.Add(time.Hour))
	if err != nil || rotated.Secret != "whsec_2c" || rotated.PreviousSecret != "whsec_2b" || !rotated.PreviousSecretExpiresAt.Equal(until.Add(time.Hour)) {
		t.Errorf("rotated again = %+v, %v", rotated, err)
	}
	if read, _ := db.Subscription(ctx, "wh_2"); read.Secret != "whsec_2c" || read.PreviousSecret != "whsec_2b" || !read.PreviousSecretExpiresAt.Equal(until.Add(time.Hour)) {
		t.Errorf("read after rotation = %+v", read)
	}
	if n, err := db.ForgetPreviousSecrets(ctx, until); err != nil || n != 0 {
		t.Errorf("forget before expiry: %d %v", n, err)
	}
	if n, err := db.ForgetPreviousSecrets(ctx, until.Add(time.Hour)); err != nil || n != 1 {
		t.Errorf("forget at expiry: %d %v", n, err)
	}
	if read, _ := db.Subscription(ctx, "wh_2"); read.Secret != "whsec_2c" || read.PreviousSecret != "" || !read.PreviousSecretExpiresAt.IsZero() {
		t.Errorf("after forgetting = %+v", read)
	}
	db.RotateSubscriptionSecret(ctx, "wh_2", "whsec_2d", until)
	if got, err := db.RotateSubscriptionSecret(ctx, "wh_2", "whsec_2e", time.Time{}); err != nil || got.Secret != "whsec_2e" || got.PreviousSecret != "" || !got.PreviousSecretExpiresAt.IsZero() {
		t.Errorf("rotated without grace = %+v, %v", got, err)
	}
	if _, err := db.RotateSubscriptionSecret(ctx, "wh_nope", "whsec_x", until); !errors.Is(err, ErrNotFound) {
		t.Errorf("rotating a missing subscription: %v", err)
	}

	d := Delivery{ID: "dlv_1", SubscriptionID: "wh_1", EventID: "evt_1", EventType: "bundle.done", ApplicationID: "app", Payload: []byte(`{"a":1}`), CreatedAt: now}
	if err := db.CreateDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	d2 := d
	d2.ID = "dlv_2"
	if err := db.CreateDelivery(ctx, d2); !errors.Is(err, ErrDuplicate) {
		t.Errorf("the same event twice to one subscription: %v; want ErrDuplicate", err)
	}
	next := now.Add(time.Minute)
	if err := db.RecordAttempt(ctx, "dlv_1", Attempt{Attempt: 1, At: now, Status: 500, Error: "ответ HTTP 500", Duration: 12 * time.Millisecond}, DeliveryPending, next); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordAttempt(ctx, "dlv_1", Attempt{Attempt: 2, At: next, Status: 204}, DeliveryDelivered, time.Time{}); err != nil {
		t.Fatal(err)
	}
	list, err := db.Deliveries(ctx, "wh_1", 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("deliveries = %+v, %v", list, err)
	}
	got := list[0]
	if got.Status != DeliveryDelivered || got.Attempts != 2 || got.LastStatus != 204 || !got.NextAttemptAt.IsZero() || string(got.Payload) != `{"a":1}` ||
		len(got.Log) != 2 || got.Log[0].Status != 500 || got.Log[0].Duration != 12*time.Millisecond || got.Log[1].Status != 204 {
		t.Errorf("delivery = %+v", got)
	}
	if err := db.RecordAttempt(ctx, "nope", Attempt{Attempt: 1, At: now}, DeliveryFailed, time.Time{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("attempt of a missing delivery: %v", err)
	}
	if err := db.DeleteSubscription(ctx, "wh_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Delivery(ctx, "dlv_1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delivery of a deleted subscription: %v", err)
	}
	if err := db.DeleteSubscription(ctx, "wh_1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}

	// Readiness: a change is reported once; a new application counts as
	// not ready; a recording over a readiness that moved meanwhile is
	// refused; the state goes with the application.
	if err := db.CreateApplication(ctx, newApp("ready", now)); err != nil {
		t.Fatal(err)
	}
	for i, step := range []struct{ ready, changed bool }{{false, false}, {true, true}, {true, false}, {false, true}, {false, false}, {true, true}} {
		seen, err := db.ReadinessOf(ctx, "ready")
		if err != nil {
			t.Fatal(err)
		}
		if seen.Version != int64(i) || seen.Recorded != (i > 0) {
			t.Errorf("step %d: read %+v; want version %d", i, seen, i)
		}
		if changed, err := db.SetReadiness(ctx, "ready", Summary{Ready: step.ready}, now, seen, nil); err != nil || changed != step.changed {
			t.Errorf("step %d ready=%v: changed=%v %v; want %v", i, step.ready, changed, err, step.changed)
		}
	}
	stale, _ := db.ReadinessOf(ctx, "ready")
	fresh := stale
	if _, err := db.SetReadiness(ctx, "ready", Summary{Ready: false}, now, fresh, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetReadiness(ctx, "ready", Summary{Ready: true}, now, stale, nil); !errors.Is(err, ErrReadinessMoved) {
		t.Errorf("recording over a readiness that moved: %v; want ErrReadinessMoved", err)
	}
	if got, _ := db.ReadinessOf(ctx, "ready"); got.Ready || got.Version != 7 {
		t.Errorf("after a refused stale recording: %+v; want not ready, version 7", got)
	}
	if err := db.CreateApplication(ctx, newApp("fresh", now)); err != nil {
		t.Fatal(err)
	}
	if changed, _ := db.SetReadiness(ctx, "fresh", Summary{Ready: true}, now, Readiness{}, nil); !changed {
		t.Error("a new application becoming ready is a change")
	}
	if _, err := db.SetReadiness(ctx, "fresh", Summary{Ready: true}, now, Readiness{}, nil); !errors.Is(err, ErrReadinessMoved) {
		t.Errorf("a second first recording: %v; want ErrReadinessMoved", err)
	}
	if _, err := db.DeleteApplication(ctx, "ready"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetReadiness(ctx, "ready", Summary{Ready: true}, now, Readiness{}, nil); err == nil {
		t.Error("readiness of a deleted application recorded")
	}
}
