package packager

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"accredpack/templates"
)

// joiner writes one PDF out of several, one source at a time: a source's
// pages, flattened (inherited attributes resolved into each page), and the
// objects they reach are renumbered and written as they are read; the page
// tree, the outlines, the catalog and a classic cross-reference table come
// at the end. Memory holds one source's pdfcpu context (its caller's) and
// eight bytes per object written, never the output.
//
// Every page is stamped: its contents are wrapped in q … Q and followed by
// a stream drawing "стр. N из M" bottom-centre (and a draft mark at the
// top) as the page is viewed, whatever its /Rotate and box origin, in the
// embedded face (templates.StampFace) whose font objects are written once.
type joiner struct {
	w       *countingWriter
	offsets []int64 // by object number - 1; -1: reserved, not yet written
	front   []int   // the front pages' object numbers, in order
	pages   []int   // the documents' pages' object numbers, in order
	marks   []mark
	// The front pages come first in the page tree and in the numbering,
	// but may be written after documents (drawn while these are copied):
	// until then, hasFront is false and the stamps of the documents' pages
	// wait in pending, each under the object number its page refers to.
	hasFront bool
	pending  []stampSpec

	root     int // page tree root, written last
	qOpen    int // the shared "q" stream opening every page's contents
	font     int // the stamp face's Type0 font
	face     *templates.StampFace
	stamp    string // page stamp with %p (page) and %P (pages)
	draft    string // draft mark, or empty
	docPages int    // pages the documents will have (the front's are added)
	maxDepth int
	version  model.Version // the highest of the sources', at least 1.4
}

type mark struct {
	title string
	page  int // index in pages
}

// stampSpec is what a page's stamp needs besides its number.
type stampSpec struct {
	nr     int // the stamp's object number, reserved
	index  int // the page's index in front or pages
	front  bool
	font   string     // the stamp face's name in the page's resources
	view   [4]float64 // the page's box as viewed
	rotate int
	text   string // invisible text, if any
}

// ref is an object number of the output inside an object being written
// (a source's own references are types.IndirectRef and get renumbered).
type ref int

func (r ref) String() string      { return r.PDFString() }
func (r ref) Clone() types.Object { return r }
func (r ref) PDFString() string   { return strconv.Itoa(int(r)) + " 0 R" }

// countingWriter counts what is written and keeps the first error (the
// output's, not a source's).
type countingWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

