package catalog

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Source names the act a list of the data is transcribed from.
type Source struct {
	Act                 string `json:"act"`
	Date                string `json:"date"`
	Number              string `json:"number"`
	Registration        string `json:"registration"`
	Section             string `json:"section"`
	OfficialPublication string `json:"official_publication"`
}

func (s Source) check() error {
	for name, v := range map[string]string{"act": s.Act, "date": s.Date, "number": s.Number, "registration": s.Registration, "section": s.Section} {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("source without %s", name)
		}
	}
	if _, err := time.Parse(time.DateOnly, s.Date); err != nil {
		return fmt.Errorf("source date: %w", err)
	}
	return nil
}

// Specialty is one entry of a list: a name, and the entry's own dates where
// the order gives them (an entry kept only until a date, or starting
// later). In the data an entry without dates is just its name.
type Specialty struct {
	Name       string `json:"name"`
	ValidFrom  string `json:"valid_from,omitempty"`
	ValidUntil string `json:"valid_until,omitempty"` // inclusive
	Note       string `json:"note,omitempty"`        // the order's qualifier as printed
	Uncertain  string `json:"uncertain,omitempty"`   // why the entry is not certain

	from, until time.Time
}

// UnmarshalJSON reads a name or an object.
func (s *Specialty) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err == nil {
		*s = Specialty{Name: name}
		return nil
	}
	type plain Specialty
	return json.Unmarshal(b, (*plain)(s))
}

// SpecialtyList is one order of the Ministry of Health listing specialties
// for some education levels over a period.
type SpecialtyList struct {
	ID              string      `json:"id"`
	Title           string      `json:"title"`
	Source          Source      `json:"source"`
	Transcription   string      `json:"transcription"` // where the names were read
	Uncertain       string      `json:"uncertain,omitempty"`
	EducationLevels []string    `json:"education_levels"`
	ValidFrom       string      `json:"valid_from"`
	ValidUntil      string      `json:"valid_until,omitempty"` // inclusive; empty while in force
	Specialties     []Specialty `json:"specialties"`

	from, until time.Time
	index       map[string]*Specialty // normalized name -> entry
}

// Nomenclature answers whether a specialty exists for an education level on
// a date, using the lists and entries in force on that date.
type Nomenclature struct {
	Lists  []*SpecialtyList
	levels map[string]bool
}

