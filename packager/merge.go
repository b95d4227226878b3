package packager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/font"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"accredpack/sandbox"
	"accredpack/templates"
)

// ErrPortfolioTooLarge reports a portfolio whose documents each merged but
// whose whole did not fit the merge's memory or time.
var ErrPortfolioTooLarge = errors.New("packager: the portfolio is too large for the merge limits")

// TaskMergePortfolio is the sandbox task that merges a portfolio.
const TaskMergePortfolio = "merge-portfolio"

// SandboxTasks are the tasks of this package that run in a child process.
func SandboxTasks() map[string]sandbox.Task {
	return map[string]sandbox.Task{TaskMergePortfolio: mergeTask}
}

type mergeDoc struct {
	Path  string `json:"path"`
	Title string `json:"title"` // bookmark title, unique
	Pages int    `json:"pages"`
	// Texts is a JSON file of the text read on each page, if any: laid on
	// the pages as invisible text, so that the portfolio is searchable.
	Texts string `json:"texts,omitempty"`
}

type mergeInput struct {
	Front string     `json:"front"` // cover and inventory
	Docs  []mergeDoc `json:"docs"`
	Out   string     `json:"out"`
	Stamp string     `json:"stamp"` // "стр. %p из %P"
	// DraftStamp, when set, marks every page at the top: a draft portfolio
	// must not pass for the real one.
	DraftStamp string `json:"draft_stamp"`
	Progress   string `json:"progress"` // file the child writes the document index it works on to
	FontDir    string `json:"font_dir"` // empty folder for pdfcpu's font files; the parent removes it
}

type mergeOutput struct {
	Pages int `json:"pages"`
}

// merge runs the merge in a child. It polls the child's progress file to
// report documents merged, and to name the document a crashed child was on.
func (p *Packager) merge(ctx context.Context, in mergeInput, progress func(done int)) error {
	pf, err := os.CreateTemp(p.tmpDir, "merge-progress-*")
	if err != nil {
		return fmt.Errorf("packager: progress file: %w", err)
	}
	pf.Close()
	defer os.Remove(pf.Name())
	in.Progress = pf.Name()
	// The parent owns the font folder: a child killed mid-merge cannot clean up.
	if in.FontDir, err = os.MkdirTemp(p.tmpDir, "merge-fonts-"); err != nil {
		return fmt.Errorf("packager: font folder: %w", err)
	}
	defer os.RemoveAll(in.FontDir)
	current := func() int {
		b, _ := os.ReadFile(pf.Name())
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			return -1
		}
		return n
	}
	done := make(chan error, 1)
	var out mergeOutput
	go func() { done <- p.merger.Run(ctx, TaskMergePortfolio, in, &out) }()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err == nil {
				progress(len(in.Docs))
				return nil
			}
			var te *sandbox.TaskError
			n := current()
			if errors.As(err, &te) && te.Code == "document" {
				n, _ = strconv.Atoi(te.Message)
			}
			limits := errors.Is(err, sandbox.ErrCrashed) || errors.Is(err, sandbox.ErrTimeout)
			switch {
			case n >= 0 && n < len(in.Docs) && (errors.As(err, &te) || limits):
				title := in.Docs[n].Title
				if _, t, ok := strings.Cut(title, ". "); ok {
					title = t
				}
				return &DocumentError{Title: title, Err: err}
			case n == len(in.Docs) && limits:
				// Every document merged; the whole ran out of memory or time
				// while bookmarking, stamping or writing.
				return fmt.Errorf("%w: %w", ErrPortfolioTooLarge, err)
			}
			return fmt.Errorf("packager: merge: %w", err)
		case <-tick.C:
			if n := current(); n > 0 {
				progress(n)
			}
		}
	}
}

func readRelaxed(path string) (*model.Context, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.Optimize = false
	return api.ReadAndValidate(f, conf)
}

