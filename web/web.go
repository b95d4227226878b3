// Package web is the browser interface for specialists, consultancy staff
// and training centers (their bulk certificate import): a few
// server-rendered page shells (html/template, Russian) and one
// small script that works through the same JSON API as every other client,
// with the session cookie and its CSRF token. The server stays the only
// authority on rules and access. Assets are embedded; nothing comes from a
// CDN.
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
)

//go:embed pages/*.html
var pages embed.FS

//go:embed static
var static embed.FS

// Handler serves /app/... pages and /app/static/... assets.
type Handler struct {
	tmpl   *template.Template
	static http.Handler
	// Title is shown in every page's header.
	Title string
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
	return &Handler{tmpl: t, static: http.StripPrefix("/app/static/", http.FileServerFS(sub)), Title: "accredpack"}, nil
}

// page is what a shell needs: which script view to run and for what.
type page struct {
	Title string
	View  string // login | list | new | application | import
	ID    string
}

// SamplePath is the sample batch of the import page: a CSV as Russian
// Excel writes it (a BOM, «;», Russian column names).
const SamplePath = "/app/static/certificates-sample.csv"

var appPath = regexp.MustCompile(`^/app/a/([0-9a-f]{24})$`)

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	// Only our own script and styles; no framing; no sniffing.
	hdr.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "same-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
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
	var p page
	switch {
	case path == "/" || path == "/app":
		http.Redirect(w, r, "/app/", http.StatusFound)
		return
	case path == "/app/":
		p = page{Title: "Заявления", View: "list"}
	case path == "/app/login":
		p = page{Title: "Вход", View: "login"}
	case path == "/app/new":
		p = page{Title: "Новое заявление", View: "new"}
	case path == "/app/import":
		p = page{Title: "Загрузка удостоверений", View: "import"}
	default:
		m := appPath.FindStringSubmatch(path)
		if m == nil {
			http.NotFound(w, r)
			return
		}
		p = page{Title: "Заявление", View: "application", ID: m[1]}
	}
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	if err := h.tmpl.ExecuteTemplate(w, "layout.html", p); err != nil {
		http.Error(w, "page error", http.StatusInternalServerError)
	}
}
