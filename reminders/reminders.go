// Package reminders e-mails the deadlines of applications: the
// recommended submission window opening, 60 and 30 days before the
// accreditation expires (while not submitted), and a stage after
// submission that should have ended. A daily scan finds what is due from
// each application's readiness report and queues one River job per
// (application, kind, date, stage), unique, so that it is queued and sent
// once across restarts and several processes; the job sends to each
// recipient once (recorded in reminders_sent), tried again on SMTP
// failure.
package reminders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"accredpack/database"
	"accredpack/dossier"
	"accredpack/fault"
	"accredpack/intake"
	"accredpack/mail"
)

// Queue is the River queue of reminders.
const Queue = "mail"

// Applications reads an application with its readiness (intake.Service).
type Applications interface {
	Get(ctx context.Context, id string) (*intake.View, error)
}

// Mailer sends a message of a kind (mail.Postman).
type Mailer interface {
	Send(ctx context.Context, k mail.Kind, to string, d mail.Data) error
}

// Unsubscriber makes the token of a link that stops reminders
// (accounts.Service).
type Unsubscriber interface {
	NewUnsubscribeToken(ctx context.Context, userID string) (string, error)
}

// Inserter puts jobs on the job queue (jobs.Queue).
type Inserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error)
}

// Deps are what reminders need.
type Deps struct {
	DB           *database.DB
	Applications Applications
	Mailer       Mailer
	Unsubscribe  Unsubscriber
	// RequireConfirmed skips recipients whose address is not confirmed
	// (SMTP is on).
	RequireConfirmed bool
	Log              *slog.Logger
	// Now is the clock (UTC); nil: time.Now.
	Now func() time.Time
}

// Service scans for due reminders and sends them.
type Service struct {
	d     Deps
	queue Inserter
}

// New returns a Service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = func() time.Time { return time.Now().UTC() }
	}
	return &Service{d: d}
}

// SetQueue sets the job queue reminders are inserted into.
func (s *Service) SetQueue(q Inserter) { s.queue = q }

// AddWorker registers the reminder worker.
func (s *Service) AddWorker(workers *river.Workers) {
	river.AddWorker(workers, &worker{svc: s})
}

// args is the job of one reminder.
type args struct {
	ApplicationID string `json:"application_id"`
	Type          string `json:"kind"`
	On            string `json:"on"`               // the date it concerns, YYYY-MM-DD
	Detail        string `json:"detail,omitempty"` // the stage of a stage reminder
}

func (args) Kind() string { return "reminder" }

