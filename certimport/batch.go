package certimport

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"accredpack/checks"
	"accredpack/dossier"
	"accredpack/fault"
	"accredpack/identifiers"
)

// Format is how a batch is written.
type Format string

// Formats of a batch.
const (
	CSV  Format = "csv"
	JSON Format = "json"
)

// FormatOf tells a batch's format by its media type, else by the
// extension of its file name; "" when neither tells (Parse then looks at
// the first character).
func FormatOf(mediaType, fileName string) Format {
	switch strings.ToLower(mediaType) {
	case "application/json":
		return JSON
	case "text/csv", "application/csv", "text/comma-separated-values":
		return CSV
	}
	switch strings.ToLower(path.Ext(fileName)) {
	case ".json":
		return JSON
	case ".csv", ".txt":
		return CSV
	}
	return ""
}

// Columns of a batch: CSV header names and JSON keys.
const (
	colSNILS         = "snils"
	colTitle         = "title"
	colHours         = "hours"
	colStartDate     = "start_date"
	colEndDate       = "end_date"
	colFRDO          = "frdo_number"
	colInSpecialty   = "in_specialty"
	colFile          = "file"
	colApplicationID = "application_id"
)

var (
	columns         = []string{colSNILS, colTitle, colHours, colStartDate, colEndDate, colFRDO, colInSpecialty, colFile, colApplicationID}
	requiredColumns = []string{colSNILS, colTitle, colHours, colStartDate, colEndDate, colFRDO}
)

// russianColumns are the CSV header names a Russian spreadsheet has, each
// read as its column (compared as headerKey makes them). JSON keys are the
// English names only.
var russianColumns = map[string]string{
	"снилс":                      colSNILS,
	"название":                   colTitle,
	"название курса":             colTitle,
	"название программы":         colTitle,
	"наименование программы":     colTitle,
	"программа":                  colTitle,
	"часы":                       colHours,
	"часов":                      colHours,
	"объем часов":                colHours,
	"количество часов":           colHours,
	"дата начала":                colStartDate,
	"начало":                     colStartDate,
	"дата окончания":             colEndDate,
	"окончание":                  colEndDate,
	"номер фрдо":                 colFRDO,
	"номер в фрдо":               colFRDO,
	"регистрационный номер":      colFRDO,
	"регистрационный номер фрдо": colFRDO,
	"по специальности":           colInSpecialty,
	"файл":                       colFile,
	"заявление":                  colApplicationID,
	"номер заявления":            colApplicationID,
	"id заявления":               colApplicationID,
	"идентификатор заявления":    colApplicationID,
	"удостоверение":              colFile,
	"файл удостоверения":         colFile,
	"в соответствии со специальностью": colInSpecialty,
}

// headerKey is how header names are compared: without a BOM, spaces at the
// ends or doubled, a trailing colon or full stop, in lower case, ё as е.
func headerKey(h string) string {
	h = strings.Join(strings.Fields(strings.TrimPrefix(h, "\uFEFF")), " ")
	h = strings.TrimRight(h, ":.")
	return strings.ReplaceAll(strings.ToLower(h), "ё", "е")
}

// column is the column a header name stands for; "" if none.
func column(h string) string {
	key := headerKey(h)
	for _, c := range columns {
		if c == key {
			return c
		}
	}
	return russianColumns[key]
}

func knownColumn(name string) bool { return column(name) == name && name != "" }

// Row is one certificate of a batch as read, before it is checked against
// the service.
type Row struct {
	// N numbers the row in the report: the line of the CSV file (the
	// header is line 1, so the first certificate is 2, as a spreadsheet
	// shows it), or the position in the JSON rows array from 1.
	N int
	// SNILS is 11 digits when valid, otherwise as written (the report
	// masks it either way).
	SNILS string
	// Course holds title, hours, dates, in_specialty and frdo_number; the
	// organization and certificate row are the import's to fill.
	Course        dossier.Course
	File          string // the PDF's name in the ZIP; empty: none
	ApplicationID string // one chosen application; empty: every one shared
	// Fields are the rules the row breaks as read (unreadable numbers,
	// dates, yes/no, SNILS, required values).
	Fields []checks.FieldError
}

