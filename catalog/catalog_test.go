package catalog

import (
	"reflect"
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
		{"report not agreed needs the refusal", dossier.Form{ReportAgreed: no()}, append(append([]string{}, base...), "report_refusal")},
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
	f := &dossier.Form{ReportAgreed: no(), NameChanged: true}
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
	if name, ok := c.Nomenclature.Lookup("higher", "  терапия ", day); !ok || name != "Терапия" {
		t.Errorf("Lookup(терапия) = %q, %v", name, ok)
	}
	if _, ok := c.Nomenclature.Lookup("secondary_vocational", "Терапия", day); ok {
		t.Error("Терапия is not a secondary-education specialty")
	}
	if name, ok := c.Nomenclature.Lookup("secondary_vocational", "сестринское дело", day); !ok || name != "Сестринское дело" {
		t.Errorf("Lookup(сестринское дело) = %q, %v", name, ok)
	}

	n, err := NewNomenclature([]*SpecialtyList{
		{ID: "old", EducationLevels: []string{"higher"}, ValidFrom: "2016-01-01", ValidUntil: "2026-08-31", Specialties: []string{"Лечебное дело", "Старая"}},
		{ID: "new", EducationLevels: []string{"higher"}, ValidFrom: "2026-09-01", Specialties: []string{"Лечебное дело", "Новая"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	last := time.Date(2026, 8, 31, 23, 0, 0, 0, time.UTC)
	first := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	if _, ok := n.Lookup("higher", "Старая", last); !ok {
		t.Error("the old list is in force on its last day")
	}
	if _, ok := n.Lookup("higher", "Старая", first); ok {
		t.Error("the old list is out of force the next day")
	}
	if _, ok := n.Lookup("higher", "Новая", first); !ok {
		t.Error("the new list is in force from its first day")
	}
	if _, err := NewNomenclature([]*SpecialtyList{{ID: "dup", ValidFrom: "2020-01-01", Specialties: []string{"А", "а"}}}); err == nil {
		t.Error("a list with a name twice must be refused")
	}
}
