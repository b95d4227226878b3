package catalog

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"accredpack/dossier"
)

func mustLoad(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func doc(ref string) dossier.Document {
	r, err := dossier.ParseSlotRef(ref)
	if err != nil {
		panic(err)
	}
	return dossier.Document{Ref: r, SHA256: "x", Size: 1, Pages: 1}
}

func yes() *bool { v := true; return &v }
func no() *bool  { v := false; return &v }

func TestKindsAreData(t *testing.T) {
	c := mustLoad(t)
	var ids []string
	for _, k := range c.Kinds() {
		ids = append(ids, k.ID)
	}
	if !reflect.DeepEqual(ids, []string{"periodic", "primary_specialized"}) {
		t.Fatalf("kinds = %v", ids)
	}
	p, _ := c.Kind("primary_specialized")
	if _, ok := p.Slot("previous_accreditation"); ok {
		t.Error("primary specialized accreditation has no previous accreditation slot")
	}
	if _, ok := p.Slot("professional_report"); ok {
		t.Error("primary specialized accreditation has no report slot")
	}
}

func TestPeriodicMissingAndConditions(t *testing.T) {
	k, _ := mustLoad(t).Kind("periodic")
	base := []string{"identity_document", "snils", "education_diploma", "previous_accreditation",
		"qualification_certificates.1", "work_record", "professional_report"}

	cases := []struct {
		name string
		form dossier.Form
		want []string
	}{
		{"report agreed, name unchanged", dossier.Form{ReportAgreed: yes()}, base},
		{"report refused by the head needs the refusal", dossier.Form{ReportAgreed: no(), ReportNotAgreedReason: dossier.ReasonHeadRefused}, append(append([]string{}, base...), "report_refusal")},
		// Unknown stays unknown: a question to answer, not a missing document.
		{"report not agreed, reason unknown", dossier.Form{ReportAgreed: no()}, base},
		{"not employed: no refusal, no work record", dossier.Form{ReportAgreed: no(), ReportNotAgreedReason: dossier.ReasonNotEmployed},
			[]string{"identity_document", "snils", "education_diploma", "previous_accreditation", "qualification_certificates.1", "professional_report"}},
		{"head of the organization: no refusal", dossier.Form{ReportAgreed: no(), ReportNotAgreedReason: dossier.ReasonHeadOfOrganization}, base},
		{"sole proprietor: no refusal", dossier.Form{ReportAgreed: no(), ReportNotAgreedReason: dossier.ReasonSoleProprietor}, base},
		{"name changed needs the certificate", dossier.Form{ReportAgreed: yes(), NameChanged: true},
			[]string{"identity_document", "snils", "name_change", "education_diploma", "previous_accreditation",
				"qualification_certificates.1", "work_record", "professional_report"}},
		{"not employed needs no work record", dossier.Form{ReportAgreed: yes(), Employed: no()},
			[]string{"identity_document", "snils", "education_diploma", "previous_accreditation",
				"qualification_certificates.1", "professional_report"}},
	}
	for _, c := range cases {
		got := k.Layout(&c.form, nil).Missing
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: missing = %v; want %v", c.name, got, c.want)
		}
	}
}

// Primary specialized accreditation asks for the diploma of the basis the
// specialist has; unanswered, none of them is required.
func TestPrimarySpecializedBasis(t *testing.T) {
	k, _ := mustLoad(t).Kind("primary_specialized")
	base := []string{"identity_document", "snils", "education_diploma"}
	for basis, extra := range map[string][]string{
		"":                  nil,
		"residency":         {"postgraduate_diploma"},
		"retraining":        {"retraining_diploma"},
		"foreign_education": {"foreign_recognition"},
		"other":             nil,
	} {
		var want []string
		for _, s := range k.Slots {
			if contains(append(append([]string{}, base...), extra...), s.ID) {
				want = append(want, s.ID)
			}
		}
		if got := k.Layout(&dossier.Form{PrimaryBasis: basis}, nil).Missing; !reflect.DeepEqual(got, want) {
			t.Errorf("basis %q: missing = %v; want %v", basis, got, want)
		}
	}
	q, ok := k.Question("primary_basis")
	if !ok || !q.Asked(&dossier.Form{}) || q.Source == "" {
		t.Fatalf("primary specialized accreditation asks its basis, with a source: %+v", q)
	}
	p, _ := mustLoad(t).Kind("periodic")
	r, _ := p.Question("report_not_agreed_reason")
	if r.Asked(&dossier.Form{}) || r.Asked(&dossier.Form{ReportAgreed: yes()}) || !r.Asked(&dossier.Form{ReportAgreed: no()}) {
		t.Error("the reason is asked only when the report is not agreed")
	}
}

