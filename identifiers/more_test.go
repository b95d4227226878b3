package identifiers

import (
	"errors"
	"testing"
)

func TestValidateINN(t *testing.T) {
	for _, ok := range []string{
		"7707083893",   // a well-known organization's INN
		"500100732259", // an individual's INN
		"7830002293",
		"0000000000", // all zeros: check digits 0, formally valid
	} {
		if err := ValidateINN(ok); err != nil {
			t.Errorf("ValidateINN(%s) = %v", ok, err)
		}
	}
	for _, bad := range []string{
		"7707083894",   // last digit off
		"500100732258", // second check digit off
		"500100732269", // first check digit off
		"770708389",    // 9 digits
		"77070838930",  // 11 digits
		"77070838 3",   // a space
		"",
	} {
		if err := ValidateINN(bad); !errors.Is(err, ErrINN) {
			t.Errorf("ValidateINN(%q) = %v; want ErrINN", bad, err)
		}
	}
}

func TestINNCheckDigitTen(t *testing.T) {
	// When the weighted sum modulo 11 is 10 the check digit is 0: find such a
	// number by search and make sure both spellings are judged right.
	for n := 100000000; n < 100001000; n++ {
		d := []int{}
		for _, r := range itoa9(n) {
			d = append(d, int(r-'0'))
		}
		sum := 0
		for i, w := range inn10Weights {
			sum += d[i] * w
		}
		if sum%11 != 10 {
			continue
		}
		if err := ValidateINN(itoa9(n) + "0"); err != nil {
			t.Errorf("%s0 should be valid: %v", itoa9(n), err)
		}
		if err := ValidateINN(itoa9(n) + "1"); err == nil {
			t.Errorf("%s1 should be invalid", itoa9(n))
		}
		return
	}
	t.Fatal("no number with remainder 10 found")
}

func itoa9(n int) string {
	b := []byte("000000000")
	for i := 8; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

func TestNormalizeIKP(t *testing.T) {
	for in, want := range map[string]string{
		"ABCD-1234EFGH":          "ABCD-1234EFGH",
		"abcd1234efgh":           "ABCD-1234EFGH",
		"  ab cd - 12 34 ef gh ": "ABCD-1234EFGH",
		"ABCD_1234.EFGH!":        "ABCD-1234EFGH",
		"OOAB-12O4EFGH":          "00AB-1204EFGH", // the letter O is always zero
		"АВСЕ-1234КМНР":          "ABCE-1234KMHP", // Cyrillic lookalikes typed by mistake
	} {
		got, err := NormalizeIKP(in)
		if err != nil || got != want {
			t.Errorf("NormalizeIKP(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "ABCD-1234EFG", "ABCD-1234EFGHI", "ABCD-1234ЕФГХ", "ЖЖЖЖ-12345678"} {
		if got, err := NormalizeIKP(bad); !errors.Is(err, ErrIKP) {
			t.Errorf("NormalizeIKP(%q) = %q, %v; want ErrIKP", bad, got, err)
		}
	}
}
