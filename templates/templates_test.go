package templates

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"accredpack/internal/testenv"
)

func init() { api.DisableConfigDir() }

func strictPages(t *testing.T, b []byte) int {
	t.Helper()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationStrict
	ctx, err := api.ReadAndValidate(bytes.NewReader(b), conf)
	if err != nil {
		t.Fatalf("strict validation: %v", err)
	}
	return ctx.PageCount
}

func TestFrontPagesAndRanges(t *testing.T) {
	wd, err := LoadWording()
	if err != nil {
		t.Fatal(err)
	}
	var rows []InventoryRow
	first := 1
	for i := 0; i < 60; i++ { // long enough for a two-page inventory
		rows = append(rows, InventoryRow{Title: fmt.Sprintf("Удостоверение о повышении квалификации № %d", i+1), Pages: 2, FirstPage: first})
		first += 2
	}
	var b bytes.Buffer
	n, err := wd.DrawFront(&b, Cover{Kind: "periodic", Specialist: "Иванова Анна Сергеевна", SNILS: "112-233-445 95",
		Specialty: "Терапия", Period: "2021–2026", Documents: 60, Generated: time.Now()}, rows,
		&ReadinessPage{Period: "15.09.2021 – 14.09.2026", Years: []ReadinessYear{{Year: 2023, Courses: 144, InSpecialty: 72, NMO: 50}},
			RuleSets:  []ReadinessRule{{Title: "144 часа повышения квалификации", Met: true}},
			Deadlines: [][2]string{{"Подать до", "31.07.2026"}},
			Findings:  []ReadinessFinding{{Blocking: true, Text: "Не загружен обязательный документ: СНИЛС."}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strictPages(t, b.Bytes()); got != n || n < 3 {
		t.Fatalf("front has %d pages, Front said %d; want a cover and a multi-page inventory", got, n)
	}
	// The text is real, searchable Cyrillic text.
	text := testenv.PDFText(t, b.Bytes())
	for _, want := range []string{"Портфолио", "Иванова Анна Сергеевна", "Опись документов", "Удостоверение о повышении квалификации № 60",
		"Готовность к аккредитации", "выполнено", "Препятствует подаче: Не загружен обязательный документ: СНИЛС.", "31.07.2026"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	// 60 documents of 2 pages after n front pages: the last is n+119 to n+120.
	if want := fmt.Sprintf("%d–%d", n+119, n+120); !strings.Contains(text, want) {
		t.Errorf("the inventory lacks the last range %s", want)
	}
}

func TestChecklistDraftOnEveryPage(t *testing.T) {
	wd, _ := LoadWording()
	var rows []ChecklistRow
	for i := 0; i < 70; i++ {
		rows = append(rows, ChecklistRow{Title: fmt.Sprintf("Слот %d", i), Required: i%2 == 0, Filled: i%3 == 0, FileName: "Иванова А.С. - Паспорт.pdf"})
	}
	var b bytes.Buffer
	n, err := wd.DrawChecklist(&b, "Иванова Анна Сергеевна", rows, []string{"Паспорт"}, true, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n < 2 || strictPages(t, b.Bytes()) != n {
		t.Fatalf("checklist pages = %d", n)
	}
	// Every page carries the draft banner.
	pages := strings.Split(testenv.PDFText(t, b.Bytes()), "\f")
	for i, p := range pages[:n] {
		if !strings.Contains(p, "ЧЕРНОВИК") {
			t.Errorf("page %d has no draft banner", i+1)
		}
	}
}
