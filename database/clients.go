package database

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"sort"
	"strings"
	"sync"

	"accredpack/access"
	"accredpack/dossier"
)

// Summary is what an evaluation of an application's readiness records
// beside the verdict, for lists to sort, filter and search by.
type Summary struct {
	Ready      bool
	Blocking   int    // blocking findings
	DueOn      string // last day to submit (YYYY-MM-DD), empty: none
	ExpiresOn  string // the current accreditation's end, empty: unknown
	SearchText string // full name and specialty, lower case, ё as е (stored as word tokens)
	SNILSHash  string // keyed hash of the SNILS's digits
}

// noDue sorts applications without a due day after every dated one.
const noDue = "9999-12-31"

// Sort is an order of the list.
type Sort string

// Orders of the list; every one ends with the id, so that pages are stable.
const (
	ByCreated Sort = "created" // creation (the default)
	ByDue     Sort = "due"     // last day to submit; none last
	ByName    Sort = "name"    // full name
)

// columns are the sort column of an order and the id column that breaks
// its ties, both covered by one index.
func (s Sort) columns() (col, id string, ok bool) {
	switch s {
	case ByCreated, "":
		return "a.created_at", "a.id", true
	case ByDue:
		return "r.due_on", "r.application_id", true
	case ByName:
		// Names are sealed: sorted in memory (listByName).
		return "a.created_at", "a.id", true
	}
	return "", "", false
}

// ListQuery is one page of a list: whose applications, narrowed how, in
// what order, from where.
type ListQuery struct {
	Scope access.Scope
	// Ready: only ready (true) or not ready (false) ones, as last recorded.
	Ready *bool
	// DueBefore: due (last day to submit) before this day, not submitted.
	DueBefore string
	// Overdue: not submitted and the last day to submit is before Today.
	Overdue bool
	// Expired: not submitted and the accreditation ended before Today.
	Expired bool
	Today   string // YYYY-MM-DD, for Overdue and Expired
	// ReportEmptyKinds, when set: only applications of these kinds (those
	// with a report on professional activity) whose report is not begun:
	// no draft saved and no file in the report's slot.
	ReportEmptyKinds []string
	// Status: draft or submitted; empty: both.
	Status dossier.Status
	// Text: every word begins a word of the full name or specialty (lower
	// case, ё as е).
	Text []string
	// SNILSHash: exactly this SNILS (see Summary.SNILSHash).
	SNILSHash string
	// Assignee, for a consultancy's list: "" any, "-" nobody, else a user.
	Assignee string
	Sort     Sort
	Desc     bool
	// After: the position the page starts after (its sort value and id);
	// nil: from the start.
	After *Cursor
	Limit int
}

// Cursor is a position in a sorted list.
type Cursor struct {
	Value string // the sort column's value, as stored
	ID    string
}

// Listed is an application of a list with what the list knows of it.
type Listed struct {
	App      *dossier.Application
	Assignee string // the caller's organization's assignee; empty: none
	Cursor   Cursor // its position, for the next page
}

// ErrBadSort: an order the list does not know.
var ErrBadSort = errors.New("database: unknown sort order")

