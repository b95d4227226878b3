package identifiers

import (
	"regexp"
	"testing"
	"unicode/utf8"
)

var (
	elevenDigits = regexp.MustCompile(`^[0-9]{11}$`)
	phoneForm    = regexp.MustCompile(`^\+7[0-9]{10}$`)
	ikpForm      = regexp.MustCompile(`^[A-Z0-9]{4}-[A-Z0-9]{8}$`)
)

// FuzzSNILS: whatever people type, normalization gives 11 digits or an
// error; a valid SNILS survives formatting and masking shows no more than
// the control number.
func FuzzSNILS(f *testing.F) {
	for _, s := range []string{"112-233-445 95", "11223344595", "001-001-998 00", "112 233 445 95", "", "1", "112-233-445-95", "１１２２３３４４５９５", "112\x00233445 95"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := NormalizeSNILS(s)
		if err != nil {
			return
		}
		if !elevenDigits.MatchString(d) {
			t.Fatalf("NormalizeSNILS(%q) = %q", s, d)
		}
		if again, err := NormalizeSNILS(FormatSNILS(d)); err != nil || again != d {
			t.Fatalf("format round trip of %q: %q %v", d, again, err)
		}
		if v, err := ValidateSNILS(s); err == nil && v != d {
			t.Fatalf("ValidateSNILS(%q) = %q, NormalizeSNILS %q", s, v, d)
		}
		if m := MaskSNILS(s); m != "***-***-*** "+d[9:] {
			t.Fatalf("MaskSNILS(%q) = %q", s, m)
		}
	})
}

// FuzzPhone: a normalized phone is +7 and ten digits, and normalizing it
// again changes nothing.
func FuzzPhone(f *testing.F) {
	for _, s := range []string{"8 912 345-67-89", "+7 (912) 345-67-89", "79123456789", "9123456789", "+1 555 0100", "", "+7+7+7", "８９１２３４５６７８９"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := NormalizePhone(s)
		if err != nil {
			return
		}
		if !phoneForm.MatchString(p) {
			t.Fatalf("NormalizePhone(%q) = %q", s, p)
		}
		if again, err := NormalizePhone(p); err != nil || again != p {
			t.Fatalf("not idempotent: %q -> %q -> %q %v", s, p, again, err)
		}
	})
}

// FuzzIKP: a normalized confirmation code has the one written form, has no
// letter O, and is a fixed point.
func FuzzIKP(f *testing.F) {
	for _, s := range []string{"ab12-cdefgh34", "AB12CDEFGH34", "АВ12-СDEFGH34", "OO12-OOOOOOOO", "ab12 cdef gh34", "", "ЖЖЖЖ-ЖЖЖЖЖЖЖЖ", "ab12-cdefgh345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := NormalizeIKP(s)
		if err != nil {
			return
		}
		if !ikpForm.MatchString(c) || !utf8.ValidString(c) || regexp.MustCompile(`O`).MatchString(c) {
			t.Fatalf("NormalizeIKP(%q) = %q", s, c)
		}
		if again, err := NormalizeIKP(c); err != nil || again != c {
			t.Fatalf("not a fixed point: %q -> %q -> %q %v", s, c, again, err)
		}
	})
}

// FuzzINN only has to decide without panicking, the same way twice.
func FuzzINN(f *testing.F) {
	for _, s := range []string{"7707083893", "500100732259", "", "0000000000", "77070838931"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if (ValidateINN(s) == nil) != (ValidateINN(s) == nil) {
			t.Fatal("unstable")
		}
	})
}
