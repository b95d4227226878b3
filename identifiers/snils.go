// Package identifiers normalizes and checks the identifiers of Russian
// personal data: SNILS and phone numbers.
package identifiers

import (
	"errors"
	"fmt"
	"strings"
)

// ErrSNILSFormat reports a SNILS that is not 11 digits.
var ErrSNILSFormat = errors.New("СНИЛС должен состоять из 11 цифр")

// ErrSNILSChecksum reports a SNILS whose control number does not match.
var ErrSNILSChecksum = errors.New("неверное контрольное число СНИЛС")

// uncheckedSNILSMax is the largest number (first nine digits) that the
// Pension Fund issued before control numbers were introduced.
const uncheckedSNILSMax = 1001998

// NormalizeSNILS strips dashes and spaces and returns the 11 digits.
// Any other character makes the input invalid.
func NormalizeSNILS(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == ' ' || r == '\u00a0':
		default:
			return "", ErrSNILSFormat
		}
	}
	if b.Len() != 11 {
		return "", ErrSNILSFormat
	}
	return b.String(), nil
}

// SNILSChecksum returns the control number for the first nine digits:
// the sum of digits weighted 9..1, modulo 101, modulo 100.
func SNILSChecksum(nine string) int {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(nine[i]-'0') * (9 - i)
	}
	return sum % 101 % 100
}

// ValidateSNILS normalizes s and checks its control number. It returns the
// 11 digits on success.
func ValidateSNILS(s string) (string, error) {
	digits, err := NormalizeSNILS(s)
	if err != nil {
		return "", err
	}
	number := 0
	for i := 0; i < 9; i++ {
		number = number*10 + int(digits[i]-'0')
	}
	if number <= uncheckedSNILSMax {
		return digits, nil
	}
	check := int(digits[9]-'0')*10 + int(digits[10]-'0')
	if check != SNILSChecksum(digits[:9]) {
		return "", ErrSNILSChecksum
	}
	return digits, nil
}

// FormatSNILS writes 11 digits as XXX-XXX-XXX YY.
func FormatSNILS(digits string) string {
	if len(digits) != 11 {
		return digits
	}
	return fmt.Sprintf("%s-%s-%s %s", digits[0:3], digits[3:6], digits[6:9], digits[9:11])
}

// MaskSNILS hides everything but the control number: ***-***-*** 95.
// Use it wherever a SNILS could reach a log or an error message.
func MaskSNILS(s string) string {
	digits, err := NormalizeSNILS(s)
	if err != nil {
		return "***-***-*** **"
	}
	return "***-***-*** " + digits[9:]
}
