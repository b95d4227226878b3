package compose

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // page images pdfcpu renders as PNG
	"io"
	"math"
	"os"
	"runtime"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"accredpack/sandbox"
)

// Fit is how a file over the limit is made to fit.
type Fit struct {
	Limit   int64 `json:"limit"`   // bytes the result must not exceed
	DPI     int   `json:"dpi"`     // resolution page images are brought down to first
	MinDPI  int   `json:"min_dpi"` // the floor: below it text is no longer readable
	Quality int   `json:"quality"` // JPEG quality of re-encoded images, 1-100
}

// Report tells what an optimization did.
type Report struct {
	Before   int64 `json:"before"`   // bytes
	After    int64 `json:"after"`    // bytes
	DPI      int   `json:"dpi"`      // the resolution images were brought to (at most)
	Quality  int   `json:"quality"`  // JPEG quality used
	Images   int   `json:"images"`   // page images re-encoded
	Attempts int   `json:"attempts"` // sizes tried
}

type optimizeInput struct {
	In  string `json:"in"`
	Out string `json:"out"`
	Fit Fit    `json:"fit"`
}

// Optimize re-encodes the page images of the PDF at in so that it fits
// fit.Limit, writing the result to out (file form). It starts at fit.DPI
// and goes down as far as fit.MinDPI; when even that is too large it
// refuses with *UnreadableError, and with ErrNoImages when the file has
// nothing to re-encode. Images already below the resolution tried are
// re-encoded only if that makes them smaller.
func (c *Composer) Optimize(ctx context.Context, in, out string, fit Fit) (Report, error) {
	var rep Report
	err := c.runner.Run(ctx, TaskOptimize, optimizeInput{In: in, Out: out, Fit: fit}, &rep)
	var te *sandbox.TaskError
	if errors.As(err, &te) {
		switch te.Code {
		case "no_images":
			return rep, ErrNoImages
		case "unreadable":
			var ue UnreadableError
			if json.Unmarshal([]byte(te.Message), &ue) == nil {
				return rep, &ue
			}
		}
	}
	if err != nil {
		os.Remove(out)
		return rep, fmt.Errorf("compose: optimize: %w", err)
	}
	return rep, nil
}

// pageImage is one image XObject that may be re-encoded.
type pageImage struct {
	objNr    int
	orig     types.StreamDict
	origSize int64
	encoded  []byte // the image as pdfcpu rendered it (JPEG or PNG)
	gray     bool
	dpi      float64 // its resolution if it filled the largest page it is on: a lower bound
}

func optimizeTask(_ context.Context, raw json.RawMessage) (any, error) {
	var in optimizeInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("decode input: %w", err)
	}
	api.DisableConfigDir()
	fi, err := os.Stat(in.In)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(in.In)
	if err != nil {
		return nil, err
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.Optimize = true
	ctx, err := api.ReadValidateAndOptimize(f, conf)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	images, err := collectImages(ctx)
	if err != nil {
		return nil, err
	}
	if len(images) == 0 {
		return nil, &sandbox.TaskError{Code: "no_images", Message: "no page images"}
	}
	fit := in.Fit
	rep := Report{Before: fi.Size(), Quality: fit.Quality}
	target := float64(fit.DPI)
	for {
		rep.Attempts++
		imgBytes, err := reencode(ctx, images, target, fit.Quality)
		if err != nil {
			return nil, err
		}
		var size countWriter
		ctx.ResetWriteContext() // a context remembers what it wrote
		if err := api.WriteContext(ctx, &size); err != nil {
			return nil, fmt.Errorf("write: %w", err)
		}
		rep.DPI = int(math.Round(target))
		if int64(size) <= fit.Limit {
			ctx.ResetWriteContext()
			if err := writeContext(ctx, in.Out); err != nil {
				return nil, err
			}
			fi, err := os.Stat(in.Out)
			if err != nil {
				return nil, err
			}
			rep.After, rep.Images = fi.Size(), len(images)
			return rep, nil
		}
		// Image bytes shrink about with the square of the resolution; images
		// already below the target were not scaled, so start from the
		// sharpest one.
		current := min(target, highest(images))
		budget := float64(fit.Limit) - float64(int64(size)-imgBytes)
		next := current * 0.9
		if budget > 0 && imgBytes > 0 {
			next = min(next, current*math.Sqrt(budget/float64(imgBytes))*0.97)
		}
		if target <= float64(fit.MinDPI) || rep.Attempts >= 8 {
			ue := UnreadableError{NeededDPI: max(1, int(math.Floor(next))), FloorDPI: fit.MinDPI, Before: rep.Before, AtFloor: int64(size)}
			if budget <= 0 {
				ue.NeededDPI = 0 // no resolution would do: the rest of the file is over the limit
			}
			msg, _ := json.Marshal(ue)
			return nil, &sandbox.TaskError{Code: "unreadable", Message: string(msg)}
		}
		target = max(next, float64(fit.MinDPI))
	}
}

