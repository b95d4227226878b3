// Package intake is what the service does with a dossier: create and update
// applications, take a file into a slot (stage: spool and check; commit:
// object first, database row last), read, replace and empty slots, submit.
// HTTP lives in api; rules in checks and catalog; bytes in storage; rows in
// database. Every failure leaves the dossier as it was.
package intake

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"accredpack/calendar"
	"accredpack/catalog"
	"accredpack/checks"
	"accredpack/compose"
	"accredpack/contents"
	"accredpack/database"
	"accredpack/dossier"
	"accredpack/events"
	"accredpack/fault"
	"accredpack/readiness"
	"accredpack/report"
	"accredpack/storage"
)

// Service holds the parts intake works with.
type Service struct {
	db       *database.DB
	store    storage.Store
	files    *checks.Checker
	forms    *checks.FormValidator
	catalog  *catalog.Catalog
	rules    *readiness.Rules
	calendar *calendar.Calendar
	report   *report.Data
	spoolDir string
	composer *compose.Composer
	compose  ComposeLimits
	events   events.Publisher
	readings ReadingQueue
	contents *contents.Rules
	log      *slog.Logger
	now      func() time.Time
}

// Deps are the parts a Service needs.
type Deps struct {
	DB      *database.DB
	Store   storage.Store
	Files   *checks.Checker
	Forms   *checks.FormValidator
	Catalog *catalog.Catalog
	// Rules and Calendar decide readiness; nil: the shipped ones.
	Rules    *readiness.Rules
	Calendar *calendar.Calendar
	SpoolDir string // temporary files of uploads; same disk as the store is best
	// Composer makes one PDF of several parts and fits oversize files;
	// ComposeLimits bound it.
	Composer      *compose.Composer
	ComposeLimits ComposeLimits
	// Events hears of accepted documents and changes of readiness
	// (webhooks); nil: nobody.
	Events events.Publisher
	// Readings queues the OCR reading of every accepted document, in the
	// transaction that stores it; nil: documents are not read. Contents
	// judges what was read (nil: the shipped rules).
	Readings ReadingQueue
	Contents *contents.Rules
	Log      *slog.Logger
}

// New returns a Service.
func New(d Deps) *Service {
	if d.Events == nil {
		d.Events = events.Discard{}
	}
	if d.Rules == nil || d.Calendar == nil {
		rules, err := readiness.LoadRules("")
		cal, cerr := calendar.Load()
		if err = errors.Join(err, cerr); err != nil {
			panic(fmt.Sprintf("intake: the shipped readiness rules or calendar do not load: %v", err)) // their own tests fail first
		}
		d.Rules, d.Calendar = cmp.Or(d.Rules, rules), cmp.Or(d.Calendar, cal)
	}
	rep, err := report.Load()
	if err != nil {
		panic(fmt.Sprintf("intake: the shipped report structure does not load: %v", err)) // its own tests fail first
	}
	if d.Contents == nil {
		rules, err := contents.Load()
		if err != nil {
			panic(fmt.Sprintf("intake: the shipped contents rules do not load: %v", err)) // their own tests fail first
		}
		d.Contents = rules
	}
	return &Service{report: rep, events: d.Events, readings: d.Readings, contents: d.Contents, db: d.DB, store: d.Store, files: d.Files, forms: d.Forms, catalog: d.Catalog,
		rules: d.Rules, calendar: d.Calendar, spoolDir: d.SpoolDir, composer: d.Composer, compose: d.ComposeLimits, log: d.Log, now: func() time.Time { return time.Now().UTC() }}
}

// Catalog is the catalog the service checks against.
func (s *Service) Catalog() *catalog.Catalog { return s.catalog }

// View is an application with everything computed from it.
type View struct {
	App    *dossier.Application
	Kind   *catalog.Kind
	Layout catalog.Layout
	// Problems are the form's violations under today's rules (a stored form
	// was valid when saved, but the nomenclature moves with dates) and the
	// questions it asks that are not answered yet.
	Problems []checks.FieldError
	// Report is where the report on professional activity stands (nil
	// for a kind without one).
	Report *ReportState
	// Readiness is the one evaluation of whether the application can be
	// submitted (fields, documents, education, dates): its Ready is the
	// verdict, its Deadlines the cycle's dates.
	Readiness readiness.Report
	// Readings are what OCR read on each current document, by slot row
	// (e.g. "snils", "qualification_certificates.2").
	Readings map[string]DocumentReading
}

