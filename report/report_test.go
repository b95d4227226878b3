package report

import (
	"slices"
	"strings"
	"testing"
	"time"

	"accredpack/catalog"
	"accredpack/dossier"
)

func mustLoad(t *testing.T) *Data {
	t.Helper()
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Every specialty an indicator set names is one of the nomenclature's, so
// a specialist of that specialty really gets the set.
func TestIndicatorSetsNameRealSpecialties(t *testing.T) {
	d := mustLoad(t)
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, l := range c.Nomenclature.Lists {
		for _, s := range l.Specialties {
			known[s.Name] = true
		}
	}
	seen := map[string]string{}
	for _, set := range d.Sets {
		if len(set.Indicators) == 0 {
			t.Errorf("set %s has no indicators", set.ID)
		}
		ids := map[string]bool{}
		for _, ind := range set.Indicators {
			if ids[ind.ID] || ind.Title == "" || ind.Unit == "" {
				t.Errorf("set %s: indicator %q repeated or without title/unit", set.ID, ind.ID)
			}
			ids[ind.ID] = true
		}
		for _, s := range set.Specialties {
			if !known[s] {
				t.Errorf("set %s names %q, not in the nomenclature", set.ID, s)
			}
			if other, ok := seen[s]; ok {
				t.Errorf("%q is in sets %s and %s", s, other, set.ID)
			}
			seen[s] = set.ID
		}
	}
	if got := d.SetFor("Терапия").ID; got != "therapy" {
		t.Errorf("Терапия: set %s", got)
	}
	if got := d.SetFor("Сестринское дело").ID; got != "nursing" {
		t.Errorf("Сестринское дело: set %s", got)
	}
	if got := d.SetFor("Авиационная и космическая медицина").ID; got != "general" {
		t.Errorf("a specialty without its own set: %s", got)
	}
	for _, s := range d.Structure.Sections {
		if s.Title == "" || s.Hint == "" {
			t.Errorf("section %s without title or hint", s.ID)
		}
	}
	for _, r := range dossier.ReportNotAgreedReasons {
		if d.Structure.NotAgreedReasons[r] == "" {
			t.Errorf("no words for the reason %s", r)
		}
	}
	if d.Structure.Sources["709n_p90"]["uncertain"] == "" || d.Uncertain == "" {
		t.Error("the data must say what is uncertain about it")
	}
}

func TestYears(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	today := day("2026-12-03")
	if got := Years(day("2021-06-01"), day("2026-05-31"), today); !slices.Equal(got, []int{2021, 2022, 2023, 2024, 2025, 2026}) {
		t.Errorf("a period over: %v", got)
	}
	if got := Years(day("2023-02-01"), day("2028-01-31"), today); !slices.Equal(got, []int{2023, 2024, 2025, 2026}) {
		t.Errorf("a period not over: %v", got)
	}
}

func codes(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code+":"+f.Section)
	}
	return out
}

func full() *Draft {
	long := strings.Repeat("Содержательный текст раздела. ", 15)
	return &Draft{
		Workplaces:     []Workplace{{Organization: "ГБУЗ «Городская поликлиника № 1»", Position: "врач-терапевт участковый", From: "2019-03-01"}},
		Organization:   long,
		Duties:         long,
		Volume:         map[string]map[string]int{"2024": {"visits": 4100, "home_visits": 300, "dispensary": 800, "checkups": 500, "inpatients": 0}, "2025": {"visits": 4300, "home_visits": 280, "dispensary": 820, "checkups": 510, "inpatients": 0}},
		VolumeAnalysis: long,
		Skills:         long,
		Achievements:   []Achievement{{Kind: "talk", Title: "Доклад на конференции", Year: "2024"}},
		Proposals:      long,
		Agreement:      Agreement{HeadPosition: "Главный врач", HeadName: "Петров П. П."},
	}
}

