package checks

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode"

	"github.com/go-playground/validator/v10"

	"accredpack/catalog"
	"accredpack/dossier"
	"accredpack/identifiers"
)

// FieldError is one violated rule of one form field.
type FieldError struct {
	Field   string `json:"field"`   // JSON path, e.g. "specialist.snils"
	Code    string `json:"code"`    // the rule, e.g. "required", "snils"
	Message string `json:"message"` // Russian, for the user; never echoes the value
}

// ValidationError lists every violated field at once.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	names := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		names[i] = f.Field + ":" + f.Code
	}
	return "validation failed: " + strings.Join(names, ", ")
}

// Rules of each form struct, by Go field name. Kept here rather than as tags
// so that dossier stays a plain data model.
var (
	formRules = map[string]string{
		"Kind":           "required",
		"EducationLevel": "required",
		"Specialty":      "required,max=200",
		"Comment":        "max=2000",
		"Consent":        "accepted",
		// Optional dates: empty, or a real date not in the future.
		"PreviousAccreditationDate": "omitempty,past_date",
		"EmploymentEnded":           "omitempty,past_date",
	}
	specialistRules = map[string]string{
		"LastName":   "required,max=100,person_name",
		"FirstName":  "required,max=100,person_name",
		"MiddleName": "max=100,person_name", // not everyone has a patronymic
		"SNILS":      "required,snils",
		"BirthDate":  "required,birth_date",
	}
	contactRules = map[string]string{
		"Phone": "required,phone",
		"Email": "required,max=254,email",
	}
)

// messages are the Russian texts of each rule.
var messages = map[string]string{
	"required":    "Обязательное поле.",
	"max":         "Слишком длинное значение.",
	"person_name": "Допустимы только буквы, пробел, дефис и апостроф.",
	"snils":       "СНИЛС указан неверно: нужно 11 цифр (XXX-XXX-XXX YY) с верным контрольным числом.",
	"birth_date":  "Дата рождения указывается в формате ГГГГ-ММ-ДД и не может быть в будущем.",
	"phone":       "Телефон указан неверно: нужен российский номер, +7 и 10 цифр.",
	"email":       "Адрес электронной почты указан неверно: на него придут уведомления портала.",
	"accepted":    "Без согласия на обработку персональных данных заявление не принимается.",
	"oneof":       "Недопустимое значение.",
	"specialty":   "Специальности нет в номенклатуре для выбранного уровня образования.",
	"immutable":   "Это поле нельзя изменить после создания заявления.",
	"past_date":   "Дата в формате ГГГГ-ММ-ДД, не в будущем.",
	// Messages for one field's rule take precedence over the rule's own.
	"kind:oneof":             "Вид аккредитации: periodic (периодическая) или primary_specialized (первичная специализированная).",
	"education_level:oneof":  "Уровень образования: higher (высшее) или secondary_vocational (среднее профессиональное).",
	"report_agreed:required": "Укажите, согласован ли отчёт о профессиональной деятельности с руководителем.",
	"employed:not_employed":  "Отмечено, что вы работаете, а причина несогласования отчёта — «не работаю»: исправьте одно из двух.",
}

// fieldTitles name the form's fields as the form labels them.
var fieldTitles = map[string]string{
	"kind":                        "Вид аккредитации",
	"specialist.last_name":        "Фамилия",
	"specialist.first_name":       "Имя",
	"specialist.middle_name":      "Отчество",
	"specialist.snils":            "СНИЛС",
	"specialist.birth_date":       "Дата рождения",
	"contact.phone":               "Телефон",
	"contact.email":               "Электронная почта",
	"education_level":             "Уровень образования",
	"specialty":                   "Специальность",
	"report_agreed":               "Согласование отчёта",
	"report_not_agreed_reason":    "Причина несогласования отчёта",
	"primary_basis":               "Основание первичной специализированной аккредитации",
	"name_changed":                "Смена фамилии, имени, отчества",
	"employed":                    "Работаю сейчас",
	"comment":                     "Комментарий",
	"consent":                     "Согласие на обработку персональных данных",
	"previous_accreditation_date": "Дата предыдущей аккредитации",
	"employment_ended":            "Дата окончания работы",
}

