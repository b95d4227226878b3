package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrVersionMoved reports a save of a report draft made from a version
// that is no longer the latest: another window or device saved first.
var ErrVersionMoved = errors.New("database: the report draft was saved by someone else meanwhile")

// ReportDraft is the stored draft of an application's report: its JSON
// (opened), the version of the last save and who made it.
type ReportDraft struct {
	Body       string
	Version    int
	UpdatedAt  time.Time
	UpdatedBy  string
	SlotSHA256 string // the generated PDF last put into the report's slot
}

const reportBodyColumn = "report_drafts.body"

// ReportDraft reads an application's draft; ErrNotFound when none was
// saved.
func (db *DB) ReportDraft(ctx context.Context, appID string) (ReportDraft, error) {
	return reportDraft(ctx, db.conn(), appID, false)
}

func reportDraft(ctx context.Context, c conn, appID string, lock bool) (ReportDraft, error) {
	var r ReportDraft
	var at string
	q := `SELECT body, version, updated_at, updated_by, slot_sha256 FROM report_drafts WHERE application_id = ?`
	if lock {
		q += c.forUpdate()
	}
	err := c.queryRow(ctx, q, appID).Scan(&r.Body, &r.Version, &at, &r.UpdatedBy, &r.SlotSHA256)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("report draft of %s: %w", appID, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("database: report draft: %w", err)
	}
	if err := c.k.open(reportBodyColumn, &r.Body); err != nil {
		return r, err
	}
	if r.UpdatedAt, err = parseTS(at); err != nil {
		return r, fmt.Errorf("database: report draft updated_at: %w", err)
	}
	return r, nil
}

// SaveReportDraft stores body as the draft of an application made from
// version from (0: there was none), in one transaction, and returns the
// new version. A draft saved meanwhile is ErrVersionMoved; an unknown
// application ErrNotFound.
func (db *DB) SaveReportDraft(ctx context.Context, appID, body string, from int, by string, at time.Time) (int, error) {
	next := 0
	err := db.inTx(ctx, func(tx conn) error {
		if _, err := getApplication(ctx, tx, appID, true); err != nil {
			return err
		}
		cur, err := reportDraft(ctx, tx, appID, true)
		switch {
		case errors.Is(err, ErrNotFound):
			if from != 0 {
				return fmt.Errorf("report draft of %s: version %d, none stored: %w", appID, from, ErrVersionMoved)
			}
			next = 1
			_, err = tx.exec(ctx, `INSERT INTO report_drafts (application_id, body, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)`,
				appID, tx.k.seal(reportBodyColumn, body), next, ts(at), by)
			if uniqueViolation(err) {
				// Another first save won the race.
				return fmt.Errorf("report draft of %s: %w", appID, ErrVersionMoved)
			}
		case err != nil:
			return err
		case cur.Version != from:
			return fmt.Errorf("report draft of %s: version %d, stored %d: %w", appID, from, cur.Version, ErrVersionMoved)
		default:
			next = cur.Version + 1
			_, err = tx.exec(ctx, `UPDATE report_drafts SET body = ?, version = ?, updated_at = ?, updated_by = ? WHERE application_id = ?`,
				tx.k.seal(reportBodyColumn, body), next, ts(at), by, appID)
		}
		if err != nil {
			return fmt.Errorf("database: save report draft: %w", err)
		}
		return nil
	})
	return next, err
}

// SetReportSlotSHA256 records the SHA-256 of the generated PDF put into
// the report's slot (ErrNotFound without a draft).
func (db *DB) SetReportSlotSHA256(ctx context.Context, appID, sha string) error {
	res, err := db.conn().exec(ctx, `UPDATE report_drafts SET slot_sha256 = ? WHERE application_id = ?`, sha, appID)
	if err != nil {
		return fmt.Errorf("database: report slot: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("report draft of %s: %w", appID, ErrNotFound)
	}
	return nil
}

// ReportTemplate is a consultancy's template of the report for a
// specialty: a draft's JSON without personal data.
type ReportTemplate struct {
	ID, OrganizationID, Specialty, Title, Body string
	CreatedAt                                  time.Time
}

// CreateReportTemplate stores a template.
func (db *DB) CreateReportTemplate(ctx context.Context, t ReportTemplate) error {
	_, err := db.conn().exec(ctx, `INSERT INTO report_templates (id, organization_id, specialty, title, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		t.ID, t.OrganizationID, t.Specialty, t.Title, t.Body, ts(t.CreatedAt))
	if err != nil {
		return fmt.Errorf("database: create report template: %w", err)
	}
	return nil
}

// ReportTemplates lists an organization's templates by specialty, then age.
func (db *DB) ReportTemplates(ctx context.Context, orgID string) ([]ReportTemplate, error) {
	rows, err := db.conn().query(ctx, `SELECT id, organization_id, specialty, title, body, created_at FROM report_templates
		WHERE organization_id = ? ORDER BY specialty, created_at, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("database: report templates: %w", err)
	}
	defer rows.Close()
	out := []ReportTemplate{}
	for rows.Next() {
		var t ReportTemplate
		var at string
		if err := rows.Scan(&t.ID, &t.OrganizationID, &t.Specialty, &t.Title, &t.Body, &at); err != nil {
			return nil, fmt.Errorf("database: report template: %w", err)
		}
		if t.CreatedAt, err = parseTS(at); err != nil {
			return nil, fmt.Errorf("database: report template created_at: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteReportTemplate removes an organization's template (ErrNotFound
// when it has no such template).
func (db *DB) DeleteReportTemplate(ctx context.Context, orgID, id string) error {
	res, err := db.conn().exec(ctx, `DELETE FROM report_templates WHERE id = ? AND organization_id = ?`, id, orgID)
	if err != nil {
		return fmt.Errorf("database: delete report template: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("report template %s: %w", id, ErrNotFound)
	}
	return nil
}

// ReportDraftVersions tells, of the given applications, which have a saved
// draft (its version); an application without one is absent.
func (db *DB) ReportDraftVersions(ctx context.Context, appIDs []string) (map[string]int, error) {
	out := map[string]int{}
	if len(appIDs) == 0 {
		return out, nil
	}
	q := `SELECT application_id, version FROM report_drafts WHERE application_id IN (?` + repeatComma(len(appIDs)-1) + `)`
	args := make([]any, len(appIDs))
	for i, id := range appIDs {
		args[i] = id
	}
	rows, err := db.conn().query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("database: report drafts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("database: report drafts: %w", err)
		}
		out[id] = v
	}
	return out, rows.Err()
}

func repeatComma(n int) string {
	b := make([]byte, 0, 3*n)
	for range n {
		b = append(b, ", ?"...)
	}
	return string(b)
}
