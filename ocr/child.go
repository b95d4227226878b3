package ocr

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // page images pdfimages writes as they are
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type readInput struct {
	Path          string `json:"path"`
	Work          string `json:"work"`
	Tools         Tools  `json:"tools"`
	MaxPages      int    `json:"max_pages"`
	RenderDPI     int    `json:"render_dpi"`
	PageTimeoutMS int64  `json:"page_timeout_ms"`
	Parallel      int    `json:"parallel"`
}

const (
	// maxPageText bounds the text kept of one page, maxText of a document:
	// the answer crosses the sandbox's 1 MiB channel.
	maxPageText = 32 << 10
	maxText     = 640 << 10
	// maxImagePixels: a larger embedded image is rendered at RenderDPI
	// instead of read as it is (Tesseract's time and memory grow with it).
	maxImagePixels = 36_000_000
	// retryBelow: a page read with a lower confidence (or fewer than
	// retryWords words) is checked for orientation and read again upright.
	retryBelow = 70
	retryWords = 8
)

// readTask runs in the sandbox child.
func readTask(ctx context.Context, raw json.RawMessage) (any, error) {
	var in readInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("decode input: %w", err)
	}
	c := &child{in: in, timeout: time.Duration(in.PageTimeoutMS) * time.Millisecond}
	pages, rotations, err := c.pageInfo(ctx)
	if err != nil {
		return nil, err
	}
	c.rotations = rotations
	images, err := c.listImages(ctx)
	if err != nil {
		return nil, err
	}
	n := min(pages, max(in.MaxPages, 1))
	res := Result{PageCount: pages, Pages: make([]Page, n), Engine: c.engine(ctx)}
	sem := make(chan struct{}, max(in.Parallel, 1))
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res.Pages[i] = c.readPage(ctx, i+1, images[i+1])
		}()
	}
	wg.Wait()
	total := 0
	failed := 0
	for i := range res.Pages {
		p := &res.Pages[i]
		if p.Error != "" {
			failed++
		}
		if room := maxText - total; len(p.Text) > room {
			p.Text = cut(p.Text, max(room, 0))
		}
		total += len(p.Text)
	}
	if n > 0 && failed == n {
		return nil, fmt.Errorf("no page could be read: %s", res.Pages[0].Error)
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru) == nil {
		res.ToolsPeakRSS = ru.Maxrss << 10 // kB on Linux
	}
	return res, nil
}

type child struct {
	in        readInput
	timeout   time.Duration
	rotations map[int]int // each page's /Rotate; read-only once pages are read
}

// run starts a tool with a timeout and one thread (OpenMP), returning its
// standard output.
func (c *child) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = []string{"OMP_THREAD_LIMIT=1", "LANG=C.UTF-8"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s ran past %s", filepath.Base(name), c.timeout)
		}
		return nil, fmt.Errorf("%s: %v: %s", filepath.Base(name), err, firstLine(errb.String()))
	}
	return out.Bytes(), nil
}

func (c *child) engine(ctx context.Context) string {
	out, err := c.run(ctx, c.in.Tools.Tesseract, "--version")
	if err != nil {
		return "tesseract"
	}
	return firstLine(string(out))
}

// pageInfo reads the page count and each page's /Rotate (clockwise
// degrees) of the first pages.
func (c *child) pageInfo(ctx context.Context) (int, map[int]int, error) {
	last := strconv.Itoa(max(c.in.MaxPages, 1))
	out, err := c.run(ctx, c.in.Tools.PDFInfo, "-f", "1", "-l", last, c.in.Path)
	if err != nil {
		return 0, nil, err
	}
	return parsePDFInfo(string(out))
}

// parsePDFInfo reads "Pages: N" and "Page    1 rot:  90" lines.
func parsePDFInfo(s string) (int, map[int]int, error) {
	pages, rot := -1, map[int]int{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "Pages:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(rest))
			if err != nil {
				return 0, nil, fmt.Errorf("pdfinfo: pages %q", rest)
			}
			pages = n
			continue
		}
		if f := strings.Fields(line); len(f) == 4 && f[0] == "Page" && f[2] == "rot:" {
			n, err1 := strconv.Atoi(f[1])
			r, err2 := strconv.Atoi(f[3])
			if err1 == nil && err2 == nil {
				rot[n] = ((r % 360) + 360) % 360
			}
		}
	}
	if pages < 0 {
		return 0, nil, fmt.Errorf("pdfinfo: no page count")
	}
	return pages, rot, nil
}

