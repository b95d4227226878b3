package certimport

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"accredpack/checks"
	"accredpack/fault"
)

var testLimits = Limits{BatchBytes: 1 << 20, Rows: 5, ArchiveBytes: 1 << 20, Entries: 10, FileBytes: 64 << 10}

func mustParse(t *testing.T, data string, f Format) []Row {
	t.Helper()
	rows, err := Parse([]byte(data), f, testLimits)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return rows
}

// badRequest asserts a whole-batch refusal whose message says want.
func badRequest(t *testing.T, data string, f Format, want string) {
	t.Helper()
	_, err := Parse([]byte(data), f, testLimits)
	var r *fault.Refusal
	if !errors.As(err, &r) || !errors.Is(err, fault.ErrBadRequest) {
		t.Fatalf("Parse(%.40q) = %v; want a bad request", data, err)
	}
	if !strings.Contains(r.Message, want) {
		t.Errorf("message %q does not say %q", r.Message, want)
	}
}

func fieldCodes(r Row) string {
	var out []string
	for _, f := range r.Fields {
		if f.Message == "" {
			out = append(out, f.Field+":"+f.Code+"(no message)")
			continue
		}
		out = append(out, f.Field+":"+f.Code)
	}
	return strings.Join(out, ",")
}

func TestParseCSVSemicolonExcel(t *testing.T) {
	// Russian Excel: BOM, ';', DD.MM.YYYY, да/нет, a quoted title with the
	// delimiter and a doubled quote, an empty row written as ";;;;".
	data := "\uFEFFSNILS; Title ;hours;start_date;end_date;frdo_number;in_specialty;file\n" +
		"112-233-445 95;\"Терапия; \"\"новое\"\"\";36;01.02.2025;20.02.2025;ФРДО-1;нет;a.pdf\n" +
		";;;;;;;\n" +
		"02600238900;Кардиология;144;2024-01-10;2024-03-01;ФРДО-2;;\n"
	rows := mustParse(t, data, CSV)
	if len(rows) != 2 {
		t.Fatalf("rows = %d; want 2 (the blank one skipped)", len(rows))
	}
	r := rows[0]
	if r.N != 2 || r.SNILS != "11223344595" || r.Course.Title != `Терапия; "новое"` || r.Course.Hours != 36 ||
		r.Course.StartDate != "2025-02-01" || r.Course.EndDate != "2025-02-20" || r.Course.FRDONumber != "ФРДО-1" ||
		r.Course.InSpecialty || r.File != "a.pdf" || len(r.Fields) != 0 {
		t.Errorf("row 1 = %+v", r)
	}
	if r := rows[1]; r.N != 4 || r.SNILS != "02600238900" || !r.Course.InSpecialty || r.File != "" || len(r.Fields) != 0 {
		t.Errorf("row 2 (line 4, in_specialty by default) = %+v", r)
	}
}

func TestParseCSVRussianHeader(t *testing.T) {
	// A center's own spreadsheet: Russian column names in any case, with
	// ё, doubled spaces and a trailing colon.
	data := "\uFEFFСНИЛС;Наименование  программы;Объём часов:;Дата начала;Дата окончания;Номер ФРДО;По специальности;Файл;Заявление\n" +
		"112-233-445 95;Терапия;36;01.02.2025;20.02.2025;ФРДО-1;нет;a.pdf;app-1\n"
	rows := mustParse(t, data, CSV)
	if len(rows) != 1 {
		t.Fatalf("rows: %d; want 1", len(rows))
	}
	r := rows[0]
	if r.SNILS != "11223344595" || r.Course.Title != "Терапия" || r.Course.Hours != 36 || r.Course.FRDONumber != "ФРДО-1" ||
		r.Course.InSpecialty || r.File != "a.pdf" || r.ApplicationID != "app-1" || len(r.Fields) != 0 {
		t.Errorf("row read as %+v", r)
	}
	if got := r.Course.StartDate + ".." + r.Course.EndDate; got != "2025-02-01..2025-02-20" {
		t.Errorf("dates %s", got)
	}
	badRequest(t, "Фамилия;СНИЛС;title;hours;start_date;end_date;frdo_number\n", CSV, "«Фамилия»")
	badRequest(t, "СНИЛС;snils;title;hours;start_date;end_date;frdo_number\n", CSV, "snils указан в заголовке дважды")
	badRequest(t, "СНИЛС;Часы;Дата начала;Дата окончания;Номер ФРДО\n", CSV, "title")
	// JSON keys are the API's: English only.
	badRequest(t, `{"rows":[{"СНИЛС":"112-233-445 95"}]}`, JSON, "«СНИЛС»")
}

