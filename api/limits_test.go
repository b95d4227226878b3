package api

import (
	"errors"
	"testing"
	"time"
)

// TestLimiterGiveBack: n events a minute per key; an event given back is
// free again, one taken is not; keys are apart.
func TestLimiterGiveBack(t *testing.T) {
	l := newLimiter(3)
	now := time.Now()
	var backs []func()
	for i := range 3 {
		back, err := l.take("password:u1", now)
		if err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
		backs = append(backs, back)
	}
	_, err := l.take("password:u1", now)
	var limited *errRateLimited
	if !errors.As(err, &limited) || limited.retry <= 0 {
		t.Fatalf("fourth attempt: %v; want a refusal with a wait", err)
	}
	if err := l.allow("password:u2", now); err != nil {
		t.Errorf("another key: %v", err)
	}
	backs[0]() // a right password does not count
	if _, err := l.take("password:u1", now); err != nil {
		t.Errorf("after one given back: %v", err)
	}
	if _, err := l.take("password:u1", now); err == nil {
		t.Error("a given-back event counted twice")
	}
	if back, err := (*limiter)(nil).take("x", now); err != nil || back == nil {
		t.Errorf("no limiter: %v", err)
	}
}
