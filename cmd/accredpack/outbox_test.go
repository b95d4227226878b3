package main

import (
	"strings"
	"testing"
	"time"

	"accredpack/internal/testdocs"
)

// The event of an upload is written in the upload's own transaction: a
// process killed after the upload's 2xx, before any fan-out or delivery
// (it runs no jobs), loses nothing; the next process delivers the
// event, exactly once.
func TestKilledBeforeEventDelivered(t *testing.T) {
	t.Run("SQLiteFiles", func(t *testing.T) { testKilledBeforeEventDelivered(t, embedded) })
	t.Run("PostgresMinIO", func(t *testing.T) {
		_, _, real := realServers(t)
		testKilledBeforeEventDelivered(t, real)
	})
}

func testKilledBeforeEventDelivered(t *testing.T, setup backend) {
	rec := newReceiver(t)
	cfg := testConfig(t)
	setup(t, &cfg)
	cfg.Workers = 0 // the first process runs no jobs: it fans out and delivers nothing
	procA, a := serviceProcess(t, cfg)
	owner := a.account("specialist", "", "owner")
	secret := owner.must(201, "POST", "/api/v1/webhooks", map[string]any{"url": rec.url("outbox"), "events": []string{"document.accepted"}})["secret"].(string)
	id := owner.must(201, "POST", "/api/v1/applications", validForm())["id"].(string)
	owner.must(201, "PUT", "/api/v1/applications/"+id+"/slots/snils/file", testdocs.PDF(t, 1, "snils"))
	time.Sleep(1500 * time.Millisecond) // several queue polls: nothing may go out
	if got := rec.received("outbox"); len(got) != 0 {
		t.Fatalf("delivered by a process without webhook workers: %d", len(got))
	}
	procA.kill()

	cfg.Workers = 2
	serviceProcess(t, cfg)
	eventually(t, "the event delivered after the restart", func() bool { return len(rec.received("outbox")) >= 1 })
	time.Sleep(2 * time.Second) // a second delivery would come meanwhile
	evs := rec.events(t, "outbox", secret)
	if len(evs) != 1 || evs[0].Type != "document.accepted" || evs[0].ApplicationID != id {
		t.Fatalf("after the restart the subscriber got %d events: %+v; want one document.accepted of %s", len(evs), evs, id)
	}
	if slot, _ := evs[0].Data["slot"].(string); !strings.HasPrefix(slot, "snils") {
		t.Errorf("the event's data: %v", evs[0].Data)
	}
}