// InsertOpts: unique by its arguments (in every state River keeps, a
// completed job included), so a scan in another process or after a
// restart queues nothing new; several attempts, for SMTP failures.
func (args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 12, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

func (a args) reminder() database.Reminder {
	return database.Reminder{ApplicationID: a.ApplicationID, Kind: a.Type, ConcernsOn: a.On, Detail: a.Detail}
}

type worker struct {
	river.WorkerDefaults[args]
	svc *Service
}

func (w *worker) Work(ctx context.Context, job *river.Job[args]) error {
	return w.svc.send(ctx, job.Args)
}

func (w *worker) Timeout(*river.Job[args]) time.Duration { return 2 * time.Minute }

const dateLayout = "2006-01-02"

// due lists the reminders of an application due today.
func due(v *intake.View, today time.Time) []args {
	d := v.Readiness.Deadlines
	if d == nil {
		return nil
	}
	parse := func(s string) (time.Time, bool) {
		t, err := time.Parse(dateLayout, s)
		return t, err == nil
	}
	var out []args
	id := v.App.ID
	if v.App.Status != dossier.StatusSubmitted {
		expiry, ok := parse(d.Expiry)
		if !ok || !today.Before(expiry) {
			return nil
		}
		if from, ok := parse(d.SubmitFrom); ok && !today.Before(from) {
			out = append(out, args{ApplicationID: id, Type: string(mail.KindWindowOpen), On: d.SubmitFrom})
		}
		switch left := int(expiry.Sub(today).Hours() / 24); {
		case left <= 30:
			out = append(out, args{ApplicationID: id, Type: string(mail.KindExpiry30), On: d.Expiry})
		case left <= 60:
			out = append(out, args{ApplicationID: id, Type: string(mail.KindExpiry60), On: d.Expiry})
		}
		return out
	}
	// Submitted: a stage whose end passed in the last 30 days (older ones
	// are history, not news).
	for _, st := range d.Stages {
		end, ok := parse(st.Ends)
		if ok && today.After(end) && today.Sub(end) <= 30*24*time.Hour {
			out = append(out, args{ApplicationID: id, Type: string(mail.KindStageOverdue), On: st.Ends, Detail: st.ID})
		}
	}
	return out
}

// Scan queues every reminder due today and returns how many applications
// it looked at and how many jobs it queued (a job already queued or done
// is not queued again).
func (s *Service) Scan(ctx context.Context) (apps, queued int, err error) {
	if s.queue == nil {
		return 0, 0, errors.New("reminders: no job queue")
	}
	today := s.d.Now().Truncate(24 * time.Hour)
	const page = 200
	after := ""
	for {
		ids, err := s.d.DB.ApplicationIDs(ctx, after, page)
		if err != nil {
			return apps, queued, err
		}
		for _, id := range ids {
			if err := ctx.Err(); err != nil {
				return apps, queued, err
			}
			v, err := s.d.Applications.Get(ctx, id)
			if errors.Is(err, fault.ErrNotFound) {
				continue
			}
			if err != nil {
				return apps, queued, err
			}
			apps++
			for _, a := range due(v, today) {
				if _, err := s.queue.Insert(ctx, a, nil); err != nil {
					return apps, queued, fmt.Errorf("reminders: queue %s of %s: %w", a.Type, a.ApplicationID, err)
				}
				queued++
			}
		}
		if len(ids) < page {
			return apps, queued, nil
		}
		after = ids[len(ids)-1]
	}
}

// RunScan scans when the process starts and then once a day: it looks
// every interval whether the date (UTC) changed since the last full scan.
// It returns when ctx ends.
func (s *Service) RunScan(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	last := ""
	for {
		if today := s.d.Now().Format(dateLayout); today != last {
			apps, queued, err := s.Scan(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.d.Log.WarnContext(ctx, "reminder scan failed; tried again later", "error", err)
			case err == nil:
				s.d.Log.InfoContext(ctx, "reminders scanned", "applications", apps, "queued", queued)
				last = today
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// recipient is a person a reminder goes to.
type recipient struct {
	UserID, Email, Name string
}

// recipients are the people an application's reminders go to: the
// specialist who owns it.
func (s *Service) recipients(ctx context.Context, appID string) ([]recipient, error) {
	v, err := s.d.Applications.Get(ctx, appID)
	if err != nil {
		return nil, err
	}
	// The specialist, then the staff member each consultancy assigned.
	ids := []string{}
	if v.App.Owner != "" {
		ids = append(ids, v.App.Owner)
	}
	staff, err := s.d.DB.Assignees(ctx, appID)
	if err != nil {
		return nil, err
	}
	ids = append(ids, staff...)
	var out []recipient
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		u, err := s.d.DB.User(ctx, id)
		if err != nil && !errors.Is(err, database.ErrNotFound) {
			return nil, err
		}
		if err == nil && u.DisabledAt == nil {
			out = append(out, recipient{UserID: u.ID, Email: u.Email, Name: u.Name})
		}
	}
	return out, nil
}

// send sends one reminder to each recipient that has not had it, wants
// reminders and (with SMTP on) confirmed the address. Each is recorded
// right after it went out: a job tried again (an SMTP failure with the
// second recipient) skips the first. What remains possible is a crash
// between the SMTP server taking a message and the record's commit: that
// recipient gets it twice. Nothing can close that gap without the SMTP
// server's help.
func (s *Service) send(ctx context.Context, a args) error {
	v, err := s.d.Applications.Get(ctx, a.ApplicationID)
	if errors.Is(err, fault.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("reminders: application %s is gone", a.ApplicationID))
	}
	if err != nil {
		return err
	}
	to, err := s.recipients(ctx, a.ApplicationID)
	if err != nil {
		return err
	}
	on, err := time.Parse(dateLayout, a.On)
	if err != nil {
		return river.JobCancel(fmt.Errorf("reminders: bad date %q", a.On))
	}
	data := mail.Data{AppID: a.ApplicationID, Application: v.App.Form.Specialty, Date: on.Format("02.01.2006")}
	if a.Type == string(mail.KindExpiry30) || a.Type == string(mail.KindExpiry60) {
		data.Days = int(on.Sub(s.d.Now().Truncate(24*time.Hour)).Hours() / 24)
	}
	if a.Type == string(mail.KindStageOverdue) && v.Readiness.Deadlines != nil {
		for _, st := range v.Readiness.Deadlines.Stages {
			if st.ID == a.Detail {
				data.Stage = st.Title
			}
		}
	}
	r := a.reminder()
	for _, p := range to {
		skip, err := s.skip(ctx, r, p)
		if err != nil {
			return err
		}
		if skip {
			continue
		}
		d := data
		d.Name, d.Email = p.Name, p.Email
		if d.UnsubscribeToken, err = s.d.Unsubscribe.NewUnsubscribeToken(ctx, p.UserID); err != nil {
			return err
		}
		if err := s.d.Mailer.Send(ctx, mail.Kind(a.Type), p.Email, d); err != nil {
			return fmt.Errorf("reminders: send %s of %s: %w", a.Type, a.ApplicationID, err)
		}
		if err := s.d.DB.RecordReminder(context.WithoutCancel(ctx), r, p.UserID, s.d.Now()); err != nil {
			return err
		}
	}
	return nil
}

// skip tells whether a recipient must not get a reminder.
func (s *Service) skip(ctx context.Context, r database.Reminder, p recipient) (bool, error) {
	if sent, err := s.d.DB.ReminderSent(ctx, r, p.UserID); err != nil || sent {
		return sent, err
	}
	if out, err := s.d.DB.OptedOut(ctx, p.UserID); err != nil || out {
		return out, err
	}
	if s.d.RequireConfirmed {
		ok, err := s.d.DB.EmailConfirmed(ctx, p.UserID)
		return !ok, err
	}
	return false, nil
}
