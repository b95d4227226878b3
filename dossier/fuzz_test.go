package dossier

import (
	"strings"
	"testing"
)

// FuzzParseSlotRef: a reference that parses prints back as itself, names a
// slot and has no row 0 written out.
func FuzzParseSlotRef(f *testing.F) {
	for _, s := range []string{"snils", "qualification_certificates.2", "x.0", "x.01", ".1", "a.b.c", "../../etc/passwd", "snils\x00", "x.99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseSlotRef(s)
		if err != nil {
			return
		}
		if r.Slot == "" || r.Row < 0 || r.String() != s || strings.Contains(r.Slot, ".") {
			t.Fatalf("ParseSlotRef(%q) = %+v (%q)", s, r, r.String())
		}
	})
}