// FieldTitle names a form field for a person; the JSON path when unknown.
func FieldTitle(field string) string {
	if t, ok := fieldTitles[field]; ok {
		return t
	}
	return field
}

func message(field, code string) string {
	if m, ok := messages[field+":"+code]; ok {
		return m
	}
	return messages[code]
}

// FormValidator checks application forms against the FRMR rules and the
// catalog (kinds, their required fields, the specialty nomenclature).
type FormValidator struct {
	v       *validator.Validate
	catalog *catalog.Catalog
}

// NewFormValidator builds the validator with the custom rules.
func NewFormValidator(c *catalog.Catalog) (*FormValidator, error) {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	custom := map[string]validator.Func{
		"snils": func(fl validator.FieldLevel) bool {
			_, err := identifiers.ValidateSNILS(fl.Field().String())
			return err == nil
		},
		"phone": func(fl validator.FieldLevel) bool {
			_, err := identifiers.NormalizePhone(fl.Field().String())
			return err == nil
		},
		"person_name": func(fl validator.FieldLevel) bool { return isPersonName(fl.Field().String()) },
		"birth_date": func(fl validator.FieldLevel) bool {
			d, err := time.Parse(time.DateOnly, fl.Field().String())
			return err == nil && d.Year() >= 1900 && !d.After(time.Now())
		},
		"accepted": func(fl validator.FieldLevel) bool { return fl.Field().Bool() },
		"past_date": func(fl validator.FieldLevel) bool {
			d, err := time.Parse(time.DateOnly, fl.Field().String())
			return err == nil && d.Year() >= 1950 && !d.After(time.Now())
		},
	}
	for tag, fn := range custom {
		if err := v.RegisterValidation(tag, fn); err != nil {
			return nil, fmt.Errorf("register rule %s: %w", tag, err)
		}
	}
	v.RegisterStructValidationMapRules(formRules, dossier.Form{})
	v.RegisterStructValidationMapRules(specialistRules, dossier.Specialist{})
	v.RegisterStructValidationMapRules(contactRules, dossier.Contact{})
	v.RegisterStructValidationMapRules(courseRules, dossier.Course{})
	v.RegisterStructValidationMapRules(nmoRules, dossier.NMOActivity{})
	return &FormValidator{v: v, catalog: c}, nil
}

func isPersonName(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && r != ' ' && r != '-' && r != '\'' && r != '’' {
			return false
		}
	}
	return true
}

// Normalize puts a form in its stored shape: trimmed text, SNILS as 11
// digits, phone as +7XXXXXXXXXX, e-mail in lower case, the specialty as the
// nomenclature writes it. Values that are not valid are left as typed, for
// Validate to report.
func (fv *FormValidator) Normalize(f *dossier.Form, day time.Time) {
	for _, p := range []*string{&f.Kind, &f.Specialist.LastName, &f.Specialist.FirstName, &f.Specialist.MiddleName,
		&f.Specialist.SNILS, &f.Specialist.BirthDate, &f.Contact.Phone, &f.Contact.Email, &f.EducationLevel,
		&f.Specialty, &f.Comment, &f.PreviousAccreditationDate, &f.EmploymentEnded} {
		*p = strings.TrimSpace(*p)
	}
	if s, err := identifiers.ValidateSNILS(f.Specialist.SNILS); err == nil {
		f.Specialist.SNILS = s
	}
	if p, err := identifiers.NormalizePhone(f.Contact.Phone); err == nil {
		f.Contact.Phone = p
	}
	f.Contact.Email = strings.ToLower(f.Contact.Email)
	if s, _, ok := fv.catalog.Nomenclature.Lookup(f.EducationLevel, f.Specialty, day); ok {
		f.Specialty = s.Name
	}
	f.ReportNotAgreedReason = strings.TrimSpace(f.ReportNotAgreedReason)
	f.PrimaryBasis = strings.TrimSpace(f.PrimaryBasis)
	// An answer to a question the form no longer asks (the report is
	// agreed after all) is dropped: it would make documents required.
	kind, _ := fv.catalog.Kind(f.Kind)
	for _, name := range dossier.ChoiceFields {
		if kind == nil {
			break
		}
		if q, ok := kind.Question(name); !ok || !q.Asked(f) {
			f.SetChoice(name, "")
		}
	}
}

