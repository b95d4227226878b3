// Package catalog holds what kinds of application exist, which document
// slots each needs and when, and the specialty nomenclature. All of it is
// data (data/*.json, embedded); the code only interprets it. From a form and
// its documents the catalog computes each slot's state, what is missing and
// whether the dossier is ready.
package catalog

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"accredpack/dossier"
)

//go:embed data/*.json
var dataFS embed.FS

// Requirement says when a slot must hold a file.
type Requirement string

const (
	Required    Requirement = "required"
	Optional    Requirement = "optional"
	Conditional Requirement = "conditional" // required when its condition holds
)

// Condition compares a form field with a value: a yes/no field with true
// or false, a field with a closed set of answers with one of them.
type Condition struct {
	Field  string `json:"field"`
	Equals any    `json:"equals"` // bool or string
}

// Holds tells whether the form meets the condition; known is false while
// the field's question is not answered (unknown stays unknown: a rule on it
// neither holds nor fails).
func (c *Condition) Holds(f *dossier.Form) (holds, known bool) {
	switch want := c.Equals.(type) {
	case bool:
		v, known := f.Flag(c.Field)
		return known && v == want, known
	case string:
		v, known := f.Choice(c.Field)
		return known && v == want, known
	}
	return false, false
}

// check tells what is wrong with a condition of the catalog: an unknown
// field, a value of the wrong type, or an answer the question does not
// offer (questions: the kind's questions by field).
func (c *Condition) check(questions map[string]*Question) error {
	switch want := c.Equals.(type) {
	case bool:
		if _, known := (&dossier.Form{ReportAgreed: new(bool)}).Flag(c.Field); !known {
			return fmt.Errorf("condition on unknown yes/no field %q", c.Field)
		}
	case string:
		q, ok := questions[c.Field]
		if !ok {
			return fmt.Errorf("condition on %q, which is not a question of the kind", c.Field)
		}
		if !q.Offers(want) {
			return fmt.Errorf("condition on %q = %q, which the question does not offer", c.Field, want)
		}
	default:
		return fmt.Errorf("condition on %q: equals must be true, false or an answer", c.Field)
	}
	return nil
}

// Question is a form field with a closed set of answers that a kind asks,
// when its condition holds (always without one). Unanswered, it is shown
// as a question to answer and makes no slot required.
type Question struct {
	Field   string     `json:"field"`
	Title   string     `json:"title"`
	When    *Condition `json:"when,omitempty"`
	Source  string     `json:"source"`
	Options []Option   `json:"options"`
}

// Option is one answer to a question.
type Option struct {
	Value string `json:"value"`
	Title string `json:"title"`
}

// matchesCode checks that a question whose answers the code acts on offers
// exactly the answers the code knows (dossier.ReportNotAgreedReasons).
func (q *Question) matchesCode() error {
	if q.Field != "report_not_agreed_reason" {
		return nil
	}
	var offered []string
	for _, o := range q.Options {
		offered = append(offered, o.Value)
	}
	if !slices.Equal(offered, dossier.ReportNotAgreedReasons) {
		return fmt.Errorf("question %q offers %v; the code knows %v", q.Field, offered, dossier.ReportNotAgreedReasons)
	}
	return nil
}

// Offers tells whether value is one of the question's answers.
func (q *Question) Offers(value string) bool {
	for _, o := range q.Options {
		if o.Value == value {
			return true
		}
	}
	return false
}

// Asked tells whether the question applies to the form: its condition
// holds (a question depending on an unanswered one is not asked yet).
func (q *Question) Asked(f *dossier.Form) bool {
	if q.When == nil {
		return true
	}
	holds, _ := q.When.Holds(f)
	return holds
}

// Slot is one document row of the FRMR form.
type Slot struct {
	ID          string      `json:"id"`
	Title       string      `json:"title"`
	FileTitle   string      `json:"file_title"` // used to name the file in the portal package
	Requirement Requirement `json:"requirement"`
	When        *Condition  `json:"when,omitempty"`
	// Source is the point of the order that asks for the document, and for
	// a conditional slot, when.
	Source     string `json:"source"`
	Repeatable bool   `json:"repeatable,omitempty"`
	MinRows    int    `json:"min_rows,omitempty"` // for repeatable required slots
	Hint       string `json:"hint,omitempty"`
	// TrainingCenters: documents training centers issue (certificates of
	// advanced training, retraining diplomas); the only slots they may fill.
	TrainingCenters bool `json:"training_centers,omitempty"`
}

