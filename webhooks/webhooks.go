// Package webhooks tells subscribers what happens to the applications they
// may see: subscriptions (an account's, or its organization's), the fan-out
// of each event to the subscriptions whose owners the access policy lets
// hear it, and signed deliveries through the job queue with retries,
// backoff and a log of every attempt.
package webhooks

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"accredpack/access"
	"accredpack/checks"
	"accredpack/database"
	"accredpack/events"
	"accredpack/fault"
)

// Queue is the job queue of deliveries, apart from the builds so that a
// long build never holds an event back.
const Queue = "webhooks"

// MaxSubscriptions is the most subscriptions of one account or
// organization: every event is checked against every subscription.
const MaxSubscriptions = 20

// Config sets deliveries.
type Config struct {
	// Timeout bounds one attempt: connection, request and answer.
	Timeout time.Duration
	// Attempts is the most attempts of one delivery.
	Attempts int
	// Backoff is the wait after the first failed attempt; it doubles after
	// each failure, up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// AllowPrivate lets subscriptions use http and deliver to loopback and
	// private addresses (development, tests); otherwise https to public
	// addresses only.
	AllowPrivate bool
	// SecretGrace is how long the secret a rotation replaces goes on
	// signing deliveries beside the new one; 0: it stops at once.
	SecretGrace time.Duration
	// Resolver looks up subscription hosts, at creation and at delivery;
	// nil: the system's (net.DefaultResolver).
	Resolver Resolver
}

// Inserter puts jobs on the job queue (jobs.Queue): at once, or inside a
// transaction of the application's database.
type Inserter interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (int64, error)
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (int64, error)
}

// FactsFunc reads what the access policy needs to know of an application.
type FactsFunc func(ctx context.Context, appID string) (access.Facts, error)

// Service manages subscriptions and delivers events.
type Service struct {
	db     *database.DB
	policy access.Policy
	facts  FactsFunc
	queue  Inserter
	cfg    Config
	sender *sender
	log    *slog.Logger
	now    func() time.Time
}

// New returns a Service; SetQueue must follow before events are published.
func New(db *database.DB, policy access.Policy, facts FactsFunc, cfg Config, log *slog.Logger) *Service {
	return &Service{db: db, policy: policy, facts: facts, cfg: cfg, sender: newSender(cfg), log: log,
		// Microseconds, as the database keeps them: a subscription reads
		// back exactly as its creation answered.
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// SetQueue connects the job queue (built after the service, as its workers
// call the service).
func (s *Service) SetQueue(q Inserter) { s.queue = q }

// AddWorker registers the fan-out and delivery workers with a job queue's
// workers.
func (s *Service) AddWorker(workers *river.Workers) {
	river.AddWorker(workers, &deliverWorker{svc: s})
	river.AddWorker(workers, &fanOutWorker{svc: s})
}

func newID(prefix string) string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("webhooks: no randomness: %v", err))
	}
	return prefix + hex.EncodeToString(b[:])
}

func newSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("webhooks: no randomness: %v", err))
	}
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b[:])
}

// NewSubscription is what a caller asks to subscribe to.
type NewSubscription struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
}

// belongs tells whether p sees and manages sub: staff their
// organization's, everyone else their own.
func belongs(p access.Principal, sub database.Subscription) bool {
	if p.OrgID != "" {
		return sub.OrgID == p.OrgID
	}
	return sub.OrgID == "" && p.UserID != "" && sub.UserID == p.UserID
}

func notFound() error { return fault.NotFound("Подписка не найдена.") }

func unavailable(err error) error { return fmt.Errorf("%w: %w", fault.ErrUnavailable, err) }