// fieldMessages are the Russian texts of what reading a row can find.
var fieldMessages = map[string]string{
	"required":   "Обязательное поле.",
	"snils":      "СНИЛС указан неверно: нужно 11 цифр (XXX-XXX-XXX YY) с верным контрольным числом.",
	"integer":    "Нужно целое число часов, например 36.",
	"boolean":    "Укажите да или нет (true/false, 1/0).",
	"type":       "Значение этого поля должно быть строкой или числом.",
	"past_date":  "Дата в формате ГГГГ-ММ-ДД или ДД.ММ.ГГГГ, не в будущем.",
	"path":       "Имя файла в архиве: без «..», без абсолютного пути.",
	"no_archive": "Файл указан, но архив с файлами (часть files формы) не передан.",
	"not_in_zip": "В архиве нет файла с таким именем.",
	"ambiguous":  "В архиве несколько файлов с таким именем: укажите путь внутри архива.",
	"duplicate":  "Этот номер ФРДО уже встречается выше в этом пакете.",
}

func fieldError(field, code string) checks.FieldError {
	return checks.FieldError{Field: field, Code: code, Message: fieldMessages[code]}
}

// newRow reads a row from its values by column name (absent and empty
// are the same).
func newRow(n int, v map[string]string) Row {
	r := Row{N: n, Course: dossier.Course{InSpecialty: true}}
	get := func(col string) string { return strings.TrimSpace(v[col]) }
	r.SNILS = get(colSNILS)
	switch digits, err := identifiers.ValidateSNILS(r.SNILS); {
	case r.SNILS == "":
		r.Fields = append(r.Fields, fieldError(colSNILS, "required"))
	case err != nil:
		r.Fields = append(r.Fields, fieldError(colSNILS, "snils"))
	default:
		r.SNILS = digits
	}
	r.Course.Title = get(colTitle)
	if h := get(colHours); h == "" {
		r.Fields = append(r.Fields, fieldError(colHours, "required"))
	} else if n, err := strconv.Atoi(h); err != nil {
		r.Fields = append(r.Fields, fieldError(colHours, "integer"))
	} else {
		r.Course.Hours = n
	}
	r.Course.StartDate = isoDate(get(colStartDate))
	r.Course.EndDate = isoDate(get(colEndDate))
	if r.Course.FRDONumber = get(colFRDO); r.Course.FRDONumber == "" {
		r.Fields = append(r.Fields, fieldError(colFRDO, "required"))
	}
	if s := get(colInSpecialty); s != "" {
		b, ok := yesNo(s)
		if !ok {
			r.Fields = append(r.Fields, fieldError(colInSpecialty, "boolean"))
		}
		r.Course.InSpecialty = b
	}
	r.File = get(colFile)
	r.ApplicationID = get(colApplicationID)
	return r
}

// isoDate writes DD.MM.YYYY as YYYY-MM-DD; anything else stays as it is,
// for the course rules to judge.
func isoDate(s string) string {
	if d, err := time.Parse("02.01.2006", s); err == nil {
		return d.Format(time.DateOnly)
	}
	return s
}

func yesNo(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "да", "true", "1", "yes", "д", "y":
		return true, true
	case "нет", "false", "0", "no", "н", "n":
		return false, true
	}
	return true, false
}

// bom is the UTF-8 byte order mark Excel puts before «CSV UTF-8» files.
var bom = []byte("\uFEFF")

