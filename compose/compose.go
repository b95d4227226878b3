// Package compose makes one slot file out of what people actually have:
// phone photos (JPEG, PNG) become A4 pages, several parts are merged in
// order into one PDF, and a file over the size limit has its page images
// re-encoded to fit (never below a legibility floor). The work on
// untrusted bytes runs in sandbox children; this package's parent side
// only starts them and reads their answers.
package compose

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"accredpack/sandbox"
)

// Sandbox task names.
const (
	TaskCompose  = "compose-parts"
	TaskOptimize = "optimize-images"
)

var (
	// ErrBadImage reports an image part that cannot be read.
	ErrBadImage = errors.New("compose: the image cannot be read")
	// ErrNoImages reports a file to optimize that has no page images to
	// re-encode: its size is text, fonts or vector drawing.
	ErrNoImages = errors.New("compose: no page images to re-encode")
)

// TooManyPixelsError refuses an image whose pixels would not fit in memory.
type TooManyPixelsError struct {
	Width, Height int
	Max           int64
}

func (e *TooManyPixelsError) Error() string {
	return fmt.Sprintf("compose: image of %dx%d pixels is over %d", e.Width, e.Height, e.Max)
}

// PartError names the part (0-based) a merge failed on.
type PartError struct {
	Index int
	Err   error
}

func (e *PartError) Error() string { return fmt.Sprintf("compose: part %d: %v", e.Index+1, e.Err) }
func (e *PartError) Unwrap() error { return e.Err }

// UnreadableError refuses an optimization that would need a resolution
// below the floor to fit.
type UnreadableError struct {
	NeededDPI, FloorDPI int
	Before, AtFloor     int64 // bytes before, and at the floor
}

func (e *UnreadableError) Error() string {
	return fmt.Sprintf("compose: fitting needs %d dpi, below the floor of %d dpi (%d bytes at the floor)", e.NeededDPI, e.FloorDPI, e.AtFloor)
}

// SandboxTasks are the tasks of this package that run in a child process.
func SandboxTasks() map[string]sandbox.Task {
	return map[string]sandbox.Task{TaskCompose: composeTask, TaskOptimize: optimizeTask}
}

// Part is one input of a composition, on disk.
type Part struct {
	Path string `json:"path"`
	Kind Kind   `json:"kind"`
}

// Composer runs compositions and optimizations in sandbox children.
type Composer struct {
	runner *sandbox.Runner
	page   Page
}

// New returns a composer whose children are started by runner.
func New(runner *sandbox.Runner, page Page) *Composer {
	return &Composer{runner: runner, page: page}
}

type composeInput struct {
	Parts []Part `json:"parts"`
	Out   string `json:"out"`
	Page  Page   `json:"page"`
}

type composeOutput struct {
	Pages int `json:"pages"`
}

// Compose writes the parts, in order, as one PDF to out (file form) and
// returns its page count. Images become pages of their own.
func (c *Composer) Compose(ctx context.Context, parts []Part, out string) (int, error) {
	var res composeOutput
	err := c.runner.Run(ctx, TaskCompose, composeInput{Parts: parts, Out: out, Page: c.page}, &res)
	var te *sandbox.TaskError
	if errors.As(err, &te) && te.Code == "part" {
		i, _ := strconv.Atoi(te.Message)
		return 0, &PartError{Index: i, Err: ErrBadImage}
	}
	if err != nil {
		os.Remove(out)
		return 0, fmt.Errorf("compose: %w", err)
	}
	return res.Pages, nil
}

func readRelaxed(data []byte, path string) (*model.Context, error) {
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.Optimize = false
	if data != nil {
		return api.ReadAndValidate(bytes.NewReader(data), conf)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return api.ReadAndValidate(f, conf)
}

// composeTask runs in the child: each part becomes a PDF context (an image
// a one-page document), merged in order into the first; written once.
func composeTask(_ context.Context, raw json.RawMessage) (any, error) {
	var in composeInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("decode input: %w", err)
	}
	api.DisableConfigDir()
	var dest *model.Context
	for i, p := range in.Parts {
		src, err := partContext(p, in.Page)
		if err != nil {
			return nil, &sandbox.TaskError{Code: "part", Message: strconv.Itoa(i)}
		}
		if dest == nil {
			dest = src
			continue
		}
		if err := pdfcpu.MergeXRefTables("", src, dest, false, false); err != nil {
			return nil, &sandbox.TaskError{Code: "part", Message: strconv.Itoa(i)}
		}
	}
	if dest == nil {
		return nil, errors.New("no parts")
	}
	if err := dest.EnsurePageCount(); err != nil {
		return nil, fmt.Errorf("count pages: %w", err)
	}
	if err := writeContext(dest, in.Out); err != nil {
		return nil, err
	}
	return composeOutput{Pages: dest.PageCount}, nil
}

func partContext(p Part, page Page) (*model.Context, error) {
	if p.Kind == KindPDF {
		return readRelaxed(nil, p.Path)
	}
	data, err := os.ReadFile(p.Path)
	if err != nil {
		return nil, err
	}
	pdf, err := imagePage(data, p.Kind, page)
	if err != nil {
		return nil, err
	}
	return readRelaxed(pdf, "")
}

func writeContext(ctx *model.Context, path string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	if err := api.WriteContext(ctx, out); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return out.Sync()
}
