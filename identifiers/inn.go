package identifiers

import "errors"

// ErrINN reports an INN with a wrong length, characters or check digits.
var ErrINN = errors.New("ИНН должен состоять из 10 цифр (организация) или 12 цифр (физическое лицо) с верными контрольными цифрами")

var (
	inn10Weights   = []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn12Weights11 = []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn12Weights12 = []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
)

func innCheck(digits []int, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += digits[i] * w
	}
	return sum % 11 % 10
}

// ValidateINN checks a 10-digit (organization) or 12-digit (individual)
// INN: each check digit is the weighted sum modulo 11, modulo 10.
func ValidateINN(s string) error {
	d := make([]int, 0, 12)
	for _, r := range s {
		if r < '0' || r > '9' {
			return ErrINN
		}
		d = append(d, int(r-'0'))
	}
	switch len(d) {
	case 10:
		if innCheck(d, inn10Weights) != d[9] {
			return ErrINN
		}
	case 12:
		if innCheck(d, inn12Weights11) != d[10] || innCheck(d, inn12Weights12) != d[11] {
			return ErrINN
		}
	default:
		return ErrINN
	}
	return nil
}