// Parse reads a batch. A batch that cannot be read as a whole is a
// fault.BadRequest naming the line, or a *checks.Problem of CodeTooLarge
// for too many rows; rows that can be read come back with the rules they
// break in Fields.
func Parse(data []byte, f Format, lim Limits) ([]Row, error) {
	data = bytes.TrimPrefix(data, bom)
	if f == "" {
		f = CSV
		if t := bytes.TrimLeftFunc(data, unicode.IsSpace); len(t) > 0 && t[0] == '{' {
			f = JSON
		}
	}
	data, ok := utf8Text(data)
	if !ok {
		return nil, fault.BadRequest("Пакет не в кодировке UTF-8 (и не в Windows-1251): в Excel сохраните его как «CSV UTF-8 (разделитель — запятая)».")
	}
	var rows []Row
	var err error
	if f == JSON {
		rows, err = parseJSON(data, lim)
	} else {
		rows, err = parseCSV(data, lim)
	}
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fault.BadRequest("В пакете нет ни одной строки с удостоверением.")
	}
	return rows, nil
}

// RequestTooLarge refuses a request whose declared length is over what a
// batch and its archive may take together.
func RequestTooLarge(lim Limits) error {
	return &checks.Problem{Code: checks.CodeTooLarge, Message: fmt.Sprintf("Запрос больше допустимого: пакет до %s, архив с файлами до %s.",
		checks.HumanSize(lim.BatchBytes), checks.HumanSize(lim.ArchiveBytes))}
}

// utf8Text is data as UTF-8: as it is, or decoded from Windows-1251 (what
// Russian Excel writes as «CSV (разделители — запятые)») when it is not
// UTF-8 and then reads as Russian text: every letter beyond ASCII Cyrillic,
// or typographic punctuation.
func utf8Text(data []byte) ([]byte, bool) {
	if utf8.Valid(data) {
		return data, true
	}
	dec, err := charmap.Windows1251.NewDecoder().Bytes(data)
	if err != nil {
		return nil, false
	}
	for _, r := range string(dec) {
		if r < utf8.RuneSelf || unicode.Is(unicode.Cyrillic, r) || strings.ContainsRune("№«»—–…„“”‘’°\u00a0", r) {
			continue
		}
		return nil, false
	}
	return dec, true
}

func batchTooLarge(lim Limits) error {
	return &checks.Problem{Code: checks.CodeTooLarge, Message: fmt.Sprintf("Пакет больше %s: разделите его на несколько.", checks.HumanSize(lim.BatchBytes))}
}

func tooManyRows(lim Limits) error {
	return &checks.Problem{Code: checks.CodeTooLarge, Message: fmt.Sprintf("В пакете больше %d строк: разделите его на несколько.", lim.Rows)}
}

// shown is a name from the batch, safe to put in a message.
func shown(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return "«" + s + "»"
}

// delimiter is ';' when the header line has more of them than commas
// (Russian Excel writes ';'), ',' otherwise.
func delimiter(data []byte) rune {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	if bytes.Count(line, []byte(";")) > bytes.Count(line, []byte(",")) {
		return ';'
	}
	return ','
}

func parseCSV(data []byte, lim Limits) ([]Row, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = delimiter(data)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fault.BadRequest("Пакет пуст: нужна строка заголовка (snils, title, hours, start_date, end_date, frdo_number) и строки удостоверений.")
	}
	if err != nil {
		return nil, csvError(err)
	}
	cols, err := csvHeader(header)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) != len(cols) {
			return nil, fault.BadRequest(fmt.Sprintf("Строка %d: значений %d, а столбцов в заголовке %d. Проверьте разделитель (%q) и кавычки вокруг значений, в которых он встречается.",
				line, len(rec), len(cols), r.Comma))
		}
		v := map[string]string{}
		blank := true
		for i, cell := range rec {
			if strings.TrimSpace(cell) == "" {
				continue
			}
			blank = false
			if cols[i] == "" {
				return nil, fault.BadRequest(fmt.Sprintf("Строка %d: значение в столбце %d, у которого нет названия в заголовке.", line, i+1))
			}
			v[cols[i]] = cell
		}
		if blank {
			continue // Excel writes ";;;;" for rows left empty
		}
		if len(rows) == lim.Rows {
			return nil, tooManyRows(lim)
		}
		rows = append(rows, newRow(line, v))
	}
}