// ListClients reads one page of applications for q, and the position of
// each. The filters run in the database on what the last evaluation
// recorded (see Summary), with indexes, at any number of applications.
func (db *DB) ListClients(ctx context.Context, q ListQuery) ([]Listed, error) {
	col, idCol, ok := q.Sort.columns()
	if !ok {
		return nil, ErrBadSort
	}
	var where []string
	var args []any
	// A large list walks the index of its order and stops at the page's
	// end; the join order is fixed for it (CROSS JOIN: SQLite keeps the
	// left table outside), as the planner, seeing one filter, may prefer
	// to read every row and sort them. A small one (a specialist's own, a
	// small consultancy's) is found by its own index and sorted.
	// An exact SNILS is found by its own index.
	if err := db.ready(ctx); err != nil {
		return nil, err
	}
	walk := false
	if q.SNILSHash == "" && q.Sort != ByName {
		var err error
		if walk, err = db.largeScope(ctx, q.Scope); err != nil {
			return nil, err
		}
	}
	from := `applications a JOIN readiness_state r ON r.application_id = a.id`
	if walk {
		if col == "a.created_at" {
			from = `applications a CROSS JOIN readiness_state r`
		} else {
			from = `readiness_state r CROSS JOIN applications a`
		}
		where = append(where, `r.application_id = a.id`)
	}
	assignee := `''`
	switch {
	case q.Scope.All:
	case q.Scope.Owner != "":
		where = append(where, `a.owner = ?`)
		args = append(args, q.Scope.Owner)
	case q.Scope.Org != "":
		if walk {
			from += ` CROSS JOIN grants g`
		} else {
			from += ` JOIN grants g ON g.application_id = a.id`
		}
		where = append(where, `g.application_id = a.id AND g.organization_id = ?`)
		args = append(args, q.Scope.Org)
		assignee = `COALESCE(g.assignee, '')`
		switch q.Assignee {
		case "":
		case "-":
			where = append(where, `g.assignee IS NULL`)
		default:
			where = append(where, `g.assignee = ?`)
			args = append(args, q.Assignee)
		}
	default:
		return nil, nil
	}
	if q.Ready != nil {
		where = append(where, `r.ready = ?`)
		args = append(args, boolInt(*q.Ready))
	}
	if q.Status != "" {
		where = append(where, `a.status = ?`)
		args = append(args, string(q.Status))
	}
	if q.DueBefore != "" {
		where = append(where, `r.due_on < ? AND a.status <> 'submitted'`)
		args = append(args, q.DueBefore)
	}
	if q.Overdue {
		where = append(where, `r.due_on < ? AND a.status <> 'submitted'`)
		args = append(args, q.Today)
	}
	if q.Expired {
		where = append(where, `r.expires_on <> '' AND r.expires_on < ? AND a.status <> 'submitted'`)
		args = append(args, q.Today)
	}
	if len(q.ReportEmptyKinds) > 0 {
		where = append(where, `a.kind IN (?`+repeatComma(len(q.ReportEmptyKinds)-1)+`)
			AND NOT EXISTS (SELECT 1 FROM report_drafts rd WHERE rd.application_id = a.id)
			AND NOT EXISTS (SELECT 1 FROM documents rs WHERE rs.application_id = a.id AND rs.slot = 'professional_report')`)
		for _, k := range q.ReportEmptyKinds {
			args = append(args, k)
		}
	}
	for _, w := range q.Text {
		where = append(where, `r.search_text LIKE ?`)
		args = append(args, "% "+db.keys.wordToken(w)+" %")
	}
	if q.SNILSHash != "" {
		where = append(where, `r.snils_hash = ?`)
		args = append(args, q.SNILSHash)
	}
	if q.Sort == ByName {
		return db.listByName(ctx, q, from, assignee, where, args)
	}
	cmp, dir := ">", "ASC"
	if q.Desc {
		cmp, dir = "<", "DESC"
	}
	if q.After != nil {
		// A row value: both backends start the index range there.
		where = append(where, fmt.Sprintf(`(%s, %s) %s (?, ?)`, col, idCol, cmp))
		args = append(args, q.After.Value, q.After.ID)
	}
	stmt := `SELECT ` + prefixed("a.", applicationColumns) + `, ` + assignee + `, ` + col + ` FROM ` + from
	if len(where) > 0 {
		stmt += ` WHERE ` + strings.Join(where, ` AND `)
	}
	stmt += fmt.Sprintf(` ORDER BY %s %s, %s %s LIMIT ?`, col, dir, idCol, dir)
	args = append(args, q.Limit)
	rows, err := db.conn().query(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("database: list clients: %w", err)
	}
	defer rows.Close()
	var out []Listed
	for rows.Next() {
		var l Listed
		var value string
		app, err := scanApplication(extraScanner{rows, []any{&l.Assignee, &value}}, db.keys)
		if err != nil {
			return nil, err
		}
		l.App, l.Cursor = app, Cursor{Value: value, ID: app.ID}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("database: list clients: %w", err)
	}
	return out, nil
}

