// Package report is the specialist's report on professional activity for
// the accreditation period (order 709н, p. 90): its sections and the
// indicators of the volume of work per specialty as data
// (data/*.json, each naming its source), the draft a specialist writes,
// what a commission would find missing in it, and the document made of it
// (blocks that templates draws as PDF and docx writes as DOCX). No I/O.
package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	//go:embed data/structure.json
	structureJSON []byte
	//go:embed data/indicators.json
	indicatorsJSON []byte
)

// Section is one section of the report.
type Section struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Hint  string `json:"hint"`
	// Source names an entry of Structure.Sources.
	Source string `json:"source"`
	// FilledFrom says where the section's content comes from when it is
	// not typed: "form" (the application) or "ledger" (its education).
	FilledFrom string `json:"filled_from,omitempty"`
	// MinChars and MinItems are what a commission would take for a
	// section written in earnest (0: no rule).
	MinChars int `json:"min_chars,omitempty"`
	MinItems int `json:"min_items,omitempty"`
}

// Choice is one value of a list of choices.
type Choice struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Structure is the report's sections and their sources.
type Structure struct {
	Note             string                       `json:"note"`
	Sources          map[string]map[string]string `json:"sources"`
	Sections         []Section                    `json:"sections"`
	AchievementKinds []Choice                     `json:"achievement_kinds"`
	// NotAgreedReasons words the form's reasons (dossier.Reason*) for
	// the printed report (source 709n_p89).
	NotAgreedReasons map[string]string `json:"not_agreed_reasons"`
}

// Indicator is one row of the table of the volume of work.
type Indicator struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Unit  string `json:"unit"`
}

// IndicatorSet is the indicators of some specialties.
type IndicatorSet struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	Specialties []string    `json:"specialties"`
	Indicators  []Indicator `json:"indicators"`
}

// Data is everything the package ships as data.
type Data struct {
	Structure Structure
	Sets      []IndicatorSet
	SetsNote  string
	Uncertain string
}

// Load reads the embedded data and checks that it holds together.
func Load() (*Data, error) {
	var d Data
	if err := json.Unmarshal(structureJSON, &d.Structure); err != nil {
		return nil, fmt.Errorf("report: structure.json: %w", err)
	}
	var ind struct {
		Note      string         `json:"note"`
		Uncertain string         `json:"uncertain"`
		Sets      []IndicatorSet `json:"sets"`
	}
	if err := json.Unmarshal(indicatorsJSON, &ind); err != nil {
		return nil, fmt.Errorf("report: indicators.json: %w", err)
	}
	d.Sets, d.SetsNote, d.Uncertain = ind.Sets, ind.Note, ind.Uncertain
	for _, s := range d.Structure.Sections {
		if _, ok := d.Structure.Sources[s.Source]; !ok {
			return nil, fmt.Errorf("report: section %s names an unknown source %q", s.ID, s.Source)
		}
	}
	if len(d.Sets) == 0 || len(d.Sets[len(d.Sets)-1].Specialties) != 0 {
		return nil, fmt.Errorf("report: indicators.json must end with the general set (no specialties)")
	}
	return &d, nil
}

// Section returns the section with id.
func (d *Data) Section(id string) Section {
	for _, s := range d.Structure.Sections {
		if s.ID == id {
			return s
		}
	}
	return Section{ID: id, Title: id}
}

// SetFor is the indicator set of a specialty: the first that lists it,
// else the general one (the last).
func (d *Data) SetFor(specialty string) IndicatorSet {
	for _, s := range d.Sets {
		if slices.Contains(s.Specialties, specialty) {
			return s
		}
	}
	return d.Sets[len(d.Sets)-1]
}

// Set returns the set with id.
func (d *Data) Set(id string) (IndicatorSet, bool) {
	for _, s := range d.Sets {
		if s.ID == id {
			return s, true
		}
	}
	return IndicatorSet{}, false
}

// Draft is what the specialist writes; the rest of the report (name,
// specialty, period, education, whether it is agreed) comes from the
// application and its ledger when the report is made, never typed twice.
type Draft struct {
	// IndicatorSet is the id of the indicator set in use; empty: the
	// specialty's.
	IndicatorSet string `json:"indicator_set"`
	// CustomIndicators are rows the specialist added to the set.
	CustomIndicators []Indicator `json:"custom_indicators"`
	Workplaces       []Workplace `json:"workplaces"`
	Organization     string      `json:"organization"`
	Duties           string      `json:"duties"`
	// Volume holds the numbers by year ("2024") and indicator id; a
	// missing number is not entered (0 is a number).
	Volume         map[string]map[string]int `json:"volume"`
	VolumeAnalysis string                    `json:"volume_analysis"`
	Skills         string                    `json:"skills"`
	Achievements   []Achievement             `json:"achievements"`
	Proposals      string                    `json:"proposals"`
	Agreement      Agreement                 `json:"agreement"`
}

// Workplace is one place of work in the period.
type Workplace struct {
	Organization string `json:"organization"`
	Department   string `json:"department"`
	Position     string `json:"position"`
	From         string `json:"from"` // YYYY-MM-DD
	To           string `json:"to"`   // YYYY-MM-DD; empty: to this day
}

// Achievement is one individual professional achievement.
type Achievement struct {
	Kind  string `json:"kind"` // one of Structure.AchievementKinds
	Title string `json:"title"`
	Year  string `json:"year"`
}

// Agreement is who agrees the report.
type Agreement struct {
	HeadPosition string `json:"head_position"`
	HeadName     string `json:"head_name"`
	Organization string `json:"organization"`
}

// Limits of a draft: text fields, rows, numbers.
const (
	MaxText    = 20000
	MaxShort   = 300
	MaxRows    = 100
	MaxNumber  = 10_000_000
	maxCustoms = 20
)

