package webhooks

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"accredpack/access"
	"accredpack/database"
)

// A delivery whose host now leads into the service's network (the name
// was public at creation: DNS rebinding) fails at its first attempt, is
// not tried again (the job is cancelled), and its log says why. No
// connection is opened: the resolver is a fake one and the address is
// refused before dialling.
func TestRefusedDeliveryFailsAtOnce(t *testing.T) { onBothDatabases(t, testRefusedDeliveryFailsAtOnce) }

func testRefusedDeliveryFailsAtOnce(t *testing.T, db *database.DB) {
	ctx := context.Background()
	dns := fakeResolver{"rebind.example.ru": {"93.184.216.34"}}
	s := New(db, access.Policy{}, nil, Config{Attempts: 8, Timeout: 2 * time.Second, Backoff: time.Second, MaxBackoff: time.Minute, Resolver: dns},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	owner := access.Principal{UserID: "u1", Role: access.Specialist}
	sub, err := s.Create(ctx, owner, NewSubscription{URL: "https://rebind.example.ru/hook", Events: []string{"bundle.done"}})
	if err != nil {
		t.Fatal(err)
	}
	for name, addrs := range map[string][]string{
		"loopback":            {"127.0.0.1"},
		"a private one among": {"93.184.216.34", "10.0.0.7"},
		"NAT64 of loopback":   {"64:ff9b::7f00:1"},
	} {
		dns["rebind.example.ru"] = addrs
		id := "dlv_" + strings.ReplaceAll(name, " ", "_")
		if err := db.CreateDelivery(ctx, database.Delivery{ID: id, SubscriptionID: sub.ID, EventID: "evt_" + id, EventType: "ping", Payload: []byte(`{}`), CreatedAt: time.Now().UTC()}); err != nil {
			t.Fatal(err)
		}
		err := s.deliver(ctx, id, 1, 8)
		var cancel *rivertype.JobCancelError
		if !errors.As(err, &cancel) || !errors.Is(err, errPrivateAddress) {
			t.Errorf("%s: deliver = %v; want the job cancelled for the address", name, err)
		}
		d, err := db.Delivery(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != database.DeliveryFailed || d.Attempts != 1 || !d.NextAttemptAt.IsZero() {
			t.Errorf("%s: delivery %s after %d attempts, next at %v; want failed after 1, no next", name, d.Status, d.Attempts, d.NextAttemptAt)
		}
		if !strings.Contains(d.LastError, "доставка запрещена") || !strings.Contains(d.LastError, "rebind.example.ru") {
			t.Errorf("%s: last error %q does not say why", name, d.LastError)
		}
		list, err := db.Deliveries(ctx, sub.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range list {
			if got.ID == id && (len(got.Log) != 1 || got.Log[0].Status != 0 || !strings.Contains(got.Log[0].Error, "доставка запрещена")) {
				t.Errorf("%s: attempt log %+v", name, got.Log)
			}
		}
	}
}
