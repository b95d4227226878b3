// Package testscans makes realistic scans of Russian documents for the OCR
// tests and benchmark: each document type is drawn from a template with a
// real font (DejaVu Sans, embedded), rasterized by poppler's pdftoppm at the
// scan's resolution, then spoiled as scanners and phones spoil pages (skew,
// a quarter or half turn, sensor noise, JPEG artefacts) and wrapped as a
// one-image-per-page PDF, as scanner software saves them.
//
// Every person and number here is invented.
package testscans

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"accredpack/templates"
)

// Document types the generator draws (the ids of catalog/data/contents.json).
const (
	Passport      = "passport"
	SNILS         = "snils"
	Diploma       = "diploma"
	Qualification = "qualification_certificate"
	Accreditation = "accreditation"
	WorkRecord    = "work_record"
	Report        = "professional_report"
	Marriage      = "name_change"
)

// Types lists them all.
var Types = []string{Passport, SNILS, Diploma, Qualification, Accreditation, WorkRecord, Report, Marriage}

// Person is whose document it is.
type Person struct {
	Last, First, Middle string
	PreviousLast        string // the surname before a marriage, if any
	SNILS               string // "112-233-445 95"
	Birth               string // "12.03.1985"
	Female              bool
}

// Course is what a qualification certificate states.
type Course struct {
	Hours        int
	From, To     string // "01.02.2024"
	Registration string
	Program      string
}

// Doc is one document to draw.
type Doc struct {
	Type   string
	Person Person
	Course Course
}

// Spoil is how the scan degrades the page.
type Spoil struct {
	DPI     int     // scan resolution, 100-300
	Skew    float64 // degrees, small (±3)
	Turn    int     // 0, 90, 180, 270: the page lies turned clockwise by this
	Noise   int     // amplitude of grey noise, 0-40
	Quality int     // JPEG quality, 30-95
	Blank   bool    // scan an empty page instead
	// Blur is the radius in pixels of a box blur (a defocused phone
	// photo); Shadow darkens the page towards one corner by up to this
	// share (0-0.5, uneven light); Pattern draws a blank's guilloche of
	// light wavy lines under the text; Stamp presses a round grey stamp
	// over the lower right part of the text.
	Blur    int
	Shadow  float64
	Pattern bool
	Stamp   bool
	Seed    uint64
}

// People are invented specialists.
var People = []Person{
	{Last: "Иванова", First: "Анна", Middle: "Сергеевна", PreviousLast: "Петрова", SNILS: "112-233-445 95", Birth: "12.03.1985", Female: true},
	{Last: "Сидоров", First: "Павел", Middle: "Игоревич", SNILS: "123-456-789 64", Birth: "05.11.1979"},
	{Last: "Ёлкина", First: "Мария", Middle: "Алексеевна", SNILS: "987-654-321 00", Birth: "30.07.1990", Female: true},
	{Last: "Кузнецов", First: "Дмитрий", Middle: "Николаевич", SNILS: "071-112-233 08", Birth: "21.01.1988"},
	{Last: "Фёдорова", First: "Ольга", Middle: "Викторовна", PreviousLast: "Смирнова", SNILS: "145-226-377 40", Birth: "02.09.1983", Female: true},
	{Last: "Гончаренко", First: "Юрий", Middle: "Васильевич", SNILS: "200-300-400 53", Birth: "14.04.1975"},
}