// Kind is a kind of application with its slots in the order of the form.
type Kind struct {
	ID             string      `json:"id"`
	Title          string      `json:"title"`
	Source         string      `json:"source"`
	RequiredFields []string    `json:"required_fields"`
	Questions      []*Question `json:"questions"`
	Slots          []Slot      `json:"slots"`
}

// Catalog is the set of kinds and the nomenclature.
type Catalog struct {
	kinds        map[string]*Kind
	order        []string
	Nomenclature *Nomenclature
}

// Load reads the embedded catalog and checks that it is coherent.
func Load() (*Catalog, error) {
	raw, err := dataFS.ReadFile("data/kinds.json")
	if err != nil {
		return nil, fmt.Errorf("read kinds: %w", err)
	}
	var file struct {
		Kinds []*Kind `json:"kinds"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		return nil, fmt.Errorf("parse kinds: %w", err)
	}
	c := &Catalog{kinds: map[string]*Kind{}}
	for _, k := range file.Kinds {
		if err := k.check(); err != nil {
			return nil, fmt.Errorf("kind %q: %w", k.ID, err)
		}
		if _, dup := c.kinds[k.ID]; dup {
			return nil, fmt.Errorf("kind %q defined twice", k.ID)
		}
		c.kinds[k.ID] = k
		c.order = append(c.order, k.ID)
	}
	if c.Nomenclature, err = loadNomenclature(); err != nil {
		return nil, err
	}
	return c, nil
}

func (k *Kind) check() error {
	if k.Source == "" {
		return fmt.Errorf("a kind names its source")
	}
	questions := map[string]*Question{}
	for _, q := range k.Questions {
		if !contains(dossier.ChoiceFields, q.Field) {
			return fmt.Errorf("question on unknown field %q", q.Field)
		}
		if questions[q.Field] != nil {
			return fmt.Errorf("question %q asked twice", q.Field)
		}
		if q.Title == "" || q.Source == "" || len(q.Options) == 0 {
			return fmt.Errorf("question %q: title, source and options are required", q.Field)
		}
		if err := q.matchesCode(); err != nil {
			return err
		}
		if q.When != nil {
			if err := q.When.check(questions); err != nil {
				return fmt.Errorf("question %q: %w", q.Field, err)
			}
		}
		questions[q.Field] = q
	}
	seen := map[string]bool{}
	for _, s := range k.Slots {
		if s.ID == "" || s.Title == "" || s.FileTitle == "" {
			return fmt.Errorf("slot %q: id, title and file_title are required", s.ID)
		}
		if seen[s.ID] {
			return fmt.Errorf("slot %q defined twice", s.ID)
		}
		if s.Source == "" {
			return fmt.Errorf("slot %q: a slot names the point of the order that asks for it", s.ID)
		}
		seen[s.ID] = true
		switch s.Requirement {
		case Required, Optional:
			if s.When != nil {
				return fmt.Errorf("slot %q: only a conditional slot has a condition", s.ID)
			}
		case Conditional:
			if s.When == nil {
				return fmt.Errorf("slot %q: a conditional slot needs a condition", s.ID)
			}
			if err := s.When.check(questions); err != nil {
				return fmt.Errorf("slot %q: %w", s.ID, err)
			}
		default:
			return fmt.Errorf("slot %q: unknown requirement %q", s.ID, s.Requirement)
		}
		if s.MinRows > 0 && !s.Repeatable {
			return fmt.Errorf("slot %q: min_rows needs repeatable", s.ID)
		}
	}
	return nil
}

// Kinds lists the kinds in catalog order.
func (c *Catalog) Kinds() []*Kind {
	out := make([]*Kind, 0, len(c.order))
	for _, id := range c.order {
		out = append(out, c.kinds[id])
	}
	return out
}

// Kind finds a kind by id.
func (c *Catalog) Kind(id string) (*Kind, bool) {
	k, ok := c.kinds[id]
	return k, ok
}

// IssuedByTrainingCenters tells whether a slot of a kind holds documents
// training centers issue.
func (c *Catalog) IssuedByTrainingCenters(kind, slot string) bool {
	k, ok := c.Kind(kind)
	if !ok {
		return false
	}
	s, ok := k.Slot(slot)
	return ok && s.TrainingCenters
}

// Slot finds a slot of the kind by id.
func (k *Kind) Slot(id string) (*Slot, bool) {
	for i := range k.Slots {
		if k.Slots[i].ID == id {
			return &k.Slots[i], true
		}
	}
	return nil, false
}

// RequiredFor tells whether the slot must hold a file for this form.
func (s *Slot) RequiredFor(f *dossier.Form) bool {
	switch s.Requirement {
	case Required:
		return true
	case Conditional:
		holds, _ := s.When.Holds(f)
		return holds
	}
	return false
}

// Question finds the kind's question on a field.
func (k *Kind) Question(field string) (*Question, bool) {
	for _, q := range k.Questions {
		if q.Field == field {
			return q, true
		}
	}
	return nil, false
}

// SlotState is one row of the checklist shown to the user.
type SlotState struct {
	Ref      dossier.SlotRef
	Slot     *Slot
	Title    string
	Required bool
	Document *dossier.Document // nil when empty
}

// Layout is the checklist of an application: every slot row in form order,
// and the rows still missing.
type Layout struct {
	Slots   []SlotState
	Missing []string
}

// Layout lays out the slots of kind for a form and its documents. A
// repeatable slot shows one row per existing row (rows up to the highest
// filled one) and, while it has none, its first row, empty.
func (k *Kind) Layout(f *dossier.Form, docs []dossier.Document) Layout {
	byRef := make(map[dossier.SlotRef]*dossier.Document, len(docs))
	lastRow := map[string]int{}
	for i := range docs {
		d := &docs[i]
		byRef[d.Ref] = d
		if d.Ref.Row > lastRow[d.Ref.Slot] {
			lastRow[d.Ref.Slot] = d.Ref.Row
		}
	}
	var out Layout
	for i := range k.Slots {
		s := &k.Slots[i]
		required := s.RequiredFor(f)
		if !s.Repeatable {
			ref := dossier.SlotRef{Slot: s.ID}
			st := SlotState{Ref: ref, Slot: s, Title: s.Title, Required: required, Document: byRef[ref]}
			out.Slots = append(out.Slots, st)
			if required && st.Document == nil {
				out.Missing = append(out.Missing, ref.String())
			}
			continue
		}
		rows := max(lastRow[s.ID], 1)
		filled := 0
		var empty []dossier.SlotRef
		for n := 1; n <= rows; n++ {
			ref := dossier.SlotRef{Slot: s.ID, Row: n}
			minRows := 0
			if required {
				minRows = max(s.MinRows, 1)
			}
			st := SlotState{Ref: ref, Slot: s, Title: fmt.Sprintf("%s (№ %d)", s.Title, n), Required: n <= minRows, Document: byRef[ref]}
			out.Slots = append(out.Slots, st)
			if st.Document != nil {
				filled++
			} else {
				empty = append(empty, ref)
			}
		}
		if required {
			need := max(s.MinRows, 1) - filled
			// Name the empty rows first, then the rows a PUT would create.
			for n := rows + 1; need > len(empty); n++ {
				empty = append(empty, dossier.SlotRef{Slot: s.ID, Row: n})
			}
			for _, ref := range empty[:max(need, 0)] {
				out.Missing = append(out.Missing, ref.String())
			}
		}
	}
	return out
}

// NextRow is the row a PUT may create for a repeatable slot: one past the
// highest existing row.
func NextRow(slot string, docs []dossier.Document) int {
	last := 0
	for _, d := range docs {
		if d.Ref.Slot == slot && d.Ref.Row > last {
			last = d.Ref.Row
		}
	}
	return last + 1
}

// sortedKeys is a helper for stable error messages.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ContentsData is the raw data of what the service looks for in the text
// read from scans (data/contents.json); package contents interprets it.
func ContentsData() ([]byte, error) {
	raw, err := dataFS.ReadFile("data/contents.json")
	if err != nil {
		return nil, fmt.Errorf("read contents: %w", err)
	}
	return raw, nil
}