// Every kind, question and slot cites its source; a conditional rule on an
// answer the question does not offer is refused at load.
func TestRulesCiteSources(t *testing.T) {
	for _, k := range mustLoad(t).Kinds() {
		for _, s := range k.Slots {
			if s.Source == "" {
				t.Errorf("%s/%s has no source", k.ID, s.ID)
			}
			if s.Requirement == Conditional && !strings.Contains(s.Source, "709н") {
				t.Errorf("%s/%s: a conditional rule cites its point of order 709н: %q", k.ID, s.ID, s.Source)
			}
		}
	}
	bad := &Kind{ID: "x", Source: "s", Questions: []*Question{{Field: "primary_basis", Title: "t", Source: "s", Options: []Option{{Value: "a", Title: "A"}}}},
		Slots: []Slot{{ID: "y", Title: "t", FileTitle: "f", Source: "s", Requirement: Conditional, When: &Condition{Field: "primary_basis", Equals: "b"}}}}
	if err := bad.check(); err == nil || !strings.Contains(err.Error(), "does not offer") {
		t.Errorf("a condition on an answer not offered: %v", err)
	}
	bad.Slots[0].When.Equals = 3.0
	if err := bad.check(); err == nil {
		t.Error("a condition on a number must be refused")
	}
	bad.Slots[0].When, bad.Slots[0].Source = &Condition{Field: "name_changed", Equals: true}, ""
	if err := bad.check(); err == nil {
		t.Error("a slot without a source must be refused")
	}
	bad.Slots[0].Source = "s"
	bad.Questions[0].Field = "report_not_agreed_reason"
	if err := bad.check(); err == nil || !strings.Contains(err.Error(), "the code knows") {
		t.Errorf("reasons the code acts on missing from the data: %v", err)
	}
}

func TestRepeatableRows(t *testing.T) {
	k, _ := mustLoad(t).Kind("periodic")
	f := &dossier.Form{ReportAgreed: yes()}

	rows := func(l Layout) []string {
		var out []string
		for _, s := range l.Slots {
			if s.Ref.Slot == "qualification_certificates" {
				state := "empty"
				if s.Document != nil {
					state = "accepted"
				}
				out = append(out, s.Ref.String()+"="+state)
			}
		}
		return out
	}

	l := k.Layout(f, nil)
	if got := rows(l); !reflect.DeepEqual(got, []string{"qualification_certificates.1=empty"}) {
		t.Errorf("no rows: %v", got)
	}
	for _, s := range l.Slots {
		if s.Ref.String() == "qualification_certificates.1" && !s.Required {
			t.Error("the first certificate row is required")
		}
	}

	l = k.Layout(f, []dossier.Document{doc("qualification_certificates.1"), doc("qualification_certificates.3")})
	if got := rows(l); !reflect.DeepEqual(got, []string{"qualification_certificates.1=accepted", "qualification_certificates.2=empty", "qualification_certificates.3=accepted"}) {
		t.Errorf("rows with a gap: %v", got)
	}
	for _, m := range l.Missing {
		if m == "qualification_certificates.2" {
			t.Error("an empty row beyond the minimum is not missing")
		}
	}

	// Only row 2 filled: the requirement of one row is met.
	l = k.Layout(f, []dossier.Document{doc("qualification_certificates.2")})
	for _, m := range l.Missing {
		if m == "qualification_certificates.1" {
			t.Error("one filled row satisfies min_rows=1")
		}
	}
	if NextRow("qualification_certificates", []dossier.Document{doc("qualification_certificates.2"), doc("snils")}) != 3 {
		t.Error("NextRow must be one past the highest row")
	}
}

func TestCompleteDossierHasNothingMissing(t *testing.T) {
	k, _ := mustLoad(t).Kind("periodic")
	f := &dossier.Form{ReportAgreed: no(), ReportNotAgreedReason: dossier.ReasonHeadRefused, NameChanged: true}
	var docs []dossier.Document
	for _, ref := range []string{"identity_document", "snils", "name_change", "education_diploma", "previous_accreditation",
		"qualification_certificates.1", "work_record", "professional_report", "report_refusal"} {
		docs = append(docs, doc(ref))
	}
	if m := k.Layout(f, docs).Missing; len(m) != 0 {
		t.Errorf("missing = %v", m)
	}
	if m := k.Layout(f, docs[:len(docs)-1]).Missing; !reflect.DeepEqual(m, []string{"report_refusal"}) {
		t.Errorf("without the refusal: missing = %v", m)
	}
}