// largeScopeRows is the size from which a list walks its order's index
// (tests lower it: DB.walkFrom).
const largeScopeRows = 2000

// largeScope tells whether a scope holds many applications: every
// application, or a consultancy with more than largeScopeRows clients.
func (db *DB) largeScope(ctx context.Context, s access.Scope) (bool, error) {
	switch {
	case s.All:
		return true, nil
	case s.Org != "":
		var n int
		limit := largeScopeRows
		if db.walkFrom != nil {
			limit = *db.walkFrom
		}
		err := db.conn().queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM grants WHERE organization_id = ? LIMIT ?) x`, s.Org, limit+1).Scan(&n)
		if err != nil {
			return false, fmt.Errorf("database: list clients: %w", err)
		}
		return n > limit, nil
	}
	return false, nil
}

// extraScanner scans a row of a scan function's columns followed by more.
type extraScanner struct {
	row   scanner
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.row.Scan(append(dest, e.extra...)...) }

// prefixed qualifies every column of a comma-separated list.
func prefixed(p, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// SetAssignee makes a staff member (a user id, empty for nobody) the one
// who looks after an application for an organization that has a grant to
// it. ErrNotFound when the organization has no grant.
func (db *DB) SetAssignee(ctx context.Context, appID, orgID, userID string) error {
	var v any
	if userID != "" {
		v = userID
	}
	res, err := db.conn().exec(ctx, `UPDATE grants SET assignee = ? WHERE application_id = ? AND organization_id = ?`, v, appID, orgID)
	if err != nil {
		return fmt.Errorf("database: set assignee: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("database: set assignee: %w", err)
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Assignees are the staff members looking after an application, one per
// organization that assigned one.
func (db *DB) Assignees(ctx context.Context, appID string) ([]string, error) {
	rows, err := db.conn().query(ctx, `SELECT assignee FROM grants WHERE application_id = ? AND assignee IS NOT NULL ORDER BY organization_id`, appID)
	if err != nil {
		return nil, fmt.Errorf("database: assignees: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("database: assignees: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// summaryArgs are the columns of a summary as stored: the search text as
// word tokens (sealed.go).
func (k *keys) summaryArgs(s Summary) []any {
	due := s.DueOn
	if due == "" {
		due = noDue
	}
	return []any{boolInt(s.Ready), s.Blocking, due, s.ExpiresOn, k.wordTokens(s.SearchText), s.SNILSHash}
}

// ToSummarize lists the ids of applications whose readiness must be
// evaluated again: not submitted (readiness moves with the date), or never
// summarized (written before the list's columns existed), in id order
// after the given id.
func (db *DB) ToSummarize(ctx context.Context, after string, limit int) ([]string, error) {
	rows, err := db.conn().query(ctx, `SELECT a.id FROM applications a JOIN readiness_state r ON r.application_id = a.id
		WHERE (a.status <> 'submitted' OR r.summarized = 0) AND a.id > ? ORDER BY a.id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("database: applications to summarize: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("database: applications to summarize: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// listByName is a page of the list in the order of full names. Names are
// sealed, so the database cannot sort them: the ids and names of every
// application the filters select are read, opened and sorted here, and
// the page's rows read after. It costs a read of the filtered list per
// page (a consultancy's clients: milliseconds; every application of a
// large service: the reason the default order is another). The cursor's
// value is the name, sealed like the column it comes from.
func (db *DB) listByName(ctx context.Context, q ListQuery, from, assignee string, where []string, args []any) ([]Listed, error) {
	c := db.conn()
	cond := ""
	if len(where) > 0 {
		cond = ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := c.query(ctx, `SELECT a.id, a.last_name, a.first_name, a.middle_name FROM `+from+cond, args...)
	if err != nil {
		return nil, fmt.Errorf("database: list clients by name: %w", err)
	}
	type named struct{ id, name string }
	var all []named
	for rows.Next() {
		var n named
		var last, first, middle string
		if err := rows.Scan(&n.id, &last, &first, &middle); err != nil {
			rows.Close()
			return nil, fmt.Errorf("database: list clients by name: %w", err)
		}
		if n.name, err = db.names.name(c.k, n.id, last, first, middle); err != nil {
			rows.Close()
			return nil, err
		}
		all = append(all, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("database: list clients by name: %w", err)
	}
	less := func(a, b named) bool {
		if a.name != b.name {
			return a.name < b.name
		}
		return a.id < b.id
	}
	if q.Desc {
		asc := less
		less = func(a, b named) bool { return asc(b, a) }
	}
	slices.SortFunc(all, func(a, b named) int {
		switch {
		case less(a, b):
			return -1
		case less(b, a):
			return 1
		}
		return 0
	})
	start := 0
	if q.After != nil {
		after := named{id: q.After.ID, name: q.After.Value}
		if err := c.k.open("cursor", &after.name); err != nil {
			return nil, err
		}
		start = sort.Search(len(all), func(i int) bool { return less(after, all[i]) })
	}
	page := all[start:min(len(all), start+max(q.Limit, 0))]
	if len(page) == 0 {
		return nil, nil
	}
	marks := make([]string, len(page))
	ids := make([]any, len(page))
	for i, n := range page {
		marks[i], ids[i] = "?", n.id
	}
	pageCond := ` WHERE a.id IN (` + strings.Join(marks, ", ") + `)`
	if cond != "" {
		pageCond = cond + ` AND a.id IN (` + strings.Join(marks, ", ") + `)`
	}
	rows, err = c.query(ctx, `SELECT `+prefixed("a.", applicationColumns)+`, `+assignee+`, '' FROM `+from+pageCond,
		append(append([]any(nil), args...), ids...)...)
	if err != nil {
		return nil, fmt.Errorf("database: list clients by name: %w", err)
	}
	defer rows.Close()
	byID := map[string]Listed{}
	for rows.Next() {
		var l Listed
		var value string
		app, err := scanApplication(extraScanner{rows, []any{&l.Assignee, &value}}, c.k)
		if err != nil {
			return nil, err
		}
		l.App = app
		byID[app.ID] = l
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("database: list clients by name: %w", err)
	}
	out := make([]Listed, 0, len(page))
	for _, n := range page {
		l, ok := byID[n.id]
		if !ok { // deleted in between
			continue
		}
		l.Cursor = Cursor{Value: c.k.seal("cursor", n.name), ID: n.id}
		out = append(out, l)
	}
	return out, nil
}

// nameCache keeps the opened, folded full names of applications by id,
// each with a hash of the sealed values it was opened from: a name whose
// sealed values did not change is not opened again (the name order's cost
// is then reading the rows, not decrypting them). It holds at most
// maxCachedNames names, in this process's memory only.
type nameCache struct {
	mu    sync.Mutex
	seed  maphash.Seed
	names map[string]cachedName
}

type cachedName struct {
	sum  uint64
	name string
}

const maxCachedNames = 250_000

// name is the folded full name of an application from its sealed name
// columns.
func (nc *nameCache) name(k *keys, id, last, first, middle string) (string, error) {
	nc.mu.Lock()
	if nc.names == nil {
		nc.seed, nc.names = maphash.MakeSeed(), map[string]cachedName{}
	}
	var h maphash.Hash
	h.SetSeed(nc.seed)
	h.WriteString(last)
	h.WriteByte(0)
	h.WriteString(first)
	h.WriteByte(0)
	h.WriteString(middle)
	sum := h.Sum64()
	c, ok := nc.names[id]
	nc.mu.Unlock()
	if ok && c.sum == sum {
		return c.name, nil
	}
	for col, v := range map[string]*string{"last_name": &last, "first_name": &first, "middle_name": &middle} {
		if err := k.open(col, v); err != nil {
			return "", err
		}
	}
	name := foldWord(strings.Join(strings.Fields(last+" "+first+" "+middle), " "))
	nc.mu.Lock()
	if len(nc.names) >= maxCachedNames {
		clear(nc.names)
	}
	nc.names[id] = cachedName{sum: sum, name: name}
	nc.mu.Unlock()
	return name, nil
}
