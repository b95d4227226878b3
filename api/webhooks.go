package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"accredpack/database"
	"accredpack/events"
	"accredpack/webhooks"
)

// WebhookJSON is a subscription; the secret appears only in the answer
// that created it or rotated it.
type WebhookJSON struct {
	ID           string    `json:"id"`
	URL          string    `json:"url"`
	Events       []string  `json:"events"`
	Description  string    `json:"description"`
	Organization string    `json:"organization_id,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	Secret       string    `json:"secret,omitempty"`
	// PreviousSecretExpiresAt: after a rotation, until when deliveries are
	// signed with the replaced secret too (absent when they are not).
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at,omitempty"`
	// SecretWithheld is set only in an answer replayed for an
	// Idempotency-Key: ["secret"], the secret was shown once and is not
	// kept.
	SecretWithheld []string `json:"secret_withheld,omitempty"`
}

func webhookJSON(sub database.Subscription, withSecret bool) WebhookJSON {
	w := WebhookJSON{ID: sub.ID, URL: sub.URL, Events: sub.Events, Description: sub.Description, Organization: sub.OrgID, CreatedAt: sub.CreatedAt}
	if withSecret {
		w.Secret = sub.Secret
	}
	if sub.PreviousActive(timeNow()) {
		until := sub.PreviousSecretExpiresAt
		w.PreviousSecretExpiresAt = &until
	}
	return w
}

// DeliveryJSON is one event on its way to a subscriber, with every attempt.
type DeliveryJSON struct {
	ID            string             `json:"id"`
	EventID       string             `json:"event_id"`
	EventType     string             `json:"event_type"`
	ApplicationID string             `json:"application_id,omitempty"`
	Status        string             `json:"status"` // pending | delivered | failed
	Attempts      int                `json:"attempts"`
	LastStatus    int                `json:"last_status,omitempty"`
	LastError     string             `json:"last_error,omitempty"`
	NextAttemptAt *time.Time         `json:"next_attempt_at,omitempty"`
	CreatedAt     time.Time          `json:"created_at"`
	UpdatedAt     time.Time          `json:"updated_at"`
	Payload       WebhookPayloadJSON `json:"payload"`
	Log           []AttemptJSON      `json:"log"`
}

// WebhookPayloadJSON is the body a subscriber receives (signed in the
// Accredpack-Signature header). It holds ids and states, no personal data.
type WebhookPayloadJSON struct {
	events.Event
	DeliveryID string `json:"delivery_id"`
}

// AttemptJSON is one attempt of a delivery.
type AttemptJSON struct {
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	Status     int       `json:"status"` // HTTP status; 0: no answer
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms"`
}

func deliveryJSON(d database.Delivery) DeliveryJSON {
	out := DeliveryJSON{ID: d.ID, EventID: d.EventID, EventType: d.EventType, ApplicationID: d.ApplicationID, Status: d.Status,
		Attempts: d.Attempts, LastStatus: d.LastStatus, LastError: d.LastError, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
		Log: []AttemptJSON{}}
	// Stored by this service as this very shape.
	_ = json.Unmarshal(d.Payload, &out.Payload)
	if !d.NextAttemptAt.IsZero() {
		out.NextAttemptAt = &d.NextAttemptAt
	}
	for _, a := range d.Log {
		out.Log = append(out.Log, AttemptJSON{Attempt: a.Attempt, At: a.At, Status: a.Status, Error: a.Error, DurationMS: a.Duration.Milliseconds()})
	}
	return out
}

func (s *Server) listWebhooks(c echo.Context) error {
	list, err := s.webhooks.List(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	out := []WebhookJSON{}
	for _, sub := range list {
		out = append(out, webhookJSON(sub, false))
	}
	return c.JSON(http.StatusOK, map[string]any{"webhooks": out})
}

func (s *Server) createWebhook(c echo.Context) error {
	var body webhooks.NewSubscription
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	sub, err := s.webhooks.Create(c.Request().Context(), principal(c), body)
	if err != nil {
		return err
	}
	shownOnce(c, "secret")
	return c.JSON(http.StatusCreated, webhookJSON(sub, true))
}

func (s *Server) getWebhook(c echo.Context) error {
	sub, err := s.webhooks.Get(c.Request().Context(), principal(c), c.Param("wid"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, webhookJSON(sub, false))
}

// rotateWebhookSecret gives a subscription a new secret, shown this once;
// the replaced one goes on signing for the grace period.
func (s *Server) rotateWebhookSecret(c echo.Context) error {
	sub, err := s.webhooks.RotateSecret(c.Request().Context(), principal(c), c.Param("wid"))
	if err != nil {
		return err
	}
	shownOnce(c, "secret")
	return c.JSON(http.StatusOK, webhookJSON(sub, true))
}

func (s *Server) deleteWebhook(c echo.Context) error {
	if err := s.webhooks.Delete(c.Request().Context(), principal(c), c.Param("wid")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listDeliveries(c echo.Context) error {
	limit, err := limitParam(c, 50, 500)
	if err != nil {
		return err
	}
	list, err := s.webhooks.Deliveries(c.Request().Context(), principal(c), c.Param("wid"), limit)
	if err != nil {
		return err
	}
	out := []DeliveryJSON{}
	for _, d := range list {
		out = append(out, deliveryJSON(d))
	}
	return c.JSON(http.StatusOK, map[string]any{"deliveries": out})
}

func (s *Server) pingWebhook(c echo.Context) error {
	d, err := s.webhooks.Ping(c.Request().Context(), principal(c), c.Param("wid"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, deliveryJSON(d))
}