func highest(images []*pageImage) float64 {
	var h float64
	for _, im := range images {
		h = max(h, im.dpi)
	}
	return h
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// collectImages finds the page images that can be re-encoded: 8 bits per
// component, gray or RGB, without a colour-key mask or decode array, not
// soft masks themselves.
func collectImages(ctx *model.Context) ([]*pageImage, error) {
	dims, err := ctx.PageDims()
	if err != nil {
		return nil, fmt.Errorf("page sizes: %w", err)
	}
	masks := map[int]bool{}
	for _, obj := range ctx.Optimize.ImageObjects {
		if ir := obj.ImageDict.IndirectRefEntry("SMask"); ir != nil {
			masks[ir.ObjectNumber.Value()] = true
		}
	}
	var out []*pageImage
	for objNr, obj := range ctx.Optimize.ImageObjects {
		sd := obj.ImageDict
		if masks[objNr] || !reencodable(ctx, sd) {
			continue
		}
		// The largest page the image is on: its resolution there is the lowest.
		var pageInches float64
		for pageNr := range obj.ResourceNames {
			if pageNr >= 0 && pageNr < len(dims) {
				pageInches = max(pageInches, dims[pageNr].Width/72, dims[pageNr].Height/72)
			}
		}
		w, h := sd.IntEntry("Width"), sd.IntEntry("Height")
		if pageInches == 0 || w == nil || h == nil {
			continue
		}
		// The dictionary as read, to put back when the image is kept:
		// extraction decodes into Content and leaves Raw as it was.
		orig := *sd
		var origSize int64
		if sd.StreamLength != nil {
			origSize = *sd.StreamLength
		}
		img, err := pdfcpu.ExtractImage(ctx, sd, false, strconv.Itoa(objNr), objNr, false)
		if err != nil || img == nil || img.Reader == nil || (img.FileType != "jpg" && img.FileType != "png") {
			restore(ctx, objNr, orig)
			continue
		}
		encoded, err := io.ReadAll(img.Reader)
		if err != nil {
			return nil, err
		}
		restore(ctx, objNr, orig)
		comps, _ := pdfcpu.ColorSpaceComponents(ctx.XRefTable, sd)
		out = append(out, &pageImage{objNr: objNr, orig: orig, origSize: max(origSize, int64(len(orig.Raw))), encoded: encoded,
			gray: comps == 1, dpi: float64(max(*w, *h)) / pageInches})
	}
	return out, nil
}

func reencodable(ctx *model.Context, sd *types.StreamDict) bool {
	if bpc := sd.IntEntry("BitsPerComponent"); bpc == nil || *bpc != 8 {
		return false
	}
	if sd.BooleanEntry("ImageMask") != nil && *sd.BooleanEntry("ImageMask") {
		return false
	}
	if _, ok := sd.Find("Mask"); ok {
		return false
	}
	if _, ok := sd.Find("Decode"); ok {
		return false
	}
	for _, f := range sd.FilterPipeline {
		if f.Name != filter.DCT && f.Name != filter.Flate {
			return false
		}
	}
	comps, err := pdfcpu.ColorSpaceComponents(ctx.XRefTable, sd)
	if err != nil || (comps != 1 && comps != 3) {
		return false
	}
	o, err := ctx.Dereference(sd.Dict["ColorSpace"])
	if err != nil {
		return false
	}
	switch cs := o.(type) {
	case types.Name:
		return cs == model.DeviceGrayCS || cs == model.DeviceRGBCS || cs == model.CalGrayCS || cs == model.CalRGBCS
	case types.Array:
		// ICCBased with 1 or 3 components; not Indexed, Separation, DeviceN.
		if len(cs) > 0 {
			n, _ := cs[0].(types.Name)
			return n == model.ICCBasedCS || n == model.CalRGBCS || n == model.CalGrayCS
		}
	}
	return false
}

func restore(ctx *model.Context, objNr int, sd types.StreamDict) {
	ctx.XRefTable.Table[objNr].Object = sd
}

// reencode replaces every image by its re-encoding at target dpi (never
// up-sampled) and quality, or by its original when that is smaller, and
// returns the bytes of all image streams.
func reencode(ctx *model.Context, images []*pageImage, target float64, quality int) (int64, error) {
	var total int64
	for _, im := range images {
		src, _, err := image.Decode(bytes.NewReader(im.encoded))
		if err != nil {
			restore(ctx, im.objNr, im.orig)
			total += im.origSize
			continue
		}
		b := src.Bounds()
		scale := min(1, target/im.dpi)
		w, h := max(1, int(math.Round(float64(b.Dx())*scale))), max(1, int(math.Round(float64(b.Dy())*scale)))
		dst := src
		if scale < 1 {
			dst = shrink(src, w, h, im.gray)
		}
		src = nil
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: quality}); err != nil {
			return 0, fmt.Errorf("encode image: %w", err)
		}
		if scale == 1 && int64(buf.Len()) >= im.origSize {
			restore(ctx, im.objNr, im.orig)
			total += im.origSize
			continue
		}
		_, gray := dst.(*image.Gray) // what the JPEG holds: one component or three
		ctx.XRefTable.Table[im.objNr].Object = jpegStream(im.orig, buf.Bytes(), w, h, gray)
		total += int64(buf.Len())
		// A decoded photo is tens of megabytes: return it before the next.
		dst = nil
		runtime.GC()
	}
	return total, nil
}

// jpegStream is the image dictionary of orig with the JPEG data in place of
// its stream: new size, DCTDecode, 8-bit gray or RGB. Soft mask, intent and
// the rest are kept.
func jpegStream(orig types.StreamDict, data []byte, w, h int, gray bool) types.StreamDict {
	d := types.NewDict()
	for k, v := range orig.Dict {
		switch k {
		case "Filter", "DecodeParms", "Length", "Width", "Height", "BitsPerComponent", "ColorSpace":
			continue
		}
		d[k] = v
	}
	cs := model.DeviceRGBCS
	if gray {
		cs = model.DeviceGrayCS
	}
	n := int64(len(data))
	d["Width"], d["Height"] = types.Integer(w), types.Integer(h)
	d["BitsPerComponent"], d["ColorSpace"] = types.Integer(8), types.Name(cs)
	d["Filter"], d["Length"] = types.Name(filter.DCT), types.Integer(n)
	sd := types.NewStreamDict(d, 0, &n, nil, []types.PDFFilter{{Name: filter.DCT}})
	sd.Raw, sd.Content = data, data
	return sd
}