// ledger is an application's education records, and what OCR read on
// its documents (by object key).
type ledger struct {
	courses    []dossier.Course
	activities []dossier.NMOActivity
	report     *storedReport // nil: no draft saved
	readings   map[string]database.Reading
}

func (s *Service) ledger(ctx context.Context, appID string) (ledger, error) {
	var l ledger
	var err error
	if l.courses, err = s.db.Courses(ctx, appID); err != nil {
		return l, backend(err)
	}
	if l.activities, err = s.db.NMOActivities(ctx, appID); err != nil {
		return l, backend(err)
	}
	if l.report, err = s.loadReport(ctx, appID); err != nil {
		return l, err
	}
	if l.readings, err = s.db.Readings(ctx, appID); err != nil {
		return l, backend(err)
	}
	return l, nil
}

// NotReady refuses an action that needs a ready application: refused says
// what could not be done; the message names the first obstacles, and the
// refusal carries every one as a reason.
func NotReady(r readiness.Report, refused string) error {
	blocking := r.Blocking()
	reasons := make([]fault.Reason, len(blocking))
	for i, f := range blocking {
		reasons[i] = fault.Reason{Code: f.Code, Message: f.Message, Field: f.Field, Slot: f.Slot}
	}
	const shown = 2
	var msgs []string
	for _, f := range blocking[:min(len(blocking), shown)] {
		msgs = append(msgs, f.Message)
	}
	msg := refused + ": заявление не готово к подаче. " + strings.Join(msgs, " ")
	if more := len(blocking) - shown; more > 0 {
		msg += fmt.Sprintf(" И ещё препятствий: %d (все — в findings).", more)
	}
	return &Refusal{Kind: ErrConflict, Reasons: reasons, Message: msg}
}

