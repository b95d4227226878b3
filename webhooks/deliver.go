package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/riverqueue/river"

	"accredpack/database"
)

// Headers of a delivery.
const (
	// HeaderSignature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">,
	// with one v1 for each secret that signs (two during the grace period
	// of a rotation: the new secret's first).
	HeaderSignature = "Accredpack-Signature"
	HeaderEvent     = "Accredpack-Event"
	HeaderDelivery  = "Accredpack-Delivery"
)

// Sign is the signature header of body sent at t with secret.
func Sign(secret string, t time.Time, body []byte) string {
	return SignAll([]string{secret}, t, body)
}

// SignAll is the signature header of body sent at t with each of secrets,
// in their order: one v1 value each, any of which verifies.
func SignAll(secrets []string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=" + ts)
	for _, secret := range secrets {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(ts))
		mac.Write([]byte("."))
		mac.Write(body)
		b.WriteString(",v1=" + hex.EncodeToString(mac.Sum(nil)))
	}
	return b.String()
}

// deliverArgs is the job of sending one delivery.
type deliverArgs struct {
	DeliveryID string `json:"delivery_id"`
}

func (deliverArgs) Kind() string { return "webhook_delivery" }

type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	svc *Service
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	return w.svc.deliver(ctx, job.Args.DeliveryID, job.Attempt, job.MaxAttempts)
}

// NextRetry is the backoff: Backoff after the first failure, doubling.
func (w *deliverWorker) NextRetry(job *river.Job[deliverArgs]) time.Time {
	return time.Now().Add(w.svc.backoff(job.Attempt))
}

func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration {
	return w.svc.cfg.Timeout + 5*time.Second
}

func (s *Service) backoff(attempt int) time.Duration {
	d := s.cfg.Backoff
	for i := 1; i < attempt && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.cfg.MaxBackoff)
}

// deliver makes attempt number attempt (of max) of a delivery and records it.
// An error makes the queue try again after the backoff.
func (s *Service) deliver(ctx context.Context, id string, attempt, max int) error {
	d, err := s.db.Delivery(ctx, id)
	if errors.Is(err, database.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("webhooks: delivery %s is gone (its subscription was deleted)", id))
	}
	if err != nil {
		return err
	}
	if d.Status != database.DeliveryPending {
		return nil
	}
	sub, err := s.db.Subscription(ctx, d.SubscriptionID)
	if errors.Is(err, database.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("webhooks: subscription of delivery %s is gone", id))
	}
	if err != nil {
		return err
	}
	start := s.now()
	status, sendErr := s.sender.send(ctx, sub.URL, secrets(sub, start), d, start)
	a := database.Attempt{Attempt: attempt, At: start, Status: status, Duration: s.now().Sub(start)}
	if sendErr == nil {
		s.log.InfoContext(ctx, "webhook delivered", "delivery", id, "event", d.EventType, "status", status, "attempt", attempt)
		return s.db.RecordAttempt(context.WithoutCancel(ctx), id, a, database.DeliveryDelivered, time.Time{})
	}
	a.Error = sendErr.Error()
	if errors.Is(sendErr, errPrivateAddress) {
		// The address will not change by waiting: fail at once.
		a.Error = "доставка запрещена: " + a.Error
		s.log.WarnContext(ctx, "webhook delivery refused: private address", "delivery", id, "event", d.EventType, "attempt", attempt, "error", sendErr)
		if err := s.db.RecordAttempt(context.WithoutCancel(ctx), id, a, database.DeliveryFailed, time.Time{}); err != nil {
			return err
		}
		return river.JobCancel(sendErr)
	}
	s.log.WarnContext(ctx, "webhook attempt failed", "delivery", id, "event", d.EventType, "attempt", attempt, "of", max, "error", sendErr)
	if attempt >= max {
		if err := s.db.RecordAttempt(context.WithoutCancel(ctx), id, a, database.DeliveryFailed, time.Time{}); err != nil {
			return err
		}
		return river.JobCancel(sendErr)
	}
	if err := s.db.RecordAttempt(context.WithoutCancel(ctx), id, a, database.DeliveryPending, start.Add(s.backoff(attempt))); err != nil {
		return err
	}
	return sendErr
}

// sender posts deliveries; unless private addresses are allowed, its dialer
// resolves the host, judges every address (judgeHost, as at creation) and
// judges again the address it dials, so DNS cannot point a subscription
// into the service's network.
type sender struct {
	client *http.Client
}

func newSender(cfg Config) *sender {
	dialer := &net.Dialer{Timeout: min(cfg.Timeout, 10*time.Second)}
	dial := dialer.DialContext
	if !cfg.AllowPrivate {
		// The address actually dialled is judged again (a resolver of the
		// system's could answer otherwise than the one judged).
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &refusal{host: address, reason: "адрес не разобран"}
			}
			if why := judgeAddr(ap.Addr()); why != "" {
				return &refusal{host: address, reason: why}
			}
			return nil
		}
		// The host is resolved and judged here, by the same function as at
		// creation, and only the addresses judged are dialled.
		dial = func(ctx context.Context, network, address string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			addrs, err := judgeHost(ctx, cfg.Resolver, host)
			if err != nil {
				return nil, err
			}
			var firstErr error
			for _, a := range addrs {
				conn, err := dialer.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
				if err == nil {
					return conn, nil
				}
				if errors.Is(err, errPrivateAddress) {
					return nil, err
				}
				if firstErr == nil {
					firstErr = err
				}
			}
			return nil, firstErr
		}
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dial,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
	}
	return &sender{client: &http.Client{Transport: transport, Timeout: cfg.Timeout,
		// A redirect is an answer like any other: not followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// send posts one delivery, signed at now with each of secrets; any status
// but 2xx is an error.
func (s *sender) send(ctx context.Context, url string, secrets []string, d database.Delivery, now time.Time) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, fmt.Errorf("адрес подписки не годится для запроса: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "accredpack-webhooks/1")
	req.Header.Set(HeaderEvent, d.EventType)
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderSignature, SignAll(secrets, now, d.Payload))
	res, err := s.client.Do(req)
	if err != nil {
		var refused *refusal
		if errors.As(err, &refused) {
			return 0, refused
		}
		return 0, fmt.Errorf("нет ответа: %w", err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, fmt.Errorf("ответ HTTP %d", res.StatusCode)
	}
	return res.StatusCode, nil
}
