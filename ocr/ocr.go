// Package ocr turns the pages of a PDF into text with a confidence, in
// Russian: Tesseract reads each page's image (the embedded image as it is
// where a page is one scanned image, poppler's rendering otherwise), after
// its orientation script detection (OSD) has set the page upright. The work
// runs in a sandbox child (address-space limit, timeout); the child starts
// Tesseract and poppler as processes of their own, each with a timeout, a
// few at once.
//
// The text read is personal data: it is returned to the caller and never
// logged here.
package ocr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"accredpack/sandbox"
)

// TaskRead is the sandbox task that reads a PDF.
const TaskRead = "ocr.read"

// SandboxTasks are the tasks of this package that run in a child.
func SandboxTasks() map[string]sandbox.Task {
	return map[string]sandbox.Task{TaskRead: readTask, TaskUpright: uprightTask}
}

// Tools are the programs a child starts, by absolute path: a child's
// environment has no PATH.
type Tools struct {
	Tesseract string `json:"tesseract"`
	PDFImages string `json:"pdfimages"`
	PDFToPPM  string `json:"pdftoppm"`
	PDFInfo   string `json:"pdfinfo"`
}

// FindTools looks the programs up on PATH. An error names what is missing
// and which Debian package brings it.
func FindTools() (Tools, error) {
	var t Tools
	var missing []error
	for _, p := range []struct {
		name, pkg string
		into      *string
	}{
		{"tesseract", "tesseract-ocr, tesseract-ocr-rus, tesseract-ocr-osd", &t.Tesseract},
		{"pdfimages", "poppler-utils", &t.PDFImages},
		{"pdftoppm", "poppler-utils", &t.PDFToPPM},
		{"pdfinfo", "poppler-utils", &t.PDFInfo},
	} {
		path, err := exec.LookPath(p.name)
		if err != nil {
			missing = append(missing, fmt.Errorf("%s not found (Debian package %s)", p.name, p.pkg))
			continue
		}
		*p.into = path
	}
	if err := errors.Join(missing...); err != nil {
		return t, fmt.Errorf("ocr: %w", err)
	}
	return t, nil
}

// Options bound one reading.
type Options struct {
	MaxPages    int           // pages read at most (the first ones); the rest are counted, not read
	RenderDPI   int           // resolution of rendered pages
	PageTimeout time.Duration // one Tesseract or poppler run
	Parallel    int           // Tesseract processes at once within a reading
}

// DefaultOptions suit scans of identity and education documents.
var DefaultOptions = Options{MaxPages: 12, RenderDPI: 200, PageTimeout: 30 * time.Second, Parallel: 2}

// Page is what was read on one page.
type Page struct {
	Number int `json:"number"` // 1-based
	// Source is how the page's image was taken: "image" (the page is one
	// embedded image, used as it is) or "rendered" (drawn by pdftoppm).
	Source string `json:"source"`
	// DPI is the effective resolution of the page's scan (the embedded
	// image's pixels over its size on the page); 0 for a page that is not
	// one scanned image.
	DPI int `json:"dpi"`
	// Rotation is the clockwise turn, in degrees (0, 90, 180, 270), that
	// sets the page upright as it is shown (its /Rotate counted), as OSD
	// found it; the text was read upright.
	Rotation int `json:"rotation"`
	// Confidence is Tesseract's mean word confidence, 0-100, weighted by
	// word length; 0 when no word was found.
	Confidence float64 `json:"confidence"`
	Words      int     `json:"words"`
	Text       string  `json:"text"`
	// Error says why the page could not be read, if it could not.
	Error string `json:"error,omitempty"`

	sideways bool // most words stood taller than wide
}

// Result is a reading of a whole PDF.
type Result struct {
	PageCount int    `json:"page_count"` // pages the PDF has
	Pages     []Page `json:"pages"`      // the pages read
	// Engine names the reader and its version, for the record.
	Engine string `json:"engine"`
	// ToolsPeakRSS is the largest resident memory of one Tesseract or
	// poppler process of the reading, in bytes.
	ToolsPeakRSS int64 `json:"tools_peak_rss"`
}

// Text is all pages' text, a blank line between pages.
func (r Result) Text() string {
	var s string
	for i, p := range r.Pages {
		if i > 0 {
			s += "\n\n"
		}
		s += p.Text
	}
	return s
}

// Reader reads PDFs in sandbox children.
type Reader struct {
	runner *sandbox.Runner
	tools  Tools
	opts   Options
	tmpDir string
}

// NewReader returns a reader whose children run on runner, start tools and
// keep their page images in a fresh folder under tmpDir.
func NewReader(runner *sandbox.Runner, tools Tools, opts Options, tmpDir string) *Reader {
	if opts.MaxPages <= 0 {
		opts.MaxPages = DefaultOptions.MaxPages
	}
	if opts.RenderDPI <= 0 {
		opts.RenderDPI = DefaultOptions.RenderDPI
	}
	if opts.PageTimeout <= 0 {
		opts.PageTimeout = DefaultOptions.PageTimeout
	}
	if opts.Parallel <= 0 {
		opts.Parallel = DefaultOptions.Parallel
	}
	return &Reader{runner: runner, tools: tools, opts: opts, tmpDir: tmpDir}
}

// ErrUnreadable wraps a reading that failed as a whole (the child crashed,
// ran out of time or memory, or the tools failed on every page).
var ErrUnreadable = errors.New("ocr: the document could not be read")

// Read reads the PDF at path.
func (r *Reader) Read(ctx context.Context, path string) (Result, error) {
	work, err := os.MkdirTemp(r.tmpDir, "ocr-")
	if err != nil {
		return Result{}, fmt.Errorf("ocr: work folder: %w", err)
	}
	defer os.RemoveAll(work)
	var res Result
	in := readInput{Path: path, Work: work, Tools: r.tools, MaxPages: r.opts.MaxPages, RenderDPI: r.opts.RenderDPI,
		PageTimeoutMS: r.opts.PageTimeout.Milliseconds(), Parallel: r.opts.Parallel}
	if err := r.runner.Run(ctx, TaskRead, in, &res); err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	return res, nil
}
