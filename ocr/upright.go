package ocr

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// TaskUpright is the sandbox task that turns pages upright.
const TaskUpright = "ocr.upright"

type uprightInput struct {
	In    string      `json:"in"`
	Out   string      `json:"out"`
	Turns map[int]int `json:"turns"` // page -> clockwise degrees
}

// Turns are the clockwise turns that set a reading's pages upright, by
// page; empty when every page stands upright.
func (r Result) Turns() map[int]int {
	turns := map[int]int{}
	for _, p := range r.Pages {
		if p.Rotation != 0 && p.Error == "" {
			turns[p.Number] = p.Rotation
		}
	}
	return turns
}

// Upright writes to out the PDF at in with the given pages turned through
// their page rotation (/Rotate): lossless, the page's content and images
// are not touched. It runs in a sandbox child (pdfcpu on an uploaded file).
func (r *Reader) Upright(ctx context.Context, in, out string, turns map[int]int) error {
	if err := r.runner.Run(ctx, TaskUpright, uprightInput{In: in, Out: out, Turns: turns}, nil); err != nil {
		return fmt.Errorf("ocr: turn pages upright: %w", err)
	}
	return nil
}

func uprightTask(_ context.Context, raw json.RawMessage) (any, error) {
	var in uprightInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("decode input: %w", err)
	}
	api.DisableConfigDir()
	f, err := os.Open(in.In)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.Optimize = false
	ctx, err := api.ReadAndValidate(f, conf)
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	byTurn := map[int]types.IntSet{}
	for page, turn := range in.Turns {
		if page < 1 || page > ctx.PageCount || turn%90 != 0 || turn%360 == 0 {
			return nil, fmt.Errorf("page %d: turn %d", page, turn)
		}
		if byTurn[turn] == nil {
			byTurn[turn] = types.IntSet{}
		}
		byTurn[turn][page] = true
	}
	for turn, pages := range byTurn {
		if err := pdfcpu.RotatePages(ctx, pages, turn); err != nil {
			return nil, fmt.Errorf("rotate: %w", err)
		}
	}
	w, err := os.Create(in.Out)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	if err := api.WriteContext(ctx, w); err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	return nil, w.Sync()
}