// Problem is one thing wrong with a draft as sent: path names the field.
type Problem struct {
	Field, Message string
}

// Validate checks a draft's shape and sizes (not its completeness: that is
// Findings) and trims its text.
func (d *Data) Validate(dr *Draft) []Problem {
	var out []Problem
	bad := func(field, msg string) { out = append(out, Problem{field, msg}) }
	text := func(field string, v *string, limit int) {
		*v = strings.TrimSpace(*v)
		if utf8.RuneCountInString(*v) > limit {
			bad(field, fmt.Sprintf("Не больше %d знаков.", limit))
		}
	}
	date := func(field, v string) {
		if v == "" {
			return
		}
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			bad(field, "Дата в виде ГГГГ-ММ-ДД.")
		}
	}
	if dr.IndicatorSet != "" {
		if _, ok := d.Set(dr.IndicatorSet); !ok {
			bad("indicator_set", "Такого набора показателей нет.")
		}
	}
	if len(dr.CustomIndicators) > maxCustoms {
		bad("custom_indicators", fmt.Sprintf("Не больше %d своих показателей.", maxCustoms))
	}
	// A row's id keys its numbers: kept as given ("customN"), so that
	// removing one row never moves another's numbers; a row without one
	// (or with a repeated or foreign one) gets the next free number.
	seen, next := map[string]bool{}, 1
	for _, c := range dr.CustomIndicators {
		if n, ok := customNumber(c.ID); ok {
			next = max(next, n+1)
		}
	}
	for i := range dr.CustomIndicators {
		c := &dr.CustomIndicators[i]
		text(fmt.Sprintf("custom_indicators[%d].title", i), &c.Title, MaxShort)
		text(fmt.Sprintf("custom_indicators[%d].unit", i), &c.Unit, 30)
		if c.Title == "" {
			bad(fmt.Sprintf("custom_indicators[%d].title", i), "Назовите показатель.")
		}
		if _, ok := customNumber(c.ID); !ok || seen[c.ID] {
			c.ID = "custom" + strconv.Itoa(next)
			next++
		}
		seen[c.ID] = true
	}
	if len(dr.Workplaces) > MaxRows {
		bad("workplaces", fmt.Sprintf("Не больше %d мест работы.", MaxRows))
	}
	for i := range dr.Workplaces {
		w := &dr.Workplaces[i]
		p := fmt.Sprintf("workplaces[%d].", i)
		text(p+"organization", &w.Organization, MaxShort)
		text(p+"department", &w.Department, MaxShort)
		text(p+"position", &w.Position, MaxShort)
		date(p+"from", w.From)
		date(p+"to", w.To)
		if w.From != "" && w.To != "" && w.To < w.From {
			bad(p+"to", "Окончание раньше начала.")
		}
	}
	for year, row := range dr.Volume {
		y, err := strconv.Atoi(year)
		if err != nil || y < 1990 || y > 2100 {
			bad("volume", "Год «"+year+"» не год.")
			continue
		}
		for id, n := range row {
			if n < 0 || n > MaxNumber {
				bad("volume."+year+"."+id, fmt.Sprintf("Число от 0 до %d.", MaxNumber))
			}
		}
	}
	text("organization", &dr.Organization, MaxText)
	text("duties", &dr.Duties, MaxText)
	text("volume_analysis", &dr.VolumeAnalysis, MaxText)
	text("skills", &dr.Skills, MaxText)
	text("proposals", &dr.Proposals, MaxText)
	if len(dr.Achievements) > MaxRows {
		bad("achievements", fmt.Sprintf("Не больше %d достижений.", MaxRows))
	}
	for i := range dr.Achievements {
		a := &dr.Achievements[i]
		p := fmt.Sprintf("achievements[%d].", i)
		text(p+"title", &a.Title, 2000)
		text(p+"year", &a.Year, 20)
		if !slices.ContainsFunc(d.Structure.AchievementKinds, func(c Choice) bool { return c.ID == a.Kind }) {
			bad(p+"kind", "Выберите вид достижения.")
		}
	}
	text("agreement.head_position", &dr.Agreement.HeadPosition, MaxShort)
	text("agreement.head_name", &dr.Agreement.HeadName, MaxShort)
	text("agreement.organization", &dr.Agreement.Organization, MaxShort)
	return out
}

// customNumber reads the number of a custom row's id "customN".
func customNumber(id string) (int, bool) {
	rest, ok := strings.CutPrefix(id, "custom")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n > 0 && n < 10000 && strconv.Itoa(n) == rest
}

// Indicators are the rows of a draft's table: its set's, then its own.
func (d *Data) Indicators(dr *Draft, specialty string) (IndicatorSet, []Indicator) {
	set := d.SetFor(specialty)
	if s, ok := d.Set(dr.IndicatorSet); ok {
		set = s
	}
	return set, append(slices.Clone(set.Indicators), dr.CustomIndicators...)
}

// Years are the calendar years of the period from..to that have begun by
// today: the rows of the table of the volume of work.
func Years(from, to, today time.Time) []int {
	var out []int
	for y := from.Year(); y <= min(to.Year(), today.Year()); y++ {
		out = append(out, y)
	}
	return out
}

// Empty tells whether nothing has been written in a draft.
func (dr *Draft) Empty() bool {
	if dr == nil {
		return true
	}
	for _, row := range dr.Volume {
		if len(row) > 0 {
			return false
		}
	}
	return len(dr.Workplaces) == 0 && len(dr.Achievements) == 0 && dr.Organization == "" && dr.Duties == "" &&
		dr.VolumeAnalysis == "" && dr.Skills == "" && dr.Proposals == "" && dr.Agreement == Agreement{}
}
