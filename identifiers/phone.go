package identifiers

import (
	"errors"
	"strings"
)

// ErrPhone reports a phone number that is not a Russian (+7) number.
var ErrPhone = errors.New("телефон должен быть номером +7 и 10 цифр")

// NormalizePhone returns the number as +7XXXXXXXXXX. It accepts the usual
// ways of writing it: +7 (912) 345-67-89, 8 912 345 67 89, 9123456789.
// A leading 8 becomes 7; letters and other symbols make it invalid.
func NormalizePhone(s string) (string, error) {
	var digits strings.Builder
	s = strings.TrimSpace(s)
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return "", ErrPhone
		}
	}
	d := digits.String()
	plus := strings.HasPrefix(s, "+")
	switch {
	case len(d) == 11 && d[0] == '7':
	case len(d) == 11 && d[0] == '8' && !plus:
		d = "7" + d[1:]
	case len(d) == 10 && !plus:
		d = "7" + d
	default:
		return "", ErrPhone
	}
	return "+" + d, nil
}
