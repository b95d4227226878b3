// Package events names what happens to an application that others may
// want to hear of (webhooks): the event types and a Publisher that the
// services which cause them are given. It holds no personal data: events
// carry ids, slots, sizes and states, never names, SNILS or file names.
package events

import (
	"context"
	"database/sql"
	"time"
)

// Event types.
const (
	// DocumentAccepted: a file passed the checks and is stored in a slot
	// (upload, composition, bulk import).
	DocumentAccepted = "document.accepted"
	// BundleDone: a bundle build ended, built or failed.
	BundleDone = "bundle.done"
	// ReadinessChanged: an application became ready to submit, or stopped
	// being ready.
	ReadinessChanged = "readiness.changed"
	// Ping: a test event a subscriber asks for.
	Ping = "ping"
)

// Types are the event types one may subscribe to.
var Types = []string{DocumentAccepted, BundleDone, ReadinessChanged}

// Event is something that happened to an application.
type Event struct {
	ID            string         `json:"id"`
	Type          string         `json:"type"`
	ApplicationID string         `json:"application_id,omitempty"`
	OccurredAt    time.Time      `json:"occurred_at"`
	Data          map[string]any `json:"data"`
	// ActorOrg is the organization whose request caused the event, if any:
	// a training center hears of its own uploads (it may read nothing else).
	ActorOrg string `json:"-"`
}

// Publisher hands events to whoever listens. An event is written in tx,
// the transaction of the change that caused it (an outbox): it exists if
// and only if the change commits, and is delivered from there, after the
// commit, at least once even if the process dies in between. An error
// fails the change: a change is never committed without its event.
type Publisher interface {
	PublishTx(ctx context.Context, tx *sql.Tx, e Event) error
}

// Discard is a Publisher with no listeners.
type Discard struct{}

// PublishTx implements Publisher.
func (Discard) PublishTx(context.Context, *sql.Tx, Event) error { return nil }

type actorOrgKey struct{}

// WithActorOrg marks ctx as the request of an organization's staff or key.
func WithActorOrg(ctx context.Context, org string) context.Context {
	if org == "" {
		return ctx
	}
	return context.WithValue(ctx, actorOrgKey{}, org)
}

// ActorOrg is the organization of the request ctx belongs to, if any.
func ActorOrg(ctx context.Context) string {
	org, _ := ctx.Value(actorOrgKey{}).(string)
	return org
}