// Lines returns the text of each page of d: a line per entry; a line that
// begins with "#" is a heading (larger, centred).
func Lines(d Doc) [][]string {
	p := d.Person
	fio := p.Last + " " + p.First + " " + p.Middle
	sex := "МУЖ."
	if p.Female {
		sex = "ЖЕН."
	}
	switch d.Type {
	case Passport:
		return [][]string{{
			"#РОССИЙСКАЯ ФЕДЕРАЦИЯ",
			"Паспорт выдан ГУ МВД России по г. Москве",
			"Дата выдачи 15.06.2015   Код подразделения 770-001",
			"Личный код",
			"",
			"Фамилия " + strings.ToUpper(p.Last),
			"Имя " + strings.ToUpper(p.First),
			"Отчество " + strings.ToUpper(p.Middle),
			"Пол " + sex + "   Дата рождения " + p.Birth,
			"Место рождения ГОР. МОСКВА",
			"",
			"45 15 123456",
		}, {
			"#МЕСТО ЖИТЕЛЬСТВА",
			"Зарегистрирован",
			"г. Москва, ул. Профсоюзная, д. 12, кв. 34",
			"ОВМ ОМВД России по району Черёмушки г. Москвы",
			"Дата регистрации 20.08.2015",
			"",
			"#ВОИНСКАЯ ОБЯЗАННОСТЬ",
			"#СЕМЕЙНОЕ ПОЛОЖЕНИЕ",
		}}
	case SNILS:
		return [][]string{{
			"#СТРАХОВОЕ СВИДЕТЕЛЬСТВО",
			"#ОБЯЗАТЕЛЬНОГО ПЕНСИОННОГО СТРАХОВАНИЯ",
			"",
			"Страховой номер индивидуального лицевого счёта",
			p.SNILS,
			"",
			"Ф.И.О. " + fio,
			"Дата и место рождения " + p.Birth + " г. Москва",
			"Пол " + strings.ToLower(strings.TrimSuffix(sex, ".")) + "ской",
			"Дата регистрации 10.10.2003",
		}}
	case Diploma:
		return [][]string{{
			"#РОССИЙСКАЯ ФЕДЕРАЦИЯ",
			"Федеральное государственное бюджетное образовательное учреждение",
			"высшего образования «Первый Московский государственный",
			"медицинский университет имени И.М. Сеченова»",
			"#ДИПЛОМ",
			"#СПЕЦИАЛИСТА",
			"Настоящий диплом свидетельствует о том, что",
			fio,
			"освоил(а) программу специалитета по специальности",
			"31.05.01 Лечебное дело",
			"и успешно прошёл(ла) государственную итоговую аттестацию",
			"Решением Государственной экзаменационной комиссии присвоена квалификация",
			"Врач-лечебник",
			"Регистрационный номер 104582   Дата выдачи 30.06.2012",
		}}
	case Qualification:
		c := d.Course
		return [][]string{{
			"#УДОСТОВЕРЕНИЕ",
			"#о повышении квалификации",
			"",
			"Настоящее удостоверение свидетельствует о том, что",
			fio,
			"с " + c.From + " по " + c.To + " прошёл(а) повышение квалификации в",
			"ООО «Учебный центр дополнительного профессионального образования»",
			"по дополнительной профессиональной программе",
			"«" + c.Program + "»",
			fmt.Sprintf("в объёме %d часов", c.Hours),
			"",
			"Регистрационный номер " + c.Registration,
			"Город Москва   Дата выдачи " + c.To,
		}}
	case Accreditation:
		return [][]string{{
			"#ВЫПИСКА",
			"#о наличии в единой государственной информационной системе",
			"#в сфере здравоохранения данных, подтверждающих факт",
			"#прохождения лицом аккредитации специалиста",
			"",
			"Фамилия, имя, отчество: " + fio,
			"СНИЛС: " + p.SNILS,
			"Специальность: Терапия",
			"Вид аккредитации: периодическая аккредитация",
			"Дата прохождения аккредитации: 14.12.2021",
			"Номер реестровой записи: 2321 012345678",
		}}
	case WorkRecord:
		return [][]string{{
			"#СВЕДЕНИЯ О ТРУДОВОЙ ДЕЯТЕЛЬНОСТИ,",
			"#предоставляемые из информационных ресурсов Фонда пенсионного",
			"#и социального страхования Российской Федерации",
			"",
			"Фамилия " + p.Last + "   Имя " + p.First + "   Отчество " + p.Middle,
			"Дата рождения " + p.Birth + "   СНИЛС " + p.SNILS,
			"",
			"Сведения о трудовой деятельности",
			"ГБУЗ «Городская клиническая больница № 1»",
			"01.09.2012 Приём на работу  Врач-терапевт участковый",
			"Приказ 145-к от 30.08.2012",
			"15.03.2018 Перевод  Врач-терапевт",
			"Форма СТД-Р",
		}}
	case Report:
		return [][]string{{
			"#ОТЧЁТ",
			"#о профессиональной деятельности",
			fio,
			"врача-терапевта ГБУЗ «Городская клиническая больница № 1»",
			"за период с 2020 по 2025 год",
			"",
			"1. Сведения о медицинской организации",
			"2. Описание выполняемой работы",
			"Количество пролеченных пациентов за отчётный период 4 512",
			"3. Освоенные за период методы диагностики и лечения",
		}, {
			"4. Предложения по совершенствованию своей профессиональной деятельности",
			"Отчёт согласован руководителем организации",
			"Главный врач                       подпись",
			"М.П.",
		}}
	case Marriage:
		prev := p.PreviousLast
		if prev == "" {
			prev = p.Last
		}
		return [][]string{{
			"#СВИДЕТЕЛЬСТВО",
			"#О ЗАКЛЮЧЕНИИ БРАКА",
			"Гражданин Морозов Алексей Петрович",
			"и гражданка " + prev + " " + p.First + " " + p.Middle,
			"заключили брак 18.05.2010",
			"о чём 18.05.2010 составлена запись акта о заключении брака № 1234",
			"После заключения брака присвоены фамилии:",
			"мужу Морозов",
			"жене " + p.Last,
			"Место государственной регистрации Отдел ЗАГС",
		}}
	}
	return [][]string{{"#" + strings.ToUpper(d.Type)}}
}