func TestNomenclatureByDate(t *testing.T) {
	c := mustLoad(t)
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	lookup := func(level, name string, day time.Time) (string, string, bool) {
		s, l, ok := c.Nomenclature.Lookup(level, name, day)
		if !ok {
			return "", "", false
		}
		return s.Name, l.ID, true
	}
	if name, list, ok := lookup("higher", "  терапия ", day); !ok || name != "Терапия" || list != "700n" {
		t.Errorf("Lookup(терапия) in 2025 = %q from %q, %v; want 700н's", name, list, ok)
	}
	if _, _, ok := lookup("secondary_vocational", "Терапия", day); ok {
		t.Error("Терапия is not a secondary-education specialty")
	}
	if name, _, ok := lookup("secondary_vocational", "сестринское дело", day); !ok || name != "Сестринское дело" {
		t.Errorf("Lookup(сестринское дело) = %q, %v", name, ok)
	}

	n, err := NewNomenclature([]*SpecialtyList{
		{ID: "old", Source: testSource, EducationLevels: []string{"higher"}, ValidFrom: "2016-01-01", ValidUntil: "2026-08-31", Specialties: names("Лечебное дело", "Старая")},
		{ID: "new", Source: testSource, EducationLevels: []string{"higher"}, ValidFrom: "2026-09-01", Specialties: append(names("Лечебное дело", "Новая"),
			Specialty{Name: "Уходящая", ValidUntil: "2027-02-28"}, Specialty{Name: "Будущая", ValidFrom: "2027-09-01"})},
	})
	if err != nil {
		t.Fatal(err)
	}
	last := time.Date(2026, 8, 31, 23, 0, 0, 0, time.UTC)
	first := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		day  time.Time
		want bool
	}{
		{"Старая", last, true}, {"Старая", first, false}, {"Новая", last, false}, {"Новая", first, true},
		{"Уходящая", date("2027-02-28"), true}, {"Уходящая", date("2027-03-01"), false},
		{"Будущая", date("2027-08-31"), false}, {"Будущая", date("2027-09-01"), true},
	} {
		if _, _, ok := n.Lookup("higher", c.name, c.day); ok != c.want {
			t.Errorf("Lookup(%s) on %s = %v; want %v", c.name, c.day.Format(time.DateOnly), ok, c.want)
		}
	}
	if msg := n.Refusal("higher", "Старая", first); !strings.Contains(msg, "по 31.08.2026 включительно") {
		t.Errorf("a name of the old list: %q", msg)
	}
	if msg := n.Refusal("higher", "Уходящая", date("2027-03-01")); !strings.Contains(msg, "до 01.03.2027") {
		t.Errorf("an entry kept until a date: %q", msg)
	}
	if msg := n.Refusal("higher", "Будущая", first); !strings.Contains(msg, "с 01.09.2027") {
		t.Errorf("an entry that starts later: %q", msg)
	}
	if _, err := NewNomenclature([]*SpecialtyList{{ID: "dup", Source: testSource, ValidFrom: "2020-01-01", Specialties: names("А", "а")}}); err == nil {
		t.Error("a list with a name twice must be refused")
	}
	if _, err := NewNomenclature([]*SpecialtyList{{ID: "anonymous", ValidFrom: "2020-01-01", Specialties: names("А")}}); err == nil {
		t.Error("a list without its source must be refused")
	}
}

var testSource = Source{Act: "Приказ", Date: "2026-05-14", Number: "1н", Registration: "Минюст № 1", Section: "Раздел I"}

