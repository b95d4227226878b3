package testenv

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Mailpit is a private Mailpit: an SMTP server that keeps what it gets,
// and an HTTP API to read it.
type Mailpit struct {
	Host     string // SMTP host
	SMTPPort int
	API      string // http://host:port of the HTTP API
	proc     *process
}

// StartMailpit starts a Mailpit for this test on loopback ports. It takes
// any SMTP user and password, over plain SMTP.
func StartMailpit(t testing.TB) *Mailpit {
	t.Helper()
	bin := need(t, "ACCREDPACK_TEST_MAILPIT", "a Mailpit binary")
	dir := scratchDir(t, "mailpit-")
	m := &Mailpit{Host: "127.0.0.1", SMTPPort: freePort(t)}
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	m.API = "http://" + httpAddr
	args := []string{"--smtp", fmt.Sprintf("127.0.0.1:%d", m.SMTPPort), "--listen", httpAddr, "--database", filepath.Join(dir, "mailpit.db"),
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--disable-version-check", "--quiet"}
	m.proc = &process{t: t, name: "mailpit", log: logFile(t, dir, "mailpit.log"), newCmd: func() *exec.Cmd { return exec.Command(bin, args...) }}
	m.Start()
	t.Cleanup(func() { m.proc.stop(syscall.SIGTERM) })
	return m
}

// Start (re)starts the server on the same ports and data and waits until
// its API answers.
func (m *Mailpit) Start() {
	m.proc.t.Helper()
	m.proc.start()
	m.proc.waitFor("API", func() error {
		res, err := http.Get(m.API + "/api/v1/info")
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	})
}

// Stop kills the server, as an SMTP outage would.
func (m *Mailpit) Stop() { m.proc.stop(syscall.SIGKILL) }

// Address is one address of a message.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// MessageSummary is a message in the list.
type MessageSummary struct {
	ID      string    `json:"ID"`
	To      []Address `json:"To"`
	Subject string    `json:"Subject"`
}

// Message is a whole message.
type Message struct {
	ID      string    `json:"ID"`
	From    Address   `json:"From"`
	To      []Address `json:"To"`
	Subject string    `json:"Subject"`
	Text    string    `json:"Text"`
	HTML    string    `json:"HTML"`
	// Headers are the raw headers (filled by Message).
	Headers map[string][]string `json:"-"`
}

func (m *Mailpit) get(t testing.TB, path string, v any) {
	t.Helper()
	res, err := http.Get(m.API + path)
	if err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("mailpit %s: status %d", path, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
}

// To lists the messages sent to an address, newest first.
func (m *Mailpit) To(t testing.TB, addr string) []MessageSummary {
	t.Helper()
	var out struct {
		Messages []MessageSummary `json:"messages"`
	}
	m.get(t, "/api/v1/search?limit=200&query="+url.QueryEscape("to:\""+addr+"\""), &out)
	return out.Messages
}

// Message reads one message with its headers.
func (m *Mailpit) Message(t testing.TB, id string) Message {
	t.Helper()
	var msg Message
	m.get(t, "/api/v1/message/"+url.PathEscape(id), &msg)
	m.get(t, "/api/v1/message/"+url.PathEscape(id)+"/headers", &msg.Headers)
	return msg
}

// WaitFor waits until n messages were sent to addr (at most 20 s) and
// returns them, newest first.
func (m *Mailpit) WaitFor(t testing.TB, addr string, n int) []MessageSummary {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := m.To(t, addr)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit: %d message(s) to %s after 20 s, want %d", len(got), addr, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Port is the SMTP port as a string.
func (m *Mailpit) Port() string { return strconv.Itoa(m.SMTPPort) }
