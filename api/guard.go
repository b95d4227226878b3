package api

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"accredpack/access"
	"accredpack/accounts"
	"accredpack/audit"
	"accredpack/dossier"
	"accredpack/events"
	"accredpack/fault"
)

const (
	principalKey = "principal"
	decisionKey  = "decision"
	factsKey     = "facts"
	csrfKey      = "csrf"
	sessionKey   = "session" // the session cookie's token, when the request came with one
)

// sessionCookie holds a login's random token.
const sessionCookie = "accredpack_session"

func principal(c echo.Context) access.Principal {
	p, _ := c.Get(principalKey).(access.Principal)
	return p
}

func decision(c echo.Context) access.Decision {
	d, _ := c.Get(decisionKey).(access.Decision)
	return d
}

func facts(c echo.Context) access.Facts {
	f, _ := c.Get(factsKey).(access.Facts)
	return f
}

// actor is who did something, for the records of the dossier.
func actor(p access.Principal) string {
	if p.UserID == "" {
		return "bootstrap"
	}
	return p.UserID
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// authenticate finds the principal: a bearer token (the bootstrap token or
// an API key) or a session cookie. Writes with a cookie must carry the
// session's CSRF token in X-CSRF-Token: another site can make a browser send
// the cookie, but cannot read the token.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		ctx := req.Context()
		if h := req.Header.Get(echo.HeaderAuthorization); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			token = strings.TrimSpace(token)
			if !ok || token == "" {
				return errUnauthorized
			}
			p, err := s.accounts.Bearer(ctx, token)
			if err != nil {
				return err
			}
			setPrincipal(c, p)
			return next(c)
		}
		if ck, err := req.Cookie(sessionCookie); err == nil && ck.Value != "" {
			p, csrf, err := s.accounts.Session(ctx, ck.Value)
			if err != nil {
				return err
			}
			if !safeMethod(req.Method) && subtle.ConstantTimeCompare([]byte(req.Header.Get("X-CSRF-Token")), []byte(csrf)) != 1 {
				return fault.Forbidden("Запрос без действующего токена CSRF: передайте заголовок X-CSRF-Token из ответа на вход (GET /api/v1/auth/me).")
			}
			setPrincipal(c, p)
			c.Set(csrfKey, csrf)
			c.Set(sessionKey, ck.Value)
			return next(c)
		}
		return errUnauthorized
	}
}

// setPrincipal records who is asking; the request's context carries their
// organization, so that the events a request causes name it.
func setPrincipal(c echo.Context, p access.Principal) {
	c.Set(principalKey, p)
	req := c.Request()
	c.SetRequest(req.WithContext(events.WithActorOrg(req.Context(), p.OrgID)))
}

var errNoApplication = fault.NotFound("Заявление не найдено.")

// guard asks the policy about the route's action. On an application (or a
// bundle of one) it records the attempt in the audit log before anything is
// read or changed, and answers "not found" to a principal with no relation
// to it, exactly as for an application that does not exist.
func (s *Server) guard(r route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if r.on == public {
				return next(c)
			}
			p := principal(c)
			if !accounts.ScopeAllows(p.KeyScope, r.method, r.path) {
				return accounts.KeyScopeError(p.KeyScope)
			}
			if r.on == service {
				if err := s.policy.Allow(p, r.act); err != nil {
					return fault.Forbidden("Это действие недоступно вашей роли.")
				}
				return next(c)
			}
			ctx := c.Request().Context()
			appID, missing := c.Param("id"), errNoApplication
			target := firstNonEmpty(c.Param("slot"), c.Param("rid"), c.Param("org"))
			if r.on == bundle {
				b, err := s.bundles.Get(ctx, c.Param("id"))
				if err != nil {
					return err
				}
				appID, target, missing = b.ApplicationID, b.ID, errNoBundle
			}
			f, err := s.accounts.Facts(ctx, appID)
			if err != nil {
				if errors.Is(err, fault.ErrNotFound) {
					return missing
				}
				return err
			}
			var slot string
			if ref, err := dossier.ParseSlotRef(c.Param("slot")); err == nil {
				slot = ref.Slot
			}
			d, denied := s.policy.Decide(p, r.act, f, access.Target{Slot: slot})
			outcome := audit.Granted
			if denied != nil {
				outcome = audit.Denied
			}
			event := audit.Event{Action: r.act, ApplicationID: appID, OwnerID: f.Owner, Target: target, Outcome: outcome}
			if denied == nil {
				c.Set(decisionKey, d)
				c.Set(factsKey, f)
				if auditBesideRead(r) {
					return s.readBesideAudit(c, event, next)
				}
			}
			if err = s.audit.Record(ctx, s.auditRequest(c), event); err != nil {
				return err
			}
			switch {
			case errors.Is(denied, access.ErrNoRelation):
				return missing
			case denied != nil:
				return fault.Forbidden("Это действие с заявлением недоступно вашей роли.")
			}
			return next(c)
		}
	}
}

var errNoBundle = fault.NotFound("Сборка не найдена.")

func (s *Server) auditRequest(c echo.Context) audit.Request {
	return audit.Request{Principal: principal(c), Remote: c.RealIP(), RequestID: requestID(c)}
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// auditBesideRead tells the routes whose granted reads run while their
// audit line commits (readBesideAudit): the reads of an application (the
// application, its readiness, its report and the report's PDF and DOCX),
// answers of at most a few hundred kilobytes that can be held in memory;
// the GET of an application is the most frequent request of the API.
// Slot files and bundles (up to hundreds of megabytes) are other actions.
func auditBesideRead(r route) bool {
	return r.method == http.MethodGet && r.act == access.ReadApplication
}

// readBesideAudit records a granted read in the audit log while the read
// runs, and answers only once the line is committed: the answer is held
// until then, and an audit failure answers its error instead of the read.
// The read's time then overlaps the audit commit's fsync, most of a GET's
// time on SQLite (make bench row 4: p99 5.2-5.4 ms before, the goal 5 ms).
func (s *Server) readBesideAudit(c echo.Context, event audit.Event, next echo.HandlerFunc) error {
	ctx, req := c.Request().Context(), s.auditRequest(c)
	recorded := make(chan error, 1)
	go func() { recorded <- s.audit.Record(ctx, req, event) }()
	res := c.Response()
	out := res.Writer
	held := &heldResponse{header: out.Header().Clone(), status: http.StatusOK}
	res.Writer = held
	err := next(c)
	res.Writer = out
	if aerr := <-recorded; aerr != nil {
		// Nothing of the read goes out: the error is the answer.
		res.Committed, res.Status, res.Size = false, 0, 0
		return aerr
	}
	if held.wrote {
		h := out.Header()
		for k := range h {
			if _, ok := held.header[k]; !ok {
				delete(h, k)
			}
		}
		for k, v := range held.header {
			h[k] = v
		}
		out.WriteHeader(held.status)
		if _, werr := out.Write(held.body.Bytes()); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// heldResponse keeps an answer until it may go out (readBesideAudit).
type heldResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(code int) {
	if !h.wrote {
		h.status, h.wrote = code, true
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	h.wrote = true
	return h.body.Write(b)
}
