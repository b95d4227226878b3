package dossier

import "testing"

func TestParseSlotRef(t *testing.T) {
	good := map[string]SlotRef{
		"snils":                         {Slot: "snils"},
		"qualification_certificates.1":  {Slot: "qualification_certificates", Row: 1},
		"qualification_certificates.12": {Slot: "qualification_certificates", Row: 12},
	}
	for in, want := range good {
		got, err := ParseSlotRef(in)
		if err != nil || got != want {
			t.Errorf("ParseSlotRef(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if got.String() != in {
			t.Errorf("String() = %q; want %q", got.String(), in)
		}
	}
	for _, in := range []string{"", ".1", "x.0", "x.-1", "x.01", "x.a", "x.1.2"} {
		if ref, err := ParseSlotRef(in); err == nil {
			t.Errorf("ParseSlotRef(%q) = %+v; want an error", in, ref)
		}
	}
}

func TestFormFlag(t *testing.T) {
	f := Form{NameChanged: true}
	if v, ok := f.Flag("name_changed"); !v || !ok {
		t.Errorf("name_changed = %v, %v", v, ok)
	}
	if _, ok := f.Flag("report_agreed"); ok {
		t.Error("an unanswered report_agreed must be unknown")
	}
	no := false
	f.ReportAgreed = &no
	if v, ok := f.Flag("report_agreed"); v || !ok {
		t.Errorf("report_agreed = %v, %v", v, ok)
	}
	if v, ok := f.Flag("employed"); !v || !ok {
		t.Errorf("employed defaults to true, got %v, %v", v, ok)
	}
	if _, ok := f.Flag("specialty"); ok {
		t.Error("specialty is not a yes/no field")
	}
}