// embedded is one image drawn on a page, as pdfimages lists it.
type embedded struct {
	width, height int
	ppi           int // the smaller of its x and y resolutions on the page
}

// listImages lists the images of each page (soft masks and stencils left
// out: they are not the scan).
func (c *child) listImages(ctx context.Context) (map[int][]embedded, error) {
	out, err := c.run(ctx, c.in.Tools.PDFImages, "-list", c.in.Path)
	if err != nil {
		return nil, err
	}
	return parseImageList(string(out)), nil
}

// parseImageList reads `pdfimages -list`: page num type width height color
// comp bpc enc interp object ID x-ppi y-ppi size ratio.
func parseImageList(s string) map[int][]embedded {
	pages := map[int][]embedded{}
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) < 14 || f[2] != "image" {
			continue
		}
		page, err1 := strconv.Atoi(f[0])
		w, err2 := strconv.Atoi(f[3])
		h, err3 := strconv.Atoi(f[4])
		xppi, err4 := strconv.Atoi(f[12])
		yppi, err5 := strconv.Atoi(f[13])
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || err5 != nil {
			continue
		}
		pages[page] = append(pages[page], embedded{width: w, height: h, ppi: min(xppi, yppi)})
	}
	return pages
}

// readPage takes the page's image and reads it.
func (c *child) readPage(ctx context.Context, n int, imgs []embedded) Page {
	p := Page{Number: n}
	for i, im := range imgs {
		if i == 0 || im.ppi < p.DPI {
			p.DPI = im.ppi
		}
	}
	file, err := c.pageImage(ctx, n, imgs, &p)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	dpi := p.DPI
	if p.Source == "rendered" {
		dpi = c.in.RenderDPI
	}
	if err := c.recognize(ctx, file, dpi, &p); err != nil {
		p.Error = err.Error()
		return p
	}
	if p.Confidence >= retryBelow && p.Words >= retryWords && !p.sideways {
		return p
	}
	// Read poorly, or the words stand taller than wide: perhaps the page
	// lies on its side or upside down. OSD costs about as much as reading
	// a page, so it runs only then.
	turn, err := c.orientation(ctx, file, dpi)
	if err != nil || turn == 0 {
		return p
	}
	upright, err := rotateFile(file, turn)
	if err != nil {
		return p
	}
	// OSD was sure: keep the upright reading unless it reads clearly worse
	// (Tesseract often reads a page on its side about as well).
	q := p
	if err := c.recognize(ctx, upright, dpi, &q); err == nil && q.Confidence*float64(q.Words+1) >= 0.8*p.Confidence*float64(p.Words+1) {
		q.Rotation = turn
		return q
	}
	return p
}

// pageImage writes the page's image into the work folder: the embedded
// image as it is when the page is one image of reasonable size, a
// rendering otherwise.
func (c *child) pageImage(ctx context.Context, n int, imgs []embedded, p *Page) (string, error) {
	prefix := filepath.Join(c.in.Work, fmt.Sprintf("p%04d", n))
	page := strconv.Itoa(n)
	if len(imgs) == 1 && imgs[0].width*imgs[0].height <= maxImagePixels && imgs[0].ppi >= 50 {
		if _, err := c.run(ctx, c.in.Tools.PDFImages, "-f", page, "-l", page, "-j", "-png", c.in.Path, prefix); err == nil {
			if files, _ := filepath.Glob(prefix + "-*"); len(files) > 0 {
				sort.Strings(files)
				p.Source = "image"
				// The image as stored; the page shows it turned by its
				// /Rotate: read it as the page shows it.
				if r := c.rotations[n]; r != 0 {
					return rotateFile(files[0], r)
				}
				return files[0], nil
			}
		}
	}
	if _, err := c.run(ctx, c.in.Tools.PDFToPPM, "-f", page, "-l", page, "-r", strconv.Itoa(c.in.RenderDPI), "-gray", "-png", "-singlefile", c.in.Path, prefix+"r"); err != nil {
		return "", err
	}
	p.Source = "rendered"
	return prefix + "r.png", nil
}

