package packager

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"accredpack/sandbox"
	"accredpack/templates"
)

// ErrPortfolioTooLarge reports a portfolio whose documents each merged but
// whose whole did not fit the merge's memory or time.
var ErrPortfolioTooLarge = errors.New("packager: the portfolio is too large for the merge limits")

// MergeMemory is the memory a merge child needs when a PDF parse may use
// parse: the merge reads one document at a time as the upload's parse read
// it, and adds its own (the stamp face, the front pages, buffers, eight
// bytes per object written: about 30 MiB measured with 20 scans of 12 MB),
// whatever the number of documents.
func MergeMemory(parse int64) int64 { return parse + 128<<20 }

// TaskMergePortfolio is the sandbox task that merges a portfolio. Its
// name changes with its protocol (v2: the front pages' path comes first
// on the pipe), so that a service refuses an older accredpack-child that
// would not understand it (pingChild) instead of failing every portfolio.
const TaskMergePortfolio = "merge-portfolio-v2"

// SandboxTasks are the tasks of this package that run in a child process.
func SandboxTasks() map[string]sandbox.Task {
	return map[string]sandbox.Task{TaskMergePortfolio: mergeTask}
}

type mergeDoc struct {
	Title string `json:"title"` // bookmark title, unique
	Pages int    `json:"pages"` // as counted in the inventory and stamps
	// Texts is a JSON file of the text read on each page (OCR), if any:
	// laid on the pages as invisible text, so that the portfolio is
	// searchable.
	Texts string `json:"texts,omitempty"`
}

// mergeInput is the merge child's input. Its files: ChildFile(0) gives
// the path of the front pages (cover and inventory), then each document's
// spool path, a line each, in order, as the parent has it ready (the end
// before the last: the parent gave up); the merged PDF is written to
// ChildFile(1).
type mergeInput struct {
	Docs  []mergeDoc `json:"docs"`
	Stamp string     `json:"stamp"` // "стр. %p из %P"
	// DraftStamp, when set, marks every page at the top: a draft portfolio
	// must not pass for the real one.
	DraftStamp string `json:"draft_stamp"`
	Progress   string `json:"progress"` // file the child writes the document index it works on to
}

type mergeOutput struct {
	Pages int `json:"pages"`
}

// merge runs the merge in a child, handing it the front pages (at front,
// once drawn answers they are drawn) and then each document as soon as it
// is spooled (spooled answers, in order, each document's spooling, done
// by spoolAll while earlier ones merge; spools[i] is then its file) and
// copying its output into w as it comes. It polls the child's progress
// file to report documents fetched plus documents merged, and to name the
// document a crashed child was on.
func (p *Packager) merge(ctx context.Context, in mergeInput, front string, drawn <-chan error, items []Item, spools []string, spooled <-chan error, w io.Writer, progress func(done int)) error {
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
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("packager: merge pipe: %w", err)
	}
	outR, outW, err := sandbox.BulkPipe()
	if err != nil {
		readyR.Close()
		readyW.Close()
		return fmt.Errorf("packager: merge output: %w", err)
	}
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var fetched atomic.Int64
	var feedErr error
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		defer readyW.Close()
		var err error
		select {
		case err = <-drawn:
		case <-mctx.Done():
			return
		}
		if err != nil {
			feedErr = err
			cancel()
			return
		}
		if _, err := io.WriteString(readyW, front+"\n"); err != nil {
			return
		}
		for i := range items {
			var err error
			select {
			case err = <-spooled:
			case <-mctx.Done():
				return // the child is gone; its end says why
			}
			if err != nil {
				feedErr = err
				cancel()
				return
			}
			if _, err := io.WriteString(readyW, spools[i]+"\n"); err != nil {
				return // the child is gone; its end says why
			}
			fetched.Add(1)
		}
	}()
	copied := make(chan error, 1)
	go func() {
		// 256 KiB at a time, as the child writes (io.Copy would use the
		// pipe's WriteTo, 32 KiB at a time).
		_, err := io.CopyBuffer(w, struct{ io.Reader }{outR}, make([]byte, 256<<10))
		outR.Close() // a child still writing stops at a broken pipe
		copied <- err
	}()
	done := make(chan error, 1)
	go func() {
		done <- p.merger.RunWithFiles(mctx, TaskMergePortfolio, in, &mergeOutput{}, []*os.File{readyR, outW})
	}()
	// Progress as it changes (each report is a database write).
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var runErr error
	last := 0
wait:
	for {
		select {
		case runErr = <-done:
			break wait
		case <-tick.C:
			if n := int(fetched.Load()) + max(current(), 0); n != last {
				progress(n)
				last = n
			}
		}
	}
	cancel() // the feeder stops (the spooling stops with Portfolio's defer)
	<-fed
	copyErr := <-copied
	switch {
	case feedErr != nil:
		return feedErr
	case copyErr != nil:
		return fmt.Errorf("packager: write portfolio: %w", copyErr)
	case runErr == nil:
		progress(2 * len(items))
		return nil
	}
	var te *sandbox.TaskError
	n := current()
	if errors.As(runErr, &te) && te.Code == "document" {
		n, _ = strconv.Atoi(te.Message)
	}
	limits := errors.Is(runErr, sandbox.ErrCrashed) || errors.Is(runErr, sandbox.ErrTimeout)
	switch {
	case n >= 0 && n < len(in.Docs) && (errors.As(runErr, &te) || limits):
		return &DocumentError{Title: items[n].Title, Err: runErr}
	case n == len(in.Docs) && limits:
		// Every document merged; the whole ran out of memory or time
		// while writing the page tree, outlines and cross-references.
		return fmt.Errorf("%w: %w", ErrPortfolioTooLarge, runErr)
	}
	return fmt.Errorf("packager: merge: %w", runErr)
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

