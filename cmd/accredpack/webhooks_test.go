package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	apiclient "accredpack/client"
	"accredpack/internal/testdocs"
)

// receiver is a webhook subscriber's server: it records every delivery
// under the last part of its path (/hook/<name>); "flaky" answers 500
// twice before 200, "down" always 503.
type receiver struct {
	srv   *httptest.Server
	mu    sync.Mutex
	got   map[string][]delivered
	tries map[string]int
}

type delivered struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: map[string][]delivered{}, tries: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		name := strings.TrimPrefix(req.URL.Path, "/hook/")
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.tries[name]++
		n := r.tries[name]
		if name != "down" && !(name == "flaky" && n <= 2) {
			r.got[name] = append(r.got[name], delivered{header: req.Header.Clone(), body: body})
		}
		r.mu.Unlock()
		switch {
		case name == "down":
			w.WriteHeader(http.StatusServiceUnavailable)
		case name == "flaky" && n <= 2:
			w.WriteHeader(http.StatusInternalServerError)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) url(name string) string { return r.srv.URL + "/hook/" + name }

// received is what name received so far, as it came.
func (r *receiver) received(name string) []delivered {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got[name])
}

// events verifies and decodes what name received so far.
func (r *receiver) events(t *testing.T, name, secret string) []*apiclient.Event {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*apiclient.Event
	for _, d := range r.got[name] {
		e, err := apiclient.VerifyWebhook(secret, d.header.Get(apiclient.SignatureHeader), d.body, time.Now(), 5*time.Minute)
		if err != nil {
			t.Errorf("%s: delivery %s does not verify: %v", name, d.header.Get(apiclient.DeliveryHeader), err)
			continue
		}
		if d.header.Get(apiclient.EventHeader) != e.Type || d.header.Get(apiclient.DeliveryHeader) != e.DeliveryID {
			t.Errorf("%s: headers %v do not match the body %+v", name, d.header, e)
		}
		if _, err := apiclient.VerifyWebhook(secret+"x", d.header.Get(apiclient.SignatureHeader), d.body, time.Now(), 5*time.Minute); err == nil {
			t.Errorf("%s: a delivery verifies with a wrong secret", name)
		}
		for _, secretish := range []string{"112-233-445 95", "11223344595", "Иванова", "9123456789", "345-67-89", "anna@example.ru", ".pdf"} {
			if bytes.Contains(d.body, []byte(secretish)) {
				t.Errorf("%s: a delivery carries personal data %q: %s", name, secretish, d.body)
			}
		}
		out = append(out, e)
	}
	return out
}