// recognize runs Tesseract (Russian, automatic page segmentation) and
// fills the page's text, words and confidence from its TSV.
func (c *child) recognize(ctx context.Context, file string, dpi int, p *Page) error {
	args := []string{file, "stdout", "-l", "rus", "--psm", "3"}
	if dpi >= 70 {
		args = append(args, "--dpi", strconv.Itoa(dpi))
	}
	out, err := c.run(ctx, c.in.Tools.Tesseract, append(args, "tsv")...)
	if err != nil {
		return err
	}
	var tall float64
	p.Text, p.Words, p.Confidence, tall = parseTSV(string(out))
	p.sideways = tall > 0.5
	p.Text = cut(p.Text, maxPageText)
	return nil
}

// parseTSV rebuilds the text (a line per Tesseract line, a blank line
// between blocks) and the length-weighted mean confidence of its words;
// tall is the share of words of 4 letters or more whose box is taller than
// wide (text running up or down a page that lies on its side).
func parseTSV(s string) (text string, words int, confidence, tall float64) {
	var b strings.Builder
	var sum, weight float64
	var long, upright int
	lastBlock, lastLine := "", ""
	for i, line := range strings.Split(s, "\n") {
		f := strings.Split(line, "\t")
		if i == 0 || len(f) < 12 || f[0] != "5" {
			continue
		}
		word := strings.TrimSpace(f[11])
		conf, err := strconv.ParseFloat(f[10], 64)
		if word == "" || err != nil || conf < 0 {
			continue
		}
		block, ln := f[2], f[2]+"."+f[3]+"."+f[4]
		switch {
		case b.Len() == 0:
		case block != lastBlock:
			b.WriteString("\n\n")
		case ln != lastLine:
			b.WriteString("\n")
		default:
			b.WriteString(" ")
		}
		lastBlock, lastLine = block, ln
		b.WriteString(word)
		words++
		w := float64(len([]rune(word)))
		sum += conf * w
		weight += w
		if w >= 4 {
			long++
			bw, _ := strconv.Atoi(f[8])
			bh, _ := strconv.Atoi(f[9])
			if bh > bw {
				upright++
			}
		}
	}
	if weight > 0 {
		confidence = sum / weight
	}
	if long > 0 {
		tall = float64(upright) / float64(long)
	}
	return b.String(), words, confidence, tall
}

// orientation asks OSD how far the page must turn clockwise to stand
// upright; 0 when it is upright or OSD is unsure.
func (c *child) orientation(ctx context.Context, file string, dpi int) (int, error) {
	args := []string{file, "stdout", "--psm", "0", "-l", "osd"}
	out, err := c.run(ctx, c.in.Tools.Tesseract, args...)
	if err != nil {
		return 0, err
	}
	return parseOSD(string(out)), nil
}

// parseOSD reads "Rotate: 90" and "Orientation confidence: 4.2" of
// Tesseract's OSD; a confidence under 1.5 counts as unsure.
func parseOSD(s string) int {
	rotate, conf := 0, 0.0
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "Rotate":
			rotate, _ = strconv.Atoi(v)
		case "Orientation confidence":
			conf, _ = strconv.ParseFloat(v, 64)
		}
	}
	if conf < 1.5 {
		return 0
	}
	switch rotate {
	case 90, 180, 270:
		return rotate
	}
	return 0
}

// rotateFile writes the image turned clockwise by deg as a PNG beside it.
func rotateFile(file string, deg int) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	src, _, err := image.Decode(f)
	f.Close()
	if err != nil {
		return "", fmt.Errorf("decode page image: %w", err)
	}
	dst := Rotate(src, deg)
	out := strings.TrimSuffix(file, filepath.Ext(file)) + "-upright.png"
	w, err := os.Create(out)
	if err != nil {
		return "", err
	}
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, dst); err != nil {
		w.Close()
		return "", err
	}
	return out, w.Close()
}

// Rotate turns img clockwise by deg (90, 180 or 270), pixel for pixel, in
// grey (what Tesseract reads; the stored file is not touched).
func Rotate(img image.Image, deg int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	var dst *image.Gray
	if deg == 180 {
		dst = image.NewGray(image.Rect(0, 0, w, h))
	} else {
		dst = image.NewGray(image.Rect(0, 0, h, w))
	}
	for y := range h {
		for x := range w {
			c := img.At(b.Min.X+x, b.Min.Y+y)
			switch deg {
			case 90:
				dst.Set(h-1-y, x, c)
			case 180:
				dst.Set(w-1-x, h-1-y, c)
			case 270:
				dst.Set(y, w-1-x, c)
			default:
				dst.Set(x, y, c)
			}
		}
	}
	return dst
}

// cut shortens s to at most n bytes on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

func firstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return "no message"
}
