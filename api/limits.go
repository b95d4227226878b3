package api

import (
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// errRateLimited is a refusal for too many attempts; retry says when.
type errRateLimited struct{ retry time.Duration }

func (e *errRateLimited) Error() string { return "rate limited, retry in " + e.retry.String() }

// limiter allows n events a minute per key (a token bucket of n, refilled
// evenly). Keys unused for ten minutes are forgotten. It lives in this
// process: behind several processes each allows its own n.
type limiter struct {
	perMinute int
	mu        sync.Mutex
	buckets   map[string]*bucket
	swept     time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(perMinute int) *limiter {
	return &limiter{perMinute: perMinute, buckets: map[string]*bucket{}}
}

// allow takes one event for key, or says how long to wait.
func (l *limiter) allow(key string, now time.Time) error {
	_, err := l.take(key, now)
	return err
}

// take takes one event for key, or says how long to wait; giveBack returns
// the event (an attempt that turned out not to count: a right password).
// Taking before the attempt keeps parallel attempts within the limit.
func (l *limiter) take(key string, now time.Time) (giveBack func(), err error) {
	if l == nil || l.perMinute <= 0 {
		return func() {}, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return nil, &errRateLimited{retry: d}
	}
	// A reservation is given back only at its own time to act (rate
	// ignores a cancellation after it); that re-credits at most the moment
	// between the take and the give-back.
	return func() { r.CancelAt(now) }, nil
}

// limitUploads bounds uploads per principal.
func (s *Server) limitUploads(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := s.uploads.allow("upload:"+actor(principal(c)), time.Now()); err != nil {
			return err
		}
		return next(c)
	}
}

func retryAfter(c echo.Context, e *errRateLimited) {
	secs := int(e.retry.Seconds() + 0.999)
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
}