// Draw draws d as a clean PDF with the embedded font (what the scanner
// would see on the glass).
func Draw(d Doc) ([]byte, error) {
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes(templates.FontName, "", templates.FontRegular)
	f.SetMargins(22, 25, 18)
	for _, page := range Lines(d) {
		f.AddPage()
		for _, line := range page {
			if h, ok := strings.CutPrefix(line, "#"); ok {
				f.SetFont(templates.FontName, "", 15)
				f.CellFormat(0, 9, h, "", 1, "C", false, 0, "")
				continue
			}
			f.SetFont(templates.FontName, "", 12)
			f.CellFormat(0, 7.5, line, "", 1, "L", false, 0, "")
		}
	}
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		return nil, fmt.Errorf("testscans: draw %s: %w", d.Type, err)
	}
	return b.Bytes(), nil
}

// Scan draws d, rasterizes each page with pdftoppm at s.DPI, spoils it and
// wraps the JPEG pages as a PDF (the images embedded as they are).
func Scan(ctx context.Context, d Doc, s Spoil, work string) ([]byte, error) {
	clean, err := Draw(d)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(work, "scan-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "clean.pdf")
	if err := os.WriteFile(src, clean, 0o600); err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, "pdftoppm", "-r", fmt.Sprint(s.DPI), "-gray", "-png", src, filepath.Join(dir, "p")).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("testscans: pdftoppm: %v: %s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "p-*.png"))
	if len(files) == 0 {
		return nil, fmt.Errorf("testscans: pdftoppm wrote no page")
	}
	rng := rand.New(rand.NewPCG(s.Seed, s.Seed^0x51ed2701))
	pdf := fpdf.New("P", "mm", "A4", "")
	for i, file := range files {
		img, err := readPNG(file)
		if err != nil {
			return nil, err
		}
		g := spoil(img, s, rng)
		var jb bytes.Buffer
		if err := jpeg.Encode(&jb, g, &jpeg.Options{Quality: max(min(s.Quality, 100), 10)}); err != nil {
			return nil, err
		}
		w, h := 210.0, 297.0
		if s.Turn == 90 || s.Turn == 270 {
			w, h = h, w
		}
		pdf.AddPageFormat(map[bool]string{true: "L", false: "P"}[w > h], fpdf.SizeType{Wd: 210, Ht: 297})
		name := fmt.Sprintf("page%d", i)
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "JPG"}, &jb)
		pdf.ImageOptions(name, 0, 0, w, h, false, fpdf.ImageOptions{ImageType: "JPG"}, 0, "")
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("testscans: wrap scan: %w", err)
	}
	return b.Bytes(), nil
}

