package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func date(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func cal(t *testing.T) *Calendar {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestYearsHave247WorkingDays(t *testing.T) {
	c := cal(t)
	for _, y := range []int{2025, 2026, 2027} {
		if n, err := c.WorkingDays(y); err != nil || n != 247 {
			t.Errorf("%d has %d working days (%v); the production calendar says 247", y, n, err)
		}
	}
	y, _ := c.Year(2027)
	if !y.Provisional || y.ProvisionalWhy == "" || !strings.Contains(y.Source, "1187") {
		t.Error("2027 follows decree № 1187, whose official text we have not read: it must say it is provisional, and why")
	}
}

func TestWorkingDays(t *testing.T) {
	c := cal(t)
	for d, want := range map[string]bool{
		"2025-01-08": false, // New Year holidays
		"2025-01-09": true,
		"2025-05-02": false, // Friday moved off
		"2025-11-01": true,  // a working Saturday
		"2025-11-03": false, // Monday moved off
		"2025-12-31": false,
		"2026-01-09": false, // Friday in the long New Year break
		"2026-01-12": true,
		"2026-02-23": false,
		"2026-03-09": false, // Monday after Women's Day on Sunday
		"2026-05-11": false,
		"2026-11-04": false,
		"2026-11-23": true,
		"2026-11-21": false, // an ordinary Saturday
		// 2027 (decree № 1187: Jan 2 → Nov 5, Jan 3 → Dec 31, Feb 20 → Feb 22)
		"2027-01-08": false,
		"2027-01-11": true,
		"2027-02-20": true, // a working Saturday
		"2027-02-22": false,
		"2027-05-03": false, // May 1 on a Saturday
		"2027-05-10": false, // May 9 on a Sunday
		"2027-06-14": false, // June 12 on a Saturday
		"2027-11-05": false,
		"2027-12-30": true,
		"2027-12-31": false,
	} {
		got, err := c.IsWorkingDay(date(d))
		if err != nil || got != want {
			t.Errorf("IsWorkingDay(%s) = %v, %v; want %v", d, got, err, want)
		}
	}
}

func TestAddWorkingDaysAcrossNewYear(t *testing.T) {
	c := cal(t)
	cases := []struct {
		from string
		n    int
		want string
	}{
		// From the last working day of 2025: Dec 31 is off, 2026 starts on Jan 12.
		{"2025-12-30", 1, "2026-01-12"},
		{"2025-12-30", 10, "2026-01-23"},
		// Across the 2024/2025 break the data stops: 2024 is not shipped.
		{"2025-12-26", 3, "2026-01-12"},
		// Across the working Saturday of 1 Nov 2025 and the days off after it.
		{"2025-10-31", 1, "2025-11-01"},
		{"2025-10-31", 2, "2025-11-05"},
		// Ten working days of document check from a Friday before May 2026.
		{"2026-04-24", 10, "2026-05-12"}, // Apr 27-30, May 4-8, then May 12
	}
	for _, tc := range cases {
		got, err := c.AddWorkingDays(date(tc.from), tc.n)
		if err != nil || !got.Equal(date(tc.want)) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, %v; want %s", tc.from, tc.n, got.Format("2006-01-02"), err, tc.want)
		}
	}
}

func TestUnknownYearIsAnError(t *testing.T) {
	c := cal(t)
	if _, err := c.IsWorkingDay(date("2024-12-31")); !errors.Is(err, ErrUnknownYear) {
		t.Errorf("2024: %v", err)
	}
	if _, err := c.AddWorkingDays(date("2027-12-20"), 30); !errors.Is(err, ErrUnknownYear) {
		t.Errorf("running into 2028: %v", err)
	}
	_, err := c.AddWorkingDays(date("2027-12-29"), 2)
	if !errors.Is(err, ErrUnknownYear) || !strings.Contains(Explain(err), "2028") {
		t.Errorf("one day into 2028 is refused, naming the year: %v (%s)", err, Explain(err))
	}
	if _, err := c.WorkingDays(2028); !errors.Is(err, ErrUnknownYear) {
		t.Errorf("2028 counted: %v", err)
	}
}
