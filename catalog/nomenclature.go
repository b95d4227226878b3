package catalog

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// SpecialtyList is one order of the Ministry of Health listing specialties
// for some education levels over a period.
type SpecialtyList struct {
	ID              string   `json:"id"`
	Title           string   `json:"title"`
	EducationLevels []string `json:"education_levels"`
	ValidFrom       string   `json:"valid_from"`
	ValidUntil      string   `json:"valid_until,omitempty"` // inclusive; empty while in force
	Specialties     []string `json:"specialties"`

	from, until time.Time
	index       map[string]string // normalized name -> name as written
}

// Nomenclature answers whether a specialty exists for an education level on
// a date, using the list in force on that date.
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

// NewNomenclature indexes lists and checks their dates.
func NewNomenclature(lists []*SpecialtyList) (*Nomenclature, error) {
	n := &Nomenclature{Lists: lists, levels: map[string]bool{}}
	for _, l := range lists {
		var err error
		if l.from, err = time.Parse(time.DateOnly, l.ValidFrom); err != nil {
			return nil, fmt.Errorf("list %s: valid_from: %w", l.ID, err)
		}
		if l.ValidUntil != "" {
			if l.until, err = time.Parse(time.DateOnly, l.ValidUntil); err != nil {
				return nil, fmt.Errorf("list %s: valid_until: %w", l.ID, err)
			}
		}
		l.index = make(map[string]string, len(l.Specialties))
		for _, s := range l.Specialties {
			key := normalizeSpecialty(s)
			if _, dup := l.index[key]; dup {
				return nil, fmt.Errorf("list %s: %q listed twice", l.ID, s)
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

func (l *SpecialtyList) inForce(day time.Time) bool {
	d := day.UTC().Truncate(24 * time.Hour)
	return !d.Before(l.from) && (l.until.IsZero() || !d.After(l.until))
}

// Lookup returns the specialty as the list in force on day writes it, and
// whether it was found. Case, spaces and ё/е do not matter.
func (n *Nomenclature) Lookup(level, specialty string, day time.Time) (string, bool) {
	key := normalizeSpecialty(specialty)
	for _, l := range n.Lists {
		if !l.inForce(day) || !contains(l.EducationLevels, level) {
			continue
		}
		if name, ok := l.index[key]; ok {
			return name, true
		}
	}
	return "", false
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
