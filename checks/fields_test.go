package checks

import (
	"errors"
	"reflect"
	"sort"
	"testing"
	"time"

	"accredpack/catalog"
	"accredpack/dossier"
)

func formValidator(t *testing.T) *FormValidator {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	fv, err := NewFormValidator(c)
	if err != nil {
		t.Fatal(err)
	}
	return fv
}

var day = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func goodForm() dossier.Form {
	agreed := true
	return dossier.Form{
		Kind:           "periodic",
		Specialist:     dossier.Specialist{LastName: "Иванова", FirstName: "Анна", MiddleName: "Сергеевна", SNILS: "112-233-445 95", BirthDate: "1985-04-12"},
		Contact:        dossier.Contact{Phone: "8 (912) 345-67-89", Email: " Anna.Ivanova@Example.RU "},
		EducationLevel: "higher",
		Specialty:      "терапия",
		ReportAgreed:   &agreed,
		Consent:        true,
	}
}

func fieldCodes(err error) []string {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field+":"+f.Code)
		if f.Message == "" {
			out = append(out, f.Field+":NO MESSAGE")
		}
	}
	sort.Strings(out)
	return out
}

func TestValidFormIsNormalized(t *testing.T) {
	fv := formValidator(t)
	f := goodForm()
	fv.Normalize(&f, day)
	if err := fv.Check(&f, day); err != nil {
		t.Fatalf("valid form refused: %v", err)
	}
	if f.Specialist.SNILS != "11223344595" || f.Contact.Phone != "+79123456789" ||
		f.Contact.Email != "anna.ivanova@example.ru" || f.Specialty != "Терапия" {
		t.Errorf("not normalized: %+v", f)
	}
}

func TestEveryViolationAtOnce(t *testing.T) {
	fv := formValidator(t)
	f := dossier.Form{
		Kind:           "periodic",
		Specialist:     dossier.Specialist{LastName: "Иванов1", SNILS: "112-233-445 96", BirthDate: "2999-01-01"},
		Contact:        dossier.Contact{Phone: "+1 212 555 0100", Email: "not-an-email"},
		EducationLevel: "higher",
		Specialty:      "Астрология",
		Consent:        false,
	}
	fv.Normalize(&f, day)
	got := fieldCodes(fv.Check(&f, day))
	want := []string{
		"consent:accepted",
		"contact.email:email",
		"contact.phone:phone",
		"report_agreed:required",
		"specialist.birth_date:birth_date",
		"specialist.first_name:required",
		"specialist.last_name:person_name",
		"specialist.snils:snils",
		"specialty:specialty",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields =\n%v\nwant\n%v", got, want)
	}
}

func TestEmptyForm(t *testing.T) {
	fv := formValidator(t)
	got := fieldCodes(fv.Validate(&dossier.Form{}, day))
	want := []string{
		"consent:accepted", "contact.email:required", "contact.phone:required", "education_level:required",
		"kind:required", "specialist.birth_date:required", "specialist.first_name:required",
		"specialist.last_name:required", "specialist.snils:required", "specialty:required",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields =\n%v\nwant\n%v", got, want)
	}
}

func TestKindAndLevelMustBeKnown(t *testing.T) {
	fv := formValidator(t)
	f := goodForm()
	f.Kind = "annual"
	f.EducationLevel = "school"
	got := fieldCodes(fv.Check(&f, day))
	if !reflect.DeepEqual(got, []string{"education_level:oneof", "kind:oneof"}) {
		t.Errorf("fields = %v", got)
	}
}

func TestReportAgreementRequiredOnlyForPeriodic(t *testing.T) {
	fv := formValidator(t)
	f := goodForm()
	f.ReportAgreed = nil
	if got := fieldCodes(fv.Check(&f, day)); !reflect.DeepEqual(got, []string{"report_agreed:required"}) {
		t.Errorf("periodic: %v", got)
	}
	f.Kind = "primary_specialized"
	if err := fv.Check(&f, day); err != nil {
		t.Errorf("primary specialized does not ask about the report: %v", err)
	}
}

func TestSpecialtyDependsOnEducationLevel(t *testing.T) {
	fv := formValidator(t)
	f := goodForm()
	f.EducationLevel = "secondary_vocational"
	f.Specialty = "Сестринское дело"
	if err := fv.Check(&f, day); err != nil {
		t.Errorf("nurse: %v", err)
	}
	f.Specialty = "Терапия"
	if got := fieldCodes(fv.Check(&f, day)); !reflect.DeepEqual(got, []string{"specialty:specialty"}) {
		t.Errorf("therapy with secondary education: %v", got)
	}
}

func TestNoMiddleNameIsFine(t *testing.T) {
	fv := formValidator(t)
	f := goodForm()
	f.Specialist.MiddleName = ""
	f.Specialist.LastName = "Д'Артаньян-Петрова"
	if err := fv.Check(&f, day); err != nil {
		t.Error(err)
	}
}