func readPNG(file string) (image.Image, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

// spoil skews, turns and adds noise and a paper tone to a page.
func spoil(src image.Image, s Spoil, rng *rand.Rand) *image.Gray {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	g := image.NewGray(image.Rect(0, 0, w, h))
	sin, cos := math.Sincos(s.Skew * math.Pi / 180)
	cx, cy := float64(w)/2, float64(h)/2
	for y := range h {
		for x := range w {
			// Where this pixel comes from on the unskewed page.
			dx, dy := float64(x)-cx, float64(y)-cy
			sx, sy := int(cos*dx+sin*dy+cx), int(-sin*dx+cos*dy+cy)
			v := 245.0 - 12*float64(y)/float64(h) // paper, a little darker below
			if s.Pattern && guilloche(x, y, w) {
				v = 200
			}
			if !s.Blank && sx >= 0 && sy >= 0 && sx < w && sy < h {
				p := color.GrayModel.Convert(src.At(b.Min.X+sx, b.Min.Y+sy)).(color.Gray)
				v = min(v, float64(p.Y)+10)
			}
			if s.Stamp && stamp(x, y, w, h) {
				v = min(v, 120)
			}
			if s.Shadow > 0 {
				v *= 1 - s.Shadow*float64(x+y)/float64(w+h)
			}
			if s.Noise > 0 {
				v += float64(rng.IntN(2*s.Noise+1) - s.Noise)
			}
			g.Pix[y*g.Stride+x] = uint8(max(0, min(255, v)))
		}
	}
	if s.Blur > 0 {
		g = blur(g, s.Blur)
	}
	if s.Turn == 0 {
		return g
	}
	return turn(g, s.Turn)
}

// guilloche: light wavy lines across the page, as on diploma and
// certificate blanks.
func guilloche(x, y, w int) bool {
	period := float64(w) / 40
	fy := float64(y) + 0.6*period*math.Sin(float64(x)/period)
	return math.Mod(fy, period*1.5) < 1.2
}

// stamp: a ring 1/5 of the page wide with a smaller ring inside, low on
// the right, over the last lines of text.
func stamp(x, y, w, h int) bool {
	cx, cy, r := float64(w)*0.62, float64(h)*0.3, float64(w)*0.1
	d := math.Hypot(float64(x)-cx, float64(y)-cy)
	th := float64(w) / 300
	return math.Abs(d-r) < th || math.Abs(d-r*0.72) < th*0.7
}

// blur is a box blur of radius r, horizontal then vertical.
func blur(g *image.Gray, r int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	tmp := image.NewGray(g.Rect)
	out := image.NewGray(g.Rect)
	n := 2*r + 1
	for y := range h {
		row := g.Pix[y*g.Stride:]
		sum := 0
		for x := -r; x <= r; x++ {
			sum += int(row[min(max(x, 0), w-1)])
		}
		for x := range w {
			tmp.Pix[y*tmp.Stride+x] = uint8(sum / n)
			sum += int(row[min(x+r+1, w-1)]) - int(row[max(x-r, 0)])
		}
	}
	for x := range w {
		sum := 0
		for y := -r; y <= r; y++ {
			sum += int(tmp.Pix[min(max(y, 0), h-1)*tmp.Stride+x])
		}
		for y := range h {
			out.Pix[y*out.Stride+x] = uint8(sum / n)
			sum += int(tmp.Pix[min(y+r+1, h-1)*tmp.Stride+x]) - int(tmp.Pix[max(y-r, 0)*tmp.Stride+x])
		}
	}
	return out
}

// turn turns g clockwise by deg.
func turn(g *image.Gray, deg int) *image.Gray {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	var d *image.Gray
	if deg == 180 {
		d = image.NewGray(image.Rect(0, 0, w, h))
	} else {
		d = image.NewGray(image.Rect(0, 0, h, w))
	}
	for y := range h {
		for x := range w {
			v := g.Pix[y*g.Stride+x]
			switch deg {
			case 90:
				d.Pix[x*d.Stride+(h-1-y)] = v
			case 180:
				d.Pix[(h-1-y)*d.Stride+(w-1-x)] = v
			case 270:
				d.Pix[(w-1-x)*d.Stride+y] = v
			}
		}
	}
	return d
}
