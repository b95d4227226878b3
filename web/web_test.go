package web

import (
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"

	"accredpack/certimport"
)

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return w.Result()
}

func body(t *testing.T, r *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestImportPage: the import page's shell is served like the others, and
// its sample CSV downloads as a spreadsheet file.
func TestImportPage(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	r := get(t, h, "/app/import")
	page := string(body(t, r))
	if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Content-Security-Policy"), "default-src 'self'") ||
		!strings.Contains(page, `data-view="import"`) || !strings.Contains(page, "<title>Загрузка удостоверений") ||
		!strings.Contains(page, `href="`+SamplePath+`"`) {
		t.Errorf("/app/import: %d %q\n%s", r.StatusCode, r.Header.Get("Content-Security-Policy"), page)
	}
	r = get(t, h, SamplePath)
	sample := body(t, r)
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("sample: %d %q %q", r.StatusCode, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
	}
	if !bytes.HasPrefix(sample, []byte("\uFEFFСНИЛС;")) || !bytes.Contains(sample, []byte("\r\n")) {
		t.Errorf("the sample is not a CSV as Russian Excel writes it (BOM, «;», CRLF): %q", sample)
	}
}

// TestSampleAndHelpReadByImport: the sample batch reads without a field
// error, and every column the page's help names, in Russian and in
// English, is a column the import reads.
func TestSampleAndHelpReadByImport(t *testing.T) {
	lim := certimport.DefaultLimits(25 << 20)
	sample, err := static.ReadFile("static/certificates-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := certimport.Parse(sample, certimport.FormatOf("text/csv", ""), lim)
	if err != nil || len(rows) != 2 {
		t.Fatalf("sample: %d rows, %v", len(rows), err)
	}
	for _, r := range rows {
		if len(r.Fields) > 0 || r.SNILS == "" || r.Course.Hours == 0 {
			t.Errorf("sample row %d: %+v", r.N, r)
		}
	}
	if rows[0].File != "ivanova.pdf" || rows[1].Course.InSpecialty || !strings.Contains(rows[1].Course.Title, ";") {
		t.Errorf("sample rows: %+v", rows)
	}

	page, err := pages.ReadFile("pages/import.html")
	if err != nil {
		t.Fatal(err)
	}
	help := regexp.MustCompile(`<tr><td>([^<]+)</td><td><code>([a-z_]+)</code>`).FindAllStringSubmatch(string(page), -1)
	if len(help) != 9 {
		t.Fatalf("the help names %d columns; want 9", len(help))
	}
	values := map[string]string{"snils": "112-233-445 95", "title": "Терапия", "hours": "36", "start_date": "01.02.2025",
		"end_date": "2025-02-20", "frdo_number": "1177-1", "in_specialty": "нет", "file": "a.pdf", "application_id": "app"}
	for _, lang := range []int{1, 2} {
		var head, row []string
		for _, c := range help {
			head = append(head, c[lang])
			row = append(row, values[c[2]])
		}
		rows, err := certimport.Parse([]byte(strings.Join(head, ";")+"\n"+strings.Join(row, ";")+"\n"), certimport.CSV, lim)
		if err != nil || len(rows) != 1 {
			t.Fatalf("header %v: %v", head, err)
		}
		r := rows[0]
		if len(r.Fields) > 0 || r.Course.Title != "Терапия" || r.Course.Hours != 36 || r.Course.StartDate != "2025-02-01" ||
			r.Course.EndDate != "2025-02-20" || r.Course.FRDONumber != "1177-1" || r.Course.InSpecialty || r.File != "a.pdf" || r.ApplicationID != "app" {
			t.Errorf("header %v read as %+v", head, r)
		}
	}
}

// TestPagesAndRoutes: every page a role needs has its shell, with its view
// (the module that runs it) and, on an application's pages, the steps; any
// other path under /app is a Russian 404 page, never Go's English one.
func TestPagesAndRoutes(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	id := strings.Repeat("ab", 12)
	for path, want := range map[string]struct {
		view  string
		steps bool
	}{
		"/app/": {"list", false}, "/app/login": {"login", false}, "/app/new": {"new", false}, "/app/import": {"import", false},
		"/app/redeem": {"redeem", false}, "/app/account": {"account", false},
		"/app/a/" + id: {"check", true}, "/app/a/" + id + "/form": {"appform", true}, "/app/a/" + id + "/documents": {"documents", true},
		"/app/a/" + id + "/education": {"education", true}, "/app/a/" + id + "/submit": {"submit", true}, "/app/a/" + id + "/share": {"share", true},
	} {
		r := get(t, h, path)
		page := string(body(t, r))
		if r.StatusCode != 200 || !strings.Contains(page, `data-view="`+want.view+`"`) || strings.Contains(page, `id="steps"`) != want.steps {
			t.Errorf("%s: %d, want view %s (steps %v)", path, r.StatusCode, want.view, want.steps)
		}
		if _, err := static.ReadFile("static/js/pages/" + want.view + ".js"); err != nil {
			t.Errorf("%s: the page's module: %v", path, err)
		}
	}
	for _, path := range []string{"/app/nope", "/app/a/" + id + "/nope", "/app/a/123", "/app/a/" + id + "/"} {
		r := get(t, h, path)
		page := string(body(t, r))
		if r.StatusCode != 404 || !strings.Contains(page, "Такой страницы нет") || strings.Contains(page, "page not found") {
			t.Errorf("%s: %d\n%s", path, r.StatusCode, page)
		}
	}
	if r := get(t, h, "/app/static/favicon.svg"); r.StatusCode != 200 {
		t.Errorf("favicon: %d", r.StatusCode)
	}
}

// TestModulesImportWhatExists: every relative import of the page modules
// names an embedded file that exports each name imported (there is no
// build step to catch it).
func TestModulesImportWhatExists(t *testing.T) {
	imp := regexp.MustCompile(`(?m)^import \{([^}]*)\} from "(\./[^"]+|\.\./[^"]+)";`)
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") {
			return err
		}
		src, _ := static.ReadFile(p)
		for _, m := range imp.FindAllStringSubmatch(string(src), -1) {
			target := path.Join(path.Dir(p), m[2])
			code, err := static.ReadFile(target)
			if err != nil {
				t.Errorf("%s imports %s, which is not there", p, m[2])
				continue
			}
			for _, name := range strings.Split(m[1], ",") {
				name = strings.TrimSpace(name)
				exported := regexp.MustCompile(`(?m)^export (async function|function|const|let|class) ` + regexp.QuoteMeta(name) + `[\s=(]`)
				if name != "" && !exported.Match(code) {
					t.Errorf("%s imports %s from %s, which does not export it", p, name, m[2])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