// Create checks and stores a subscription of p; the answer is the only
// time its secret is shown.
func (s *Service) Create(ctx context.Context, p access.Principal, in NewSubscription) (database.Subscription, error) {
	var problems []checks.FieldError
	if msg := s.checkURL(ctx, in.URL); msg != "" {
		problems = append(problems, checks.FieldError{Field: "url", Code: "url", Message: msg})
	}
	var types []string
	for _, t := range in.Events {
		if !slices.Contains(events.Types, t) {
			problems = append(problems, checks.FieldError{Field: "events", Code: "oneof",
				Message: fmt.Sprintf("Неизвестное событие. Возможные: %s.", strings.Join(events.Types, ", "))})
			break
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	if len(in.Events) == 0 {
		problems = append(problems, checks.FieldError{Field: "events", Code: "required",
			Message: fmt.Sprintf("Укажите хотя бы одно событие: %s.", strings.Join(events.Types, ", "))})
	}
	if len([]rune(in.Description)) > 200 {
		problems = append(problems, checks.FieldError{Field: "description", Code: "max", Message: "Описание: не длиннее 200 символов."})
	}
	if len(problems) > 0 {
		return database.Subscription{}, &checks.ValidationError{Fields: problems}
	}
	existing, err := s.List(ctx, p)
	if err != nil {
		return database.Subscription{}, err
	}
	if len(existing) >= MaxSubscriptions {
		return database.Subscription{}, fault.Conflict(fmt.Sprintf("Подписок уже %d — это предел. Удалите ненужную или подпишите один адрес на несколько событий.", MaxSubscriptions))
	}
	sub := database.Subscription{ID: newID("wh_"), UserID: p.UserID, Role: string(p.Role), OrgID: p.OrgID, URL: in.URL,
		Events: types, Description: strings.TrimSpace(in.Description), Secret: newSecret(), CreatedAt: s.now()}
	if err := s.db.CreateSubscription(ctx, sub); err != nil {
		return sub, unavailable(err)
	}
	s.log.InfoContext(ctx, "webhook subscription created", "subscription", sub.ID, "host", hostOf(sub.URL), "events", strings.Join(types, ","))
	return sub, nil
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// checkURL returns what is wrong with a subscription's address, in words
// for the user; "" when nothing is.
func (s *Service) checkURL(ctx context.Context, raw string) string {
	if raw == "" {
		return "Укажите адрес (URL), на который отправлять события."
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" || len(raw) > 2048 {
		return "Адрес должен быть полным URL, например https://example.ru/hooks/accredpack."
	}
	if u.User != nil {
		return "Адрес не должен содержать логин и пароль: запросы подписаны секретом подписки."
	}
	if u.Fragment != "" {
		return "Адрес не должен содержать фрагмент (#...)."
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !s.cfg.AllowPrivate {
			return "Нужен адрес https: события отправляются только по защищённому соединению."
		}
	default:
		return "Адрес должен начинаться с https://."
	}
	if !s.cfg.AllowPrivate {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := judgeHost(ctx, s.cfg.Resolver, u.Hostname()); err != nil {
			var refused *refusal
			if errors.As(err, &refused) {
				return "Адрес во внутренней сети сервиса недоступен для подписки: " + refused.Error() + "."
			}
			return "Имя хоста в адресе не находится в DNS: проверьте адрес."
		}
	}
	return ""
}

// List returns the subscriptions p sees.
func (s *Service) List(ctx context.Context, p access.Principal) ([]database.Subscription, error) {
	if p.OrgID == "" && p.UserID == "" {
		return []database.Subscription{}, nil
	}
	list, err := s.db.Subscriptions(ctx, p.UserID, p.OrgID)
	if err != nil {
		return nil, unavailable(err)
	}
	return list, nil
}

// Get returns a subscription p sees; any other is not found.
func (s *Service) Get(ctx context.Context, p access.Principal, id string) (database.Subscription, error) {
	sub, err := s.db.Subscription(ctx, id)
	if errors.Is(err, database.ErrNotFound) || (err == nil && !belongs(p, sub)) {
		return database.Subscription{}, notFound()
	}
	if err != nil {
		return sub, unavailable(err)
	}
	return sub, nil
}

// Delete removes a subscription of p with its delivery log; deliveries on
// their way are dropped.
func (s *Service) Delete(ctx context.Context, p access.Principal, id string) error {
	if _, err := s.Get(ctx, p, id); err != nil {
		return err
	}
	if err := s.db.DeleteSubscription(ctx, id); err != nil {
		if errors.Is(err, database.ErrNotFound) {
			return notFound()
		}
		return unavailable(err)
	}
	return nil
}

// RotateSecret gives a subscription of p a new secret, shown in the answer
// this once. For the grace period deliveries are signed with both the new
// secret and the one it replaced, so that the subscriber can switch without
// losing an event; rotating again within it drops the older one.
func (s *Service) RotateSecret(ctx context.Context, p access.Principal, id string) (database.Subscription, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return database.Subscription{}, err
	}
	var until time.Time
	if s.cfg.SecretGrace > 0 {
		until = s.now().Add(s.cfg.SecretGrace)
	}
	sub, err := s.db.RotateSubscriptionSecret(ctx, id, newSecret(), until)
	if errors.Is(err, database.ErrNotFound) {
		return database.Subscription{}, notFound()
	}
	if err != nil {
		return sub, unavailable(err)
	}
	s.log.InfoContext(ctx, "webhook secret rotated", "subscription", sub.ID, "grace", s.cfg.SecretGrace)
	return sub, nil
}

// secrets are the secrets that sign a delivery to sub at now: its own, and
// the one its last rotation replaced while the grace period lasts.
func secrets(sub database.Subscription, now time.Time) []string {
	if sub.PreviousActive(now) {
		return []string{sub.Secret, sub.PreviousSecret}
	}
	return []string{sub.Secret}
}

// Deliveries returns the newest deliveries of a subscription of p.
func (s *Service) Deliveries(ctx context.Context, p access.Principal, id string, limit int) ([]database.Delivery, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	list, err := s.db.Deliveries(ctx, id, limit)
	if err != nil {
		return nil, unavailable(err)
	}
	return list, nil
}

// Ping sends a test event to a subscription of p.
func (s *Service) Ping(ctx context.Context, p access.Principal, id string) (database.Delivery, error) {
	sub, err := s.Get(ctx, p, id)
	if err != nil {
		return database.Delivery{}, err
	}
	e := events.Event{ID: newID("evt_"), Type: events.Ping, OccurredAt: s.now(), Data: map[string]any{"subscription_id": sub.ID}}
	d, err := s.enqueue(ctx, sub, e)
	if err != nil {
		return d, unavailable(err)
	}
	return d, nil
}

// PublishTx implements events.Publisher: it writes the event, with its id
// fixed now, as a fan-out job in tx, the transaction of the change that
// caused it (River's transactional insert). The job runs once tx commits,
// and again after a crash until it succeeds; see fanOut. With no
// subscription to the event's type nothing is written.
func (s *Service) PublishTx(ctx context.Context, tx *sql.Tx, e events.Event) error {
	subs, err := s.db.Subscriptions(ctx, "", "")
	if err != nil {
		return fmt.Errorf("webhooks: subscriptions: %w", err)
	}
	if !slices.ContainsFunc(subs, func(sub database.Subscription) bool { return slices.Contains(sub.Events, e.Type) }) {
		return nil
	}
	if e.ID == "" {
		e.ID = newID("evt_")
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = s.now()
	}
	if e.Data == nil {
		e.Data = map[string]any{}
	}
	if _, err := s.queue.InsertTx(ctx, tx, fanOutArgs{Event: e, ActorOrg: e.ActorOrg}, &river.InsertOpts{Queue: Queue}); err != nil {
		return fmt.Errorf("webhooks: write event %s: %w", e.Type, err)
	}
	return nil
}

// fanOutArgs is the job of an event written with its change: the fan-out
// to the subscriptions. It carries ids and states only, as events do.
type fanOutArgs struct {
	Event    events.Event `json:"event"`
	ActorOrg string       `json:"actor_org,omitempty"`
}

func (fanOutArgs) Kind() string { return "webhook_event" }

type fanOutWorker struct {
	river.WorkerDefaults[fanOutArgs]
	svc *Service
}

func (w *fanOutWorker) Work(ctx context.Context, job *river.Job[fanOutArgs]) error {
	e := job.Args.Event
	e.ActorOrg = job.Args.ActorOrg
	n, err := w.svc.fanOut(ctx, e)
	if err != nil {
		w.svc.log.WarnContext(ctx, "webhook event not yet queued for every subscriber; tried again", "event", e.Type, "event_id", e.ID,
			"application", e.ApplicationID, "attempt", job.Attempt, "error", err)
		return err
	}
	if n > 0 {
		w.svc.log.InfoContext(ctx, "webhook event queued", "event", e.Type, "event_id", e.ID, "application", e.ApplicationID, "deliveries", n)
	}
	return nil
}

// fanOut queues one delivery of e for every subscription to its type whose
// owner may hear of the application. Run again (a retry, a crash), it
// finds the deliveries it recorded before, by (event, subscription), and
// adds none: a subscriber gets each event once.
func (s *Service) fanOut(ctx context.Context, e events.Event) (int, error) {
	subs, err := s.db.Subscriptions(ctx, "", "")
	if err != nil {
		return 0, err
	}
	var facts *access.Facts
	var errs []error
	n := 0
	for _, sub := range subs {
		if !slices.Contains(sub.Events, e.Type) {
			continue
		}
		if facts == nil {
			f, err := s.facts(ctx, e.ApplicationID)
			if errors.Is(err, database.ErrNotFound) || errors.Is(err, fault.ErrNotFound) {
				// The application is gone (deleted meanwhile): nobody
				// may hear of it any more.
				return n, nil
			}
			if err != nil {
				return n, fmt.Errorf("facts of the application: %w", err)
			}
			facts = &f
		}
		p := access.Principal{UserID: sub.UserID, Role: access.Role(sub.Role), OrgID: sub.OrgID}
		if !s.policy.HearEvent(p, *facts, sub.OrgID != "" && e.ActorOrg == sub.OrgID) {
			continue
		}
		if _, err := s.enqueue(ctx, sub, e); err != nil {
			if errors.Is(err, database.ErrNotFound) {
				continue // the subscription was deleted meanwhile
			}
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// payload is the body every subscriber receives.
type payload struct {
	events.Event
	DeliveryID string `json:"delivery_id"`
}

// enqueue records a delivery of e to sub, unless sub has one of e
// already, and queues it (once: see queueDelivery).
func (s *Service) enqueue(ctx context.Context, sub database.Subscription, e events.Event) (database.Delivery, error) {
	d := database.Delivery{ID: newID("dlv_"), SubscriptionID: sub.ID, EventID: e.ID, EventType: e.Type,
		ApplicationID: e.ApplicationID, Status: database.DeliveryPending, CreatedAt: s.now()}
	body, err := json.Marshal(payload{Event: e, DeliveryID: d.ID})
	if err != nil {
		return d, fmt.Errorf("webhooks: encode event: %w", err)
	}
	d.Payload = body
	if d, err = s.db.CreateDeliveryOnce(ctx, d); err != nil {
		return d, err
	}
	if d.Status != database.DeliveryPending {
		return d, nil
	}
	if err := s.queueDelivery(ctx, d.ID); err != nil {
		s.db.FailDelivery(ctx, d.ID, "Не удалось поставить доставку в очередь.", s.now())
		return d, err
	}
	return d, nil
}

// queueDelivery puts the job of a delivery on the queue, once: a job for
// the same delivery, waiting, running or done, makes this a no-op.
func (s *Service) queueDelivery(ctx context.Context, id string) error {
	_, err := s.queue.Insert(ctx, deliverArgs{DeliveryID: id}, &river.InsertOpts{Queue: Queue, MaxAttempts: s.cfg.Attempts,
		UniqueOpts: river.UniqueOpts{ByArgs: true}})
	return err
}

// Sweep queues again the deliveries never attempted whose job may be lost
// (the process died between recording the delivery and queueing it), and
// forgets the previous secrets whose grace period is over.
func (s *Service) Sweep(ctx context.Context) error {
	ids, err := s.db.UnsentDeliveries(ctx, s.now().Add(-2*time.Minute), 500)
	if err != nil {
		return err
	}
	var errs []error
	if _, err := s.db.ForgetPreviousSecrets(ctx, s.now()); err != nil {
		errs = append(errs, err)
	}
	for _, id := range ids {
		errs = append(errs, s.queueDelivery(ctx, id))
	}
	return errors.Join(errs...)
}

// RunSweeper sweeps every minute until ctx ends.
func (s *Service) RunSweeper(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "webhook sweep failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
