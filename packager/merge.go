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
// name changes with its protocol (v2: the front pages' path came first on
// the pipe; v3: the lines say "front" or "doc" and may come in any order,
// and a third pipe tells which documents are read), so that a
// service refuses an older accredpack-child that would not understand it
// (pingChild) instead of failing every portfolio.
const TaskMergePortfolio = "merge-portfolio-v3"

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
// the lines "front PATH" (the front pages: cover and inventory) and "doc
// PATH" (each document, in order), as the parent has them ready (the end
// before the last: the parent gave up); the merged PDF is written to
// ChildFile(1); a byte on ChildFile(2) for each document read tells the
// parent its spool file is free (joinPortfolio).
type mergeInput struct {
	Docs  []mergeDoc `json:"docs"`
	Stamp string     `json:"stamp"` // "стр. %p из %P"
	// DraftStamp, when set, marks every page at the top: a draft portfolio
	// must not pass for the real one.
	DraftStamp string `json:"draft_stamp"`
	// Progress is a file the child writes the index of the document it
	// works on to ("N front" while on the front pages, "N waiting" while
	// it waits for the next line: N documents are merged).
	Progress string `json:"progress"`
}

type mergeOutput struct {
	Pages int `json:"pages"`
}

// merge runs the merge in a child, handing it the front pages (at front,
// once drawn answers they are drawn), then each document as soon as it is
// spooled (spooled answers, in order, each document's spooling, done by
// spoolAll while earlier ones merge; spools[i] is then its file): feed.
// It copies the child's output into w as it comes. read gets a
// value for each document the child has read (its spool file may take
// another). It polls the child's progress file to report documents fetched
// plus documents merged, and to name the document a crashed child was on.
func (p *Packager) merge(ctx context.Context, in mergeInput, front string, drawn <-chan error, items []Item, spools []string, spooled <-chan error, read chan<- struct{}, w io.Writer, progress func(done int)) error {
	pf, err := os.CreateTemp(p.tmpDir, "merge-progress-*")
	if err != nil {
		return fmt.Errorf("packager: progress file: %w", err)
	}
	pf.Close()
	defer os.Remove(pf.Name())
	in.Progress = pf.Name()
	// current is the document the child is on (the number merged), and
	// whether it is on no document instead (the front pages, or waiting
	// for the next line).
	current := func() (int, bool) {
		b, _ := os.ReadFile(pf.Name())
		n, _, other := strings.Cut(strings.TrimSpace(string(b)), " ")
		i, err := strconv.Atoi(n)
		if err != nil {
			return -1, false
		}
		return i, other
	}
	var pipes []*os.File // readyR, outW, readW for the child; readyW, outR, readR here
	defer func() {
		for _, f := range pipes {
			f.Close()
		}
	}()
	for _, bulk := range []bool{false, true, false} {
		pipe := os.Pipe
		if bulk {
			pipe = sandbox.BulkPipe
		}
		pr, pw, err := pipe()
		if err != nil {
			return fmt.Errorf("packager: merge pipe: %w", err)
		}
		pipes = append(pipes, pr, pw)
	}
	readyR, readyW, outR, outW, readR, readW := pipes[0], pipes[1], pipes[2], pipes[3], pipes[4], pipes[5]
	pipes = nil // from here, the child's ends go with RunWithFiles, ours below
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var fetched atomic.Int64
	var feedErr error
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		defer readyW.Close()
		if err := feed(mctx, readyW, front, drawn, spools, spooled, &fetched); err != nil {
			feedErr = err
			cancel()
		}
	}()
	go func() {
		// A value on read for each byte, as many as there are documents
		// (more would be the child's fault, and are dropped).
		defer readR.Close()
		b := make([]byte, 64)
		for {
			n, err := readR.Read(b)
			for range n {
				select {
				case read <- struct{}{}:
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	copied := make(chan error, 1)
	go func() {
		// Into w's ReadFrom where it has one (storage.WriteObject's reads
		// straight into its buffers), else 256 KiB at a time, as the child
		// writes (io.Copy would use the pipe's WriteTo, 32 KiB at a time).
		_, err := io.CopyBuffer(w, struct{ io.Reader }{outR}, make([]byte, 256<<10))
		outR.Close() // a child still writing stops at a broken pipe
		copied <- err
	}()
	done := make(chan error, 1)
	go func() {
		done <- p.merger.RunWithFiles(mctx, TaskMergePortfolio, in, &mergeOutput{}, []*os.File{readyR, outW, readW})
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
			on, _ := current()
			if n := int(fetched.Load()) + max(on, 0); n != last {
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
	n, onNone := current()
	if onNone {
		n = -1 // on the front pages or waiting: no document's failure
	}
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

// feed writes the merge child's lines to w (mergeInput): the front pages'
// once drawn answers, then each document's as spooled answers it. The
// child would take the documents first as well (joinPortfolio), and was
// measured faster so (make bench row 3: 590 ms against 680), but the
// drawing's moment of memory in the service (fpdf parsing the embedded
// font) then meets the child's copy of a document: 92-96 MiB for the two
// processes with 12 MB scans, over the bound of twice the largest document
// plus 64 MiB; one after the other, 81 MiB. fetched counts the documents
// handed over. It answers the drawing's or the spooling's failure; a
// failed write or the end of ctx answers nil (the child is gone, and its
// end says why).
func feed(ctx context.Context, w io.Writer, front string, drawn <-chan error, spools []string, spooled <-chan error, fetched *atomic.Int64) error {
	select {
	case err := <-drawn:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		return nil
	}
	if _, err := io.WriteString(w, "front "+front+"\n"); err != nil {
		return nil
	}
	for i := range spools {
		select {
		case err := <-spooled:
			if err != nil {
				return err
			}
		case <-ctx.Done():
			return nil
		}
		if _, err := io.WriteString(w, "doc "+spools[i]+"\n"); err != nil {
			return nil
		}
		fetched.Add(1)
	}
	return nil
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
	res, err := joinPortfolio(in, sandbox.ChildFile(0, "documents"), sandbox.ChildFile(2, "consumed"), out)
	if err != nil {
		return nil, err
	}
	return res, out.Close()
}

// joinPortfolio writes the front pages (cover and inventory) and every
// document into out, in the order their paths come on paths, as the
// parent has them ready: a line "front PATH" once, whenever the front
// pages are drawn, and a line "doc PATH" for each document, in order (the
// end before the last: the parent gave up). The front pages open the page
// tree and the numbering wherever they come (joiner.addFront). Each file
// is read (relaxed, as uploads are checked); a byte on consumed tells the
// parent that a document's file is read and may be reused. Its pages are
// copied into out and the document let go before the next (joiner), one
// bookmark per document, every page stamped "стр. N из M" in the embedded
// Cyrillic font. Memory follows the largest document, not the portfolio.
func joinPortfolio(in mergeInput, paths io.Reader, consumed, out io.Writer) (mergeOutput, error) {
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
	docPages := 0
	for _, d := range in.Docs {
		docPages += d.Pages
	}
	j, err := newJoiner(out, face, sheet, in.Stamp, in.DraftStamp, docPages)
	if err != nil {
		return mergeOutput{}, err
	}
	sheet = nil
	ready := bufio.NewReader(paths)
	next := 0 // the next document
	for next < len(in.Docs) || !j.hasFront {
		// Waiting for the parent: a crash or time-out now is no
		// document's (the ones before merged).
		os.WriteFile(in.Progress, []byte(strconv.Itoa(next)+" waiting"), 0o600)
		line, err := ready.ReadString('\n')
		if err != nil {
			missing := "no document " + strconv.Itoa(next)
			if !j.hasFront {
				missing = "no front pages"
			}
			return mergeOutput{}, &sandbox.TaskError{Code: "aborted", Message: missing}
		}
		kind, path, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		switch {
		case kind == "front" && !j.hasFront:
			// Progress says the front: a crash here is no document's.
			os.WriteFile(in.Progress, []byte(strconv.Itoa(next)+" front"), 0o600)
			if err := readAndAdd(path, j.addFront); err != nil {
				if j.w.err != nil {
					return mergeOutput{}, fmt.Errorf("write: %w", j.w.err)
				}
				return mergeOutput{}, fmt.Errorf("front pages: %w", err)
			}
		case kind == "doc" && next < len(in.Docs):
			os.WriteFile(in.Progress, []byte(strconv.Itoa(next)), 0o600)
			d, pageTexts := in.Docs[next], texts[next]
			err := readAndAdd(path, func(ctx *model.Context) error {
				consumed.Write([]byte{1}) // its file is read; a parent gone is the output's error
				return j.add(ctx, d.Title, d.Pages, pageTexts)
			})
			if err != nil {
				if j.w.err != nil {
					return mergeOutput{}, fmt.Errorf("write: %w", j.w.err)
				}
				return mergeOutput{}, &sandbox.TaskError{Code: "document", Message: strconv.Itoa(next)}
			}
			next++
		default:
			return mergeOutput{}, fmt.Errorf("unexpected line %q", kind)
		}
		// One file at a time: what the last one held goes back before the
		// next is read.
		runtime.GC()
	}
	os.WriteFile(in.Progress, []byte(strconv.Itoa(len(in.Docs))), 0o600)
	if err := j.finish(); err != nil {
		return mergeOutput{}, fmt.Errorf("write: %w", err)
	}
	return mergeOutput{Pages: len(j.front) + docPages}, nil
}

// readAndAdd reads a file (relaxed, as uploads are checked) and hands it
// to add; a panic in either is the file's failure.
func readAndAdd(path string, add func(*model.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	ctx, err := readRelaxed(path)
	if err != nil {
		return err
	}
	return add(ctx)
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