func names(n ...string) []Specialty {
	out := make([]Specialty, len(n))
	for i, s := range n {
		out[i] = Specialty{Name: s}
	}
	return out
}

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// Order 435н replaces 700н for higher education on 2026-09-01: the
// specialties it added are accepted from that day, the one it dropped is
// refused, and its dated entries start and end on their own dates.
func TestOrder435ReplacesOrder700(t *testing.T) {
	c := mustLoad(t)
	before, from := date("2026-08-31"), date("2026-09-01")
	added := []string{"Аналитическая токсикология", "Кинезиореабилитация", "Медицинская биология", "Медицинская зоология",
		"Медицинская логопедия", "Медицинская психология", "Медицинская физика", "Медицинская эмбриология", "Медицинский массаж",
		"Нейропсихология", "Нутрициология", "Судебная экспертиза", "Эргореабилитация"}
	for _, name := range added {
		if _, _, ok := c.Nomenclature.Lookup("higher", name, before); ok {
			t.Errorf("%s is accepted before order 435н", name)
		}
		if s, l, ok := c.Nomenclature.Lookup("higher", name, from); !ok || l.ID != "435n-1" || s.Name != name {
			t.Errorf("%s is refused under order 435н", name)
		}
	}
	if _, _, ok := c.Nomenclature.Lookup("higher", "Стоматология общей практики", before); !ok {
		t.Error("Стоматология общей практики is in order 700н")
	}
	if _, _, ok := c.Nomenclature.Lookup("higher", "Стоматология общей практики", from); ok {
		t.Error("order 435н dropped Стоматология общей практики")
	}
	for _, c2 := range []struct {
		name      string
		last, off string // the last day in force, the first day refused ("" = none)
		from      string
	}{
		{name: "Бактериология", last: "2028-08-31", off: "2028-09-01"},
		{name: "Вирусология", last: "2028-08-31", off: "2028-09-01"},
		{name: "Паразитология", last: "2028-08-31", off: "2028-09-01"},
		{name: "Сексология", last: "2027-02-28", off: "2027-03-01"},
		{name: "Паллиативная медицинская помощь", from: "2027-09-01"},
	} {
		if c2.off != "" {
			if _, _, ok := c.Nomenclature.Lookup("higher", c2.name, date(c2.last)); !ok {
				t.Errorf("%s refused on %s", c2.name, c2.last)
			}
			if _, _, ok := c.Nomenclature.Lookup("higher", c2.name, date(c2.off)); ok {
				t.Errorf("%s accepted on %s", c2.name, c2.off)
			}
		}
		if c2.from != "" {
			if _, _, ok := c.Nomenclature.Lookup("higher", c2.name, date(c2.from).AddDate(0, 0, -1)); ok {
				t.Errorf("%s accepted before %s", c2.name, c2.from)
			}
			if _, _, ok := c.Nomenclature.Lookup("higher", c2.name, date(c2.from)); !ok {
				t.Errorf("%s refused from %s", c2.name, c2.from)
			}
		}
	}
	names, lists := c.Nomenclature.InForce("higher", from)
	if len(lists) != 1 || lists[0].ID != "435n-1" || len(names) != 117 {
		t.Errorf("on 2026-09-01 higher education has %d specialties from %d lists; want 435н's 118 less the palliative care that starts in 2027", len(names), len(lists))
	}
	if names, _ := c.Nomenclature.InForce("higher", date("2027-09-01")); len(names) != 117 {
		t.Errorf("on 2027-09-01: %d specialties; want 118 less Сексология", len(names))
	}
	// The three names the 700н list was short of.
	for _, name := range []string{"Сестринское дело", "Управление сестринской деятельностью", "Детская онкология-гематология"} {
		if _, _, ok := c.Nomenclature.Lookup("higher", name, before); !ok {
			t.Errorf("%s is missing from 700н", name)
		}
	}
	if msg := c.Nomenclature.Refusal("higher", "Стоматология общей практики", date("2026-12-02")); !strings.Contains(msg, "435н") || !strings.Contains(msg, "по 31.08.2026 включительно") {
		t.Errorf("the refusal must name the order in force and when the name left: %q", msg)
	}
}

// Every list names its source, and every list of a level covers every day
// from its first list on: no gap where a lookup would refuse everything.
func TestListsNameSourcesAndLeaveNoGap(t *testing.T) {
	c := mustLoad(t)
	for _, l := range c.Nomenclature.Lists {
		if l.Source.Act == "" || l.Source.Number == "" || l.Source.Registration == "" || l.Source.Section == "" || l.Transcription == "" {
			t.Errorf("list %s: source %+v, transcription %q", l.ID, l.Source, l.Transcription)
		}
	}
	for _, level := range c.Nomenclature.EducationLevels() {
		for d := date("2016-01-01"); d.Before(date("2030-01-01")); d = d.AddDate(0, 0, 1) {
			if _, lists := c.Nomenclature.InForce(level, d); len(lists) == 0 {
				t.Fatalf("%s: no list in force on %s", level, d.Format(time.DateOnly))
			}
		}
	}
}