// Validate reports every violated rule of the form at once, or nil. day is
// the date whose specialty nomenclature applies.
func (fv *FormValidator) Validate(f *dossier.Form, day time.Time) error {
	var out []FieldError
	add := func(field, code string) {
		out = append(out, FieldError{Field: field, Code: code, Message: message(field, code)})
	}
	err := fv.v.Struct(f)
	var verrs validator.ValidationErrors
	if err != nil && !errors.As(err, &verrs) {
		return fmt.Errorf("validate form: %w", err)
	}
	for _, fe := range verrs {
		// Namespace is "Form.specialist.snils": drop the type name.
		_, path, _ := strings.Cut(fe.Namespace(), ".")
		add(path, fe.Tag())
	}
	failed := func(field string) bool {
		for _, e := range out {
			if e.Field == field {
				return true
			}
		}
		return false
	}

	kind, known := fv.catalog.Kind(f.Kind)
	if !known && !failed("kind") {
		add("kind", "oneof")
	}
	if known {
		for _, name := range kind.RequiredFields {
			if _, answered := f.Flag(name); !answered {
				add(name, "required")
			}
		}
	}
	levelKnown := fv.catalog.Nomenclature.KnowsLevel(f.EducationLevel)
	if !levelKnown && !failed("education_level") {
		add("education_level", "oneof")
	}
	if levelKnown && !failed("specialty") {
		if _, _, ok := fv.catalog.Nomenclature.Lookup(f.EducationLevel, f.Specialty, day); !ok {
			out = append(out, FieldError{Field: "specialty", Code: "specialty", Message: fv.catalog.Nomenclature.Refusal(f.EducationLevel, f.Specialty, day)})
		}
	}
	if known {
		for _, q := range kind.Questions {
			if v, answered := f.Choice(q.Field); answered && !q.Offers(v) {
				out = append(out, FieldError{Field: q.Field, Code: "oneof", Message: optionsMessage(q)})
			}
		}
	}
	if f.ReportNotAgreedReason == dossier.ReasonNotEmployed && f.Employed != nil && *f.Employed {
		add("employed", "not_employed")
	}
	if len(out) == 0 {
		return nil
	}
	return &ValidationError{Fields: out}
}

// optionsMessage lists a question's answers.
func optionsMessage(q *catalog.Question) string {
	opts := make([]string, len(q.Options))
	for i, o := range q.Options {
		opts[i] = o.Value + " (" + o.Title + ")"
	}
	return q.Title + ": один из ответов " + strings.Join(opts, "; ") + "."
}

// CodeQuestion is the code of a question the form asks and has not
// answered yet.
const CodeQuestion = "question"

// Questions lists the questions the form asks and has not answered yet.
// They do not keep a form from being saved; until answered they keep the
// application from being ready, and make no document required.
func (fv *FormValidator) Questions(f *dossier.Form) []FieldError {
	kind, ok := fv.catalog.Kind(f.Kind)
	if !ok {
		return nil
	}
	var out []FieldError
	for _, q := range kind.Questions {
		if _, answered := f.Choice(q.Field); !answered && q.Asked(f) {
			out = append(out, FieldError{Field: q.Field, Code: CodeQuestion, Message: "Ответьте на вопрос «" + q.Title + "»: от ответа зависит, какие документы нужны."})
		}
	}
	return out
}

// Check normalizes the form in place and validates it: what callers want.
func (fv *FormValidator) Check(f *dossier.Form, day time.Time) error {
	fv.Normalize(f, day)
	return fv.Validate(f, day)
}
