package identifiers

import (
	"errors"
	"testing"
)

func TestValidateSNILS(t *testing.T) {
	valid := []struct{ in, digits string }{
		{"112-233-445 95", "11223344595"}, // S=95
		{"026-002-389 00", "02600238900"}, // S=100 -> 00
		{"030-214-884 00", "03021488400"}, // S=101 -> 00
		{"126-103-073 01", "12610307301"}, // S=102 -> 01, zero-padded
		{"543-546-368 00", "54354636800"}, // S=201 -> 100 -> 00
		{"11223344595", "11223344595"},    // digits only
		{" 112 233 445 95 ", "11223344595"},
		{"001-001-998 77", "00100199877"}, // not checked below the threshold
	}
	for _, c := range valid {
		got, err := ValidateSNILS(c.in)
		if err != nil || got != c.digits {
			t.Errorf("ValidateSNILS(%q) = %q, %v; want %q", c.in, got, err, c.digits)
		}
	}
	invalid := []struct {
		in   string
		want error
	}{
		{"112-233-445 96", ErrSNILSChecksum},
		{"026-002-389 01", ErrSNILSChecksum}, // the 100 case must give 00
		{"030-214-884 01", ErrSNILSChecksum}, // the 101 case must give 00
		{"126-103-073 1", ErrSNILSFormat},    // check not zero-padded
		{"001-001-999 00", ErrSNILSChecksum}, // first checked number
		{"1122334459", ErrSNILSFormat},
		{"112233445955", ErrSNILSFormat},
		{"112-233-445 9a", ErrSNILSFormat},
		{"", ErrSNILSFormat},
	}
	for _, c := range invalid {
		if _, err := ValidateSNILS(c.in); !errors.Is(err, c.want) {
			t.Errorf("ValidateSNILS(%q) error = %v; want %v", c.in, err, c.want)
		}
	}
}

func TestSNILSChecksumVectors(t *testing.T) {
	for nine, want := range map[string]int{"112233445": 95, "026002389": 0, "030214884": 0, "126103073": 1, "543546368": 0} {
		if got := SNILSChecksum(nine); got != want {
			t.Errorf("SNILSChecksum(%s) = %d; want %d", nine, got, want)
		}
	}
}

func TestFormatAndMaskSNILS(t *testing.T) {
	if got := FormatSNILS("11223344595"); got != "112-233-445 95" {
		t.Errorf("FormatSNILS = %q", got)
	}
	if got := MaskSNILS("112-233-445 95"); got != "***-***-*** 95" {
		t.Errorf("MaskSNILS = %q", got)
	}
	if got := MaskSNILS("garbage"); got != "***-***-*** **" {
		t.Errorf("MaskSNILS(garbage) = %q", got)
	}
}

func TestNormalizePhone(t *testing.T) {
	valid := map[string]string{
		"+7 (912) 345-67-89": "+79123456789",
		"8 912 345 67 89":    "+79123456789",
		"89123456789":        "+79123456789",
		"79123456789":        "+79123456789",
		"9123456789":         "+79123456789",
		"+79123456789":       "+79123456789",
		"8(495)123-45-67":    "+74951234567",
	}
	for in, want := range valid {
		got, err := NormalizePhone(in)
		if err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "+8 912 345 67 89", "+1 212 555 0100", "912345678", "8912345678901", "8-912-ABC-67-89", "+7912345678+9", "+9123456789"} {
		if got, err := NormalizePhone(in); !errors.Is(err, ErrPhone) {
			t.Errorf("NormalizePhone(%q) = %q, %v; want ErrPhone", in, got, err)
		}
	}
}
