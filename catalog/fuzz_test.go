package catalog

import (
	"testing"
	"time"
)

// FuzzLookup: any kind, slot, level, specialty and date is answered
// without a panic; what is found is found again under its own name.
func FuzzLookup(f *testing.F) {
	c, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Add("periodic", "qualification_certificates", "higher", "Терапия", int64(0))
	f.Add("primary_specialized", "retraining_diploma", "secondary_vocational", "сестринское дело", int64(400))
	f.Add("", "", "", "", int64(-1<<40))
	f.Add("periodic\x00", "../snils", "higher", "ТЕРАПИЯ  ", int64(1<<40))
	f.Fuzz(func(t *testing.T, kind, slot, level, specialty string, days int64) {
		day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(days%40000))
		if k, ok := c.Kind(kind); ok {
			if k.ID != kind {
				t.Fatalf("Kind(%q) = %q", kind, k.ID)
			}
			if s, ok := k.Slot(slot); ok && (s.ID != slot || c.IssuedByTrainingCenters(kind, slot) != s.TrainingCenters) {
				t.Fatalf("Slot(%q) = %+v", slot, s)
			}
		} else if c.IssuedByTrainingCenters(kind, slot) {
			t.Fatalf("an unknown kind %q has training-center slots", kind)
		}
		if s, _, ok := c.Nomenclature.Lookup(level, specialty, day); ok {
			if again, _, ok := c.Nomenclature.Lookup(level, s.Name, day); !ok || again.Name != s.Name || !s.InForce(day) {
				t.Fatalf("Lookup(%q, %q) = %q, but its own name gives %v %v", level, specialty, s.Name, again, ok)
			}
		} else if msg := c.Nomenclature.Refusal(level, specialty, day); msg == "" {
			t.Fatalf("no refusal message for %q", specialty)
		}
	})
}
