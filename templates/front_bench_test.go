package templates

import (
	"fmt"
	"io"
	"testing"
	"time"
)

// BenchmarkDrawFront draws a portfolio's front pages for 20 documents: the
// part of a portfolio build nothing else can overlap with.
func BenchmarkDrawFront(b *testing.B) {
	wd, err := LoadWording()
	if err != nil {
		b.Fatal(err)
	}
	var rows []InventoryRow
	for i := range 20 {
		rows = append(rows, InventoryRow{Title: fmt.Sprintf("Удостоверение о повышении квалификации № %d", i+1), Pages: 1, FirstPage: i + 1})
	}
	page := &ReadinessPage{Period: "15.09.2021 – 14.09.2026", Years: []ReadinessYear{{Year: 2023, Courses: 144, InSpecialty: 72, NMO: 50}},
		RuleSets: []ReadinessRule{{Title: "144 часа повышения квалификации", Met: true}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wd.DrawFront(io.Discard, Cover{Kind: "periodic", Specialist: "Иванова Анна Сергеевна", SNILS: "112-233-445 95",
			Specialty: "Терапия", Period: "2021–2026", Documents: 20, Generated: time.Now()}, rows, page); err != nil {
			b.Fatal(err)
		}
	}
}
