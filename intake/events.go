package intake

import (
	"context"
	"time"

	"accredpack/dossier"
	"accredpack/events"
	"accredpack/readiness"
)

// documentAccepted is the event of a file stored in a slot: ids, sizes and
// checksums, never the file's name (it often holds the person's).
func documentAccepted(ctx context.Context, appID string, doc dossier.Document, replaced bool, sources int) events.Event {
	return events.Event{Type: events.DocumentAccepted, ApplicationID: appID, OccurredAt: doc.UploadedAt, ActorOrg: events.ActorOrg(ctx),
		Data: map[string]any{"slot": doc.Ref.String(), "sha256": doc.SHA256, "size": doc.Size, "pages": doc.Pages,
			"replaced": replaced, "sources": sources}}
}

// changed follows every change to an application: it publishes what
// happened (if anything is given), then readiness.changed when the
// application became ready to submit or stopped being ready.
func (s *Service) changed(ctx context.Context, appID string, happened ...events.Event) {
	ctx = context.WithoutCancel(ctx)
	for _, e := range happened {
		s.events.Publish(ctx, e)
	}
	if s.rules == nil {
		return // no education rules, no readiness (tests of intake alone)
	}
	r, err := s.Readiness(ctx, appID)
	if err != nil {
		s.log.WarnContext(ctx, "readiness not evaluated after a change", "application", appID, "error", err)
		return
	}
	now := s.now()
	flipped, err := s.db.SetReadiness(ctx, appID, r.Ready, now)
	if err != nil {
		s.log.WarnContext(ctx, "readiness not recorded after a change", "application", appID, "error", err)
		return
	}
	if !flipped {
		return
	}
	blocking := 0
	for _, f := range r.Findings {
		if f.Severity == readiness.Blocking {
			blocking++
		}
	}
	s.events.Publish(ctx, events.Event{Type: events.ReadinessChanged, ApplicationID: appID, OccurredAt: now.Truncate(time.Millisecond),
		ActorOrg: events.ActorOrg(ctx), Data: map[string]any{"ready": r.Ready, "blocking_findings": blocking}})
}
