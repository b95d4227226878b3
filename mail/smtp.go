package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS modes of the SMTP connection.
const (
	TLSNone     = "none"     // plain SMTP (a relay on the same host, a test server)
	TLSStartTLS = "starttls" // STARTTLS required (port 587)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
)

// SMTPConfig is the SMTP server messages go through.
type SMTPConfig struct {
	Host     string
	Port     int
	TLS      string // none, starttls or tls
	User     string // empty: no authentication
	Password string
	From     string // the sender's address, e.g. «accredpack <noreply@example.ru>»
	Timeout  time.Duration
}

// String shows the configuration without the password.
func (c SMTPConfig) String() string {
	return fmt.Sprintf("smtp://%s:%d tls=%s user=%q from=%q", c.Host, c.Port, c.TLS, c.User, c.From)
}

// GoString keeps the password out of %#v.
func (c SMTPConfig) GoString() string { return "mail.SMTPConfig{" + c.String() + "}" }

// LogValue keeps the password out of structured logs too.
func (c SMTPConfig) LogValue() slog.Value { return slog.StringValue(c.String()) }

// SMTP sends messages through an SMTP server, one connection a message.
type SMTP struct {
	cfg SMTPConfig
	log *slog.Logger
}

// NewSMTP checks the configuration; nothing is dialed until a message is
// sent.
func NewSMTP(cfg SMTPConfig, log *slog.Logger) (*SMTP, error) {
	if cfg.Host == "" || cfg.Port <= 0 || cfg.From == "" {
		return nil, fmt.Errorf("mail: SMTP needs a host, a port and a sender address")
	}
	switch cfg.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return nil, fmt.Errorf("mail: SMTP TLS mode %q: want none, starttls or tls", cfg.TLS)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if _, err := newMsg(cfg.From, Message{To: "check@example.ru", Subject: "-", Text: "-", HTML: "-"}); err != nil {
		return nil, fmt.Errorf("mail: sender address %q: %w", cfg.From, err)
	}
	return &SMTP{cfg: cfg, log: log}, nil
}

// newMsg builds the MIME message: multipart/alternative of text/plain and
// text/html in UTF-8 (quoted-printable), the subject encoded as RFC 2047
// words, and the unsubscription headers when it has them.
func newMsg(from string, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP), gomail.WithNoDefaultUserAgent())
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail: sender: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	if m.Unsubscribe != "" {
		msg.SetGenHeader("List-Unsubscribe", "<"+m.Unsubscribe+">")
		msg.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	return msg, nil
}

// Send dials the server and sends m.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := newMsg(s.cfg.From, m)
	if err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(&tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12})}
	switch s.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	if s.cfg.User != "" {
		// Over TLS the strongest mechanism the server offers; without TLS
		// (chosen: a relay on this host or a test server) PLAIN, which
		// go-mail otherwise refuses on an unencrypted connection.
		auth := gomail.SMTPAuthAutoDiscover
		if s.cfg.TLS == TLSNone {
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.cfg.User), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("mail: SMTP client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: send %s to %s via %s:%d: %w", m.Kind, Mask(m.To), s.cfg.Host, s.cfg.Port, err)
	}
	s.log.InfoContext(ctx, "e-mail sent", "kind", m.Kind, "to", Mask(m.To))
	return nil
}

// Log is the sender when SMTP is off: it logs what would have been sent
// (the kind, the masked recipient and the subject), never the body, which
// holds links with one-time tokens.
type Log struct{ log *slog.Logger }

// NewLog returns a Log sender.
func NewLog(log *slog.Logger) *Log { return &Log{log: log} }

// Send logs m.
func (l *Log) Send(ctx context.Context, m Message) error {
	l.log.InfoContext(ctx, "e-mail not sent: SMTP is off (ACCREDPACK_SMTP_HOST); it would have been", "kind", m.Kind, "to", Mask(m.To), "subject", m.Subject)
	return nil
}
