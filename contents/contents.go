// Package contents judges what was read on a scan (OCR text) against what
// its slot expects: the type of document, the specialist's name, the SNILS
// number, a certificate's hours, dates and registration number against the
// ledger, and legibility (resolution, confidence, blank pages, page count).
// What it looks for is data (catalog/data/contents.json). Every result is a
// warning in plain Russian, never a refusal: OCR errs, and the person can
// confirm the document. Pure functions; no I/O.
package contents

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"accredpack/catalog"
)

// Rules are the document types and what each slot expects.
type Rules struct {
	Note       string `json:"note"`
	Thresholds struct {
		TypeScore     float64 `json:"type_score"`
		MinDPI        int     `json:"min_dpi"`
		MinConfidence float64 `json:"min_confidence"`
		BlankWords    int     `json:"blank_words"`
	} `json:"thresholds"`
	Types []*Type             `json:"types"`
	Slots map[string]SlotRule `json:"slots"`
	types map[string]*Type
}

// Type is a kind of document and the printed words that mark it.
type Type struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Source    string   `json:"source"`
	Uncertain string   `json:"uncertain,omitempty"`
	Markers   []Marker `json:"markers"`
}

// Marker is a pattern of the normalized text and what it weighs.
type Marker struct {
	Pattern string  `json:"pattern"`
	Weight  float64 `json:"weight"`
	re      *regexp.Regexp
}

// SlotRule is what a slot's document should show.
type SlotRule struct {
	Expect     []string `json:"expect"` // type ids; empty: any document
	Person     bool     `json:"person"` // the specialist's surname and initials
	SNILS      bool     `json:"snils"`  // the form's SNILS number
	Course     bool     `json:"course"` // the ledger's course of the row
	MinPages   int      `json:"min_pages"`
	PagesNote  string   `json:"pages_note"`
	SecondPart *struct {
		Pattern string `json:"pattern"`
		Missing string `json:"missing"`
		re      *regexp.Regexp
	} `json:"second_part"`
}

// Load reads and compiles the embedded rules.
func Load() (*Rules, error) {
	raw, err := catalog.ContentsData()
	if err != nil {
		return nil, err
	}
	return Parse(raw)
}

// Parse reads rules from JSON and checks them.
func Parse(raw []byte) (*Rules, error) {
	var r Rules
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("contents: parse: %w", err)
	}
	r.types = map[string]*Type{}
	for _, t := range r.Types {
		if t.ID == "" || t.Title == "" || t.Source == "" || len(t.Markers) == 0 {
			return nil, fmt.Errorf("contents: type %q needs an id, a title, a source and markers", t.ID)
		}
		if _, dup := r.types[t.ID]; dup {
			return nil, fmt.Errorf("contents: type %q defined twice", t.ID)
		}
		for i := range t.Markers {
			re, err := compile(t.Markers[i].Pattern)
			if err != nil {
				return nil, fmt.Errorf("contents: type %q marker %q: %w", t.ID, t.Markers[i].Pattern, err)
			}
			t.Markers[i].re = re
		}
		r.types[t.ID] = t
	}
	for id, s := range r.Slots {
		for _, want := range s.Expect {
			if r.types[want] == nil {
				return nil, fmt.Errorf("contents: slot %q expects unknown type %q", id, want)
			}
		}
		if s.SecondPart != nil {
			re, err := compile(s.SecondPart.Pattern)
			if err != nil {
				return nil, fmt.Errorf("contents: slot %q second part: %w", id, err)
			}
			s.SecondPart.re = re
		}
	}
	if r.Thresholds.TypeScore <= 0 || r.Thresholds.MinDPI <= 0 || r.Thresholds.MinConfidence <= 0 {
		return nil, fmt.Errorf("contents: thresholds must be positive")
	}
	return &r, nil
}

// compile compiles a pattern of the data, where \b is a boundary of
// words in any script (RE2's \b knows only ASCII letters).
func compile(pattern string) (*regexp.Regexp, error) {
	return regexp.Compile(strings.ReplaceAll(pattern, `\b`, `(?:^|$|[^\p{L}\p{N}])`))
}

