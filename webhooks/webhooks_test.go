package webhooks

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"accredpack/client"
	"accredpack/database"
	"accredpack/internal/testenv"
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

// fakeResolver answers names from a table; any other name is not found.
// It never asks a real DNS server.
type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	list, ok := f[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, a := range list {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

var testResolver = fakeResolver{
	"hooks.example.ru":   {"93.184.216.34"},
	"dual.example.ru":    {"93.184.216.34", "2a00:1450:4010:c05::64"},
	"rebind.example.ru":  {"93.184.216.34", "10.0.0.7"},
	"hosts-file.example": {"127.0.1.1"},
	"meta.example.ru":    {"169.254.169.254"},
	"v6local.example.ru": {"::ffff:127.0.0.1"},
}

func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	strict := &Service{cfg: Config{Resolver: testResolver}}
	dev := &Service{cfg: Config{AllowPrivate: true, Resolver: fakeResolver{}}}
	for _, tc := range []struct {
		url         string
		strict, dev bool // accepted
	}{
		{"https://hooks.example.ru/accredpack", true, true},
		{"https://hooks.example.ru./accredpack", true, true},
		{"https://dual.example.ru/accredpack", true, true},
		{"https://93.184.216.34/hook", true, true},
		{"https://[2a00:1450:4010:c05::64]/hook", true, true},
		{"https://0x5d.0xb8.0xd8.0x22/hook", true, true}, // 93.184.216.34 in hex
		{"http://hooks.example.ru/accredpack", false, true},
		{"http://127.0.0.1:8080/hook", false, true},
		{"https://127.0.0.1/hook", false, true},
		{"https://10.1.2.3/hook", false, true},
		{"https://[::1]/hook", false, true},
		{"https://169.254.169.254/latest/meta-data", false, true},
		{"https://localhost/hook", false, true},
		{"https://localhost./hook", false, true},
		{"https://LOCALHOST/hook", false, true},
		{"https://app.localhost/hook", false, true},
		{"https://127.1/hook", false, true},
		{"https://0/hook", false, true},
		{"https://2130706433/hook", false, true},
		{"https://0x7f.1/hook", false, true},
		{"https://0177.0.0.1/hook", false, true},
		{"https://127.0.0.1./hook", false, true},
		{"https://999.1.1.1/hook", false, true},          // not an address: refused, not looked up
		{"https://[::ffff:127.0.0.1]/hook", false, true}, // IPv4-mapped
		{"https://[::ffff:a9fe:a9fe]/hook", false, true}, // mapped 169.254.169.254
		{"https://[64:ff9b::a00:1]/hook", false, true},   // NAT64 of 10.0.0.1
		{"https://[64:ff9b::7f00:1]/hook", false, true},  // NAT64 of 127.0.0.1
		{"https://[64:ff9b:1::1]/hook", false, true},     // local-use NAT64
		{"https://[2002:c0a8:101::1]/hook", false, true}, // 6to4 of 192.168.1.1
		{"https://[2002:7f00:1::1]/hook", false, true},   // 6to4 of 127.0.0.1
		// Teredo: client 10.0.0.1 = last 32 bits f5ff:fffe inverted.
		{"https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hook", false, true},
		{"https://[fe80::1%25eth0]/hook", false, true},
		{"https://hosts-file.example/hook", false, true},
		{"https://rebind.example.ru/hook", false, true},
		{"https://meta.example.ru/hook", false, true},
		{"https://v6local.example.ru/hook", false, true},
		{"https://unknown.example.ru/hook", false, true},
		{"https://user:pw@example.ru/hook", false, false},
		{"ftp://example.ru/hook", false, false},
		{"/relative", false, false},
		{"https://example.ru/hook#x", false, false},
		{"", false, false},
	} {
		if got := strict.checkURL(ctx, tc.url) == ""; got != tc.strict {
			t.Errorf("strict %q: accepted=%v (%s)", tc.url, got, strict.checkURL(ctx, tc.url))
		}
		if got := dev.checkURL(ctx, tc.url) == ""; got != tc.dev {
			t.Errorf("dev %q: accepted=%v (%s)", tc.url, got, dev.checkURL(ctx, tc.url))
		}
	}
	// The refusal names its reason.
	for url, reason := range map[string]string{
		"https://2130706433/hook":         "loopback",
		"https://[2002:c0a8:101::1]/hook": "частной сети",
		"https://meta.example.ru/hook":    "169.254.169.254",
		"https://unknown.example.ru/hook": "не находится в DNS",
		"https://999.1.1.1/hook":          "записан неправильно",
		"https://[64:ff9b::7f00:1]/hook":  "внутри IPv6",
	} {
		if msg := strict.checkURL(ctx, url); !strings.Contains(msg, reason) {
			t.Errorf("%s: %q; want the reason %q", url, msg, reason)
		}
	}
}

func TestJudgeAddr(t *testing.T) {
	for ip, want := range map[string]bool{
		"93.184.216.34": true, "2a00:1450:4010:c05::64": true, "8.8.8.8": true,
		"64:ff9b::5db8:d822": true, "2002:5db8:d822::1": true, "::ffff:93.184.216.34": true,
		"2001:0:4136:e378:8000:63bf:a247:27dd": true, // Teredo client 93.184.216.34
		"127.0.0.1":                            false, "127.255.0.9": false, "10.0.0.1": false, "172.16.5.4": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "::1": false, "::": false, "fe80::1": false, "fd00::1": false, "::ffff:127.0.0.1": false,
		"224.0.0.1": false, "255.255.255.255": false, "240.0.0.1": false, "192.0.2.1": false,
		"64:ff9b::a00:1": false, "64:ff9b::7f00:1": false, "64:ff9b:1::5db8:d822": false,
		"2002:a00:1::": false, "2002:7f00:1::1": false,
		"2001:0:4136:e378:8000:63bf:f5ff:fffe": false, // Teredo client 10.0.0.1
		"2001:0:7f00:1:8000:63bf:a247:27dd":    false, // Teredo server 127.0.0.1
		"::7f00:1":                             false, "2001:db8::1": false, "ff02::1": false,
	} {
		if got := judgeAddr(netip.MustParseAddr(ip)) == ""; got != want {
			t.Errorf("%s: allowed=%v (%s), want %v", ip, got, judgeAddr(netip.MustParseAddr(ip)), want)
		}
	}
}

func TestParseIPv4(t *testing.T) {
	for host, want := range map[string]string{
		"127.1": "127.0.0.1", "0": "0.0.0.0", "2130706433": "127.0.0.1", "0x7f.1": "127.0.0.1",
		"0x7f000001": "127.0.0.1", "0177.0.0.1": "127.0.0.1", "10.0x10.1": "10.16.0.1", "1.2.3.4": "1.2.3.4",
		"0x": "0.0.0.0", "192.168.257": "192.168.1.1",
	} {
		a, ok, err := parseIPv4(host)
		if !ok || err != nil || a.String() != want {
			t.Errorf("%s: %v %v %v; want %s", host, a, ok, err, want)
		}
	}
	for _, host := range []string{"256.1.1.1", "1.2.3.4.5", "4294967296", "1.2.3.256", "08.1.1.1", "1.2.65536", "a.1"} {
		if _, ok, err := parseIPv4(host); !ok || err == nil {
			t.Errorf("%s: ok=%v err=%v; want a numeric host refused", host, ok, err)
		}
	}
	for _, host := range []string{"example.ru", "1.2.3.example", "abc"} {
		if _, ok, _ := parseIPv4(host); ok {
			t.Errorf("%s taken for numbers", host)
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
	return openDB(tb, filepath.Join(tb.TempDir(), "db.sqlite"))
}

// onBothDatabases runs test on SQLite and on a fresh PostgreSQL database.
func onBothDatabases(t *testing.T, test func(t *testing.T, db *database.DB)) {
	t.Run("SQLite", func(t *testing.T) { test(t, testDB(t)) })
	t.Run("PostgreSQL", func(t *testing.T) { test(t, openDB(t, testenv.StartPostgres(t).NewDatabase(t))) })
}

// openDB opens and migrates the database at url, closed with the test.
func openDB(tb testing.TB, url string) *database.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return db
}
