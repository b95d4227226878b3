package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"accredpack/audit"
)

func timeNow() time.Time { return time.Now() }

// AuditPageJSON is a page of the audit log.
type AuditPageJSON struct {
	Items []audit.Entry `json:"items"`
	// NextAfter continues the listing (oldest first): pass it as after=.
	NextAfter int64 `json:"next_after,omitempty"`
	// NextBefore continues a listing newest first (order=desc): pass it as
	// before=.
	NextBefore int64 `json:"next_before,omitempty"`
}

// writeAudit answers the lines that pass f: a JSON page (format=json,
// the default; limit and after page it) or the whole selection streamed as
// CSV or NDJSON for export (format=csv|ndjson).
func (s *Server) writeAudit(c echo.Context, f audit.Filter) error {
	q := c.QueryParams()
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				if t, err = time.Parse(time.DateOnly, v); err != nil {
					return badRequest(name+" — дата ГГГГ-ММ-ДД или время RFC 3339.", err)
				}
			}
			*dst = t
		}
	}
	for name, dst := range map[string]*int64{"after": &f.AfterID, "before": &f.BeforeID} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return badRequest(name+" — номер строки журнала.", err)
			}
			*dst = n
		}
	}
	switch q.Get("order") {
	case "", "asc":
	case "desc":
		f.Newest = true
	default:
		return badRequest("order — asc (старые первыми) или desc (новые первыми).", nil)
	}
	ctx := c.Request().Context()
	format := q.Get("format")
	if format == "" || format == "json" {
		limit, err := limitParam(c, 100, 1000)
		if err != nil {
			return err
		}
		f.Limit = limit
		page := AuditPageJSON{Items: []audit.Entry{}}
		err = s.audit.Each(ctx, f, func(e audit.Entry) error {
			page.Items = append(page.Items, e)
			return nil
		})
		if err != nil {
			return err
		}
		if len(page.Items) == f.Limit {
			if last := page.Items[len(page.Items)-1].ID; f.Newest {
				page.NextBefore = last
			} else {
				page.NextAfter = last
			}
		}
		return c.JSON(http.StatusOK, page)
	}
	contentType := map[string]string{"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}[format]
	if contentType == "" {
		return badRequest("format — json, csv или ndjson.", nil)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set("Content-Disposition", `attachment; filename="audit.`+format+`"`)
	h.Set("Cache-Control", "private, no-store")
	w, _ := audit.NewWriter(format, c.Response())
	started := false
	err := s.audit.Each(ctx, f, func(e audit.Entry) error {
		if !started {
			started = true
			c.Response().WriteHeader(http.StatusOK)
		}
		return w.Write(e)
	})
	if err != nil {
		if !started {
			return err
		}
		s.log.Error("audit export cut short", "request_id", requestID(c), "error", err)
		panic(http.ErrAbortHandler)
	}
	if !started {
		c.Response().WriteHeader(http.StatusOK)
	}
	return w.Flush()
}

func (s *Server) readApplicationAudit(c echo.Context) error {
	return s.writeAudit(c, audit.Filter{ApplicationID: c.Param("id")})
}

// readOwnAudit is everything done with the caller's data, including
// applications since deleted.
func (s *Server) readOwnAudit(c echo.Context) error {
	return s.writeAudit(c, audit.Filter{OwnerID: principal(c).UserID})
}

// readAllAudit is the whole log (administrators), filtered by who
// (actor_id), what (action), on what (application_id, owner_id), the
// outcome and dates.
func (s *Server) readAllAudit(c echo.Context) error {
	q := c.QueryParams()
	f := audit.Filter{ApplicationID: q.Get("application_id"), OwnerID: q.Get("owner_id"), ActorID: q.Get("actor_id"),
		Action: q.Get("action"), Outcome: q.Get("outcome")}
	if f.Outcome != "" && f.Outcome != audit.Granted && f.Outcome != audit.Denied {
		return badRequest("outcome — granted (разрешено) или denied (отказано).", nil)
	}
	return s.writeAudit(c, f)
}
