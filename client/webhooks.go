package client

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Webhook is a subscription to events. Secret is set only in the answers
// of CreateWebhook and RotateWebhookSecret: keep it to verify deliveries.
type Webhook struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	Secret      string    `json:"secret,omitempty"`
	// PreviousSecretExpiresAt, after a rotation: until then deliveries
	// are signed with the replaced secret too. Nil when they are not.
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at,omitempty"`
}

// Event is what a subscriber receives: document.accepted, bundle.done,
// readiness.changed or ping.
type Event struct {
	ID            string         `json:"id"`
	Type          string         `json:"type"`
	ApplicationID string         `json:"application_id,omitempty"`
	OccurredAt    time.Time      `json:"occurred_at"`
	Data          map[string]any `json:"data"`
	DeliveryID    string         `json:"delivery_id"`
}

// Delivery is one event on its way to a subscription, with its attempts.
type Delivery struct {
	ID            string     `json:"id"`
	EventID       string     `json:"event_id"`
	EventType     string     `json:"event_type"`
	ApplicationID string     `json:"application_id,omitempty"`
	Status        string     `json:"status"` // pending | delivered | failed
	Attempts      int        `json:"attempts"`
	LastStatus    int        `json:"last_status,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	Payload       Event      `json:"payload"`
	Log           []Attempt  `json:"log"`
}

// Attempt is one try of a delivery.
type Attempt struct {
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	Status     int       `json:"status"` // HTTP status; 0: no answer
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms"`
}

func webhook(id string) string { return "/webhooks/" + url.PathEscape(id) }

// CreateWebhook subscribes url to event types; the answer holds the
// secret, shown this once.
func (c *Client) CreateWebhook(ctx context.Context, hookURL string, events []string, description string, opts ...CallOption) (*Webhook, error) {
	var w Webhook
	in := map[string]any{"url": hookURL, "events": events, "description": description}
	return &w, c.callJSON(ctx, "POST", "/webhooks", in, &w, opts...)
}

// Webhooks lists the caller's subscriptions (staff: their organization's).
func (c *Client) Webhooks(ctx context.Context) ([]Webhook, error) {
	var out struct {
		Webhooks []Webhook `json:"webhooks"`
	}
	return out.Webhooks, c.callJSON(ctx, "GET", "/webhooks", nil, &out)
}

// DeleteWebhook removes a subscription with its delivery log.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	return c.callJSON(ctx, "DELETE", webhook(id), nil, nil)
}

// WebhookDeliveries returns the newest deliveries of a subscription.
func (c *Client) WebhookDeliveries(ctx context.Context, id string, limit int) ([]Delivery, error) {
	var out struct {
		Deliveries []Delivery `json:"deliveries"`
	}
	return out.Deliveries, c.callJSON(ctx, "GET", webhook(id)+"/deliveries?limit="+strconv.Itoa(limit), nil, &out)
}

// RotateWebhookSecret gives a subscription a new secret, in the answer
// this once. Until PreviousSecretExpiresAt (the service's grace period, a
// day by default) deliveries are signed with both the new and the
// replaced secret, so a receiver verifying with either accepts them:
// switch the receiver to the new secret within that time.
func (c *Client) RotateWebhookSecret(ctx context.Context, id string, opts ...CallOption) (*Webhook, error) {
	var w Webhook
	return &w, c.callJSON(ctx, "POST", webhook(id)+"/secret", nil, &w, opts...)
}

// PingWebhook queues a ping event to a subscription.
func (c *Client) PingWebhook(ctx context.Context, id string) (*Delivery, error) {
	var d Delivery
	return &d, c.callJSON(ctx, "POST", webhook(id)+"/ping", nil, &d)
}

// Headers of a delivery.
const (
	SignatureHeader = "Accredpack-Signature"
	EventHeader     = "Accredpack-Event"
	DeliveryHeader  = "Accredpack-Delivery"
)

// Errors of VerifyWebhook.
var (
	ErrBadSignature = errors.New("accredpack: webhook signature does not match")
	ErrStale        = errors.New("accredpack: webhook signed too long ago")
)

// VerifyWebhook checks a delivery's Accredpack-Signature header
// ("t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">") against the
// subscription's secret and returns the event. The header may carry
// several v1 values (after a rotation, one for the new secret and one for
// the replaced one): it verifies when any of them matches. A signature older or newer
// than tolerance (5 minutes is usual) is refused, so that a captured
// delivery cannot be replayed later; receivers should also drop a
// delivery id they have already seen.
func VerifyWebhook(secret, header string, body []byte, now time.Time, tolerance time.Duration) (*Event, error) {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return nil, fmt.Errorf("%w: malformed header", ErrBadSignature)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	ok := false
	for _, s := range sigs {
		ok = ok || hmac.Equal(s, want)
	}
	if !ok {
		return nil, ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return nil, ErrStale
	}
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return nil, fmt.Errorf("accredpack: webhook body: %w", err)
	}
	return &e, nil
}