// Type returns a document type by id.
func (r *Rules) Type(id string) (*Type, bool) {
	t, ok := r.types[id]
	return t, ok
}

// Page is what was read on one page (the JSON of ocr.Page).
type Page struct {
	Number     int     `json:"number"`
	Source     string  `json:"source"`
	DPI        int     `json:"dpi"`
	Rotation   int     `json:"rotation"`
	Confidence float64 `json:"confidence"`
	Words      int     `json:"words"`
	Text       string  `json:"text"`
	Error      string  `json:"error,omitempty"`
}

// Reading is what was read on a document (the JSON of ocr.Result).
type Reading struct {
	PageCount int    `json:"page_count"`
	Pages     []Page `json:"pages"`
}

// Text is the text of every page.
func (rd Reading) Text() string {
	var b strings.Builder
	for _, p := range rd.Pages {
		b.WriteString(p.Text)
		b.WriteString("\n")
	}
	return b.String()
}

// Person is whose document it should be, from the form.
type Person struct {
	Last, First, Middle string
	NameChanged         bool
	SNILS               string // digits
}

// Course is the ledger's course of a certificate's row.
type Course struct {
	Title        string
	Hours        int
	Start, End   string // YYYY-MM-DD
	Registration string // FIS FRDO number
}

// Finding is one thing the scan seems to get wrong.
type Finding struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Normalize prepares OCR text for matching: upper case, Ё as Е, Latin
// look-alikes as Cyrillic letters, any run of spaces as one space.
func Normalize(s string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToUpper(s) {
		if unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		if c, ok := lookalike[r]; ok {
			r = c
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// lookalike maps Latin capitals OCR confuses with Cyrillic ones, and Ё.
var lookalike = map[rune]rune{
	'Ё': 'Е', 'A': 'А', 'B': 'В', 'C': 'С', 'E': 'Е', 'H': 'Н', 'K': 'К', 'M': 'М',
	'O': 'О', 'P': 'Р', 'T': 'Т', 'X': 'Х', 'Y': 'У',
}

// Classify returns the document type the text most looks like and its
// score; "" when no type reaches the threshold.
func (r *Rules) Classify(text string) (string, float64) {
	norm := Normalize(text)
	best, bestScore := "", 0.0
	for _, t := range r.Types {
		score := 0.0
		for _, m := range t.Markers {
			if m.re.MatchString(norm) {
				score += m.Weight
			}
		}
		if score > bestScore {
			best, bestScore = t.ID, score
		}
	}
	if bestScore < r.Thresholds.TypeScore {
		return "", bestScore
	}
	return best, bestScore
}

// Check judges one slot row's reading. slot is the slot's id (without the
// row); course is the ledger's course of the row, if any.
func (r *Rules) Check(slot string, rd Reading, who Person, course *Course) []Finding {
	var out []Finding
	add := func(code, msg string) { out = append(out, Finding{Code: code, Message: msg}) }
	out = append(out, r.legibility(rd)...)
	rule, ok := r.Slots[slot]
	if !ok {
		return out
	}
	text := rd.Text()
	if len(words(text)) < r.Thresholds.BlankWords {
		// Nothing to judge the content by; legibility said why.
		return out
	}
	if len(rule.Expect) > 0 {
		got, _ := r.Classify(text)
		switch {
		case got == "":
			add("content_type_unknown", "Не удалось узнать документ по тексту скана: ожидается "+r.expected(rule)+". Проверьте, тот ли файл загружен.")
		case !slices.Contains(rule.Expect, got):
			add("content_type", "Похоже, это "+r.types[got].Title+", а здесь ожидается "+r.expected(rule)+".")
		}
	}
	// Too few pages, unless the part they should hold is seen anyway (both
	// spreads scanned onto one page).
	secondSeen := rule.SecondPart == nil || rule.SecondPart.re.MatchString(Normalize(text))
	if rule.MinPages > 0 && rd.PageCount < rule.MinPages && (rule.SecondPart == nil || !secondSeen) {
		add("content_pages", fmt.Sprintf("В файле %s, а нужно не меньше %d: %s.", pages(rd.PageCount), rule.MinPages, rule.PagesNote))
	}
	if !secondSeen {
		add("content_part_missing", "На скане "+rule.SecondPart.Missing+".")
	}
	if rule.Person && who.Last != "" {
		if !MatchPerson(text, who) {
			msg := "На скане не найдены фамилия и инициалы (" + who.Last + " " + initials(who) + "): проверьте, что документ ваш."
			if who.NameChanged {
				msg = "На скане не найдены фамилия и инициалы (" + who.Last + " " + initials(who) + "). Если документ выдан на прежнюю фамилию, приложите документ о её смене."
			}
			add("content_person", msg)
		}
	}
	if rule.SNILS && who.SNILS != "" {
		found := SNILSNumbers(text)
		switch {
		case len(found) == 0:
			add("content_snils_unread", "Номер СНИЛС на скане не прочитан: проверьте, что он виден целиком.")
		case !slices.Contains(found, who.SNILS):
			add("content_snils", "Номер СНИЛС на скане не совпадает с номером в заявлении.")
		}
	}
	if rule.Course && course != nil {
		out = append(out, checkCourse(text, *course)...)
	}
	return out
}

func (r *Rules) expected(rule SlotRule) string {
	titles := make([]string, len(rule.Expect))
	for i, id := range rule.Expect {
		titles[i] = r.types[id].Title
	}
	return strings.Join(titles, " или ")
}

// legibility looks at each page: resolution of its scan, Tesseract's
// confidence, and pages with (almost) nothing on them.
func (r *Rules) legibility(rd Reading) []Finding {
	var out []Finding
	th := r.Thresholds
	var blank, low, lowDPI []int
	minDPI := 0
	for _, p := range rd.Pages {
		switch {
		case p.Error != "":
			out = append(out, Finding{Code: "content_page_unread", Message: fmt.Sprintf("Страница %d не прочитана.", p.Number)})
			continue
		case p.Words < th.BlankWords:
			blank = append(blank, p.Number)
		case p.Confidence < th.MinConfidence:
			low = append(low, p.Number)
		}
		if p.Source == "image" && p.DPI > 0 && p.DPI < th.MinDPI {
			lowDPI = append(lowDPI, p.Number)
			if minDPI == 0 || p.DPI < minDPI {
				minDPI = p.DPI
			}
		}
	}
	if len(lowDPI) > 0 {
		out = append(out, Finding{Code: "content_dpi", Message: fmt.Sprintf("Разрешение скана %s — %d точек на дюйм, меньше %d: текст может оказаться нечитаемым для комиссии. Отсканируйте заново с разрешением 200-300 dpi.",
			pagesList(lowDPI), minDPI, th.MinDPI)})
	}
	if len(blank) > 0 {
		out = append(out, Finding{Code: "content_blank", Message: fmt.Sprintf("%s пуст%s или не читается: текста почти нет.", capitalize(pagesList(blank)), plural(len(blank), "а", "ы"))})
	}
	if len(low) > 0 {
		out = append(out, Finding{Code: "content_illegible", Message: fmt.Sprintf("Текст %s читается плохо (размыт, тёмный или мелкий): комиссия может не принять такой скан.", pagesListGen(low))})
	}
	return out
}

func pages(n int) string {
	switch {
	case n%10 == 1 && n%100 != 11:
		return fmt.Sprintf("%d страница", n)
	case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		return fmt.Sprintf("%d страницы", n)
	}
	return fmt.Sprintf("%d страниц", n)
}

func pagesList(ns []int) string {
	if len(ns) == 1 {
		return fmt.Sprintf("страница %d", ns[0])
	}
	return "страницы " + joinInts(ns)
}

func pagesListGen(ns []int) string {
	if len(ns) == 1 {
		return fmt.Sprintf("на странице %d", ns[0])
	}
	return "на страницах " + joinInts(ns)
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func capitalize(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

func initials(p Person) string {
	var s string
	for _, n := range []string{p.First, p.Middle} {
		if r := []rune(strings.TrimSpace(n)); len(r) > 0 {
			s += string(r[0]) + "."
		}
	}
	return s
}
