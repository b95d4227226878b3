package checks

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-playground/validator/v10"

	"accredpack/dossier"
	"accredpack/identifiers"
)

// Rules of the education ledger's records.
var (
	courseRules = map[string]string{
		"Title":        "required,max=300",
		"Organization": "required,max=300",
		"Hours":        "min=1,max=3000",
		"StartDate":    "required,past_date",
		"EndDate":      "required,past_date",
		"FRDONumber":   "max=64",
	}
	nmoRules = map[string]string{
		"Title":   "required,max=300",
		"Date":    "required,past_date",
		"Credits": "min=1,max=100",
		"Kind":    "oneof=event e_module programme",
	}
	ledgerMessages = map[string]string{
		"min":                   "Значение должно быть больше нуля.",
		"hours:max":             "Слишком много часов для одного курса.",
		"credits:max":           "Слишком много ЗЕТ для одного мероприятия.",
		"past_date":             "Дата в формате ГГГГ-ММ-ДД, не в будущем.",
		"end_date:order":        "Дата окончания раньше даты начала.",
		"kind:oneof":            "Вид: event (мероприятие), e_module (электронный модуль) или programme (программа).",
		"code:ikp":              identifiers.ErrIKP.Error() + ".",
		"certificate_slot:slot": "Строка удостоверения: qualification_certificates.N.",
	}
)

func ledgerMessage(field, code string) string {
	for _, key := range []string{field + ":" + code, code} {
		if m, ok := ledgerMessages[key]; ok {
			return m
		}
	}
	return message(field, code)
}

func (fv *FormValidator) fieldErrors(v any) ([]FieldError, error) {
	err := fv.v.Struct(v)
	var verrs validator.ValidationErrors
	if err != nil && !errors.As(err, &verrs) {
		return nil, fmt.Errorf("validate: %w", err)
	}
	var out []FieldError
	for _, fe := range verrs {
		_, path, _ := strings.Cut(fe.Namespace(), ".")
		out = append(out, FieldError{Field: path, Code: fe.Tag(), Message: ledgerMessage(path, fe.Tag())})
	}
	return out, nil
}

func verdict(out []FieldError) error {
	if len(out) == 0 {
		return nil
	}
	return &ValidationError{Fields: out}
}

// CheckCourse trims and validates a course record.
func (fv *FormValidator) CheckCourse(c *dossier.Course) error {
	for _, p := range []*string{&c.Title, &c.Organization, &c.StartDate, &c.EndDate, &c.FRDONumber, &c.CertificateSlot} {
		*p = strings.TrimSpace(*p)
	}
	out, err := fv.fieldErrors(c)
	if err != nil {
		return err
	}
	start, e1 := time.Parse(time.DateOnly, c.StartDate)
	end, e2 := time.Parse(time.DateOnly, c.EndDate)
	if e1 == nil && e2 == nil && end.Before(start) {
		out = append(out, FieldError{Field: "end_date", Code: "order", Message: ledgerMessage("end_date", "order")})
	}
	if c.CertificateSlot != "" {
		ref, err := dossier.ParseSlotRef(c.CertificateSlot)
		if err != nil || ref.Slot != "qualification_certificates" || ref.Row == 0 {
			out = append(out, FieldError{Field: "certificate_slot", Code: "slot", Message: ledgerMessage("certificate_slot", "slot")})
		}
	}
	return verdict(out)
}

// CheckNMO trims, normalizes the confirmation code, and validates an NMO
// activity.
func (fv *FormValidator) CheckNMO(a *dossier.NMOActivity) error {
	for _, p := range []*string{&a.Title, &a.Date, &a.Kind} {
		*p = strings.TrimSpace(*p)
	}
	out, err := fv.fieldErrors(a)
	if err != nil {
		return err
	}
	code, cerr := identifiers.NormalizeIKP(a.Code)
	if cerr != nil {
		out = append(out, FieldError{Field: "code", Code: "ikp", Message: ledgerMessage("code", "ikp")})
	} else {
		a.Code = code
	}
	return verdict(out)
}
