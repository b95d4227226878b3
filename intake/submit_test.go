package intake

import (
	"errors"
	"testing"
	"time"

	"accredpack/checks"
)

// TestSubmissionDay: the portal's day is a date, not after today anywhere
// in Russia (Kamchatka, UTC+12, is the last to leave a day), not before the
// application was created; none means today in UTC.
func TestSubmissionDay(t *testing.T) {
	created := time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC) // 2 March already in Moscow
	// 21:30 UTC on 2 March: 00:30 on 3 March in Moscow, 09:30 in Kamchatka.
	now := time.Date(2026, 3, 2, 21, 30, 0, 0, time.UTC)
	for _, tc := range []struct{ day, want, code string }{
		{"", "2026-03-02", ""},
		{"2026-03-02", "2026-03-02", ""},
		{"2026-03-03", "2026-03-03", ""}, // a Muscovite's today
		{"2026-03-01", "2026-03-01", ""}, // the day it was created (UTC)
		{"2026-03-04", "", "not_future"},
		{"2027-01-01", "", "not_future"},
		{"2026-02-28", "", "not_before_created"},
		{"02.03.2026", "", "date"},
		{"2026-02-30", "", "date"},
		{"вчера", "", "date"},
	} {
		got, err := submissionDay(tc.day, created, now)
		var ve *checks.ValidationError
		switch {
		case tc.code == "" && (err != nil || got != tc.want):
			t.Errorf("%q: %q, %v; want %q", tc.day, got, err, tc.want)
		case tc.code != "" && (!errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "submitted_on" || ve.Fields[0].Code != tc.code):
			t.Errorf("%q: %q, %v; want a refusal of submitted_on, %s", tc.day, got, err, tc.code)
		case tc.code != "" && ve.Fields[0].Message == "":
			t.Errorf("%q: no message", tc.day)
		}
	}
	_, err := submissionDay("2026-02-28", created, now)
	if ve := (*checks.ValidationError)(nil); !errors.As(err, &ve) || ve.Fields[0].Message != "Дата подачи в ФРМР не может быть раньше создания заявления (01.03.2026)." {
		t.Errorf("the message names the creation day: %v", err)
	}
}
