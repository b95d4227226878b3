package packager

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

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

// mergeTask runs in the child: the front pages, then every document, each
// read (relaxed, as uploads are checked), copied page by page into the
// output and let go before the next (joiner), one bookmark per document,
// every page stamped "стр. N из M" in the embedded Cyrillic font. Memory
// follows the largest document, not the portfolio.
func mergeTask(_ context.Context, raw json.RawMessage) (any, error) {
	var in mergeInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("decode input: %w", err)
	}
	api.DisableConfigDir()
	face, err := templates.NewStampFace("0123456789" + in.Stamp + in.DraftStamp)
	if err != nil {
		return nil, err
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	sheet, err := api.ReadContext(bytes.NewReader(face.Sheet), conf)
	if err != nil {
		return nil, fmt.Errorf("stamp sheet: %w", err)
	}
	front, err := readRelaxed(in.Front)
	if err != nil {
		return nil, fmt.Errorf("front pages: %w", err)
	}
	total := front.PageCount
	for _, d := range in.Docs {
		total += d.Pages
	}
	out, err := os.Create(in.Out)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	j, err := newJoiner(out, face, sheet, in.Stamp, in.DraftStamp, total)
	if err != nil {
		return nil, err
	}
	if err := j.add(front, "", front.PageCount); err != nil {
		return nil, fmt.Errorf("front pages: %w", err)
	}
	front, sheet = nil, nil
	for i, d := range in.Docs {
		os.WriteFile(in.Progress, []byte(strconv.Itoa(i)), 0o600)
		if err := addDocument(j, d); err != nil {
			slog.Debug("merge: document refused", "document", i, "err", err)
			return nil, &sandbox.TaskError{Code: "document", Message: strconv.Itoa(i)}
		}
		// One document at a time: what the last one held goes back before
		// the next is read.
		runtime.GC()
	}
	os.WriteFile(in.Progress, []byte(strconv.Itoa(len(in.Docs))), 0o600)
	if err := j.finish(); err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	return mergeOutput{Pages: total}, out.Close()
}

// addDocument reads one document and copies it; a panic in either is the
// document's failure.
func addDocument(j *joiner, d mergeDoc) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	ctx, err := readRelaxed(d.Path)
	if err != nil {
		return err
	}
	return j.add(ctx, d.Title, d.Pages)
}
