package mail

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"testing"
)

func composer(t *testing.T) *Composer {
	t.Helper()
	c, err := NewComposer("https://accredpack.example.ru/")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestComposeEveryKind(t *testing.T) {
	c := composer(t)
	for _, k := range Kinds {
		m, err := c.Compose(k, "anna@example.ru", Data{Name: "Анна", Email: "anna@example.ru", Token: "tok-123", AppID: "abc", Date: "01.02.2027",
			Stage: "Экспертиза", Days: 41, Org: "Консалт", Application: "Терапия", UnsubscribeToken: "uns-456"})
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if m.Subject == "" || strings.Contains(m.Subject, "\n") {
			t.Errorf("%s: subject %q", k, m.Subject)
		}
		for _, body := range []string{m.Text, m.HTML} {
			if !strings.Contains(body, "Анна") {
				t.Errorf("%s: no greeting by name in %q", k, body)
			}
			if strings.Contains(body, "<no value>") {
				t.Errorf("%s: a missing value in %q", k, body)
			}
		}
		if !strings.Contains(m.HTML, `<html lang="ru">`) {
			t.Errorf("%s: HTML is not a Russian page", k)
		}
		switch k {
		case KindConfirm, KindPasswordReset, KindInvitation:
			if link := c.Link(c.linkOf(k), "tok-123"); !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, link) {
				t.Errorf("%s: link %s missing", k, link)
			}
		case KindWindowOpen, KindExpiry30, KindExpiry60, KindStageOverdue:
			if !strings.Contains(m.Text, "https://accredpack.example.ru/app/a/abc") || !strings.Contains(m.Text, "01.02.2027") {
				t.Errorf("%s: no application link or date: %s", k, m.Text)
			}
			if (k == KindExpiry30 || k == KindExpiry60) && !strings.Contains(m.Subject, "41 день") {
				t.Errorf("%s: subject %q without «41 день»", k, m.Subject)
			}
			if m.Unsubscribe != "https://accredpack.example.ru/api/v1/unsubscribe?token=uns-456" {
				t.Errorf("%s: unsubscribe %q", k, m.Unsubscribe)
			}
			if !strings.Contains(m.Text, "/app/unsubscribe#uns-456") || !strings.Contains(m.HTML, "/app/unsubscribe#uns-456") {
				t.Errorf("%s: no unsubscribe link in the body", k)
			}
		}
	}
}

func TestHTMLEscapes(t *testing.T) {
	m, err := composer(t).Compose(KindInvitation, "a@example.ru", Data{Org: `<script>alert(1)</script>`, Token: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") {
		t.Fatalf("organization name not escaped: %s", m.HTML)
	}
}

func TestMIME(t *testing.T) {
	m, err := composer(t).Compose(KindExpiry30, "anna@example.ru", Data{Name: "Анна", AppID: "abc", Date: "01.02.2027", Days: 30, UnsubscribeToken: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := newMsg("accredpack <noreply@example.ru>", m)
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if _, err := msg.WriteTo(&raw); err != nil {
		t.Fatal(err)
	}
	parsed, err := mail.ReadMessage(&raw)
	if err != nil {
		t.Fatal(err)
	}
	h := parsed.Header
	rawSubj := h.Get("Subject")
	if !strings.HasPrefix(rawSubj, "=?UTF-8?") {
		t.Errorf("subject not RFC 2047 encoded: %q", rawSubj)
	}
	if subj, err := new(mime.WordDecoder).DecodeHeader(rawSubj); err != nil || subj != m.Subject {
		t.Errorf("subject decodes to %q (%v), want %q", subj, err, m.Subject)
	}
	if got := h.Get("List-Unsubscribe"); got != "<https://accredpack.example.ru/api/v1/unsubscribe?token=u1>" {
		t.Errorf("List-Unsubscribe %q", got)
	}
	if got := h.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", got)
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q (%v)", h.Get("Content-Type"), err)
	}
	r := multipart.NewReader(parsed.Body, params["boundary"])
	var types []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, ct)
		if cp["charset"] != "UTF-8" && cp["charset"] != "utf-8" {
			t.Errorf("%s charset %q", ct, cp["charset"])
		}
		body, _ := io.ReadAll(p) // multipart decodes quoted-printable
		if !strings.Contains(string(body), "Анна") {
			t.Errorf("%s part lacks the Russian text: %q", ct, body)
		}
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Errorf("parts %v, want text/plain then text/html", types)
	}
	// Transactional messages carry no unsubscription.
	m2, _ := composer(t).Compose(KindPasswordReset, "anna@example.ru", Data{Token: "t"})
	msg2, _ := newMsg("noreply@example.ru", m2)
	raw.Reset()
	msg2.WriteTo(&raw)
	if strings.Contains(raw.String(), "List-Unsubscribe") {
		t.Error("a password reset must not offer an unsubscription")
	}
}

// TestNoSecretsInLogs: the SMTP password reaches neither the log nor the
// error of a failed send, and the log sender writes no link or token.
func TestNoSecretsInLogs(t *testing.T) {
	const password = "smtp-Pa55word-secret"
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// A server that greets and hangs up: the send fails after dialing.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("220 test ESMTP\r\n"))
			buf := make([]byte, 512)
			c.Read(buf)
			c.Write([]byte("250-test\r\n250 AUTH PLAIN LOGIN\r\n"))
			c.Read(buf)
			c.Write([]byte("535 5.7.8 authentication failed\r\n"))
			c.Close()
		}
	}()
	cfg := SMTPConfig{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, TLS: TLSNone, User: "robot", Password: password, From: "noreply@example.ru"}
	s, err := NewSMTP(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := composer(t).Compose(KindPasswordReset, "anna@example.ru", Data{Token: "reset-token-xyz"})
	sendErr := s.Send(context.Background(), m)
	if sendErr == nil {
		t.Fatal("a refused login sent the message")
	}
	log.Info("configuration", "smtp", cfg)
	NewLog(log).Send(context.Background(), m)
	out := buf.String() + sendErr.Error() + cfg.String()
	for _, secret := range []string{password, "reset-token-xyz", "anna@example.ru"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q reached a log or an error:\n%s", secret, out)
		}
	}
	if !strings.Contains(buf.String(), "a***@example.ru") || !strings.Contains(buf.String(), m.Subject) {
		t.Errorf("the log sender does not say what would have been sent:\n%s", buf.String())
	}
}

func TestBadConfig(t *testing.T) {
	if _, err := NewComposer("example.ru"); err == nil {
		t.Error("a public URL without a scheme was taken")
	}
	if _, err := NewSMTP(SMTPConfig{Host: "h", Port: 25, TLS: "ssl", From: "a@b.ru"}, slog.Default()); err == nil {
		t.Error("an unknown TLS mode was taken")
	}
}
