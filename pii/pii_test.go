package pii

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"snils 11223344595 taken":            "snils ***-***-*** 95 taken",
		"Key (snils, code)=(112-233-445 95)": "Key (snils, code)=(***-***-*** 95)",
		"phone +79161234567":                 "phone +***-***-*** 67",
		"size 25000000 bytes, 3 pages":       "size 25000000 bytes, 3 pages",
		"application 4f3a9c":                 "application 4f3a9c",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

type form struct{ SNILS string }

type stringer struct{}

func (stringer) String() string { return "123 456 789 01" }

func TestHandlerRedactsEveryValueKind(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(&buf, nil)))
	const snils = "11223344595"
	log.With("early", snils).WithGroup("g").Info("SNILS "+snils,
		"s", snils,
		"err", fmt.Errorf("wrapped: %w", errors.New("dup key "+snils)),
		"stringer", stringer{},
		"struct", form{SNILS: snils},
		"bytes", []byte(snils),
		slog.Group("inner", "s", "112-233-445 95"),
		"n", 42)
	out := buf.String()
	for _, leak := range []string{snils, "112-233-445 95", "123 456 789 01"} {
		if strings.Contains(out, leak) {
			t.Errorf("log leaks %q: %s", leak, out)
		}
	}
	if !strings.Contains(out, "***-***-*** 95") || !strings.Contains(out, `"n":42`) {
		t.Errorf("log lost its content: %s", out)
	}
}
