package identifiers

import (
	"errors"
	"strings"
)

// ErrIKP reports an NMO confirmation code that is not 12 letters and digits.
var ErrIKP = errors.New("индивидуальный код подтверждения: 12 латинских букв и цифр в виде XXXX-XXXXXXXX")

// NormalizeIKP turns a confirmation code as users type it into its one
// written form XXXX-XXXXXXXX: upper case, everything but A-Z and 0-9
// dropped, the letter O read as the digit zero (the portal never uses O).
// Cyrillic letters that look Latin (А, В, Е, К, М, Н, О, Р, С, Т, Х) are
// read as those Latin letters, a common slip on Russian keyboards.
func NormalizeIKP(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if lat, ok := cyrillicLookalikes[r]; ok {
			r = lat
		}
		switch {
		case r == 'O':
			b.WriteByte('0')
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r > 0x7f && (r >= 'А' && r <= 'Я' || r == 'Ё'):
			return "", ErrIKP // a Cyrillic letter with no Latin twin
		}
	}
	code := b.String()
	if len(code) != 12 {
		return "", ErrIKP
	}
	return code[:4] + "-" + code[4:], nil
}

var cyrillicLookalikes = map[rune]rune{
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T', 'Х': 'X',
}
