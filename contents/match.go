package contents

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// words splits normalized text into runs of letters (a lone letter, such
// as an initial, is a word).
func words(s string) []string {
	return strings.FieldsFunc(Normalize(s), func(r rune) bool { return !unicode.IsLetter(r) })
}

// MatchPerson tells whether the text names the person: the surname
// (tolerant of OCR errors, case, ё/е and the endings of Russian cases: "ИВАНОВОЙ"
// for Иванова) with, within three words of it, words or initials beginning
// with the first and middle names' letters.
func MatchPerson(text string, who Person) bool {
	surname := letters(who.Last)
	if len([]rune(surname)) < 2 {
		return false
	}
	first, middle := firstLetter(who.First), firstLetter(who.Middle)
	ws := words(text)
	for i, w := range ws {
		if !surnameLike(w, surname) {
			continue
		}
		near := ws[max(i-5, 0):min(i+6, len(ws))]
		if (first == 0 || startsWithAny(near, w, first)) && (middle == 0 || startsWithAny(near, w, middle)) {
			return true
		}
	}
	return false
}

func letters(s string) string {
	return strings.Join(words(s), "")
}

func firstLetter(s string) rune {
	for _, r := range Normalize(s) {
		if unicode.IsLetter(r) {
			return r
		}
	}
	return 0
}

// startsWithAny: some word of near other than the surname itself begins
// with r.
func startsWithAny(near []string, surname string, r rune) bool {
	seen := false
	for _, w := range near {
		if w == surname && !seen {
			seen = true
			continue
		}
		if []rune(w)[0] == r {
			return true
		}
	}
	return false
}

// surnameLike: w is the surname up to OCR errors (edit distance 1, or 2 for
// names of more than five letters) or a case form of it (the same stem,
// a different ending of up to two letters more).
func surnameLike(w, surname string) bool {
	rw, rs := []rune(w), []rune(surname)
	tol := 1
	if len(rs) > 5 {
		tol = 2
	}
	if abs(len(rw)-len(rs)) <= tol && distance(rw, rs) <= tol {
		return true
	}
	if len(rs) >= 4 {
		stem := rs[:len(rs)-1]
		if len(rw) >= len(stem) && len(rw) <= len(rs)+2 && slices.Equal(rw[:len(stem)], stem) {
			return true
		}
	}
	return false
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// distance is the Levenshtein distance of two words.
func distance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// snilsRe finds SNILS-like numbers: 3-3-3 digits and 2, with or without
// dashes and spaces.
var snilsRe = regexp.MustCompile(`(\d{3})[ \-–—.]{0,2}(\d{3})[ \-–—.]{0,2}(\d{3})[ \-–—.]{0,2}(\d{2})`)

// digitLike maps letters OCR reads for digits inside numbers.
var digitLike = strings.NewReplacer("О", "0", "O", "0", "о", "0", "o", "0", "З", "3", "б", "6", "l", "1", "I", "1", "|", "1")

// SNILSNumbers returns the 11-digit numbers written like a SNILS in text.
func SNILSNumbers(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		// Letters for digits only on lines with many digits: a SNILS line.
		if n := strings.IndexFunc(line, unicode.IsDigit); n >= 0 && countDigits(line) >= 8 {
			line = digitLike.Replace(line)
		}
		for _, m := range snilsRe.FindAllStringSubmatch(line, -1) {
			d := m[1] + m[2] + m[3] + m[4]
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

var (
	hoursRe = regexp.MustCompile(`(\d{2,4}) ?(?:\(?[А-Я ]{0,30}\)? ?)?(?:АКАДЕМИЧЕСК[А-Я]* )?ЧАС`)
	dateRe  = regexp.MustCompile(`\b(\d{2})[.,](\d{2})[.,](\d{4})\b`)
	nonWord = regexp.MustCompile(`[\s\-–—№.]`)
)

// checkCourse compares a qualification certificate with the ledger's
// course of its row: hours, dates, registration number. What cannot be
// read is not reported (the legibility findings cover it); what is read
// and differs is.
func checkCourse(text string, c Course) []Finding {
	var out []Finding
	norm := Normalize(text)
	if c.Hours > 0 {
		var found []int
		for _, m := range hoursRe.FindAllStringSubmatch(norm, -1) {
			if n, err := strconv.Atoi(m[1]); err == nil {
				found = append(found, n)
			}
		}
		if len(found) > 0 && !slices.Contains(found, c.Hours) {
			out = append(out, Finding{Code: "content_course_hours", Message: fmt.Sprintf("На удостоверении указано %d ч, а в записи о курсе «%s» — %d ч.", found[0], c.Title, c.Hours)})
		}
	}
	var dates []string
	for _, m := range dateRe.FindAllStringSubmatch(norm, -1) {
		dates = append(dates, m[3]+"-"+m[2]+"-"+m[1])
	}
	if len(dates) > 0 {
		var missing []string
		for _, d := range []string{c.Start, c.End} {
			if d != "" && !slices.Contains(dates, d) {
				missing = append(missing, ruDate(d))
			}
		}
		if len(missing) > 0 {
			out = append(out, Finding{Code: "content_course_dates", Message: fmt.Sprintf("На удостоверении не найдены даты обучения из записи о курсе «%s»: %s.", c.Title, strings.Join(missing, ", "))})
		}
	}
	if reg := nonWord.ReplaceAllString(Normalize(c.Registration), ""); reg != "" {
		flat := nonWord.ReplaceAllString(norm, "")
		if !strings.Contains(digitLike.Replace(flat), digitLike.Replace(reg)) {
			out = append(out, Finding{Code: "content_course_registration", Message: fmt.Sprintf("Регистрационный номер %s из записи о курсе «%s» на удостоверении не найден.", c.Registration, c.Title)})
		}
	}
	return out
}

func ruDate(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("02.01.2006")
}
