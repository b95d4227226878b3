package database

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID            int64     `json:"id"`
	At            time.Time `json:"at"`
	ActorID       string    `json:"actor_id"`
	ActorRole     string    `json:"actor_role"`
	ActorLabel    string    `json:"actor"`
	OrgID         string    `json:"organization_id"`
	Action        string    `json:"action"`
	ApplicationID string    `json:"application_id"`
	OwnerID       string    `json:"owner_id"`
	Target        string    `json:"target"`
	Outcome       string    `json:"outcome"`
	Remote        string    `json:"remote"`
	RequestID     string    `json:"request_id"`
}

const auditColumns = `at, actor_id, actor_role, actor_label, organization_id, action, application_id, owner_id, target, outcome, remote, request_id`

// AppendAudit appends entries in one transaction: all or none.
func (db *DB) AppendAudit(ctx context.Context, entries []AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	if err := db.ready(ctx); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx conn) error {
		// Several rows per statement: a group commit of many reads' lines
		// is a few round trips, not one per line (PostgreSQL).
		for len(entries) > 0 {
			n := min(len(entries), auditRowsPerInsert)
			var q strings.Builder
			q.WriteString(`INSERT INTO audit_log (` + auditColumns + `) VALUES `)
			args := make([]any, 0, 12*n)
			for i, e := range entries[:n] {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				// Who (an e-mail) and from where (an address) are personal.
				args = append(args, ts(e.At), e.ActorID, e.ActorRole, tx.k.seal("audit.actor", e.ActorLabel), e.OrgID, e.Action, e.ApplicationID, e.OwnerID,
					e.Target, e.Outcome, tx.k.seal("audit.remote", e.Remote), e.RequestID)
			}
			if _, err := tx.exec(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("database: append audit: %w", err)
			}
			entries = entries[n:]
		}
		return nil
	})
}

// auditRowsPerInsert keeps one statement's parameters (12 a row) well under
// SQLite's and PostgreSQL's limits.
const auditRowsPerInsert = 200

// AuditFilter selects audit entries; zero fields do not filter.
type AuditFilter struct {
	ApplicationID string
	OwnerID       string
	ActorID       string
	Action        string    // exact, e.g. "document.read"
	Outcome       string    // "granted" or "denied"
	From, To      time.Time // at >= From, at < To
	AfterID       int64
	// Newest: newest first (BeforeID pages on: id < BeforeID); otherwise
	// oldest first (AfterID: id > AfterID).
	Newest   bool
	BeforeID int64
	Limit    int // 0: no limit
}

// EachAudit calls fn for every entry that passes the filter, in order
// (oldest first, or newest first with f.Newest).
func (db *DB) EachAudit(ctx context.Context, f AuditFilter, fn func(AuditEntry) error) error {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.ApplicationID != "" {
		add("application_id = ?", f.ApplicationID)
	}
	if f.OwnerID != "" {
		add("owner_id = ?", f.OwnerID)
	}
	if f.ActorID != "" {
		add("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Outcome != "" {
		add("outcome = ?", f.Outcome)
	}
	if !f.From.IsZero() {
		add("at >= ?", ts(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", ts(f.To))
	}
	if f.AfterID > 0 {
		add("id > ?", f.AfterID)
	}
	if f.BeforeID > 0 {
		add("id < ?", f.BeforeID)
	}
	q := `SELECT id, ` + auditColumns + ` FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	if f.Newest {
		q += ` ORDER BY id DESC`
	} else {
		q += ` ORDER BY id`
	}
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := db.conn().query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("database: read audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e AuditEntry
		var at string
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorRole, &e.ActorLabel, &e.OrgID, &e.Action, &e.ApplicationID,
			&e.OwnerID, &e.Target, &e.Outcome, &e.Remote, &e.RequestID); err != nil {
			return fmt.Errorf("database: read audit: %w", err)
		}
		if err := db.keys.open("audit.actor", &e.ActorLabel); err != nil {
			return err
		}
		if err := db.keys.open("audit.remote", &e.Remote); err != nil {
			return err
		}
		if e.At, err = parseTS(at); err != nil {
			return fmt.Errorf("database: audit %d time: %w", e.ID, err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}