// csvHeader reads the column names: known ones, each once, the required
// ones all there; a column with no name is allowed if it stays empty.
func csvHeader(header []string) ([]string, error) {
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		name := column(h)
		switch {
		case headerKey(h) == "":
		case name == "":
			return nil, fault.BadRequest(fmt.Sprintf("Неизвестный столбец %s. Допустимые столбцы: %s (или по-русски: СНИЛС, Название программы, Часы, Дата начала, Дата окончания, Номер ФРДО, По специальности, Файл, Заявление).",
				shown(h), strings.Join(columns, ", ")))
		case seen[name]:
			return nil, fault.BadRequest(fmt.Sprintf("Столбец %s указан в заголовке дважды (%s).", name, shown(h)))
		}
		seen[name] = true
		cols[i] = name
	}
	var missing []string
	for _, c := range requiredColumns {
		if !seen[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fault.BadRequest("В заголовке нет обязательных столбцов: " + strings.Join(missing, ", ") + ". Первая строка файла — названия столбцов.")
	}
	return cols, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		what := "ошибка формата CSV"
		switch {
		case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
			what = "кавычка не на месте: значение с кавычками, запятыми или точками с запятой берётся в кавычки целиком, а кавычка внутри удваивается"
		}
		return fault.BadRequest(fmt.Sprintf("Строка %d: %s.", pe.Line, what))
	}
	return fault.BadRequest("Пакет CSV не прочитан.")
}

// parseJSON reads {"rows": [{...}, ...]}: values are strings, numbers or
// booleans (null is absent).
func parseJSON(data []byte, lim Limits) ([]Row, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, jsonError(data, err)
	}
	for k := range top {
		if k != "rows" {
			return nil, fault.BadRequest(fmt.Sprintf("Неизвестное поле %s: пакет JSON — объект {\"rows\": [...]}.", shown(k)))
		}
	}
	raw, ok := top["rows"]
	if !ok {
		return nil, fault.BadRequest("В пакете JSON нет поля rows: пакет — объект {\"rows\": [...]}.")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fault.BadRequest("Поле rows должно быть массивом строк-объектов.")
	}
	if len(items) > lim.Rows {
		return nil, tooManyRows(lim)
	}
	rows := make([]Row, 0, len(items))
	for i, item := range items {
		n := i + 1
		dec := json.NewDecoder(bytes.NewReader(item))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil || m == nil {
			return nil, fault.BadRequest(fmt.Sprintf("Строка %d: ожидается объект с полями удостоверения.", n))
		}
		v := map[string]string{}
		var typeErrs []checks.FieldError
		for k, val := range m {
			if !knownColumn(k) {
				return nil, fault.BadRequest(fmt.Sprintf("Строка %d: неизвестное поле %s. Допустимые поля: %s.", n, shown(k), strings.Join(columns, ", ")))
			}
			switch x := val.(type) {
			case nil:
			case string:
				v[k] = x
			case json.Number:
				v[k] = x.String()
			case bool:
				v[k] = strconv.FormatBool(x)
			default:
				typeErrs = append(typeErrs, fieldError(k, "type"))
			}
		}
		r := newRow(n, v)
		r.Fields = mergeFields(typeErrs, r.Fields)
		rows = append(rows, r)
	}
	return rows, nil
}

// jsonError names the line of a syntax or type error.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fault.BadRequest(fmt.Sprintf("Пакет JSON не прочитан: ошибка синтаксиса в строке %d.", lineAt(data, se.Offset)))
	case errors.As(err, &te):
		return fault.BadRequest("Пакет JSON — объект {\"rows\": [...]}.")
	}
	return fault.BadRequest("Пакет JSON не прочитан.")
}

func lineAt(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// mergeFields adds more to have, skipping fields have already names: the
// first thing found wrong with a field is the one reported.
func mergeFields(have, more []checks.FieldError) []checks.FieldError {
	for _, m := range more {
		dup := false
		for _, h := range have {
			dup = dup || h.Field == m.Field
		}
		if !dup {
			have = append(have, m)
		}
	}
	return have
}