func TestParseCSVComma(t *testing.T) {
	// A title with a comma and a line break inside quotes: the next row's
	// number is the line it starts on.
	data := "snils,title,hours,start_date,end_date,frdo_number,application_id\r\n" +
		"11223344595,\"Терапия,\nчасть 2\",72,2025-01-10,2025-02-10,Ф-1,abc\r\n" +
		"11223344595,Хирургия,36,2025-01-10,2025-02-10,Ф-2,\r\n"
	rows := mustParse(t, data, "")
	if len(rows) != 2 || rows[0].N != 2 || rows[1].N != 4 {
		t.Fatalf("rows = %+v", rows)
	}
	if rows[0].Course.Title != "Терапия,\nчасть 2" || rows[0].ApplicationID != "abc" || rows[1].ApplicationID != "" {
		t.Errorf("rows = %+v", rows)
	}
}

func TestParseJSON(t *testing.T) {
	data := `{"rows": [
	  {"snils": "112-233-445 95", "title": "Терапия", "hours": 36, "start_date": "2025-02-01", "end_date": "2025-02-20",
	   "frdo_number": "Ф-1", "in_specialty": false, "file": "certs/a.pdf", "application_id": null},
	  {"snils": 2600238900, "title": "Кардиология", "hours": "x", "start_date": "2025-02-01", "end_date": "2025-02-20", "frdo_number": ""},
	  {"snils": "11223344596", "title": ["a"], "hours": 1.5, "start_date": "2025-02-01", "end_date": "2025-02-20", "frdo_number": "Ф-3", "in_specialty": "может быть"}
	]}`
	rows := mustParse(t, data, "")
	if len(rows) != 3 || rows[0].N != 1 || rows[2].N != 3 {
		t.Fatalf("rows = %+v", rows)
	}
	if r := rows[0]; r.SNILS != "11223344595" || r.Course.Hours != 36 || r.Course.InSpecialty || r.File != "certs/a.pdf" || len(r.Fields) != 0 {
		t.Errorf("row 1 = %+v", r)
	}
	// A SNILS as a number loses its leading zero: 10 digits, invalid.
	if got := fieldCodes(rows[1]); got != "snils:snils,hours:integer,frdo_number:required" {
		t.Errorf("row 2 fields = %s", got)
	}
	if got := fieldCodes(rows[2]); got != "title:type,snils:snils,hours:integer,in_specialty:boolean" {
		t.Errorf("row 3 fields = %s", got)
	}
}

func TestParseRefusals(t *testing.T) {
	head := "snils;title;hours;start_date;end_date;frdo_number\n"
	badRequest(t, "snils;title;hourz;start_date;end_date;frdo_number;\n", CSV, "«hourz»")
	badRequest(t, "snils;title;start_date;end_date\n", CSV, "hours, frdo_number")
	badRequest(t, "snils;title;hours;start_date;end_date;frdo_number;snils\n", CSV, "дважды")
	badRequest(t, head+"11223344595;Т;36;2025-01-01;2025-01-02\n", CSV, "Строка 2: значений 5")
	badRequest(t, head+"11223344595;Т;36;2025-01-01;2025-01-02;Ф\n11223344595;\"Т;36\n", CSV, "Строка 3")
	badRequest(t, head, CSV, "нет ни одной строки")
	badRequest(t, "", CSV, "Пакет пуст")
	badRequest(t, "snils;title;hours;start_date;end_date;frdo_number\n11223344595;\x99\xa9\xae\xff;1;2;3;4\n", CSV, "UTF-8") // ™©®я: not Russian text
	badRequest(t, "{\"rows\": [\n{\"snils\": \"1\"},\n{\"snils\" \"2\"}\n]}", JSON, "строке 3")
	badRequest(t, `{"rows": [{"snils": "1", "hourz": 3}]}`, JSON, "Строка 1: неизвестное поле «hourz»")
	badRequest(t, `{"certificates": []}`, JSON, "«certificates»")
	badRequest(t, `{"rows": {}}`, JSON, "массивом")
	badRequest(t, `{"rows": [1]}`, JSON, "Строка 1: ожидается объект")
	badRequest(t, `{"rows": []}`, JSON, "нет ни одной строки")

	tooMany := head + strings.Repeat("11223344595;Т;36;2025-01-01;2025-01-02;Ф\n", 6)
	if _, err := Parse([]byte(tooMany), CSV, testLimits); !isTooLarge(err) {
		t.Errorf("6 CSV rows over a limit of 5: %v", err)
	}
	if _, err := Parse([]byte(`{"rows": [{},{},{},{},{},{}]}`), JSON, testLimits); !isTooLarge(err) {
		t.Errorf("6 JSON rows over a limit of 5: %v", err)
	}
	im := New(Deps{Limits: testLimits})
	big := head + strings.Repeat("x", int(testLimits.BatchBytes))
	if _, err := im.ReadBatch(strings.NewReader(big), CSV); !isTooLarge(err) {
		t.Errorf("a batch over its byte limit: %v", err)
	}
}