// mergeTask runs in the child: merge the cross-reference tables of every
// document into the front pages, add one bookmark per document, stamp page
// numbers in the embedded Cyrillic font, write once.
func mergeTask(_ context.Context, raw json.RawMessage) (any, error) {
	var in mergeInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("decode input: %w", err)
	}
	api.DisableConfigDir()
	if err := installFont(in.FontDir); err != nil {
		return nil, err
	}
	dest, err := readRelaxed(in.Front)
	if err != nil {
		return nil, fmt.Errorf("front pages: %w", err)
	}
	page := dest.PageCount + 1
	var bookmarks []pdfcpu.Bookmark
	for i, d := range in.Docs {
		os.WriteFile(in.Progress, []byte(strconv.Itoa(i)), 0o600)
		src, err := readRelaxed(d.Path)
		if err == nil {
			err = pdfcpu.MergeXRefTables("", src, dest, false, false)
		}
		if err != nil {
			return nil, &sandbox.TaskError{Code: "document", Message: strconv.Itoa(i)}
		}
		bookmarks = append(bookmarks, pdfcpu.Bookmark{Title: d.Title, PageFrom: page})
		page += d.Pages
	}
	os.WriteFile(in.Progress, []byte(strconv.Itoa(len(in.Docs))), 0o600)
	if err := dest.EnsurePageCount(); err != nil {
		return nil, fmt.Errorf("count pages: %w", err)
	}
	if len(bookmarks) > 0 {
		if err := pdfcpu.AddBookmarks(dest, bookmarks, true); err != nil {
			return nil, fmt.Errorf("bookmarks: %w", err)
		}
	}
	if err := addTextLayer(dest, in.Docs, bookmarks); err != nil {
		return nil, fmt.Errorf("text layer: %w", err)
	}
	wm, err := api.TextWatermark(in.Stamp, "fontname:"+templates.FontName+", points:9, position:bc, offset:0 12, scalefactor:1 abs, rotation:0, opacity:1, fillcolor:#000000", true, false, types.POINTS)
	if err != nil {
		return nil, fmt.Errorf("page stamp: %w", err)
	}
	if err := pdfcpu.AddWatermarks(dest, nil, wm); err != nil {
		return nil, fmt.Errorf("page stamp: %w", err)
	}
	if in.DraftStamp != "" {
		draft, err := api.TextWatermark(in.DraftStamp, "fontname:"+templates.FontName+", points:14, position:tc, offset:0 -14, scalefactor:1 abs, rotation:0, opacity:1, fillcolor:#C80000", true, false, types.POINTS)
		if err != nil {
			return nil, fmt.Errorf("draft stamp: %w", err)
		}
		if err := pdfcpu.AddWatermarks(dest, nil, draft); err != nil {
			return nil, fmt.Errorf("draft stamp: %w", err)
		}
	}
	out, err := os.Create(in.Out)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	if err := api.WriteContext(dest, out); err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	return mergeOutput{Pages: dest.PageCount}, out.Sync()
}

// addTextLayer lays the text read on each document page over it, fully
// transparent (opacity 0): invisible, but found by a PDF viewer's search
// and by text extraction. It is a block in the page's top left corner, not
// placed word by word over the scan.
func addTextLayer(dest *model.Context, docs []mergeDoc, bookmarks []pdfcpu.Bookmark) error {
	m := map[int]*model.Watermark{}
	for i, d := range docs {
		if d.Texts == "" {
			continue
		}
		raw, err := os.ReadFile(d.Texts)
		if err != nil {
			return err
		}
		var texts []string
		if err := json.Unmarshal(raw, &texts); err != nil {
			return err
		}
		for j, t := range texts {
			t = strings.TrimSpace(t)
			if t == "" || j >= d.Pages {
				continue
			}
			wm, err := api.TextWatermark(t, "fontname:"+templates.FontName+", points:6, position:tl, offset:8 -8, scalefactor:1 abs, rotation:0, opacity:0, fillcolor:#000000", true, false, types.POINTS)
			if err != nil {
				return err
			}
			m[bookmarks[i].PageFrom+j] = wm
		}
	}
	if len(m) == 0 {
		return nil
	}
	return pdfcpu.AddWatermarksMap(dest, m)
}

// installFont makes the embedded TrueType font known to pdfcpu for stamps,
// through the font folder dir.
func installFont(dir string) error {
	ttf := filepath.Join(dir, templates.FontName+".ttf")
	if err := os.WriteFile(ttf, templates.FontRegular, 0o600); err != nil {
		return fmt.Errorf("write font: %w", err)
	}
	font.UserFontDir = dir
	if _, err := font.InstallTrueTypeFont(dir, ttf); err != nil {
		return fmt.Errorf("install font: %w", err)
	}
	return font.LoadUserFonts()
}
