// Package pii keeps personal data out of places it does not belong: it
// masks SNILS for display and redacts SNILS-like and phone-like numbers
// standing alone (not inside ids) from every log record before it is written.
package pii

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"accredpack/identifiers"
)

// personal matches a phone number in the usual Russian ways (+7 (912)
// 345-67-89, 8 912 345 67 89, +79123456789, 89123456789) or a SNILS
// (12345678901, 123-456-789 01, 123 456 789 01). Phones come first: they
// are the longer shapes. A match counts only at word boundaries (see
// Redact), which RE2 cannot say itself.
var personal = regexp.MustCompile(`(\+7|8)[- ]?(?:\(\d{3}\)|\d{3})[- ]?\d{3}[- ]?\d{2}[- ]?\d{2}|\d{3}[- ]?\d{3}[- ]?\d{3}[- ]?\d{2}`)

// Redact replaces every SNILS-like and phone-like number in text by its
// mask. A number counts only where it stands alone: the character before
// it and the one after must not be a letter, a digit or an underscore, so
// that hex ids, sha256 digests and request ids with long digit runs pass
// untouched, while snils=12345678901 or "12345678901" are masked.
func Redact(text string) string {
	if !hasRun(text) {
		return text
	}
	var b strings.Builder
	done, pos := 0, 0
	for pos < len(text) {
		loc := personal.FindStringSubmatchIndex(text[pos:])
		if loc == nil {
			break
		}
		start, end := pos+loc[0], pos+loc[1]
		if !boundaryBefore(text, start) || !boundaryAfter(text, end) {
			// Inside a word: no match may start before the word ends.
			pos = start + 1
			for pos < len(text) {
				r, n := utf8.DecodeRuneInString(text[pos:])
				if !wordRune(r) {
					break
				}
				pos += n
			}
			continue
		}
		b.WriteString(text[done:start])
		b.WriteString(mask(text[start:end], loc[2] >= 0))
		done, pos = end, end
	}
	if done == 0 {
		return text
	}
	b.WriteString(text[done:])
	return b.String()
}

// mask hides a matched number. A phone shape is masked as a phone unless
// its eleven digits are a valid SNILS (89123456789 could be either).
func mask(s string, phoneShape bool) string {
	digits := make([]byte, 0, 11)
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits = append(digits, s[i])
		}
	}
	if phoneShape && (s[0] == '+' || len(digits) != 11 || !validSNILS(string(digits))) {
		return "+7 *** ***-**-" + string(digits[len(digits)-2:])
	}
	return identifiers.MaskSNILS(s)
}

func validSNILS(digits string) bool {
	_, err := identifiers.ValidateSNILS(digits)
	return err == nil
}

func wordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func boundaryBefore(text string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return !wordRune(r)
}

func boundaryAfter(text string, i int) bool {
	if i == len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return !wordRune(r)
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
		case c == '-' || c == ' ' || c == '(' || c == ')':
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
