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
		"phone +79161234567":                 "phone +7 *** ***-**-67",
		"size 25000000 bytes, 3 pages":       "size 25000000 bytes, 3 pages",
		"application 4f3a9c":                 "application 4f3a9c",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRedactMasksPersonalNumbers: SNILS and phones standing alone, in
// whatever context a log line puts them, are masked.
func TestRedactMasksPersonalNumbers(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"11223344595", "***-***-*** 95"},
		{"snils=11223344595", "snils=***-***-*** 95"},
		{`{"snils":"11223344595"}`, `{"snils":"***-***-*** 95"}`},
		{"СНИЛС: 112-233-445 95.", "СНИЛС: ***-***-*** 95."},
		{"(112 233 445 95)", "(***-***-*** 95)"},
		{"dup key 11223344595, 11223344596", "dup key ***-***-*** 95, ***-***-*** 96"},
		{"a 11223344595 11223344596 b", "a ***-***-*** 95 ***-***-*** 96 b"},
		{"tel +7 (912) 345-67-89", "tel +7 *** ***-**-89"},
		{"tel 8 912 345 67 89;", "tel +7 *** ***-**-89;"},
		{"phone=+79123456789", "phone=+7 *** ***-**-89"},
		{"phone='89123456789'", "phone='+7 *** ***-**-89'"},
		{"8-912-345-67-89", "+7 *** ***-**-89"},
		{"тел.89123456789", "тел.+7 *** ***-**-89"},
		// 89123456789 is a phone shape; a valid SNILS of that shape is
		// masked as a SNILS.
		{"81234567891 x", "***-***-*** 91 x"},
		{"81234567801 x", "+7 *** ***-**-01 x"},
		{"snils\t11223344595\n", "snils\t***-***-*** 95\n"},
	} {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestRedactLeavesIdsAlone: digit runs inside ids, digests and request ids
// are not personal numbers; the log must still match them.
func TestRedactLeavesIdsAlone(t *testing.T) {
	for _, in := range []string{
		"evt_01234567890123456789abcdef",
		"event evt_0123456789abcdef0123456789abcdef delivered",
		"sha256=" + strings.Repeat("0123456789abcdef", 4),
		"a1234567890123456789012345678901", // 32 hex chars, 31 digits
		strings.Repeat("1234567890", 6) + "abcd",
		"request_id=req12345678901",
		"id 123e4567-e89b-12d3-a456-426614174000",
		"00000000-0000-0000-0000-112233445950",
		"x11223344595",
		"11223344595x",
		"11223344595_",
		"Ж11223344595",
		"whd_11223344595",
		"size 25000000 bytes",
	} {
		if got := Redact(in); got != in {
			t.Errorf("Redact(%q) = %q, want it unchanged", in, got)
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