// mergeTask runs in the child: the merge of joinPortfolio, between the
// parent's pipes.
func mergeTask(_ context.Context, raw json.RawMessage) (any, error) {
	var in mergeInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("decode input: %w", err)
	}
	// The live heap is one document; collect well before twice that.
	debug.SetGCPercent(25)
	out := sandbox.ChildFile(1, "output")
	res, err := joinPortfolio(in, sandbox.ChildFile(0, "documents"), out)
	if err != nil {
		return nil, err
	}
	return res, out.Close()
}

// joinPortfolio writes the front pages, then every document (the front
// pages' path, then each document's, read from paths when the parent has
// it ready), each read (relaxed, as uploads
// are checked), copied page by page into out and let go before the next
// (joiner), one bookmark per document, every page stamped "стр. N из M" in
// the embedded Cyrillic font. Memory follows the largest document, not
// the portfolio.
func joinPortfolio(in mergeInput, paths io.Reader, out io.Writer) (mergeOutput, error) {
	api.DisableConfigDir()
	texts, runes, err := loadPageTexts(in.Docs)
	if err != nil {
		return mergeOutput{}, fmt.Errorf("text layer: %w", err)
	}
	face, err := templates.NewStampFace("0123456789" + in.Stamp + in.DraftStamp + runes)
	if err != nil {
		return mergeOutput{}, err
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	sheet, err := api.ReadContext(bytes.NewReader(face.Sheet), conf)
	if err != nil {
		return mergeOutput{}, fmt.Errorf("stamp sheet: %w", err)
	}
	ready := bufio.NewReader(paths)
	frontPath, err := ready.ReadString('\n')
	if err != nil {
		return mergeOutput{}, &sandbox.TaskError{Code: "aborted", Message: "no front pages"}
	}
	front, err := readRelaxed(strings.TrimSuffix(frontPath, "\n"))
	if err != nil {
		return mergeOutput{}, fmt.Errorf("front pages: %w", err)
	}
	total := front.PageCount
	for _, d := range in.Docs {
		total += d.Pages
	}
	j, err := newJoiner(out, face, sheet, in.Stamp, in.DraftStamp, total)
	if err != nil {
		return mergeOutput{}, err
	}
	if err := j.add(front, "", front.PageCount, nil); err != nil {
		return mergeOutput{}, fmt.Errorf("front pages: %w", err)
	}
	front, sheet = nil, nil
	for i, d := range in.Docs {
		os.WriteFile(in.Progress, []byte(strconv.Itoa(i)), 0o600)
		path, err := ready.ReadString('\n')
		if err != nil {
			return mergeOutput{}, &sandbox.TaskError{Code: "aborted", Message: "no document " + strconv.Itoa(i)}
		}
		if err := addDocument(j, strings.TrimSuffix(path, "\n"), d, texts[i]); err != nil {
			if j.w.err != nil {
				return mergeOutput{}, fmt.Errorf("write: %w", j.w.err)
			}
			return mergeOutput{}, &sandbox.TaskError{Code: "document", Message: strconv.Itoa(i)}
		}
		// One document at a time: what the last one held goes back before
		// the next is read.
		runtime.GC()
	}
	os.WriteFile(in.Progress, []byte(strconv.Itoa(len(in.Docs))), 0o600)
	if err := j.finish(); err != nil {
		return mergeOutput{}, fmt.Errorf("write: %w", err)
	}
	return mergeOutput{Pages: total}, nil
}

// addDocument reads one document and copies it; a panic in either is the
// document's failure.
func addDocument(j *joiner, path string, d mergeDoc, texts []string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	ctx, err := readRelaxed(path)
	if err != nil {
		return err
	}
	return j.add(ctx, d.Title, d.Pages, texts)
}

// loadPageTexts reads the page texts of every document that has them
// (OCR), kept to the runes the embedded face draws (letters, digits, usual
// punctuation; anything else becomes a space), and returns every rune
// they use, for the stamp face to hold.
func loadPageTexts(docs []mergeDoc) ([][]string, string, error) {
	texts := make([][]string, len(docs))
	used := map[rune]bool{}
	for i, d := range docs {
		if d.Texts == "" {
			continue
		}
		raw, err := os.ReadFile(d.Texts)
		if err != nil {
			return nil, "", err
		}
		if err := json.Unmarshal(raw, &texts[i]); err != nil {
			return nil, "", err
		}
		for k, t := range texts[i] {
			t = searchableText(t)
			texts[i][k] = t
			for _, r := range t {
				used[r] = true
			}
		}
	}
	var b strings.Builder
	for r := range used {
		if r != '\n' {
			b.WriteRune(r)
		}
	}
	return texts, b.String(), nil
}

// maxPageText bounds the text laid on one page (a full page of small print
// is about 4,000 characters).
const maxPageText = 8000

// searchableText keeps the lines of a page's text in runes the embedded
// face draws.
func searchableText(t string) string {
	t = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == ' ':
			return r
		case unicode.In(r, unicode.Cyrillic, unicode.Latin) && r <= 0x4FF, unicode.IsDigit(r) && r < 0x80:
			return r
		case strings.ContainsRune(".,:;-–—()№/\\\"'«»!?%+*=_[]<>", r):
			return r
		}
		return ' '
	}, strings.TrimSpace(t))
	if len([]rune(t)) > maxPageText {
		t = string([]rune(t)[:maxPageText])
	}
	return t
}
