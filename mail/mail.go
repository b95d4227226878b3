// Package mail composes the service's e-mails (Russian, plain text and
// HTML, from Go templates) and sends them: over SMTP, or, when SMTP is not
// configured, into the log (which says what would have been sent, never a
// link or a token). It knows nothing of accounts or applications: callers
// give it a kind, a recipient and the data of the message.
package mail

import (
	"context"
	"strings"
)

// Message is one e-mail ready to send.
type Message struct {
	Kind    Kind   // what it is, for logs
	To      string // one address
	Subject string
	Text    string // text/plain
	HTML    string // text/html
	// Unsubscribe, when set, is the URL of a one-click unsubscription
	// (RFC 8058): it goes into List-Unsubscribe with
	// List-Unsubscribe-Post.
	Unsubscribe string
}

// Sender sends a message; an error means it was not sent (and may be
// tried again).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Kind names a message's template.
type Kind string

// Kinds of messages.
const (
	KindConfirm       Kind = "confirm_email"
	KindSignupExists  Kind = "signup_exists"
	KindPasswordReset Kind = "password_reset"
	KindInvitation    Kind = "invitation"
	KindWindowOpen    Kind = "reminder_window"
	KindExpiry60      Kind = "reminder_expiry_60"
	KindExpiry30      Kind = "reminder_expiry_30"
	KindStageOverdue  Kind = "reminder_stage_overdue"
)

// Kinds lists every kind (each has a template).
var Kinds = []Kind{KindConfirm, KindSignupExists, KindPasswordReset, KindInvitation, KindWindowOpen, KindExpiry60, KindExpiry30, KindStageOverdue}

// Mask shows an address as i***@example.ru: enough to tell messages
// apart in a log, not enough to read a person's address off it.
func Mask(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "***"
	}
	r := []rune(local)
	return string(r[0]) + "***@" + domain
}

// Postman composes and sends: what the rest of the service calls.
type Postman struct {
	Composer *Composer
	Sender   Sender
}

// Send composes a message of kind k to the address to and sends it.
func (p Postman) Send(ctx context.Context, k Kind, to string, d Data) error {
	m, err := p.Composer.Compose(k, to, d)
	if err != nil {
		return err
	}
	return p.Sender.Send(ctx, m)
}
