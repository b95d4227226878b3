// Package web is the browser interface for specialists, consultancy staff
// and training centers: server-rendered page shells (html/template,
// Russian), one ES module per page (static/js/pages, no build step) and a
// few shared ones (static/js), all working through the same JSON API as
// every other client, with the session cookie and its CSRF token. The
// server stays the only authority on rules and access. Assets are
// embedded; nothing comes from a CDN.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"regexp"
	"strings"

	"accredpack/access"
)

//go:embed pages/*.html
var pages embed.FS

//go:embed static
var static embed.FS

// Handler serves /app/... pages and /app/static/... assets.
type Handler struct {
	tmpl   *template.Template
	static http.Handler
	guard  guard
}

// New parses the embedded pages.
func New() (*Handler, error) {
	t, err := template.ParseFS(pages, "pages/*.html")
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(static, "static")
	if err != nil {
		return nil, err
	}
	return &Handler{tmpl: t, static: http.StripPrefix("/app/static/", http.FileServerFS(sub))}, nil
}

// page is what a shell needs: which script view to run and for what.
type page struct {
	Title string
	View  string // a module of static/js/pages, and the template of the page's body
	ID    string // the application, on an application's pages
	Steps bool   // the application's steps are shown
	// Needs is the action of the service a role must be allowed to open
	// the page (administration pages); "" for every page of others.
	Needs access.Action
}

// pages of one application, by the last part of their path.
var applicationPages = map[string]page{
	"":          {Title: "Проверка", View: "check", Steps: true},
	"form":      {Title: "Данные заявления", View: "appform", Steps: true},
	"documents": {Title: "Документы", View: "documents", Steps: true},
	"education": {Title: "Обучение", View: "education", Steps: true},
	"submit":    {Title: "Сборка и подача", View: "submit", Steps: true},
	"share":     {Title: "Доступ к заявлению", View: "share", Steps: true},
	"report":    {Title: "Отчёт о профессиональной деятельности", View: "report", Steps: true},
}

// Pages outside an application, by path.
var fixedPages = map[string]page{
	"/app/":        {Title: "Заявления", View: "list"},
	"/app/login":   {Title: "Вход", View: "login"},
	"/app/new":     {Title: "Новое заявление", View: "new"},
	"/app/import":  {Title: "Загрузка удостоверений", View: "import"},
	"/app/redeem":  {Title: "Код доступа к заявлению", View: "redeem"},
	"/app/account": {Title: "Учётная запись", View: "account"},
}

// SamplePath is the sample batch of the import page: a CSV as Russian
// Excel writes it (a BOM, «;», Russian column names).
const SamplePath = "/app/static/certificates-sample.csv"

var appPath = regexp.MustCompile(`^/app/a/([0-9a-f]{24})(?:/([a-z]+))?$`)

// route finds the page of a path; ok is false for no page (404).
func route(path string) (page, bool) {
	if p, ok := fixedPages[path]; ok {
		return p, true
	}
	if p, ok := adminPages[path]; ok {
		return p, true
	}
	m := appPath.FindStringSubmatch(path)
	if m == nil {
		return page{}, false
	}
	p, ok := applicationPages[m[2]]
	p.ID = m[1]
	return p, ok
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	// Only our own script and styles; no framing; no sniffing.
	hdr.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "same-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "Страницы только открываются (GET); данные отправляет сама страница.", http.StatusMethodNotAllowed)
		return
	}
	path := r.URL.Path
	if strings.HasPrefix(path, "/app/static/") {
		hdr.Set("Cache-Control", "no-cache")
		if path == SamplePath {
			// Go knows no type for .csv; the sample is to be saved and
			// opened in a spreadsheet, not shown.
			hdr.Set("Content-Type", "text/csv; charset=utf-8")
			hdr.Set("Content-Disposition", `attachment; filename="certificates-sample.csv"`)
		}
		h.static.ServeHTTP(w, r)
		return
	}
	if path == "/" || path == "/app" {
		http.Redirect(w, r, "/app/", http.StatusFound)
		return
	}
	status := http.StatusOK
	p, ok := route(path)
	if !ok {
		// A Russian page, not Go's "404 page not found".
		p, status = page{Title: "Страница не найдена", View: "notfound"}, http.StatusNotFound
	} else if !h.guard.allows(r, p) {
		p, status = page{Title: "Нет доступа", View: "forbidden"}, http.StatusForbidden
	}
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	var out bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&out, "layout.html", p); err != nil {
		http.Error(w, "Ошибка страницы: повторите попытку.", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	w.Write(out.Bytes())
}