func newID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("intake: no randomness: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// backend marks an error of the database or the store as unavailability,
// keeping not-found and refusals as they are.
func backend(err error) error {
	var r *Refusal
	switch {
	case err == nil, errors.As(err, &r):
		return err
	case errors.Is(err, context.Canceled):
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// Create validates and stores a new application of owner (a specialist's
// user id, or empty), shared at once with the organizations of grants.
func (s *Service) Create(ctx context.Context, owner string, f dossier.Form, grants ...database.Grant) (*View, error) {
	now := s.now()
	if err := s.forms.Check(&f, now); err != nil {
		return nil, err
	}
	a := &dossier.Application{ID: newID(), Owner: owner, Status: dossier.StatusDraft, Form: f, CreatedAt: now, UpdatedAt: now}
	for i := range grants {
		grants[i].CreatedAt = now
	}
	if err := s.db.CreateApplication(ctx, a, grants...); err != nil {
		return nil, backend(err)
	}
	s.log.InfoContext(ctx, "application created", "application", a.ID, "kind", f.Kind)
	s.changed(ctx, a.ID)
	return s.view(a, nil, ledger{}), nil
}

// CheckForm normalizes and validates a form as Create would, storing
// nothing.
func (s *Service) CheckForm(f *dossier.Form) error {
	return s.forms.Check(f, s.now())
}

// Get reads an application with its slots and its readiness.
func (s *Service) Get(ctx context.Context, id string) (*View, error) {
	a, docs, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	l, err := s.ledger(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.view(a, docs, l), nil
}

func (s *Service) app(ctx context.Context, id string) (*dossier.Application, error) {
	a, err := s.db.GetApplication(ctx, id)
	if errors.Is(err, database.ErrNotFound) {
		return nil, notFound("Заявление не найдено.")
	}
	return a, backend(err)
}

// specialtyList is the list of the nomenclature a form's specialty is
// found in today; nil when it is not found.
func (s *Service) specialtyList(f dossier.Form) *catalog.SpecialtyList {
	_, list, _ := s.catalog.Nomenclature.Lookup(f.EducationLevel, f.Specialty, s.now())
	return list
}

// view computes everything the service says about an application from
// what is stored: its checklist, the problems of its form under today's
// rules, and its readiness, the one place that decides it is ready.
func (s *Service) view(a *dossier.Application, docs []dossier.Document, l ledger) *View {
	now := s.now()
	v := &View{App: a}
	in := readiness.Input{Form: a.Form, Courses: l.courses, Activities: l.activities, Today: now}
	if a.Status == dossier.StatusSubmitted {
		// The stages after submission count from the portal's day.
		if d, err := time.Parse(time.DateOnly, a.SubmittedOn); err == nil {
			in.Submitted = d
		}
	}
	if kind, ok := s.catalog.Kind(a.Form.Kind); ok {
		v.Kind = kind
		v.Layout = kind.Layout(&a.Form, docs)
		form := a.Form
		var ve *checks.ValidationError
		if err := s.forms.Check(&form, now); errors.As(err, &ve) {
			v.Problems = ve.Fields
		}
		v.Problems = append(v.Problems, s.forms.Questions(&form)...)
		titles := map[string]string{}
		for _, st := range v.Layout.Slots {
			titles[st.Ref.String()] = st.Title
		}
		for _, m := range v.Layout.Missing {
			title, ok := titles[m]
			if !ok {
				title = m
			}
			in.Missing = append(in.Missing, readiness.MissingDocument{Slot: m, Title: title})
		}
	} else {
		// A kind removed from the catalog: show the application, never ready.
		v.Problems = []checks.FieldError{{Field: "kind", Code: "oneof", Message: "Такого вида аккредитации больше нет в каталоге."}}
	}
	for _, p := range v.Problems {
		problem := readiness.FormProblem{Field: p.Field, Message: checks.FieldTitle(p.Field) + ": " + p.Message}
		if p.Code == checks.CodeQuestion {
			// A question's message says which question it is.
			problem.Question, problem.Message = true, p.Message
		}
		in.FormProblems = append(in.FormProblems, problem)
	}
	if list := s.specialtyList(a.Form); list != nil && list.Uncertain != "" {
		in.Notes = append(in.Notes, readiness.Finding{Severity: readiness.Warning, Code: "nomenclature_uncertain", Field: "specialty",
			Message: "Список специальностей, по которому проверена специальность (" + list.Title + "), не сверен до конца: " + list.Uncertain})
	}
	notes := s.reportNotes(a, docs, l)
	v.Report = s.reportState(a, docs, l, notes)
	in.Notes = append(in.Notes, notes...)
	v.Readings = s.readingsOf(a, docs, l)
	in.Notes = append(in.Notes, contentNotes(v.Readings)...)
	v.Readiness = readiness.Evaluate(in, s.rules, s.calendar)
	return v
}

// Update applies edit to the stored form, validates the result as a whole
// and saves it. The kind cannot change; a submitted application is locked.
func (s *Service) Update(ctx context.Context, id string, edit func(*dossier.Form) error) (*View, error) {
	var docs []dossier.Document
	a, err := s.db.UpdateApplication(ctx, id, func(a *dossier.Application) error {
		if a.Status == dossier.StatusSubmitted {
			return lockedErr()
		}
		f := a.Form
		if err := edit(&f); err != nil {
			return err
		}
		if f.Kind != a.Form.Kind {
			return &checks.ValidationError{Fields: []checks.FieldError{{Field: "kind", Code: "immutable", Message: "Вид аккредитации нельзя изменить: создайте новое заявление."}}}
		}
		now := s.now()
		if err := s.forms.Check(&f, now); err != nil {
			return err
		}
		a.Form, a.UpdatedAt = f, now
		return nil
	})
	if errors.Is(err, database.ErrNotFound) {
		return nil, notFound("Заявление не найдено.")
	}
	if errors.Is(err, database.ErrDuplicate) {
		return nil, conflict("У специалиста с этим СНИЛС уже есть коды подтверждения НМО из этого заявления: код активируется один раз.")
	}
	if err != nil {
		return nil, passValidation(err)
	}
	if docs, err = s.db.Documents(ctx, id); err != nil {
		return nil, backend(err)
	}
	l, err := s.ledger(ctx, id)
	if err != nil {
		return nil, err
	}
	s.changed(ctx, id)
	return s.view(a, docs, l), nil
}

func passValidation(err error) error {
	var ve *checks.ValidationError
	if errors.As(err, &ve) {
		return err
	}
	return backend(err)
}

func lockedErr() error {
	return conflict("Заявление отправлено и закрыто для изменений. Чтобы исправить его, сначала верните его в работу.")
}

// Submit locks a ready application and records when it was marked sent
// and the day the FRMR portal took it: day (YYYY-MM-DD), or today when it
// is empty. The day may not be in the future nor before the application
// was created.
func (s *Service) Submit(ctx context.Context, id, day string) (*View, error) {
	return s.setStatus(ctx, id, dossier.StatusSubmitted, day)
}

// Reopen returns a submitted application to draft (e.g. the portal sent it
// back for corrections); it has no submission day any more.
func (s *Service) Reopen(ctx context.Context, id string) (*View, error) {
	return s.setStatus(ctx, id, dossier.StatusDraft, "")
}

// easternmostOffset is Kamchatka's offset from UTC, the last of Russia's
// time zones to leave a day: a day is "in the future" only once it has not
// begun there yet, so a person east of UTC giving their own today is not
// refused in the hours when UTC is still on yesterday.
const easternmostOffset = 12 * time.Hour

// submissionDay checks the day the portal took an application: a date,
// not after today anywhere in Russia, not before the application was
// created (UTC, as the service counts days). Empty means today (UTC).
func submissionDay(day string, created, now time.Time) (string, error) {
	today := now.UTC().Format(time.DateOnly)
	if day == "" {
		return today, nil
	}
	refuse := func(code, msg string) error {
		return &checks.ValidationError{Fields: []checks.FieldError{{Field: "submitted_on", Code: code, Message: msg}}}
	}
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return "", refuse("date", "Дата подачи в ФРМР — в формате ГГГГ-ММ-ДД, например 2026-03-02.")
	}
	if latest := now.UTC().Add(easternmostOffset).Format(time.DateOnly); day > latest {
		return "", refuse("not_future", "Дата подачи в ФРМР не может быть позже сегодняшнего дня.")
	}
	if first := created.UTC().Format(time.DateOnly); day < first {
		return "", refuse("not_before_created", fmt.Sprintf("Дата подачи в ФРМР не может быть раньше создания заявления (%s).", created.UTC().Format("02.01.2006")))
	}
	return d.Format(time.DateOnly), nil
}

func (s *Service) setStatus(ctx context.Context, id string, to dossier.Status, day string) (*View, error) {
	_, err := s.db.UpdateApplication(ctx, id, func(a *dossier.Application) error {
		if a.Status == to {
			if to == dossier.StatusSubmitted {
				return conflict("Заявление уже отмечено отправленным.")
			}
			return conflict("Заявление уже в работе.")
		}
		if to == dossier.StatusSubmitted {
			on, err := submissionDay(day, a.CreatedAt, s.now())
			if err != nil {
				return err
			}
			docs, err := s.db.Documents(ctx, id)
			if err != nil {
				return err
			}
			l, err := s.ledger(ctx, id)
			if err != nil {
				return err
			}
			if v := s.view(a, docs, l); !v.Readiness.Ready {
				return NotReady(v.Readiness, "Отметить заявление отправленным нельзя")
			}
			now := s.now()
			a.SubmittedAt, a.SubmittedOn = &now, on
		} else {
			a.SubmittedAt, a.SubmittedOn = nil, ""
		}
		a.Status, a.UpdatedAt = to, s.now()
		return nil
	})
	if errors.Is(err, database.ErrNotFound) {
		return nil, notFound("Заявление не найдено.")
	}
	if err != nil {
		return nil, passValidation(err)
	}
	s.log.InfoContext(ctx, "application status changed", "application", id, "status", to)
	s.changed(ctx, id)
	return s.Get(ctx, id)
}

// Ping checks that the database and the store answer.
func (s *Service) Ping(ctx context.Context) error {
	if err := s.db.Ping(ctx); err != nil {
		return err
	}
	return s.store.Ping(ctx)
}

// DeleteApplication removes an application with everything it holds: the
// rows in one transaction, then the stored objects (documents, their
// history, bundles). An object that cannot be removed now is an orphan that
// gc removes later; no row points at it any more.
func (s *Service) DeleteApplication(ctx context.Context, id string) error {
	keys, err := s.db.DeleteApplication(ctx, id)
	if errors.Is(err, database.ErrNotFound) {
		return notFound("Заявление не найдено.")
	}
	if err != nil {
		return backend(err)
	}
	failed := 0
	for _, key := range keys {
		if err := s.store.Delete(context.WithoutCancel(ctx), key); err != nil {
			failed++
			s.log.WarnContext(ctx, "object of a deleted application left for gc", "key", key, "error", err)
		}
	}
	s.log.InfoContext(ctx, "application deleted", "application", id, "objects", len(keys), "left_for_gc", failed)
	return nil
}
