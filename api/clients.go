package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"accredpack/access"
	"accredpack/audit"
	"accredpack/database"
	"accredpack/dossier"
	"accredpack/intake"
)

// ListJSON is a page of the application list.
type ListJSON struct {
	Items      []ListItemJSON `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// ListItemJSON is an application of a list, with what the list adds.
type ListItemJSON struct {
	ApplicationJSON
	// Attention: "overdue" (the last day to submit has passed), "expired"
	// (the accreditation has ended); both only while not submitted.
	Attention []string `json:"attention"`
	// Assignee: the staff member of the caller's consultancy who looks
	// after the client; only in a consultancy's list, empty: nobody.
	Assignee *string `json:"assignee,omitempty"`
}

// cursor is a position in a sorted list, as next_cursor carries it: the
// order it belongs to and the last item's place.
type cursor struct {
	Sort  database.Sort `json:"s"`
	Desc  bool          `json:"d,omitempty"`
	Value string        `json:"v"`
	ID    string        `json:"i"`
}

func encodeCursor(q intake.Query, at database.Cursor) string {
	raw, _ := json.Marshal(cursor{Sort: q.Sort, Desc: q.Desc, Value: at.Value, ID: at.ID})
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeCursor(s string, q intake.Query) (*database.Cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	if c.ID == "" || c.Sort != q.Sort || c.Desc != q.Desc {
		return nil, errors.New("the cursor belongs to another order")
	}
	return &database.Cursor{Value: c.Value, ID: c.ID}, nil
}

// listQuery reads a list's filters and order from the query string.
func listQuery(c echo.Context, p access.Principal) (intake.Query, error) {
	q := intake.Query{Scope: access.ListScope(p), Search: c.QueryParam("q")}
	if d := c.QueryParam("due_before"); d != "" {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return q, badRequest("due_before — дата в формате ГГГГ-ММ-ДД.", err)
		}
		q.DueBefore = t
	}
	flag := func(name string) (*bool, error) {
		v := c.QueryParam(name)
		if v == "" {
			return nil, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, badRequest(name+" — true или false.", err)
		}
		return &b, nil
	}
	var err error
	if q.Ready, err = flag("ready"); err != nil {
		return q, err
	}
	for name, to := range map[string]*bool{"overdue": &q.Overdue, "expired": &q.Expired} {
		b, err := flag(name)
		if err != nil {
			return q, err
		}
		*to = b != nil && *b
	}
	switch c.QueryParam("report") {
	case "":
	case "empty":
		q.ReportEmpty = true
	default:
		return q, badRequest("report — empty (отчёт о профессиональной деятельности не начат).", nil)
	}
	switch st := c.QueryParam("status"); st {
	case "", string(dossier.StatusDraft), string(dossier.StatusSubmitted):
		q.Status = dossier.Status(st)
	default:
		return q, badRequest("status — draft или submitted.", nil)
	}
	switch a := c.QueryParam("assignee"); {
	case a == "":
	case q.Scope.Org == "":
		return q, badRequest("assignee есть только в списке клиентов консалтинговой организации.", nil)
	case a == "me":
		q.Assignee = p.UserID
	case a == "none":
		q.Assignee = "-"
	default:
		q.Assignee = a
	}
	switch so := database.Sort(c.QueryParam("sort")); so {
	case "", database.ByCreated, database.ByDue, database.ByName:
		q.Sort = so
		if so == "" {
			q.Sort = database.ByCreated
		}
	default:
		return q, badRequest("sort — created, due или name.", nil)
	}
	switch o := c.QueryParam("order"); o {
	case "", "asc":
	case "desc":
		q.Desc = true
	default:
		return q, badRequest("order — asc или desc.", nil)
	}
	if cur := c.QueryParam("cursor"); cur != "" {
		if q.After, err = decodeCursor(cur, q); err != nil {
			return q, badRequest("Неверный cursor: передайте next_cursor из предыдущего ответа с теми же sort и order.", err)
		}
	}
	return q, nil
}

func (s *Server) listApplications(c echo.Context) error {
	p := principal(c)
	q, err := listQuery(c, p)
	if err != nil {
		return err
	}
	if q.Limit, err = limitParam(c, 20, 100); err != nil {
		return err
	}
	ctx := c.Request().Context()
	items, more, err := s.svc.List(ctx, q)
	if err != nil {
		return err
	}
	// Listing shows personal fields: one audit line per application shown,
	// written before the answer.
	if err := s.auditListed(c, items, "list"); err != nil {
		return err
	}
	out := ListJSON{Items: []ListItemJSON{}}
	now := time.Now()
	for _, l := range items {
		item := ListItemJSON{ApplicationJSON: applicationJSON(l.View), Attention: l.Attention(now)}
		if item.Attention == nil {
			item.Attention = []string{}
		}
		if q.Scope.Org != "" {
			item.Assignee = &l.Assignee
		}
		out.Items = append(out.Items, item)
	}
	if more && len(items) > 0 {
		out.NextCursor = encodeCursor(q, items[len(items)-1].Cursor)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) auditListed(c echo.Context, items []intake.Listed, target string) error {
	events := make([]audit.Event, len(items))
	for i, l := range items {
		events[i] = audit.Event{Action: access.ReadApplication, ApplicationID: l.App.ID, OwnerID: l.App.Owner, Target: target, Outcome: audit.Granted}
	}
	return s.audit.Record(c.Request().Context(), s.auditRequest(c), events...)
}

// AssigneeBody names the staff member who looks after a client.
type AssigneeBody struct {
	// UserID: a staff member of the caller's organization; empty: nobody.
	UserID string `json:"user_id"`
}

func (s *Server) setAssignee(c echo.Context) error {
	var body AssigneeBody
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	p := principal(c)
	if err := s.svc.Assign(c.Request().Context(), c.Param("id"), p.OrgID, body.UserID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, body)
}

// StaffJSON is a colleague: a staff member of the caller's organization.
type StaffJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// colleagues are the active staff of an organization.
func (s *Server) colleagues(c echo.Context, orgID string) ([]StaffJSON, error) {
	users, err := s.accounts.Users(c.Request().Context())
	if err != nil {
		return nil, err
	}
	out := []StaffJSON{}
	for _, u := range users {
		if u.OrgID == orgID && u.DisabledAt == nil {
			out = append(out, StaffJSON{ID: u.ID, Name: u.Name, Email: u.Email})
		}
	}
	return out, nil
}

func (s *Server) listStaff(c echo.Context) error {
	staff, err := s.colleagues(c, principal(c).OrgID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"staff": staff})
}
