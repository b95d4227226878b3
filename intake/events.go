package intake

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"accredpack/database"
	"accredpack/dossier"
	"accredpack/events"
)

// documentAccepted is the event of a file stored in a slot: ids, sizes and
// checksums, never the file's name (it often holds the person's).
func documentAccepted(ctx context.Context, appID string, doc dossier.Document, replaced bool, sources int) events.Event {
	return events.Event{Type: events.DocumentAccepted, ApplicationID: appID, OccurredAt: doc.UploadedAt, ActorOrg: events.ActorOrg(ctx),
		Data: map[string]any{"slot": doc.Ref.String(), "sha256": doc.SHA256, "size": doc.Size, "pages": doc.Pages,
			"replaced": replaced, "sources": sources}}
}

// changed follows every change to an application: it records the
// application's readiness and, in the same transaction, readiness.changed
// when the application became ready to submit or stopped being ready.
// (The event of the change itself, document.accepted, is written with the
// change.)
func (s *Service) changed(ctx context.Context, appID string) {
	ctx = context.WithoutCancel(ctx)
	// Read what was recorded, evaluate, record over it; when another
	// evaluation recorded in between (it may be the newer one), again.
	for try := 1; ; try++ {
		seen, err := s.db.ReadinessOf(ctx, appID)
		if err != nil {
			s.log.WarnContext(ctx, "readiness not read after a change", "application", appID, "error", err)
			return
		}
		v, err := s.Get(ctx, appID)
		if err != nil {
			s.log.WarnContext(ctx, "readiness not evaluated after a change", "application", appID, "error", err)
			return
		}
		sum, err := s.summary(ctx, v)
		if err != nil {
			s.log.WarnContext(ctx, "readiness not summarized after a change", "application", appID, "error", err)
			return
		}
		now := s.now()
		r := v.Readiness
		flip := func(ctx context.Context, tx *sql.Tx) error {
			return s.events.PublishTx(ctx, tx, events.Event{Type: events.ReadinessChanged, ApplicationID: appID, OccurredAt: now.Truncate(time.Millisecond),
				ActorOrg: events.ActorOrg(ctx), Data: map[string]any{"ready": r.Ready, "blocking_findings": len(r.Blocking()),
					// Counts up with every recording of this application's
					// readiness: events may arrive out of order, the highest
					// is the latest.
					"sequence": seen.Version + 1}})
		}
		_, err = s.db.SetReadiness(ctx, appID, sum, now, seen, flip)
		if errors.Is(err, database.ErrReadinessMoved) && try < 10 {
			continue
		}
		if err != nil {
			s.log.WarnContext(ctx, "readiness not recorded after a change", "application", appID, "error", err)
		}
		return
	}
}

// RecheckReadiness evaluates again every application not yet submitted
// (and any never summarized for the lists) and publishes readiness.changed
// where the readiness differs from the one recorded: readiness moves with
// the date alone (a course leaves the five-year period, a break in work
// reaches five years), and a readiness never recorded after a change (the
// process died between the change and the recording) is caught up here.
// It returns how many applications it evaluated.
func (s *Service) RecheckReadiness(ctx context.Context) (int, error) {
	const page = 200
	checked, after := 0, ""
	for {
		ids, err := s.db.ToSummarize(ctx, after, page)
		if err != nil {
			return checked, err
		}
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return checked, err
			}
			s.changed(ctx, id)
			checked++
		}
		if len(ids) < page {
			return checked, nil
		}
		after = ids[len(ids)-1]
	}
}

// RunReadinessRecheck rechecks readiness when this process starts and then
// once a day: it looks every interval whether the date (UTC, the date the
// readiness is evaluated on) has changed since the last full recheck.
// It returns when ctx ends.
func (s *Service) RunReadinessRecheck(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var last string
	for {
		last = s.recheckOnNewDay(ctx, last)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// recheckOnNewDay rechecks unless the last full recheck was today; it
// returns the day of the last full recheck.
func (s *Service) recheckOnNewDay(ctx context.Context, last string) string {
	today := s.now().Format(time.DateOnly)
	if today == last {
		return last
	}
	started := time.Now()
	n, err := s.RecheckReadiness(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.WarnContext(ctx, "readiness recheck failed; tried again later", "checked", n, "error", err)
		}
		return last
	}
	s.log.InfoContext(ctx, "readiness rechecked", "applications", n, "duration", time.Since(started).Round(time.Millisecond))
	return today
}
