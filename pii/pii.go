// Package pii keeps personal data out of places it does not belong: it
// masks SNILS for display and redacts SNILS-like and phone-like numbers
// from every log record before it is written.
package pii

import (
	"context"
	"log/slog"
	"regexp"
	"strings"

	"accredpack/identifiers"
)

// elevenDigits matches a SNILS written in any of the usual ways
// (12345678901, 123-456-789 01, 123 456 789 01) and, as a side effect,
// 11-digit phone numbers: both are personal.
var elevenDigits = regexp.MustCompile(`\d{3}[- ]?\d{3}[- ]?\d{3}[- ]?\d{2}`)

// Redact replaces every SNILS-like number in text by its mask.
func Redact(text string) string {
	if !hasRun(text) {
		return text
	}
	return elevenDigits.ReplaceAllStringFunc(text, identifiers.MaskSNILS)
}

// hasRun is a fast pre-check: nine digits in a row, allowing separators.
func hasRun(text string) bool {
	n := 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c >= '0' && c <= '9':
			n++
			if n >= 9 {
				return true
			}
		case c == '-' || c == ' ':
		default:
			n = 0
		}
	}
	return false
}

// Handler wraps a slog.Handler and redacts the message and every string,
// error and stringer value of a record, in groups too.
type Handler struct{ next slog.Handler }

// NewHandler returns next behind redaction.
func NewHandler(next slog.Handler) *Handler { return &Handler{next: next} }

// Enabled implements slog.Handler.
func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Redact(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = redactAttr(a)
	}
	return &Handler{next: h.next.WithAttrs(clean)}
}

// WithGroup implements slog.Handler.
func (h *Handler) WithGroup(name string) slog.Handler { return &Handler{next: h.next.WithGroup(name)} }

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Redact(v.String()))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]slog.Attr, len(group))
		for i, g := range group {
			clean[i] = redactAttr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, Redact(x.Error()))
		case interface{ String() string }:
			return slog.String(a.Key, Redact(x.String()))
		case []byte:
			return slog.String(a.Key, Redact(string(x)))
		default:
			// Other values are formatted by the next handler; format them
			// here so nothing escapes unredacted.
			var b strings.Builder
			slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.MessageKey {
					return slog.Attr{}
				}
				return a
			}})).Info("", slog.Any("v", x))
			s := strings.TrimSuffix(strings.TrimPrefix(b.String(), "v="), "\n")
			return slog.String(a.Key, Redact(s))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
