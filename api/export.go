package api

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/xuri/excelize/v2"

	"accredpack/identifiers"
	"accredpack/intake"
)

// maxExportRows bounds an export: a larger view is narrowed first.
const maxExportRows = 10000

// exportColumns are the columns of an export, in Russian, as a person
// reads them in a spreadsheet.
var exportColumns = []string{"ФИО", "СНИЛС", "Специальность", "Вид аккредитации", "Статус", "Готово к подаче",
	"Блокирующих замечаний", "Подать до", "Аккредитация до", "Внимание", "Ответственный", "Создано", "Ссылка"}

// exportApplications answers the current view of the list (the list's
// filters, search and order, every page) as CSV (UTF-8 with a byte order
// mark, ";"-separated, as Russian spreadsheets open it) or XLSX.
func (s *Server) exportApplications(c echo.Context) error {
	p := principal(c)
	format := c.QueryParam("format")
	if format != "csv" && format != "xlsx" {
		return badRequest("format — csv или xlsx.", nil)
	}
	q, err := listQuery(c, p)
	if err != nil {
		return err
	}
	if q.After != nil {
		return badRequest("Выгрузка всегда с начала списка: cursor не нужен.", nil)
	}
	ctx := c.Request().Context()
	var items []intake.Listed
	q.Limit = 500
	for {
		page, more, err := s.svc.List(ctx, q)
		if err != nil {
			return err
		}
		items = append(items, page...)
		if len(items) > maxExportRows {
			return badRequest(fmt.Sprintf("В выгрузке больше %d строк: сузьте отбор (поиск, фильтры).", maxExportRows), nil)
		}
		if !more || len(page) == 0 {
			break
		}
		q.After = &page[len(page)-1].Cursor
	}
	if err := s.auditListed(c, items, "export"); err != nil {
		return err
	}
	names := map[string]string{}
	if q.Scope.Org != "" {
		staff, err := s.colleagues(c, q.Scope.Org)
		if err != nil {
			return err
		}
		for _, st := range staff {
			names[st.ID] = st.Name
		}
	}
	now := time.Now()
	rows := make([][]string, 0, len(items))
	for _, l := range items {
		rows = append(rows, exportRow(l, names, now, c.Scheme()+"://"+c.Request().Host))
	}
	name := "klienty-" + now.UTC().Format("2006-01-02") + "." + format
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	if format == "csv" {
		c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		c.Response().WriteHeader(http.StatusOK)
		return writeCSV(c.Response(), rows)
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Response().WriteHeader(http.StatusOK)
	return writeXLSX(c.Response(), rows)
}

var attentionWords = map[string]string{"overdue": "срок подачи прошёл", "expired": "аккредитация истекла"}

func exportRow(l intake.Listed, names map[string]string, now time.Time, publicURL string) []string {
	a, f := l.App, l.App.Form
	full := strings.Join(strings.Fields(f.Specialist.LastName+" "+f.Specialist.FirstName+" "+f.Specialist.MiddleName), " ")
	kind := f.Kind
	if l.Kind != nil {
		kind = l.Kind.Title
	}
	status := "в работе"
	if a.Status == "submitted" {
		status = "отправлено"
	}
	ready := "нет"
	if l.Readiness.Ready {
		ready = "да"
	}
	var due, expiry string
	if d := l.Readiness.Deadlines; d != nil {
		due, expiry = russianDate(d.SubmitBy), russianDate(d.Expiry)
	}
	var attention []string
	for _, w := range l.Attention(now) {
		attention = append(attention, attentionWords[w])
	}
	return []string{full, identifiers.FormatSNILS(f.Specialist.SNILS), f.Specialty, kind, status, ready,
		fmt.Sprint(len(l.Readiness.Blocking())), due, expiry, strings.Join(attention, ", "), names[l.Assignee],
		a.CreatedAt.UTC().Format("02.01.2006"), strings.TrimSuffix(publicURL, "/") + "/app/a/" + a.ID}
}

// russianDate writes YYYY-MM-DD as ДД.ММ.ГГГГ; empty stays empty.
func russianDate(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return ""
	}
	return t.Format("02.01.2006")
}

func writeCSV(w io.Writer, rows [][]string) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if err := cw.Write(exportColumns); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(neutralize(r)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// neutralize keeps a spreadsheet from reading a cell as a formula (a name
// starting with "=" typed by someone): such a cell gets a leading
// apostrophe.
func neutralize(r []string) []string {
	out := make([]string, len(r))
	for i, v := range r {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			v = "'" + v
		}
		out[i] = v
	}
	return out
}

func writeXLSX(w io.Writer, rows [][]string) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Клиенты"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	widths := []float64{34, 16, 28, 30, 12, 10, 12, 12, 14, 26, 24, 12, 40}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	header := make([]any, len(exportColumns))
	for i, h := range exportColumns {
		header[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, v := range r {
			// Strings as strings: a SNILS or a date is never a number.
			cells[j] = excelize.Cell{Value: v}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}