func loadNomenclature() (*Nomenclature, error) {
	raw, err := dataFS.ReadFile("data/specialties.json")
	if err != nil {
		return nil, fmt.Errorf("read specialties: %w", err)
	}
	var file struct {
		Lists []*SpecialtyList `json:"lists"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		return nil, fmt.Errorf("parse specialties: %w", err)
	}
	return NewNomenclature(file.Lists)
}

// period parses a period's dates; until is zero when open.
func period(from, until string) (f, u time.Time, err error) {
	if f, err = time.Parse(time.DateOnly, from); err != nil {
		return f, u, fmt.Errorf("valid_from: %w", err)
	}
	if until != "" {
		if u, err = time.Parse(time.DateOnly, until); err != nil {
			return f, u, fmt.Errorf("valid_until: %w", err)
		}
		if u.Before(f) {
			return f, u, fmt.Errorf("valid_until %s before valid_from %s", until, from)
		}
	}
	return f, u, nil
}

// NewNomenclature indexes lists and checks their sources and dates.
func NewNomenclature(lists []*SpecialtyList) (*Nomenclature, error) {
	n := &Nomenclature{Lists: lists, levels: map[string]bool{}}
	for _, l := range lists {
		if err := l.Source.check(); err != nil {
			return nil, fmt.Errorf("list %s: %w", l.ID, err)
		}
		var err error
		if l.from, l.until, err = period(l.ValidFrom, l.ValidUntil); err != nil {
			return nil, fmt.Errorf("list %s: %w", l.ID, err)
		}
		l.index = make(map[string]*Specialty, len(l.Specialties))
		for i := range l.Specialties {
			s := &l.Specialties[i]
			key := normalizeSpecialty(s.Name)
			if key == "" {
				return nil, fmt.Errorf("list %s: an entry without a name", l.ID)
			}
			if _, dup := l.index[key]; dup {
				return nil, fmt.Errorf("list %s: %q listed twice", l.ID, s.Name)
			}
			from, until := l.ValidFrom, s.ValidUntil
			if s.ValidFrom != "" {
				from = s.ValidFrom
			}
			if s.from, s.until, err = period(from, until); err != nil {
				return nil, fmt.Errorf("list %s: %q: %w", l.ID, s.Name, err)
			}
			l.index[key] = s
		}
		for _, lvl := range l.EducationLevels {
			n.levels[lvl] = true
		}
	}
	return n, nil
}

// EducationLevels lists the education levels the nomenclature knows.
func (n *Nomenclature) EducationLevels() []string { return sortedKeys(n.levels) }

// KnowsLevel tells whether level is an education level of some list.
func (n *Nomenclature) KnowsLevel(level string) bool { return n.levels[level] }

func dayOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func inForce(from, until, day time.Time) bool {
	return !day.Before(from) && (until.IsZero() || !day.After(until))
}

func (l *SpecialtyList) inForce(day time.Time) bool { return inForce(l.from, l.until, day) }

// InForce tells whether the entry is in force on day (its list's dates
// included).
func (s *Specialty) InForce(day time.Time) bool { return inForce(s.from, s.until, dayOf(day)) }

// Lookup returns the entry as the list in force on day writes it, with that
// list, and whether it was found in force. Case, spaces and ё/е do not
// matter.
func (n *Nomenclature) Lookup(level, specialty string, day time.Time) (*Specialty, *SpecialtyList, bool) {
	key := normalizeSpecialty(specialty)
	d := dayOf(day)
	for _, l := range n.Lists {
		if !l.inForce(d) || !contains(l.EducationLevels, level) {
			continue
		}
		if s, ok := l.index[key]; ok && inForce(s.from, s.until, d) {
			return s, l, true
		}
	}
	return nil, nil, false
}

// InForce lists the specialties of a level in force on day, sorted, with
// the lists they come from.
func (n *Nomenclature) InForce(level string, day time.Time) ([]string, []*SpecialtyList) {
	d := dayOf(day)
	var names []string
	var lists []*SpecialtyList
	for _, l := range n.Lists {
		if !l.inForce(d) || !contains(l.EducationLevels, level) {
			continue
		}
		lists = append(lists, l)
		for i := range l.Specialties {
			if s := &l.Specialties[i]; inForce(s.from, s.until, d) {
				names = append(names, s.Name)
			}
		}
	}
	sort.Slice(names, func(i, j int) bool { return normalizeSpecialty(names[i]) < normalizeSpecialty(names[j]) })
	return names, lists
}

// Refusal explains, in Russian, why a specialty is not accepted for a level
// on day: it names the list in force and, when the specialty was in an
// earlier list or its entry ends or starts on another date, says so.
func (n *Nomenclature) Refusal(level, specialty string, day time.Time) string {
	d := dayOf(day)
	_, lists := n.InForce(level, d)
	var titles []string
	for _, l := range lists {
		titles = append(titles, l.Title)
	}
	msg := "Специальности нет в номенклатуре для выбранного уровня образования"
	if len(titles) > 0 {
		msg += ", действующей на " + d.Format("02.01.2006") + " (" + strings.Join(titles, "; ") + ")"
	}
	msg += "."
	key := normalizeSpecialty(specialty)
	for _, l := range n.Lists {
		s, ok := l.index[key]
		if !ok || !contains(l.EducationLevels, level) {
			continue
		}
		switch {
		case d.Before(s.from):
			return msg + fmt.Sprintf(" «%s» входит в номенклатуру с %s (%s).", s.Name, s.from.Format("02.01.2006"), l.Title)
		case !s.until.IsZero() && d.After(s.until) && !l.until.Equal(s.until):
			return msg + fmt.Sprintf(" «%s» сохранялась в номенклатуре до %s (%s).", s.Name, s.until.AddDate(0, 0, 1).Format("02.01.2006"), l.Title)
		case !l.until.IsZero() && d.After(l.until):
			return msg + fmt.Sprintf(" «%s» была в номенклатуре по %s включительно (%s).", s.Name, l.until.Format("02.01.2006"), l.Title)
		}
	}
	return msg
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func normalizeSpecialty(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	return strings.ReplaceAll(s, "ё", "е")
}
