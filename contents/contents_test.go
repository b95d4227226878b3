package contents

import (
	"slices"
	"strings"
	"testing"
)

func load(t *testing.T) *Rules {
	t.Helper()
	r, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func codes(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

func page(text string, conf float64, dpi int) Page {
	return Page{Number: 1, Source: "image", DPI: dpi, Confidence: conf, Words: len(strings.Fields(text)), Text: text}
}

var anna = Person{Last: "Иванова", First: "Анна", Middle: "Сергеевна", SNILS: "11223344595"}

const snilsText = `СТРАХОВОЕ СВИДЕТЕЛЬСТВО
ОБЯЗАТЕЛЬНОГО ПЕНСИОННОГО СТРАХОВАНИЯ
Страховой номер индивидуального лицевого счёта
112-233-445 95
Ф.И.О. Иванова Анна Сергеевна`

func TestEveryTypeAndSlotCitesItsSource(t *testing.T) {
	r := load(t)
	for _, ty := range r.Types {
		if ty.Source == "" {
			t.Errorf("type %s has no source", ty.ID)
		}
	}
	for _, slot := range []string{"identity_document", "snils", "education_diploma", "qualification_certificates", "work_record", "previous_accreditation", "professional_report", "name_change"} {
		if _, ok := r.Slots[slot]; !ok {
			t.Errorf("slot %s has no rule", slot)
		}
	}
}

func TestClassify(t *testing.T) {
	r := load(t)
	for want, text := range map[string]string{
		"snils":                     snilsText,
		"passport":                  "Паспорт выдан ГУ МВД России\nКод подразделения 770-001\nМесто рождения Москва",
		"diploma":                   "ДИПЛОМ\nСПЕЦИАЛИСТА\nосвоил программу специалитета",
		"qualification_certificate": "УДОСТОВЕРЕНИЕ\nо повышении квалификации\nв объёме 36 часов",
		"work_record":               "СВЕДЕНИЯ О ТРУДОВОЙ ДЕЯТЕЛЬНОСТИ\nФорма СТД-Р",
		"accreditation":             "ВЫПИСКА о прохождении лицом аккредитации специалиста",
		"name_change":               "СВИДЕТЕЛЬСТВО О ЗАКЛЮЧЕНИИ БРАКА",
		"":                          "Какой-то посторонний текст без признаков документа",
	} {
		if got, score := r.Classify(text); got != want {
			t.Errorf("Classify(%.30q) = %q (%.1f), want %q", text, got, score, want)
		}
	}
	// OCR noise: Latin look-alikes, ё, broken case.
	if got, _ := r.Classify("CTPAXOBOE свидетельство обязательного пенсионного страхования"); got != "snils" {
		t.Errorf("look-alike letters: got %q", got)
	}
}

func TestMatchPerson(t *testing.T) {
	for _, c := range []struct {
		text string
		who  Person
		want bool
	}{
		{"Ф.И.О. Иванова Анна Сергеевна", anna, true},
		{"ИВАНОВА\nАННА\nСЕРГЕЕВНА", anna, true},
		{"выдано Ивановой А. С.", anna, true},   // dative, initials
		{"Ивaнoва Aнна Сергеевна", anna, true},  // Latin a, o
		{"Иваиова Анна Сергеевна", anna, true},  // one OCR error
		{"Петрова Анна Сергеевна", anna, false}, // another surname
		{"Иванова Мария Петровна", anna, false}, // another person of that surname
		{"Елкина Мария Алексеевна", Person{Last: "Ёлкина", First: "Мария", Middle: "Алексеевна"}, true},
		{"Сидоров Павел Игоревич", Person{Last: "Сидоренко", First: "Павел", Middle: "Игоревич"}, false},
	} {
		if got := MatchPerson(c.text, c.who); got != c.want {
			t.Errorf("MatchPerson(%q, %s) = %v, want %v", c.text, c.who.Last, got, c.want)
		}
	}
}

func TestSNILSNumbers(t *testing.T) {
	got := SNILSNumbers("номер 112-233-445 95\nи ещё 1122334459 5\nили 12З-456-789 б4")
	if !slices.Contains(got, "11223344595") || !slices.Contains(got, "12345678964") {
		t.Errorf("SNILSNumbers = %v", got)
	}
}

func TestCheckSNILSSlot(t *testing.T) {
	r := load(t)
	good := Reading{PageCount: 1, Pages: []Page{page(snilsText, 92, 300)}}
	if fs := r.Check("snils", good, anna, nil); len(fs) != 0 {
		t.Errorf("good SNILS scan: %v", fs)
	}
	other := anna
	other.SNILS = "12345678964"
	if got := codes(r.Check("snils", good, other, nil)); !slices.Equal(got, []string{"content_snils"}) {
		t.Errorf("other SNILS: %v", got)
	}
	stranger := Person{Last: "Сидоров", First: "Павел", Middle: "Игоревич", SNILS: "11223344595"}
	if got := codes(r.Check("snils", good, stranger, nil)); !slices.Equal(got, []string{"content_person"}) {
		t.Errorf("another person's SNILS: %v", got)
	}
	diploma := Reading{PageCount: 1, Pages: []Page{page("ДИПЛОМ СПЕЦИАЛИСТА Иванова Анна Сергеевна освоила программу специалитета", 90, 300)}}
	fs := r.Check("snils", diploma, anna, nil)
	if got := codes(fs); !slices.Equal(got, []string{"content_type", "content_snils_unread"}) {
		t.Errorf("diploma in the SNILS row: %v", got)
	}
	if !strings.Contains(fs[0].Message, "диплом") || !strings.Contains(fs[0].Message, "СНИЛС") {
		t.Errorf("message: %s", fs[0].Message)
	}
}

func TestNameChangedSaysSo(t *testing.T) {
	r := load(t)
	maiden := Reading{PageCount: 1, Pages: []Page{page("ДИПЛОМ СПЕЦИАЛИСТА Петрова Анна Сергеевна освоила программу специалитета", 90, 300)}}
	who := anna
	who.NameChanged = true
	fs := r.Check("education_diploma", maiden, who, nil)
	if len(fs) != 1 || fs[0].Code != "content_person" || !strings.Contains(fs[0].Message, "прежнюю фамилию") {
		t.Errorf("maiden name: %v", fs)
	}
}

func TestLegibility(t *testing.T) {
	r := load(t)
	rd := Reading{PageCount: 3, Pages: []Page{
		page(snilsText, 40, 100),
		{Number: 2, Source: "image", DPI: 300, Words: 0},
		{Number: 3, Error: "tesseract ran past 30s"},
	}}
	got := codes(r.Check("report_refusal", rd, anna, nil))
	want := []string{"content_page_unread", "content_dpi", "content_blank", "content_illegible"}
	if !slices.Equal(got, want) {
		t.Errorf("legibility: %v, want %v", got, want)
	}
}

func TestPassportNeedsBothSpreads(t *testing.T) {
	r := load(t)
	one := Reading{PageCount: 1, Pages: []Page{page("Паспорт выдан ГУ МВД Код подразделения 770-001 Фамилия ИВАНОВА Имя АННА Отчество СЕРГЕЕВНА", 90, 300)}}
	if got := codes(r.Check("identity_document", one, anna, nil)); !slices.Equal(got, []string{"content_pages", "content_part_missing"}) {
		t.Errorf("one spread: %v", got)
	}
	two := one
	two.PageCount = 2
	two.Pages = append(two.Pages, Page{Number: 2, Source: "image", DPI: 300, Confidence: 90, Words: 6, Text: "МЕСТО ЖИТЕЛЬСТВА Зарегистрирован г. Москва"})
	if fs := r.Check("identity_document", two, anna, nil); len(fs) != 0 {
		t.Errorf("both spreads: %v", fs)
	}
	// Both spreads scanned onto one page: nothing missing.
	onePage := Reading{PageCount: 1, Pages: []Page{page(one.Pages[0].Text+" МЕСТО ЖИТЕЛЬСТВА Зарегистрирован г. Москва", 90, 300)}}
	if fs := r.Check("identity_document", onePage, anna, nil); len(fs) != 0 {
		t.Errorf("both spreads on one page: %v", fs)
	}
}

func TestCourseAgainstLedger(t *testing.T) {
	r := load(t)
	text := `УДОСТОВЕРЕНИЕ о повышении квалификации
Иванова Анна Сергеевна
с 01.02.2024 по 28.02.2024 прошла повышение квалификации
в объёме 36 часов
Регистрационный номер 7712 000451`
	rd := Reading{PageCount: 1, Pages: []Page{page(text, 90, 300)}}
	c := Course{Title: "Терапия", Hours: 36, Start: "2024-02-01", End: "2024-02-28", Registration: "7712-000451"}
	if fs := r.Check("qualification_certificates", rd, anna, &c); len(fs) != 0 {
		t.Errorf("matching course: %v", fs)
	}
	c2 := Course{Title: "Терапия", Hours: 72, Start: "2024-03-01", End: "2024-02-28", Registration: "7712-000999"}
	fs := r.Check("qualification_certificates", rd, anna, &c2)
	if got := codes(fs); !slices.Equal(got, []string{"content_course_hours", "content_course_dates", "content_course_registration"}) {
		t.Errorf("differing course: %v", got)
	}
	if !strings.Contains(fs[0].Message, "36 ч") || !strings.Contains(fs[0].Message, "72 ч") || !strings.Contains(fs[1].Message, "01.03.2024") {
		t.Errorf("messages: %v", fs)
	}
}