func isTooLarge(err error) bool {
	p, ok := checks.AsProblem(err)
	return ok && p.Code == checks.CodeTooLarge && p.Message != ""
}

// TestParseWindows1251: Russian Excel's plain «CSV» is Windows-1251.
func TestParseWindows1251(t *testing.T) {
	data := "snils;title;hours;start_date;end_date;frdo_number;in_specialty\n" +
		"11223344595;\xd2\xe5\xf0\xe0\xef\xe8\xff \xab\xcd\xee\xe2\xee\xe5\xbb \xb9 2;36;01.02.2025;20.02.2025;\xd4-1;\xed\xe5\xf2\n"
	rows := mustParse(t, data, CSV)
	if r := rows[0]; r.Course.Title != "Терапия «Новое» № 2" || r.Course.FRDONumber != "Ф-1" || r.Course.InSpecialty || len(r.Fields) != 0 {
		t.Errorf("row = %+v", r)
	}
	// Excel's plain «CSV» of a Russian sheet: the header in Windows-1251 too.
	sheet, err := charmap.Windows1251.NewEncoder().String("СНИЛС;Название программы;Часы;Дата начала;Дата окончания;Номер ФРДО\n" +
		"11223344595;Кардиология;144;10.01.2024;01.03.2024;Ф-2\n")
	if err != nil {
		t.Fatal(err)
	}
	if r := mustParse(t, sheet, CSV)[0]; r.Course.Title != "Кардиология" || r.Course.Hours != 144 || r.Course.FRDONumber != "Ф-2" || len(r.Fields) != 0 {
		t.Errorf("row of a Windows-1251 sheet = %+v", r)
	}
}

func TestParseFieldErrors(t *testing.T) {
	data := "snils;title;hours;start_date;end_date;frdo_number;in_specialty\n" +
		";Т;;2025-01-01;2025-01-02;;\n" +
		"112-233-445 96;Т;тридцать;31.02.2025;2025-01-02;Ф;возможно\n"
	rows := mustParse(t, data, CSV)
	if got := fieldCodes(rows[0]); got != "snils:required,hours:required,frdo_number:required" {
		t.Errorf("row 2 fields = %s", got)
	}
	if got := fieldCodes(rows[1]); got != "snils:snils,hours:integer,in_specialty:boolean" {
		t.Errorf("row 3 fields = %s", got)
	}
	// A date that is not one stays as written, for the course rules.
	if rows[1].Course.StartDate != "31.02.2025" {
		t.Errorf("start_date = %q", rows[1].Course.StartDate)
	}
	for _, f := range append(rows[0].Fields, rows[1].Fields...) {
		if strings.Contains(f.Message, "445") {
			t.Errorf("a message echoes the SNILS: %s", f.Message)
		}
	}
}

func TestFormatOf(t *testing.T) {
	for _, c := range []struct {
		media, name string
		want        Format
	}{
		{"application/json", "", JSON},
		{"text/csv", "x.json", CSV},
		{"application/octet-stream", "Выгрузка.CSV", CSV},
		{"application/octet-stream", "batch.json", JSON},
		{"", "batch", ""},
	} {
		if got := FormatOf(c.media, c.name); got != c.want {
			t.Errorf("FormatOf(%q, %q) = %q; want %q", c.media, c.name, got, c.want)
		}
	}
	// Unnamed: a JSON object is told by its first character.
	if rows := mustParse(t, "  \n"+`{"rows": [{"snils": "11223344595"}]}`, ""); len(rows) != 1 {
		t.Error(fmt.Sprint(rows))
	}
}
