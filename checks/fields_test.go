package checks

import (
	"errors"
	"reflect"
	"sort"
	"strings"
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

// The questions of order 709н: unanswered, they do not keep a form from
// being saved but are listed as questions; an answer must be one offered;
// an answer to a question no longer asked is dropped; "not employed"
// contradicts an explicit "I work now".
func TestQuestionsOfTheForm(t *testing.T) {
	fv := formValidator(t)
	no, yes := false, true
	f := goodForm()
	f.ReportAgreed = &no
	if err := fv.Check(&f, day); err != nil {
		t.Fatalf("an unanswered question must not refuse the form: %v", err)
	}
	q := fv.Questions(&f)
	if len(q) != 1 || q[0].Field != "report_not_agreed_reason" || q[0].Code != "question" || q[0].Message == "" {
		t.Fatalf("questions = %+v", q)
	}
	f.ReportNotAgreedReason = "boss_said_no"
	if codes := fieldCodes(fv.Check(&f, day)); !reflect.DeepEqual(codes, []string{"report_not_agreed_reason:oneof"}) {
		t.Errorf("an answer not offered: %v", codes)
	}
	for _, r := range dossier.ReportNotAgreedReasons {
		f.ReportNotAgreedReason = r
		if err := fv.Check(&f, day); err != nil || len(fv.Questions(&f)) != 0 {
			t.Errorf("reason %s: %v, questions %v", r, err, fv.Questions(&f))
		}
	}
	f.ReportNotAgreedReason, f.Employed = dossier.ReasonNotEmployed, &yes
	if codes := fieldCodes(fv.Check(&f, day)); !reflect.DeepEqual(codes, []string{"employed:not_employed"}) {
		t.Errorf("not employed but working: %v", codes)
	}
	f.Employed = nil
	if v, _ := f.Flag("employed"); v {
		t.Error("not employed as the reason means not employed")
	}
	f.ReportAgreed = &yes
	if err := fv.Check(&f, day); err != nil || f.ReportNotAgreedReason != "" {
		t.Errorf("an agreed report drops the reason: %v %q", err, f.ReportNotAgreedReason)
	}

	p := goodForm()
	p.Kind, p.ReportAgreed, p.PrimaryBasis = "primary_specialized", nil, "residency"
	if err := fv.Check(&p, day); err != nil || p.PrimaryBasis != "residency" || len(fv.Questions(&p)) != 0 {
		t.Errorf("primary basis: %v %q", err, p.PrimaryBasis)
	}
	periodic := goodForm()
	periodic.PrimaryBasis = "residency"
	if err := fv.Check(&periodic, day); err != nil || periodic.PrimaryBasis != "" {
		t.Errorf("periodic accreditation has no basis question: %v %q", err, periodic.PrimaryBasis)
	}
}

// A specialty is judged by the nomenclature in force on the day: order
// 700н until 31.08.2026, 435н from 01.09.2026; the refusal names the order.
func TestSpecialtyByTheOrderInForce(t *testing.T) {
	fv := formValidator(t)
	f := goodForm()
	f.Specialty = "Стоматология общей практики"
	if err := fv.Check(&f, time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("in force under 700н: %v", err)
	}
	var ve *ValidationError
	if err := fv.Check(&f, day); !errors.As(err, &ve) || ve.Fields[0].Field != "specialty" || !strings.Contains(ve.Fields[0].Message, "435н") {
		t.Fatalf("dropped by 435н: %v", err)
	}
	f.Specialty = "нутрициология"
	if err := fv.Check(&f, day); err != nil || f.Specialty != "Нутрициология" {
		t.Errorf("added by 435н: %v %q", err, f.Specialty)
	}
}
