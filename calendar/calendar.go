// Package calendar counts working days by the Russian production calendar
// (Labour Code art. 112 plus the yearly government decree moving days off),
// shipped as data for the years it knows. A date in any other year is an
// error, never a guess.
package calendar

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

//go:embed data/production.json
var productionJSON []byte

// ErrUnknownYear reports a date in a year the calendar has no data for.
var ErrUnknownYear = errors.New("calendar: no production calendar for this year")

// UnknownYearError is ErrUnknownYear for one year.
type UnknownYearError struct{ Year int }

func (e *UnknownYearError) Error() string        { return fmt.Sprintf("%v: %d", ErrUnknownYear, e.Year) }
func (e *UnknownYearError) Is(target error) bool { return target == ErrUnknownYear }

// Explain says in Russian why a computation was refused.
func Explain(err error) string {
	var u *UnknownYearError
	if errors.As(err, &u) {
		return fmt.Sprintf("производственного календаря на %d год нет в данных сервиса, а без него рабочие дни не считаются", u.Year)
	}
	return err.Error()
}

// Year is one year's data.
type Year struct {
	Year            int      `json:"year"`
	Source          string   `json:"source"`
	Provisional     bool     `json:"provisional,omitempty"` // the decree's transfers are not checked against its official text
	ProvisionalWhy  string   `json:"provisional_reason,omitempty"`
	DaysOff         []string `json:"days_off"` // dates or ranges "from/to", weekends included or not
	WorkingWeekends []string `json:"working_weekends"`

	off, working map[string]bool
}

// Calendar is the production calendar of several years.
type Calendar struct {
	years map[int]*Year
}

const day = "2006-01-02"

// Load reads the shipped calendar.
func Load() (*Calendar, error) {
	var file struct {
		Years []*Year `json:"years"`
	}
	if err := json.Unmarshal(productionJSON, &file); err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	c := &Calendar{years: map[int]*Year{}}
	for _, y := range file.Years {
		if strings.TrimSpace(y.Source) == "" {
			return nil, fmt.Errorf("calendar: %d names no source", y.Year)
		}
		if y.Provisional && strings.TrimSpace(y.ProvisionalWhy) == "" {
			return nil, fmt.Errorf("calendar: %d is provisional without saying why", y.Year)
		}
		y.off, y.working = map[string]bool{}, map[string]bool{}
		for _, r := range y.DaysOff {
			from, to, _ := strings.Cut(r, "/")
			if to == "" {
				to = from
			}
			a, err1 := time.Parse(day, from)
			b, err2 := time.Parse(day, to)
			if err1 != nil || err2 != nil || b.Before(a) || a.Year() != y.Year || b.Year() != y.Year {
				return nil, fmt.Errorf("calendar: %d: bad range %q", y.Year, r)
			}
			for d := a; !d.After(b); d = d.AddDate(0, 0, 1) {
				y.off[d.Format(day)] = true
			}
		}
		for _, w := range y.WorkingWeekends {
			d, err := time.Parse(day, w)
			if err != nil || d.Year() != y.Year || !weekend(d) {
				return nil, fmt.Errorf("calendar: %d: %q is not a weekend day of the year", y.Year, w)
			}
			y.working[w] = true
		}
		c.years[y.Year] = y
	}
	return c, nil
}

func weekend(d time.Time) bool { return d.Weekday() == time.Saturday || d.Weekday() == time.Sunday }

// Year returns the data of a year.
func (c *Calendar) Year(y int) (*Year, error) {
	if data, ok := c.years[y]; ok {
		return data, nil
	}
	return nil, &UnknownYearError{Year: y}
}

// IsWorkingDay tells whether d is a working day.
func (c *Calendar) IsWorkingDay(d time.Time) (bool, error) {
	y, err := c.Year(d.Year())
	if err != nil {
		return false, err
	}
	key := d.Format(day)
	if y.working[key] {
		return true, nil
	}
	return !weekend(d) && !y.off[key], nil
}

// WorkingDays counts the working days of a year.
func (c *Calendar) WorkingDays(year int) (int, error) {
	if _, err := c.Year(year); err != nil {
		return 0, err
	}
	n := 0
	for d := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == year; d = d.AddDate(0, 0, 1) {
		if ok, _ := c.IsWorkingDay(d); ok {
			n++
		}
	}
	return n, nil
}

// AddWorkingDays returns the n-th working day after from (n >= 1): the day
// a stage of n working days that starts after from ends.
func (c *Calendar) AddWorkingDays(from time.Time, n int) (time.Time, error) {
	d := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		ok, err := c.IsWorkingDay(d)
		if err != nil {
			return time.Time{}, err
		}
		if ok {
			n--
		}
	}
	return d, nil
}
