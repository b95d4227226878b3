package intake

import (
	"context"
	"strings"
	"time"
	"unicode"

	"accredpack/access"
	"accredpack/checks"
	"accredpack/database"
	"accredpack/dossier"
	"accredpack/identifiers"
)

// Query is one page of an application list, as a person asks for it.
type Query struct {
	Scope access.Scope
	// Ready: only ready (true) or not ready (false) applications.
	Ready *bool
	// DueBefore: not submitted, and the last day to submit is before it.
	DueBefore time.Time
	// Overdue: not submitted and the last day to submit has passed.
	Overdue bool
	// Expired: not submitted and the accreditation has ended.
	Expired bool
	// ReportEmpty: only applications whose report on professional
	// activity is not begun (no draft, no file in its slot).
	ReportEmpty bool
	Status      dossier.Status
	// Search: a SNILS (found exactly) or words of the full name or the
	// specialty, in any case, ё or е.
	Search string
	// Assignee, for a consultancy: "" any, "-" nobody, else a user id.
	Assignee string
	Sort     database.Sort
	Desc     bool
	After    *database.Cursor
	Limit    int
}

// Listed is an application of a list: its view and what the list adds.
type Listed struct {
	*View
	Assignee string
	Cursor   database.Cursor
}

// Attention says why an application needs someone now: "overdue" (the
// last day to submit has passed and it is not submitted), "expired" (the
// accreditation has ended and it is not submitted). Nil: nothing.
func (v *View) Attention(today time.Time) []string {
	d := v.Readiness.Deadlines
	if d == nil || v.App.Status == dossier.StatusSubmitted {
		return nil
	}
	day := today.UTC().Format(time.DateOnly)
	var out []string
	if d.SubmitBy != "" && d.SubmitBy < day {
		out = append(out, "overdue")
	}
	if d.Expiry != "" && d.Expiry < day {
		out = append(out, "expired")
	}
	return out
}

// keeps tells whether today's evaluation of an application agrees with
// the filters the database applied to the recorded one (they differ only
// in the moment between a change and its recording, or after midnight
// before the recheck).
func (q Query) keeps(v *View, today time.Time) bool {
	if q.Ready != nil && v.Readiness.Ready != *q.Ready {
		return false
	}
	d := v.Readiness.Deadlines
	submitted := v.App.Status == dossier.StatusSubmitted
	if !q.DueBefore.IsZero() {
		if d == nil || submitted || d.SubmitBy == "" || d.SubmitBy >= q.DueBefore.Format(time.DateOnly) {
			return false
		}
	}
	attention := v.Attention(today)
	has := func(a string) bool {
		for _, x := range attention {
			if x == a {
				return true
			}
		}
		return false
	}
	if q.Overdue && !has("overdue") || q.Expired && !has("expired") {
		return false
	}
	if q.ReportEmpty && (v.Report == nil || v.Report.State != ReportNotBegun) {
		return false
	}
	return true
}

// List returns up to q.Limit applications of a list page and whether more
// may follow. The database sorts, filters and pages on what the last
// evaluation of each application recorded; each application shown is
// evaluated now, and one whose evaluation no longer passes the filters is
// left out (and its record brought up to date).
func (s *Service) List(ctx context.Context, q Query) ([]Listed, bool, error) {
	dq := database.ListQuery{Scope: q.Scope, Ready: q.Ready, Overdue: q.Overdue, Expired: q.Expired, Status: q.Status,
		Assignee: q.Assignee, Sort: q.Sort, Desc: q.Desc, After: q.After, Limit: q.Limit + 1}
	now := s.now()
	dq.Today = now.Format(time.DateOnly)
	if q.ReportEmpty {
		dq.ReportEmptyKinds = s.reportKinds()
		if len(dq.ReportEmptyKinds) == 0 {
			return nil, false, nil
		}
	}
	if !q.DueBefore.IsZero() {
		dq.DueBefore = q.DueBefore.Format(time.DateOnly)
	}
	if snils, words := parseSearch(q.Search); snils != "" {
		h, err := s.db.SNILSHash(ctx, snils)
		if err != nil {
			return nil, false, backend(err)
		}
		dq.SNILSHash = h
	} else {
		dq.Text = words
	}
	out := make([]Listed, 0, q.Limit)
	for {
		page, err := s.db.ListClients(ctx, dq)
		if err != nil {
			return nil, false, backend(err)
		}
		for i, l := range page {
			if len(out) == q.Limit || i == q.Limit {
				return out, true, nil
			}
			dq.After = &l.Cursor
			docs, err := s.db.Documents(ctx, l.App.ID)
			if err != nil {
				return nil, false, backend(err)
			}
			led, err := s.ledger(ctx, l.App.ID)
			if err != nil {
				return nil, false, err
			}
			v := s.view(l.App, docs, led)
			if !q.keeps(v, now) {
				s.changed(ctx, l.App.ID)
				continue
			}
			out = append(out, Listed{View: v, Assignee: l.Assignee, Cursor: l.Cursor})
		}
		if len(page) <= q.Limit {
			return out, false, nil
		}
	}
}

// Assign makes a staff member of an organization (empty: nobody) the one
// who looks after an application for it. The member must be staff of that
// organization.
func (s *Service) Assign(ctx context.Context, appID, orgID, userID string) error {
	if userID != "" {
		u, err := s.db.User(ctx, userID)
		if err != nil || u.OrgID != orgID || u.DisabledAt != nil {
			return &checks.ValidationError{Fields: []checks.FieldError{{Field: "assignee", Code: "not_staff",
				Message: "Назначить можно только действующего сотрудника вашей организации."}}}
		}
	}
	if err := s.db.SetAssignee(ctx, appID, orgID, userID); err != nil {
		if err == database.ErrNotFound {
			return notFound("Заявление не найдено.")
		}
		return backend(err)
	}
	return nil
}

// summary is what the list records of an evaluation.
func (s *Service) summary(ctx context.Context, v *View) (database.Summary, error) {
	f := v.App.Form
	sum := database.Summary{Ready: v.Readiness.Ready, Blocking: len(v.Readiness.Blocking()),
		SearchText: searchText(f.Specialist.LastName, f.Specialist.FirstName, f.Specialist.MiddleName, f.Specialty)}
	if d := v.Readiness.Deadlines; d != nil {
		sum.DueOn, sum.ExpiresOn = d.SubmitBy, d.Expiry
	}
	h, err := s.db.SNILSHash(ctx, f.Specialist.SNILS)
	if err != nil {
		return database.Summary{}, backend(err)
	}
	sum.SNILSHash = h
	return sum, nil
}

// fold is how names are compared: lower case, ё as е.
func fold(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "ё", "е")
}

func searchText(parts ...string) string {
	var words []string
	for _, p := range parts {
		words = append(words, strings.Fields(fold(p))...)
	}
	return strings.Join(words, " ")
}

// parseSearch reads a search: a SNILS (11 digits, written any usual way)
// or words.
func parseSearch(q string) (snils string, words []string) {
	q = strings.TrimSpace(q)
	if q == "" {
		return "", nil
	}
	digitsOnly := strings.IndexFunc(q, func(r rune) bool { return !unicode.IsDigit(r) && r != '-' && r != ' ' }) < 0
	if digitsOnly {
		if d, err := identifiers.NormalizeSNILS(q); err == nil && len(d) == 11 {
			return d, nil
		}
	}
	return "", strings.Fields(fold(q))
}