func (c *countingWriter) WriteString(s string) (int, error) {
	n, err := c.w.WriteString(s)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// newJoiner writes the header, the shared objects and the stamp face's
// font to w. docPages is the number of pages the documents will have.
func newJoiner(w io.Writer, face *templates.StampFace, sheet *model.Context, stamp, draft string, docPages int) (*joiner, error) {
	j := &joiner{w: &countingWriter{w: bufio.NewWriterSize(w, 256<<10)}, face: face, stamp: stamp, draft: draft, docPages: docPages, maxDepth: 200, version: model.V14}
	// The header says 1.4; the catalog says more when a source is newer
	// (PDF 32000-1 7.7.2): the sources are not known yet.
	j.w.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	j.root = j.reserve()
	j.qOpen = j.reserve()
	if err := j.stream(j.qOpen, []byte("q\n")); err != nil {
		return nil, err
	}
	font, err := j.copyFont(sheet)
	if err != nil {
		return nil, fmt.Errorf("stamp face: %w", err)
	}
	j.font = font
	return j, nil
}

func (j *joiner) reserve() int {
	j.offsets = append(j.offsets, -1)
	return len(j.offsets)
}

func (j *joiner) begin(n int) {
	j.offsets[n-1] = j.w.n
	j.w.WriteString(strconv.Itoa(n))
	j.w.WriteString(" 0 obj\n")
}

func (j *joiner) end() error {
	_, err := j.w.WriteString("\nendobj\n")
	return err
}

// stream writes an unfiltered stream object.
func (j *joiner) stream(n int, data []byte) error {
	j.begin(n)
	fmt.Fprintf(j.w, "<</Length %d>>\nstream\n", len(data))
	j.w.Write(data)
	j.w.WriteString("\nendstream")
	return j.end()
}

// source is one input being copied: its context and its renumbering.
type source struct {
	j     *joiner
	xt    *model.XRefTable
	num   map[int]int // source object number -> output object number
	queue []int       // source objects numbered, not yet written
	skip  map[int]bool
}

func (j *joiner) newSource(ctx *model.Context) (*source, error) {
	if ctx.Encrypt != nil {
		return nil, errors.New("encrypted")
	}
	if ctx.HeaderVersion != nil || ctx.RootVersion != nil {
		j.version = max(j.version, ctx.XRefTable.Version())
	}
	s := &source{j: j, xt: ctx.XRefTable, num: map[int]int{}, skip: map[int]bool{}}
	if ctx.Root != nil {
		s.skip[ctx.Root.ObjectNumber.Value()] = true
	}
	return s, nil
}

// copyFont copies the one font of the sheet's first page.
func (j *joiner) copyFont(sheet *model.Context) (int, error) {
	s, err := j.newSource(sheet)
	if err != nil {
		return 0, err
	}
	pages, err := s.leaves()
	if err != nil {
		return 0, err
	}
	if len(pages) == 0 {
		return 0, errors.New("no page")
	}
	res, err := s.dict(pages[0].resources)
	if err != nil || res == nil {
		return 0, fmt.Errorf("no resources: %v", err)
	}
	fonts, err := s.dict(res["Font"])
	if err != nil || len(fonts) != 1 {
		return 0, fmt.Errorf("want one font, have %d (%v)", len(fonts), err)
	}
	for _, f := range fonts {
		ir, ok := f.(types.IndirectRef)
		if !ok {
			return 0, errors.New("a direct font")
		}
		n := s.number(ir.ObjectNumber.Value())
		return n, s.drain()
	}
	panic("unreachable")
}

// page is a leaf of a source's page tree with what it inherits.
type page struct {
	nr                           int
	dict                         types.Dict
	resources, mediaBox, cropBox types.Object
	rotate                       types.Object
}

// leaves walks the page tree in order; its inner nodes are not copied.
func (s *source) leaves() ([]page, error) {
	rootRef, err := s.xt.Pages()
	if err != nil {
		return nil, fmt.Errorf("page tree: %w", err)
	}
	var out []page
	seen := map[int]bool{}
	var walk func(ir types.IndirectRef, inh page, depth int) error
	walk = func(ir types.IndirectRef, inh page, depth int) error {
		if depth > s.j.maxDepth {
			return errors.New("page tree too deep")
		}
		nr := ir.ObjectNumber.Value()
		if seen[nr] {
			return fmt.Errorf("page tree visits object %d twice", nr)
		}
		seen[nr] = true
		d, err := s.xt.DereferenceDict(ir)
		if err != nil {
			return fmt.Errorf("page tree node %d: %w", nr, err)
		}
		if d == nil {
			return fmt.Errorf("page tree node %d is missing", nr)
		}
		for k, p := range map[string]*types.Object{"Resources": &inh.resources, "MediaBox": &inh.mediaBox, "CropBox": &inh.cropBox, "Rotate": &inh.rotate} {
			if v, ok := d[k]; ok && v != nil {
				*p = v
			}
		}
		kids, isNode := d["Kids"]
		t := d.Type()
		if t != nil && *t == "Pages" && !isNode {
			s.skip[nr] = true // an empty node
			return nil
		}
		if t != nil && *t == "Page" || !isNode {
			inh.nr, inh.dict = nr, d
			out = append(out, inh)
			return nil
		}
		s.skip[nr] = true
		a, err := s.xt.DereferenceArray(kids)
		if err != nil {
			return fmt.Errorf("page tree node %d: kids: %w", nr, err)
		}
		for _, k := range a {
			kr, ok := k.(types.IndirectRef)
			if !ok {
				return fmt.Errorf("page tree node %d: a kid is no reference", nr)
			}
			if err := walk(kr, inh, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(*rootRef, page{}, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// number is the output number of source object nr, given on first use
// (and queued for writing).
func (s *source) number(nr int) int {
	if n, ok := s.num[nr]; ok {
		return n
	}
	n := s.j.reserve()
	s.num[nr] = n
	s.queue = append(s.queue, nr)
	return n
}

func (s *source) dict(o types.Object) (types.Dict, error) {
	o, err := s.xt.Dereference(o)
	if err != nil || o == nil {
		return nil, err
	}
	switch o := o.(type) {
	case types.Dict:
		return o, nil
	case types.StreamDict:
		return o.Dict, nil
	}
	return nil, fmt.Errorf("want a dictionary, have %T", o)
}

// exists reports whether a reference leads to an object (one that does
// not is null, PDF 32000-1 7.3.10).
func (s *source) exists(nr int) bool {
	e, ok := s.xt.Table[nr]
	return ok && e != nil && !e.Free && e.Object != nil
}

// put writes o, renumbering references.
func (s *source) put(o types.Object, depth int) error {
	if depth > s.j.maxDepth {
		return errors.New("objects nested too deep")
	}
	w := s.j.w
	switch o := o.(type) {
	case nil:
		w.WriteString("null")
	case ref:
		w.WriteString(o.PDFString())
	case types.IndirectRef:
		nr := o.ObjectNumber.Value()
		if s.skip[nr] || !s.exists(nr) {
			w.WriteString("null")
			return nil
		}
		w.WriteString(strconv.Itoa(s.number(nr)))
		w.WriteString(" 0 R")
	case types.Dict:
		w.WriteString("<<")
		keys := make([]string, 0, len(o))
		for k := range o {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			w.WriteString("/")
			w.WriteString(types.EncodeName(k))
			w.WriteString(" ")
			if err := s.put(o[k], depth+1); err != nil {
				return err
			}
		}
		w.WriteString(">>")
	case types.Array:
		w.WriteString("[")
		for i, v := range o {
			if i > 0 {
				w.WriteString(" ")
			}
			if err := s.put(v, depth+1); err != nil {
				return err
			}
		}
		w.WriteString("]")
	case types.Float:
		f := o.Value()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = 0
		}
		w.WriteString(strconv.FormatFloat(f, 'f', -1, 64))
	case types.Integer, types.Boolean, types.Name, types.StringLiteral, types.HexLiteral:
		w.WriteString(o.PDFString())
	default:
		return fmt.Errorf("object of type %T inside an object", o)
	}
	return nil
}

// drain writes every queued object.
func (s *source) drain() error {
	for len(s.queue) > 0 {
		nr := s.queue[0]
		s.queue = s.queue[1:]
		if err := s.writeObject(nr); err != nil {
			return fmt.Errorf("object %d: %w", nr, err)
		}
	}
	return nil
}

func (s *source) writeObject(nr int) error {
	e := s.xt.Table[nr]
	gen := 0
	if e.Generation != nil {
		gen = *e.Generation
	}
	o, err := s.xt.Dereference(*types.NewIndirectRef(nr, gen))
	if err != nil {
		return err
	}
	n := s.num[nr]
	s.j.begin(n)
	switch o := o.(type) {
	case types.StreamDict:
		d := make(types.Dict, len(o.Dict))
		for k, v := range o.Dict {
			d[k] = v
		}
		d["Length"] = types.Integer(len(o.Raw))
		if err := s.put(d, 0); err != nil {
			return err
		}
		s.j.w.WriteString("\nstream\n")
		s.j.w.Write(o.Raw)
		s.j.w.WriteString("\nendstream")
	case types.ObjectStreamDict, types.XRefStreamDict, types.LazyObjectStreamObject:
		// Cross-reference and object streams are the source's own filing.
		s.j.w.WriteString("null")
	case types.Dict:
		if t := o.Type(); t != nil && (*t == "Page" || *t == "Pages" || *t == "Catalog") {
			// A page outside the page tree (or a tree node) reached
			// through an annotation: not a page of the output.
			s.j.w.WriteString("null")
			break
		}
		if err := s.put(o, 0); err != nil {
			return err
		}
	default:
		if err := s.put(o, 0); err != nil {
			return err
		}
	}
	return s.j.end()
}

// add copies a document's pages after those of the documents before it;
// title, when given, bookmarks its first page. want, when positive, is
// the number of pages the source must have (its pages are counted in
// docPages already).
func (j *joiner) add(ctx *model.Context, title string, want int, texts []string) error {
	return j.copyPages(ctx, false, title, want, texts)
}

// addFront copies the front pages (cover, inventory), which open the
// output and its numbering wherever they are written, then the stamps of
// the documents' pages written before them.
func (j *joiner) addFront(ctx *model.Context) error {
	if j.hasFront {
		return errors.New("front pages twice")
	}
	if err := j.copyPages(ctx, true, "", 0, nil); err != nil {
		return err
	}
	j.hasFront = true
	for _, st := range j.pending {
		if err := j.writeStamp(st); err != nil {
			return err
		}
	}
	j.pending = nil
	return nil
}

func (j *joiner) copyPages(ctx *model.Context, front bool, title string, want int, texts []string) error {
	s, err := j.newSource(ctx)
	if err != nil {
		return err
	}
	pages, err := s.leaves()
	if err != nil {
		return err
	}
	if len(pages) == 0 {
		return errors.New("no pages")
	}
	if want > 0 && len(pages) != want {
		return fmt.Errorf("%d pages; its record says %d", len(pages), want)
	}
	list := &j.pages
	if front {
		list = &j.front
	} else if len(j.pages)+len(pages) > j.docPages {
		return fmt.Errorf("%d pages beyond the %d counted", len(j.pages)+len(pages)-j.docPages, j.docPages)
	}
	if title != "" {
		j.marks = append(j.marks, mark{title: title, page: len(j.pages)})
	}
	// Pages are numbered first: a link on one page may lead to a later one.
	first := len(*list)
	for _, p := range pages {
		*list = append(*list, s.number(p.nr))
	}
	s.queue = s.queue[:0]
	for i, p := range pages {
		st := stampSpec{index: first + i, front: front}
		if i < len(texts) {
			st.text = texts[i]
		}
		if err := s.writePage(p, &st); err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		if err := s.drain(); err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		if front || j.hasFront {
			err = j.writeStamp(st)
		} else {
			j.pending = append(j.pending, st)
		}
		if err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
	}
	return nil
}

// writeStamp writes a page's stamp, numbered once the front pages are
// known.
func (j *joiner) writeStamp(st stampSpec) error {
	number := st.index + 1
	if !st.front {
		number += len(j.front)
	}
	stamp, err := j.stampContent(st.font, st.view, st.rotate, number, st.text)
	if err != nil {
		return err
	}
	return j.stream(st.nr, stamp)
}

// writePage writes a flattened page dictionary whose contents end with
// its stamp, an object reserved here and written by the caller
// (writeStamp), and fills in st what the stamp needs. st.text, when not
// empty, is laid on the page as invisible text (the text read on a scan),
// so that the portfolio is searchable.
func (s *source) writePage(p page, st *stampSpec) error {
	d := make(types.Dict, len(p.dict)+4)
	for k, v := range p.dict {
		switch k {
		case "Parent", "B", "Resources", "MediaBox", "CropBox", "Rotate", "Contents":
		default:
			d[k] = v
		}
	}
	d["Parent"] = ref(s.j.root)
	media, err := s.rect(p.mediaBox)
	if err != nil || media == nil {
		media = &[4]float64{0, 0, 595.28, 841.89} // A4, where the file gives no usable box
	}
	d["MediaBox"] = rectArray(*media)
	view := *media
	if p.cropBox != nil {
		if crop, err := s.rect(p.cropBox); err == nil && crop != nil {
			d["CropBox"] = rectArray(*crop)
			view = intersect(*media, *crop)
		}
	}
	rotate := 0
	if r, err := s.xt.Dereference(p.rotate); err == nil {
		switch r := r.(type) {
		case types.Integer:
			rotate = r.Value()
		case types.Float:
			rotate = int(math.Round(r.Value()))
		}
	}
	rotate = ((rotate % 360) + 360) % 360 / 90 * 90
	if rotate != 0 {
		d["Rotate"] = types.Integer(rotate)
	}

	res, err := s.dict(p.resources)
	if err != nil {
		return fmt.Errorf("resources: %w", err)
	}
	nres := make(types.Dict, len(res)+1)
	for k, v := range res {
		nres[k] = v
	}
	fonts, err := s.dict(res["Font"])
	if err != nil {
		return fmt.Errorf("fonts: %w", err)
	}
	nfonts := make(types.Dict, len(fonts)+1)
	for k, v := range fonts {
		nfonts[k] = v
	}
	name := "APStamp"
	for i := 1; nfonts[name] != nil; i++ {
		name = "APStamp" + strconv.Itoa(i)
	}
	nfonts[name] = ref(s.j.font)
	nres["Font"] = nfonts
	d["Resources"] = nres

	contents := types.Array{ref(s.j.qOpen)}
	c, err := s.xt.Dereference(p.dict["Contents"])
	if err != nil {
		return fmt.Errorf("contents: %w", err)
	}
	switch c := c.(type) {
	case types.Array:
		contents = append(contents, c...)
	case types.StreamDict:
		contents = append(contents, p.dict["Contents"])
	}
	st.nr, st.font, st.view, st.rotate = s.j.reserve(), name, view, rotate
	d["Contents"] = append(contents, ref(st.nr))

	s.j.begin(s.num[p.nr])
	if err := s.put(d, 0); err != nil {
		return err
	}
	return s.j.end()
}

// rect is a box array as numbers, normalised (lower left first).
func (s *source) rect(o types.Object) (*[4]float64, error) {
	if o == nil {
		return nil, nil
	}
	a, err := s.xt.DereferenceArray(o)
	if err != nil {
		return nil, err
	}
	if len(a) != 4 {
		return nil, fmt.Errorf("a box of %d numbers", len(a))
	}
	var r [4]float64
	for i, v := range a {
		f, err := s.xt.DereferenceNumber(v)
		if err != nil {
			return nil, err
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errors.New("a box that is not finite")
		}
		r[i] = f
	}
	r = [4]float64{min(r[0], r[2]), min(r[1], r[3]), max(r[0], r[2]), max(r[1], r[3])}
	if r[2]-r[0] < 1 || r[3]-r[1] < 1 {
		return nil, errors.New("an empty box")
	}
	return &r, nil
}

func intersect(a, b [4]float64) [4]float64 {
	r := [4]float64{max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])}
	if r[2]-r[0] < 1 || r[3]-r[1] < 1 {
		return a
	}
	return r
}

func rectArray(r [4]float64) types.Array {
	return types.Array{types.Float(r[0]), types.Float(r[1]), types.Float(r[2]), types.Float(r[3])}
}

func num(f float64) string { return strconv.FormatFloat(math.Round(f*1000)/1000, 'f', -1, 64) }

// stampContent closes the page's own contents (Q) and draws the stamps (and
// the invisible text read on the page, if any) in
// the coordinates of the page as viewed: the matrix turns them with the
// page's /Rotate (clockwise when shown) and moves them to its box.
func (j *joiner) stampContent(font string, box [4]float64, rotate, number int, text string) ([]byte, error) {
	w, h := box[2]-box[0], box[3]-box[1]
	var m [6]float64
	vw, vh := w, h
	switch rotate {
	case 90:
		m, vw, vh = [6]float64{0, 1, -1, 0, box[0] + w, box[1]}, h, w
	case 180:
		m = [6]float64{-1, 0, 0, -1, box[0] + w, box[1] + h}
	case 270:
		m, vw, vh = [6]float64{0, -1, 1, 0, box[0], box[1] + h}, h, w
	default:
		m = [6]float64{1, 0, 0, 1, box[0], box[1]}
	}
	var b strings.Builder
	b.WriteString("\nQ\nq\n")
	for _, v := range m {
		b.WriteString(num(v))
		b.WriteByte(' ')
	}
	b.WriteString("cm\n")
	stamp := strings.NewReplacer("%p", strconv.Itoa(number), "%P", strconv.Itoa(len(j.front)+j.docPages)).Replace(j.stamp)
	if err := j.text(&b, font, stamp, 9, (vw-j.face.Width(stamp, 9))/2, 14, "0 g"); err != nil {
		return nil, err
	}
	if j.draft != "" {
		if err := j.text(&b, font, j.draft, 14, (vw-j.face.Width(j.draft, 14))/2, vh-26, "0.784 0 0 rg"); err != nil {
			return nil, err
		}
	}
	if text != "" {
		if err := j.invisible(&b, font, text, vh); err != nil {
			return nil, err
		}
	}
	b.WriteString("Q\n")
	return []byte(b.String()), nil
}

// invisible lays text line by line from the top left of the page as
// viewed, in render mode 3 (neither filled nor stroked): nothing shows,
// and search and text extraction find it. It is not placed word by word
// over the scan.
func (j *joiner) invisible(b *strings.Builder, font, text string, vh float64) error {
	fmt.Fprintf(b, "BT\n3 Tr\n/%s 6 Tf\n7 TL\n8 %s Td\n", types.EncodeName(font), num(vh-14))
	for i, line := range strings.Split(text, "\n") {
		enc, err := j.face.Encode(line)
		if err != nil {
			return err
		}
		if i > 0 {
			b.WriteString("T*\n")
		}
		b.WriteString(enc)
		b.WriteString(" Tj\n")
	}
	b.WriteString("ET\n")
	return nil
}

func (j *joiner) text(b *strings.Builder, font, text string, size, x, y float64, color string) error {
	enc, err := j.face.Encode(text)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "BT\n%s\n/%s %s Tf\n%s %s Td\n%s Tj\nET\n", color, types.EncodeName(font), num(size), num(x), num(y), enc)
	return nil
}

// finish writes the page tree, the outlines, the catalog, the
// cross-reference table and the trailer, and flushes.
func (j *joiner) finish() error {
	if !j.hasFront {
		return errors.New("no front pages")
	}
	if len(j.pages) != j.docPages {
		return fmt.Errorf("%d pages written of %d counted", len(j.pages), j.docPages)
	}
	j.begin(j.root)
	fmt.Fprintf(j.w, "<</Type /Pages /Count %d /Kids [", len(j.front)+len(j.pages))
	for i, p := range append(j.front[:len(j.front):len(j.front)], j.pages...) {
		if i > 0 {
			j.w.WriteString(" ")
		}
		j.w.WriteString(strconv.Itoa(p))
		j.w.WriteString(" 0 R")
	}
	j.w.WriteString("]>>")
	j.end()

	catalog := "<</Type /Catalog /Pages " + ref(j.root).PDFString()
	if len(j.marks) > 0 {
		outlines := j.reserve()
		items := make([]int, len(j.marks))
		for i := range items {
			items[i] = j.reserve()
		}
		j.begin(outlines)
		fmt.Fprintf(j.w, "<</Type /Outlines /First %d 0 R /Last %d 0 R /Count %d>>", items[0], items[len(items)-1], len(items))
		j.end()
		for i, m := range j.marks {
			j.begin(items[i])
			fmt.Fprintf(j.w, "<</Title %s /Parent %d 0 R /Dest [%d 0 R /Fit]", utf16Hex(m.title), outlines, j.pages[m.page])
			if i > 0 {
				fmt.Fprintf(j.w, " /Prev %d 0 R", items[i-1])
			}
			if i < len(items)-1 {
				fmt.Fprintf(j.w, " /Next %d 0 R", items[i+1])
			}
			j.w.WriteString(">>")
			j.end()
		}
		catalog += " /Outlines " + ref(outlines).PDFString() + " /PageMode /UseOutlines"
	}
	if j.version > model.V14 {
		catalog += " /Version /" + j.version.String()
	}
	cat := j.reserve()
	j.begin(cat)
	j.w.WriteString(catalog + ">>")
	j.end()

	xref := j.w.n
	fmt.Fprintf(j.w, "xref\n0 %d\n0000000000 65535 f \n", len(j.offsets)+1)
	for i, off := range j.offsets {
		if off < 0 {
			return fmt.Errorf("object %d reserved, never written", i+1)
		}
		fmt.Fprintf(j.w, "%010d 00000 n \n", off)
	}
	id := make([]byte, 16)
	rand.Read(id)
	fmt.Fprintf(j.w, "trailer\n<</Size %d /Root %d 0 R /ID [<%s> <%s>]>>\nstartxref\n%d\n%%%%EOF\n", len(j.offsets)+1, cat, hex.EncodeToString(id), hex.EncodeToString(id), xref)
	if err := j.w.w.Flush(); err != nil {
		return err
	}
	return j.w.err
}

// utf16Hex is a text string as UTF-16BE with a byte order mark.
func utf16Hex(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}