func TestFindings(t *testing.T) {
	d := mustLoad(t)
	yes := true
	facts := Facts{Specialty: "Терапия", Years: []int{2024, 2025}, Agreed: &yes, Courses: []Course{{Title: "Терапия", Hours: 144}}}
	if got := d.Findings(full(), facts); len(got) != 0 {
		t.Errorf("a full draft: %v", got)
	}
	empty := d.Findings(&Draft{}, facts)
	for _, want := range []string{CodeSectionEmpty + ":workplaces", CodeSectionEmpty + ":organization", CodeVolumeYear + ":volume",
		CodeSectionEmpty + ":achievements", CodeSectionEmpty + ":proposals", CodeAgreement + ":agreement"} {
		if !slices.Contains(codes(empty), want) {
			t.Errorf("an empty draft: no %s in %v", want, codes(empty))
		}
	}
	dr := full()
	dr.Proposals = "Улучшить работу."
	delete(dr.Volume, "2025")
	dr.Volume["2024"] = map[string]int{"visits": 1}
	dr.Workplaces[0].Position = ""
	got := d.Findings(dr, Facts{Specialty: "Терапия", Years: []int{2024, 2025}, Courses: facts.Courses})
	want := []string{CodeWorkplace + ":workplaces", CodeVolumeYear + ":volume", CodeVolumeYear + ":volume", CodeSectionShort + ":proposals"}
	// Years without numbers are one finding.
	n := 0
	for _, f := range d.Findings(&Draft{}, Facts{Years: []int{2021, 2022, 2023}}) {
		if f.Code == CodeVolumeYear {
			n++
			if f.Message != "Нет чисел за 2021, 2022 и 2023 годы в таблице объёма работы." {
				t.Errorf("years without numbers: %q", f.Message)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d findings of years without numbers, want 1", n)
	}
	if !slices.Equal(codes(got), want) {
		t.Errorf("got %v, want %v", codes(got), want)
	}
	msgs := ""
	for _, f := range got {
		msgs += f.Message + "\n"
	}
	for _, s := range []string{"Нет чисел за 2025 год", "За 2024 год заполнено 1 из 5", "16 из 300 знаков", "не указаны должность"} {
		if !strings.Contains(msgs, s) {
			t.Errorf("messages lack %q:\n%s", s, msgs)
		}
	}
	// No courses in the ledger: the education section is empty.
	if got := codes(d.Findings(full(), Facts{Specialty: "Терапия", Years: []int{2024, 2025}, Agreed: &yes})); !slices.Equal(got, []string{CodeSectionEmpty + ":education"}) {
		t.Errorf("no courses: %v", got)
	}
}

// Gaps between places of work: more than a month is said; five years or
// more (the readiness rules') rules out periodic accreditation.
func TestWorkGaps(t *testing.T) {
	d := mustLoad(t)
	dr := full()
	dr.Workplaces = []Workplace{
		{Organization: "Б", Position: "врач", From: "2022-03-01"},                   // to this day
		{Organization: "А", Position: "врач", From: "2015-01-10", To: "2021-12-31"}, // then two months off
		{Organization: "В", Position: "врач", From: "2016-01-01", To: "2016-06-30"}, // inside А: no gap
	}
	yes := true
	facts := Facts{Specialty: "Терапия", Years: []int{2024, 2025}, Agreed: &yes, Courses: []Course{{Title: "x", Hours: 1}}, WorkGapYears: 5}
	got := d.Findings(dr, facts)
	if len(got) != 1 || got[0].Code != CodeWorkGap || !strings.Contains(got[0].Message, "с 01.01.2022 по 28.02.2022") || strings.Contains(got[0].Message, "невозможна") {
		t.Errorf("a two months' gap: %+v", got)
	}
	dr.Workplaces[0].From = "2027-01-01"
	got = d.Findings(dr, facts)
	if len(got) != 1 || !strings.Contains(got[0].Message, "5 лет или больше: периодическая аккредитация невозможна") {
		t.Errorf("a five years' gap: %+v", got)
	}
	dr.Workplaces[0].From = "2022-01-15"
	if got := d.Findings(dr, facts); len(got) != 0 {
		t.Errorf("two weeks between jobs: %+v", got)
	}
}

func TestValidate(t *testing.T) {
	d := mustLoad(t)
	dr := full()
	dr.Duties = "  с пробелами  "
	if p := d.Validate(dr); len(p) != 0 || dr.Duties != "с пробелами" {
		t.Errorf("a good draft: %v, %q", p, dr.Duties)
	}
	bad := &Draft{
		IndicatorSet: "nope",
		Workplaces:   []Workplace{{From: "01.02.2020", To: "2019-01-01"}},
		Volume:       map[string]map[string]int{"20x4": {}, "2024": {"visits": -1}},
		Achievements: []Achievement{{Kind: "medal"}},
		Proposals:    strings.Repeat("я", MaxText+1),
	}
	var fields []string
	for _, p := range d.Validate(bad) {
		fields = append(fields, p.Field)
	}
	for _, f := range []string{"indicator_set", "workplaces[0].from", "volume", "volume.2024.visits", "achievements[0].kind", "proposals"} {
		if !slices.Contains(fields, f) {
			t.Errorf("no problem on %s in %v", f, fields)
		}
	}
}

// Custom rows keep their ids (their numbers are keyed by them): removing
// one never moves another's numbers; new ones get the next free number.
func TestCustomIndicatorIDs(t *testing.T) {
	d := mustLoad(t)
	dr := &Draft{CustomIndicators: []Indicator{{ID: "custom2", Title: "Эндоскопии"}, {Title: "Новый"}, {ID: "custom2", Title: "Дубль"}, {ID: "visits", Title: "Чужой"}}}
	if p := d.Validate(dr); len(p) != 0 {
		t.Fatal(p)
	}
	var ids []string
	for _, c := range dr.CustomIndicators {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(ids, []string{"custom2", "custom3", "custom4", "custom5"}) {
		t.Errorf("ids: %v", ids)
	}
}

func TestCompose(t *testing.T) {
	d := mustLoad(t)
	no := false
	doc := d.Compose(full(), Facts{Specialist: "Иванова Анна Сергеевна", Specialty: "Терапия", PeriodFrom: "2021-06-01", PeriodTo: "2026-05-31",
		Years: []int{2024, 2025}, Agreed: &no, NotAgreedReason: "руководитель отказал в согласовании",
		Courses: []Course{{Title: "Актуальные вопросы терапии", Organization: "РМАНПО", Hours: 144, EndDate: "2023-03-01", InSpecialty: true}}})
	if doc.Subtitle != "за период с 01.06.2021 по 31.05.2026" || doc.Agreement.Agreed || doc.Agreement.NotAgreed == "" {
		t.Errorf("subtitle or agreement: %q %+v", doc.Subtitle, doc.Agreement)
	}
	var text strings.Builder
	for _, b := range doc.Blocks {
		text.WriteString(b.Text + "\n")
		for _, r := range b.Rows {
			text.WriteString(strings.Join(r, " | ") + "\n")
		}
	}
	for _, s := range []string{"1. Сведения о специалисте", "Посещения на приёме, посещ. | 4\u00a0100 | 4\u00a0300", "Актуальные вопросы терапии (по специальности) | РМАНПО | 144 | 01.03.2023",
		"Доклад, выступление: Доклад на конференции (2024)", "Всего часов повышения квалификации за период: 144."} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("the document lacks %q:\n%s", s, text.String())
		}
	}
}