// count is how many events of type typ (on appID, if given) name got.
func count(evs []*apiclient.Event, typ string) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func testWebhooks(t *testing.T, c *client) {
	rec := newReceiver(t)
	consultancy := c.organization("consultancy", "Консалт")
	elsewhere := c.organization("consultancy", "Чужой консалт")
	center := c.organization("training_center", "Учебный центр")
	owner := c.account("specialist", "", "owner")
	staff := c.account("consultant", consultancy, "staff")
	staffX := c.account("consultant", elsewhere, "staffx")
	trainer := c.account("training_center", center, "trainer")
	other := c.account("specialist", "", "other")

	// Refusals of a subscription, with the field named.
	for _, bad := range []map[string]any{
		{"url": "ftp://example.ru/x", "events": []string{"bundle.done"}},
		{"url": "http://user:pw@127.0.0.1/x", "events": []string{"bundle.done"}},
		{"url": rec.url("x"), "events": []string{"document.deleted"}},
		{"url": rec.url("x"), "events": []string{}},
	} {
		if r := owner.call("POST", "/api/v1/webhooks", bad); r.status != 422 || r.errorCode(t) != "validation_failed" {
			t.Errorf("subscription %v: %d %s; want 422 validation_failed", bad, r.status, r.body)
		}
	}

	all := []string{"document.accepted", "bundle.done", "readiness.changed"}
	secrets := map[string]string{}
	hooks := map[string]string{}
	subscribe := func(who *caller, name string, events []string) {
		h := who.must(201, "POST", "/api/v1/webhooks", map[string]any{"url": rec.url(name), "events": events, "description": name})
		secret, _ := h["secret"].(string)
		if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 {
			t.Fatalf("subscription %s: secret %q", name, secret)
		}
		secrets[name], hooks[name] = secret, h["id"].(string)
		if got := who.must(200, "GET", "/api/v1/webhooks/"+hooks[name], nil); got["created_at"] != h["created_at"] {
			t.Errorf("subscription %s created at %v; reads back as %v", name, h["created_at"], got["created_at"])
		}
	}
	subscribe(owner, "owner", all)
	subscribe(staff, "staff", all)
	subscribe(staffX, "staffx", all)
	subscribe(trainer, "trainer", all)
	subscribe(other, "other", all)

	// The secret is shown once; a subscription is its owner's (staff: the
	// organization's) and nobody else's.
	list := owner.must(200, "GET", "/api/v1/webhooks", nil)["webhooks"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["secret"] != nil || list[0].(map[string]any)["url"] != rec.url("owner") {
		t.Errorf("owner's list: %v", list)
	}
	for _, who := range []*caller{other, staff, trainer} {
		if r := who.call("GET", "/api/v1/webhooks/"+hooks["owner"], nil); r.status != 404 {
			t.Errorf("%s reads the owner's subscription: %d", who.name, r.status)
		}
		if r := who.call("DELETE", "/api/v1/webhooks/"+hooks["owner"], nil); r.status != 404 {
			t.Errorf("%s deletes the owner's subscription: %d", who.name, r.status)
		}
	}
	colleague := c.account("consultant", consultancy, "colleague")
	if got := colleague.must(200, "GET", "/api/v1/webhooks", nil)["webhooks"].([]any); len(got) != 1 || got[0].(map[string]any)["id"] != hooks["staff"] {
		t.Errorf("a colleague sees the organization's subscriptions: %v", got)
	}

	// The application: shared with the consultancy and the training
	// center; everything uploaded but the report; 144 h of courses.
	form := validForm()
	form["previous_accreditation_date"] = "2021-09-15"
	id := owner.must(201, "POST", "/api/v1/applications", form)["id"].(string)
	base := "/api/v1/applications/" + id
	owner.must(201, "POST", base+"/grants", map[string]any{"organization_id": consultancy})
	code := owner.must(201, "POST", base+"/share-codes", nil)["code"]
	trainer.must(200, "POST", "/api/v1/share-codes/redeem", map[string]any{"code": code})
	owner.must(201, "POST", base+"/courses", map[string]any{"title": "Актуальные вопросы терапии", "organization": "РМАНПО", "hours": 144,
		"start_date": "2023-02-01", "end_date": "2023-03-01", "in_specialty": true, "frdo_number": "1177-0001", "certificate_slot": "qualification_certificates.1"})
	uploads := 0
	for i, slot := range []string{"identity_document", "snils", "education_diploma", "previous_accreditation", "qualification_certificates.1", "work_record"} {
		owner.must(201, "PUT", base+"/slots/"+slot+"/file", testdocs.PDF(t, 1+i%2, slot))
		uploads++
	}
	// The training center adds a certificate: its own upload.
	trainer.must(201, "PUT", base+"/slots/qualification_certificates.2/file", testdocs.PDF(t, 1, "удостоверение"))
	uploads++
	if r := owner.must(200, "GET", base+"/readiness", nil); r["ready"] != false {
		t.Fatalf("ready before the report: %v", r["findings"])
	}
	owner.must(201, "PUT", base+"/slots/professional_report/file", testdocs.PDF(t, 2, "отчёт"))
	uploads++
	if r := owner.must(200, "GET", base+"/readiness", nil); r["ready"] != true {
		t.Fatalf("not ready with every document: %v", r["findings"])
	}
	b := owner.must(202, "POST", base+"/bundles", map[string]any{"kind": "frmr_package"})
	waitBundle(t, owner, b["id"].(string))

	// Everyone who may read the application hears everything, in time.
	want := uploads + 2
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && (len(rec.events(t, "owner", secrets["owner"])) < want || len(rec.events(t, "staff", secrets["staff"])) < want ||
		len(rec.events(t, "trainer", secrets["trainer"])) < 1) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // anything extra (a duplicate, a leak) would arrive now
	for _, name := range []string{"owner", "staff"} {
		evs := rec.events(t, name, secrets[name])
		if count(evs, "document.accepted") != uploads || count(evs, "readiness.changed") != 1 || count(evs, "bundle.done") != 1 || len(evs) != want {
			t.Errorf("%s got %d events (%d accepted, %d readiness, %d bundle); want %d uploads, 1, 1", name, len(evs),
				count(evs, "document.accepted"), count(evs, "readiness.changed"), count(evs, "bundle.done"), uploads)
		}
		ids := map[string]bool{}
		for _, e := range evs {
			if e.ApplicationID != id || ids[e.DeliveryID] {
				t.Errorf("%s: event %+v (application %s; delivery ids unique)", name, e, id)
			}
			ids[e.DeliveryID] = true
			switch e.Type {
			case "readiness.changed":
				if e.Data["ready"] != true {
					t.Errorf("%s: readiness event %v", name, e.Data)
				}
			case "bundle.done":
				if e.Data["bundle_id"] != b["id"] || e.Data["status"] != "done" || e.Data["kind"] != "frmr_package" {
					t.Errorf("%s: bundle event %v", name, e.Data)
				}
			case "document.accepted":
				if len(fmt.Sprint(e.Data["sha256"])) != 64 || e.Data["slot"] == "" || e.Data["pages"] == nil {
					t.Errorf("%s: document event %v", name, e.Data)
				}
			}
		}
	}
	// The training center hears of its own upload only; strangers nothing.
	if evs := rec.events(t, "trainer", secrets["trainer"]); len(evs) != 1 || evs[0].Type != "document.accepted" || evs[0].Data["slot"] != "qualification_certificates.2" {
		t.Errorf("training center got %d events: %+v; want its own upload only", len(evs), evs)
	}
	for _, name := range []string{"staffx", "other"} {
		if evs := rec.events(t, name, secrets[name]); len(evs) != 0 {
			t.Errorf("%s, who may not read the application, got %d events", name, len(evs))
		}
	}

	// Readiness flips back when a required document goes.
	owner.must(204, "DELETE", base+"/slots/professional_report/file", nil)
	// Its sequence is above the ready=true event's: a subscriber keeps the
	// highest, whatever order deliveries arrive in.
	var seqReady, seqNotReady float64
	eventually(t, "readiness.changed ready=false", func() bool {
		for _, e := range rec.events(t, "owner", secrets["owner"]) {
			if e.Type != "readiness.changed" {
				continue
			}
			if seq, _ := e.Data["sequence"].(float64); e.Data["ready"] == true {
				seqReady = seq
			} else {
				seqNotReady = seq
			}
		}
		return seqNotReady != 0
	})
	if seqReady < 1 || seqNotReady <= seqReady {
		t.Errorf("readiness sequences: ready=true %v, then ready=false %v; want increasing from 1", seqReady, seqNotReady)
	}

	// The delivery log: every delivery with its attempts.
	log := owner.must(200, "GET", "/api/v1/webhooks/"+hooks["owner"]+"/deliveries?limit=100", nil)["deliveries"].([]any)
	if len(log) != want+1 {
		t.Errorf("owner's delivery log has %d deliveries; want %d", len(log), want+1)
	}
	for _, d := range log {
		d := d.(map[string]any)
		attempts := d["log"].([]any)
		if d["status"] != "delivered" || d["attempts"] != float64(1) || len(attempts) != 1 || attempts[0].(map[string]any)["status"] != float64(204) {
			t.Errorf("delivery %v", d)
		}
	}

	testSecretRotation(t, c, rec, owner, []*caller{other, staff, trainer})

	// Retries with backoff: a subscriber failing twice gets the event on
	// the third attempt; one always down is given up after the attempts.
	subscribe(owner, "flaky", all)
	subscribe(owner, "down", all)
	for _, name := range []string{"flaky", "down"} {
		owner.must(202, "POST", "/api/v1/webhooks/"+hooks[name]+"/ping", nil)
	}
	attemptsOf := func(name string) (status string, statuses []float64) {
		log := owner.must(200, "GET", "/api/v1/webhooks/"+hooks[name]+"/deliveries", nil)["deliveries"].([]any)
		if len(log) != 1 {
			return "", nil
		}
		d := log[0].(map[string]any)
		for _, a := range d["log"].([]any) {
			statuses = append(statuses, a.(map[string]any)["status"].(float64))
		}
		return d["status"].(string), statuses
	}
	eventually(t, "the flaky subscriber's ping delivered", func() bool { s, _ := attemptsOf("flaky"); return s == "delivered" })
	if _, st := attemptsOf("flaky"); fmt.Sprint(st) != "[500 500 204]" {
		t.Errorf("flaky attempts: %v; want [500 500 204]", st)
	}
	if evs := rec.events(t, "flaky", secrets["flaky"]); len(evs) != 1 || evs[0].Type != "ping" {
		t.Errorf("flaky received %+v", evs)
	}
	eventually(t, "the down subscriber's ping failed", func() bool { s, _ := attemptsOf("down"); return s == "failed" })
	if _, st := attemptsOf("down"); len(st) != c.cfg.WebhookAttempts || st[0] != 503 {
		t.Errorf("down attempts: %v; want %d times 503", st, c.cfg.WebhookAttempts)
	}

	// A limit per owner.
	for i := 3; i < 20; i++ {
		subscribe(owner, fmt.Sprintf("spare%d", i), []string{"bundle.done"})
	}
	if r := owner.call("POST", "/api/v1/webhooks", map[string]any{"url": rec.url("one-too-many"), "events": all}); r.status != 409 || r.errorCode(t) != "conflict" {
		t.Errorf("the 21st subscription: %d %s; want 409 conflict", r.status, r.body)
	}
	for i := 3; i < 20; i++ {
		owner.must(204, "DELETE", "/api/v1/webhooks/"+hooks[fmt.Sprintf("spare%d", i)], nil)
	}

	// Through the Go client; deleting a subscription stops it and its log.
	cl := clientFor(c, owner.bearer)
	hooksNow, err := cl.Webhooks(t.Context())
	if err != nil || len(hooksNow) != 3 {
		t.Fatalf("client Webhooks: %v %v", hooksNow, err)
	}
	if err := cl.DeleteWebhook(t.Context(), hooks["down"]); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.WebhookDeliveries(t.Context(), hooks["down"], 10); !apiclient.IsCode(err, "not_found") {
		t.Errorf("log of a deleted subscription: %v; want not_found", err)
	}
}

// testSecretRotation: a subscription's secret rotated (by strangers: 404);
// for the grace period (2 s under test) a delivery verifies through
// client.VerifyWebhook with the new and the replaced secret, rotating again
// drops the oldest, and after it only the newest verifies.
func testSecretRotation(t *testing.T, c *client, rec *receiver, owner *caller, strangers []*caller) {
	h := owner.must(201, "POST", "/api/v1/webhooks", map[string]any{"url": rec.url("rotated"), "events": []string{"bundle.done"}})
	id, _ := h["id"].(string)
	path := "/api/v1/webhooks/" + id
	current, previous := h["secret"].(string), ""
	var retired []string
	for _, who := range strangers {
		if r := who.call("POST", path+"/secret", nil); r.status != 404 || r.errorCode(t) != "not_found" {
			t.Errorf("%s rotates the owner's secret: %d %s; want 404", who.name, r.status, r.body)
		}
	}
	cl := clientFor(c, owner.bearer)

	// ping sends a ping and returns it as received, with the v1 values of
	// its signature and when it was signed (to the second).
	ping := func() (d delivered, signatures int, signed time.Time) {
		t.Helper()
		n := len(rec.received("rotated"))
		if _, err := cl.PingWebhook(t.Context(), id); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the ping to the rotated subscription", func() bool { return len(rec.received("rotated")) > n })
		d = rec.received("rotated")[n]
		header := d.header.Get(apiclient.SignatureHeader)
		for _, part := range strings.Split(header, ",") {
			k, v, _ := strings.Cut(part, "=")
			switch k {
			case "t":
				sec, _ := strconv.ParseInt(v, 10, 64)
				signed = time.Unix(sec, 0)
			case "v1":
				signatures++
			}
		}
		return d, signatures, signed
	}
	verifies := func(d delivered, secret string) bool {
		_, err := apiclient.VerifyWebhook(secret, d.header.Get(apiclient.SignatureHeader), d.body, time.Now(), 5*time.Minute)
		return err == nil
	}
	check := func(when string, d delivered, good string, bad ...string) {
		t.Helper()
		if good != "" && !verifies(d, good) {
			t.Errorf("%s: the delivery does not verify with %.12s…", when, good)
		}
		for _, secret := range bad {
			if secret != "" && verifies(d, secret) {
				t.Errorf("%s: the delivery verifies with %.12s…, which no longer signs", when, secret)
			}
		}
	}

	// Two rotations, through the API and then the Go client, each followed
	// by a ping. A ping not surely signed within the grace period (a slow
	// machine) cannot tell: the secret is rotated again (3 times at most).
	var until time.Time
	for i, how := range []string{"API", "client"} {
		for try := 1; ; try++ {
			var secret string
			var expires *time.Time
			before := time.Now()
			if how == "API" {
				r := owner.must(200, "POST", path+"/secret", nil)
				secret, _ = r["secret"].(string)
				if at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(r["previous_secret_expires_at"])); err == nil {
					expires = &at
				}
				if r["id"] != id || r["url"] != rec.url("rotated") {
					t.Errorf("rotation answer %v", r)
				}
			} else {
				w, err := cl.RotateWebhookSecret(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				secret, expires = w.Secret, w.PreviousSecretExpiresAt
			}
			grace := c.cfg.WebhookSecretGrace
			if !strings.HasPrefix(secret, "whsec_") || len(secret) < 40 || secret == current || expires == nil ||
				expires.Before(before.Add(grace-time.Millisecond)) || expires.After(time.Now().Add(grace)) {
				t.Fatalf("rotation %d through the %s: secret %q, previous signs until %v", i+1, how, secret, expires)
			}
			if previous != "" {
				retired = append(retired, previous)
			}
			previous, current, until = current, secret, *expires
			got := owner.must(200, "GET", path, nil)
			if got["secret"] != nil || (got["previous_secret_expires_at"] == nil && time.Now().Before(until)) {
				t.Errorf("the subscription during the grace period: %v", got)
			}
			d, signatures, signed := ping()
			if signed.Add(time.Second).After(until) && try < 3 {
				t.Logf("the ping was signed at %s, the grace period ends %s: rotating again", signed, until)
				continue
			}
			if signatures != 2 {
				t.Errorf("rotation through the %s: %d signatures in %q; want the new and the replaced secret's", how, signatures, d.header.Get(apiclient.SignatureHeader))
			}
			check("during the grace period after rotation through the "+how, d, current, retired...)
			check("during the grace period after rotation through the "+how, d, previous)
			break
		}
	}

	// After the grace period: the newest secret only.
	time.Sleep(time.Until(until))
	d, signatures, _ := ping()
	if signatures != 1 {
		t.Errorf("after the grace period: %d signatures in %q; want 1", signatures, d.header.Get(apiclient.SignatureHeader))
	}
	check("after the grace period", d, current, append(retired, previous)...)
	if got := owner.must(200, "GET", path, nil); got["previous_secret_expires_at"] != nil || got["secret"] != nil {
		t.Errorf("the subscription after the grace period: %v", got)
	}
	if err := cl.DeleteWebhook(t.Context(), id); err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s in 60 s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
