package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"accredpack/checks"
	"accredpack/database"
	"accredpack/fault"
)

// IdempotencyStore keeps the answers to requests sent with an
// Idempotency-Key (the database implements it).
type IdempotencyStore interface {
	ClaimIdempotencyKey(ctx context.Context, scope, key, fingerprint string, now time.Time, ttl, stale time.Duration) (database.IdempotentAnswer, bool, error)
	SaveIdempotentAnswer(ctx context.Context, scope, key string, status int, contentType string, body []byte) error
	ReleaseIdempotencyKey(ctx context.Context, scope, key string) error
}

const (
	idempotencyHeader = "Idempotency-Key"
	// Keys are kept a day; a claim still running after the longest request
	// could last belongs to a process that died.
	idempotencyTTL   = 24 * time.Hour
	idempotencyStale = 15 * time.Minute
	// Answers larger than this are not kept (POST answers are small JSON).
	maxKeptAnswer = 1 << 20
	// A JSON or CSV body is part of the fingerprint up to this size: the
	// largest such body a POST takes (a certificate batch).
	maxFingerprintBody = 5 << 20
)

// secretFieldsKey holds the JSON fields of the answer being written that
// carry a secret (set by shownOnce).
const secretFieldsKey = "idempotency.secret_fields"

// withheldField names, in a replayed answer, the fields left out of it
// because their secret was shown once.
const withheldField = "secret_withheld"

// shownOnce says that the answer about to be written carries a secret in
// the named top-level JSON fields (an API key's token, a webhook's signing
// secret, a share code, a signed link): it is shown this once. The
// idempotency store keeps the answer without them, and a replay lists them
// in secret_withheld instead.
func shownOnce(c echo.Context, fields ...string) { c.Set(secretFieldsKey, fields) }

// withhold removes fields from a JSON object answer and, when any was
// there, names them in secret_withheld.
func withhold(body []byte, fields []string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("api: answer with a secret is not a JSON object: %w", err)
	}
	var gone []string
	for _, f := range fields {
		if _, ok := m[f]; ok {
			delete(m, f)
			gone = append(gone, f)
		}
	}
	if gone == nil {
		return body, nil
	}
	names, _ := json.Marshal(gone)
	m[withheldField] = names
	return json.Marshal(m)
}

// idempotent answers a POST sent again with the same Idempotency-Key by
// the same caller with the first answer, instead of doing it twice. A key
// reused for a different request is refused (422); one whose first request
// is still running gets 409. Answers of 5xx and 429 are not kept: the
// retry runs again. For JSON and CSV requests the body is part of the request's
// fingerprint; for file uploads (their multipart boundary differs on every
// retry) the method, path and query are.
func (s *Server) idempotent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := c.Request().Header.Get(idempotencyHeader)
		if key == "" || s.idem == nil {
			return next(c)
		}
		if len(key) > 255 {
			return badRequest("Idempotency-Key длиннее 255 символов.", nil)
		}
		req := c.Request()
		ctx := req.Context()
		fp, err := fingerprint(req)
		if err != nil {
			return err
		}
		scope := actor(principal(c))
		prev, claimed, err := s.idem.ClaimIdempotencyKey(ctx, scope, key, fp, time.Now().UTC(), idempotencyTTL, idempotencyStale)
		if err != nil {
			return fmt.Errorf("%w: %w", fault.ErrUnavailable, err)
		}
		if !claimed {
			switch {
			case prev.Fingerprint != fp:
				return errIdempotencyKeyReused
			case prev.Status == 0:
				return fault.Conflict("Запрос с этим Idempotency-Key ещё выполняется: повторите позже.")
			}
			c.Response().Header().Set("Idempotent-Replayed", "true")
			return c.Blob(prev.Status, prev.ContentType, prev.Body)
		}

		tee := &answerTee{ResponseWriter: c.Response().Writer}
		c.Response().Writer = tee
		if err := next(c); err != nil {
			c.Error(err) // write the error answer now, so it is kept too
		}
		status := c.Response().Status
		bg := context.WithoutCancel(ctx)
		if status >= 500 || status == http.StatusTooManyRequests || tee.overflow {
			if err := s.idem.ReleaseIdempotencyKey(bg, scope, key); err != nil {
				s.log.Warn("idempotency key not released", "request_id", requestID(c), "error", err)
			}
			return nil
		}
		kept := tee.body.Bytes()
		if fields, ok := c.Get(secretFieldsKey).([]string); ok {
			if kept, err = withhold(kept, fields); err != nil {
				// Better run the request again on a retry than keep a secret.
				s.log.Warn("idempotent answer with a secret not kept", "request_id", requestID(c), "error", err)
				if err := s.idem.ReleaseIdempotencyKey(bg, scope, key); err != nil {
					s.log.Warn("idempotency key not released", "request_id", requestID(c), "error", err)
				}
				return nil
			}
		}
		if err := s.idem.SaveIdempotentAnswer(bg, scope, key, status, c.Response().Header().Get(echo.HeaderContentType), kept); err != nil {
			s.log.Warn("idempotent answer not kept", "request_id", requestID(c), "error", err)
		}
		return nil
	}
}

// fingerprint is the SHA-256 of what makes a request the same request.
func fingerprint(req *http.Request) (string, error) {
	h := sha256.New()
	io.WriteString(h, req.Method+" "+req.URL.Path+"?"+req.URL.RawQuery+"\n")
	mediaType, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if (mediaType == echo.MIMEApplicationJSON || mediaType == "text/csv") && req.Body != nil {
		b, err := io.ReadAll(io.LimitReader(req.Body, maxFingerprintBody+1))
		if err != nil {
			return "", badRequest("Тело запроса не прочитано.", err)
		}
		if len(b) > maxFingerprintBody {
			return "", &checks.Problem{Code: checks.CodeTooLarge, Message: "Тело запроса больше 5 МБ."}
		}
		h.Write(b)
		req.Body = io.NopCloser(bytes.NewReader(b))
	} else {
		io.WriteString(h, mediaType)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// answerTee copies what is written to the client, up to maxKeptAnswer.
type answerTee struct {
	http.ResponseWriter
	body     bytes.Buffer
	overflow bool
}

func (t *answerTee) Write(p []byte) (int, error) {
	if !t.overflow {
		if t.body.Len()+len(p) > maxKeptAnswer {
			t.overflow = true
			t.body.Reset()
		} else {
			t.body.Write(p)
		}
	}
	return t.ResponseWriter.Write(p)
}

func (t *answerTee) Flush() {
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
