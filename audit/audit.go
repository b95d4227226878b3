// Package audit is the append-only record of who read or changed a
// document or a personal field: when, what, from which address. Lines are
// written before the data is read or changed; the database refuses to
// update or delete them (triggers), so they outlive a deleted application.
package audit

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"accredpack/access"
	"accredpack/database"
	"accredpack/fault"
)

// Outcomes of an access.
const (
	Granted = "granted"
	Denied  = "denied"
)

// Entry is one line of the log.
type Entry = database.AuditEntry

// Filter selects lines.
type Filter = database.AuditFilter

// Log writes and reads the audit log.
type Log struct {
	db  *database.DB
	now func() time.Time
	// group, when set, commits concurrent Record calls together (see
	// NewGrouped); nil writes each call in its own transaction.
	group *committer
}

// New returns the log kept in db; each Record is its own transaction.
func New(db *database.DB) *Log {
	return &Log{db: db, now: func() time.Time { return time.Now().UTC() }}
}

// NewGrouped returns the log kept in db with group commit: concurrent
// Record calls are committed together by one writer (see committer). Close
// it before the database: it writes what is queued, then stops.
func NewGrouped(db *database.DB, g Group) *Log {
	l := New(db)
	l.group = newCommitter(db, g)
	return l
}

// Close stops the group writer after committing every line queued before
// it; later Record calls write directly. A Log without group commit has
// nothing to close.
func (l *Log) Close() {
	if l.group != nil {
		l.group.close()
	}
}

// Event is what happened, before the log adds who and when.
type Event struct {
	Action        access.Action
	ApplicationID string
	OwnerID       string
	Target        string
	Outcome       string
}

// Request is who asked and from where.
type Request struct {
	Principal access.Principal
	Remote    string
	RequestID string
}

// Record appends one line per event, all or none, and returns once they are
// committed (durable): the caller answers only after that.
func (l *Log) Record(ctx context.Context, r Request, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	at := l.now()
	entries := make([]Entry, len(events))
	actor := r.Principal.UserID
	if actor == "" {
		actor = "bootstrap"
	}
	for i, e := range events {
		entries[i] = Entry{At: at, ActorID: actor, ActorRole: string(r.Principal.Role), ActorLabel: r.Principal.Label,
			OrgID: r.Principal.OrgID, Action: string(e.Action), ApplicationID: e.ApplicationID, OwnerID: e.OwnerID,
			Target: e.Target, Outcome: e.Outcome, Remote: r.Remote, RequestID: r.RequestID}
	}
	var err error
	if l.group != nil {
		err = l.group.append(ctx, entries)
	} else {
		err = l.db.AppendAudit(ctx, entries)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", fault.ErrUnavailable, err)
	}
	return nil
}

// Each calls fn for every line that passes the filter, oldest first (newest
// first with f.Newest).
func (l *Log) Each(ctx context.Context, f Filter, fn func(Entry) error) error {
	err := l.db.EachAudit(ctx, f, fn)
	if err != nil {
		return fmt.Errorf("%w: %w", fault.ErrUnavailable, err)
	}
	return nil
}

// Header is the first line of a CSV export.
var Header = []string{"id", "at", "actor_id", "actor_role", "actor", "organization_id", "action", "application_id",
	"owner_id", "target", "outcome", "remote", "request_id"}

// Writer writes lines in an export format: csv or ndjson.
type Writer interface {
	Write(Entry) error
	Flush() error
}

// NewWriter returns a writer of format ("csv" or "ndjson") over w.
func NewWriter(format string, w io.Writer) (Writer, bool) {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		return &csvWriter{w: cw}, true
	case "ndjson":
		return &ndjsonWriter{enc: json.NewEncoder(w)}, true
	}
	return nil, false
}

type csvWriter struct {
	w      *csv.Writer
	headed bool
}

func (c *csvWriter) Write(e Entry) error {
	if !c.headed {
		c.headed = true
		if err := c.w.Write(Header); err != nil {
			return err
		}
	}
	return c.w.Write([]string{strconv.FormatInt(e.ID, 10), e.At.Format(time.RFC3339Nano), e.ActorID, e.ActorRole, cell(e.ActorLabel),
		e.OrgID, e.Action, e.ApplicationID, e.OwnerID, cell(e.Target), e.Outcome, e.Remote, e.RequestID})
}

// cell keeps a spreadsheet from reading text (a key's name) as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (c *csvWriter) Flush() error {
	if !c.headed {
		c.headed = true
		c.w.Write(Header)
	}
	c.w.Flush()
	return c.w.Error()
}

type ndjsonWriter struct{ enc *json.Encoder }

func (n *ndjsonWriter) Write(e Entry) error { return n.enc.Encode(e) }
func (n *ndjsonWriter) Flush() error        { return nil }
