package webhooks

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"accredpack/client"
	"accredpack/database"
)

func TestSignatureVerifiesWithTheClient(t *testing.T) {
	body := []byte(`{"id":"evt_1","type":"ping","data":{}}`)
	now := time.Unix(1_800_000_000, 0)
	h := Sign("whsec_s", now, body)
	if !strings.HasPrefix(h, "t=1800000000,v1=") || len(h) != len("t=1800000000,v1=")+64 {
		t.Fatalf("header %q", h)
	}
	if _, err := client.VerifyWebhook("whsec_s", h, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("verify: %v", err)
	}
	for name, tc := range map[string]struct {
		secret, header string
		body           []byte
		at             time.Time
		want           error
	}{
		"wrong secret":  {"whsec_x", h, body, now, client.ErrBadSignature},
		"changed body":  {"whsec_s", h, []byte(`{"id":"evt_2","type":"ping","data":{}}`), now, client.ErrBadSignature},
		"changed time":  {"whsec_s", strings.Replace(h, "t=1800000000", "t=1800000001", 1), body, now, client.ErrBadSignature},
		"replayed late": {"whsec_s", h, body, now.Add(6 * time.Minute), client.ErrStale},
		"no header":     {"whsec_s", "", body, now, client.ErrBadSignature},
	} {
		if _, err := client.VerifyWebhook(tc.secret, tc.header, tc.body, tc.at, 5*time.Minute); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v; want %v", name, err, tc.want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	strict := &Service{cfg: Config{}}
	dev := &Service{cfg: Config{AllowPrivate: true}}
	for _, tc := range []struct {
		url         string
		strict, dev bool // accepted
	}{
		{"https://hooks.example.ru/accredpack", true, true},
		{"http://hooks.example.ru/accredpack", false, true},
		{"http://127.0.0.1:8080/hook", false, true},
		{"https://127.0.0.1/hook", false, true},
		{"https://10.1.2.3/hook", false, true},
		{"https://[::1]/hook", false, true},
		{"https://169.254.169.254/latest/meta-data", false, true},
		{"https://localhost/hook", false, true},
		{"https://user:pw@example.ru/hook", false, false},
		{"ftp://example.ru/hook", false, false},
		{"/relative", false, false},
		{"https://example.ru/hook#x", false, false},
		{"", false, false},
	} {
		if got := strict.checkURL(tc.url) == ""; got != tc.strict {
			t.Errorf("strict %q: accepted=%v (%s)", tc.url, got, strict.checkURL(tc.url))
		}
		if got := dev.checkURL(tc.url) == ""; got != tc.dev {
			t.Errorf("dev %q: accepted=%v (%s)", tc.url, got, dev.checkURL(tc.url))
		}
	}
}

func TestPublicIP(t *testing.T) {
	for ip, want := range map[string]bool{
		"93.184.216.34": true, "2a00:1450:4010:c05::64": true,
		"127.0.0.1": false, "10.0.0.1": false, "172.16.5.4": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "::1": false, "fe80::1": false, "fd00::1": false, "::ffff:127.0.0.1": false,
		"224.0.0.1": false,
	} {
		if got := publicIP(net.ParseIP(ip)); got != want {
			t.Errorf("%s: public=%v, want %v", ip, got, want)
		}
	}
}

// The sender's dialer refuses a private address even when a host name
// leads there (DNS cannot aim a subscription into the service's network).
func TestSenderRefusesPrivateAddresses(t *testing.T) {
	var hit atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hit.Store(true) }))
	defer srv.Close()
	d := database.Delivery{ID: "dlv_1", EventType: "ping", Payload: []byte(`{}`)}
	port := srv.URL[strings.LastIndex(srv.URL, ":"):]
	for _, u := range []string{srv.URL, "http://localhost" + port} {
		status, err := newSender(Config{Timeout: 2 * time.Second}).send(context.Background(), u, []string{"s"}, d, time.Now())
		if !errors.Is(err, errPrivateAddress) || status != 0 {
			t.Errorf("%s: %d %v; want the private address refused", u, status, err)
		}
	}
	if hit.Load() {
		t.Fatal("the private server was reached")
	}
	status, err := newSender(Config{Timeout: 2 * time.Second, AllowPrivate: true}).send(context.Background(), srv.URL, []string{"s"}, d, time.Now())
	if err != nil || status != 200 || !hit.Load() {
		t.Errorf("allowed: %d %v", status, err)
	}
}

// A redirect is not followed; a slow subscriber is cut off at the timeout.
func TestSenderRedirectsAndTimeouts(t *testing.T) {
	var followed atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/target", http.StatusTemporaryRedirect)
		case "/target":
			followed.Store(true)
		case "/slow":
			time.Sleep(2 * time.Second)
		}
	}))
	defer srv.Close()
	s := newSender(Config{Timeout: 300 * time.Millisecond, AllowPrivate: true})
	d := database.Delivery{ID: "dlv_1", EventType: "ping", Payload: []byte(`{}`)}
	if status, err := s.send(context.Background(), srv.URL+"/moved", []string{"s"}, d, time.Now()); status != 307 || err == nil || followed.Load() {
		t.Errorf("redirect: %d %v followed=%v", status, err, followed.Load())
	}
	start := time.Now()
	if status, err := s.send(context.Background(), srv.URL+"/slow", []string{"s"}, d, time.Now()); status != 0 || err == nil {
		t.Errorf("slow: %d %v", status, err)
	}
	if time.Since(start) > 1500*time.Millisecond {
		t.Errorf("slow subscriber held the sender %s", time.Since(start))
	}
}

func TestBackoffDoublesUpToTheCap(t *testing.T) {
	s := &Service{cfg: Config{Backoff: 30 * time.Second, MaxBackoff: time.Hour}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := s.backoff(i + 1); got != w {
			t.Errorf("after attempt %d: %s, want %s", i+1, got, w)
		}
	}
}

// testDB is a migrated SQLite database in a temporary folder, closed when
// the test ends.
func testDB(tb testing.TB) *database.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, filepath.Join(tb.TempDir(), "db.sqlite"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}
