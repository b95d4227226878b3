package checks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"accredpack/sandbox"
)

// Checker applies the FRMR file rules. It parses PDFs in sandboxed child
// processes, at most as many at once as its runner allows.
type Checker struct {
	maxBytes int64
	runner   *sandbox.Runner
}

// NewChecker returns a checker with a size limit in bytes.
func NewChecker(maxBytes int64, runner *sandbox.Runner) *Checker {
	return &Checker{maxBytes: maxBytes, runner: runner}
}

// MaxBytes is the size limit.
func (c *Checker) MaxBytes() int64 { return c.maxBytes }

// RulesVersion is the version of the file rules Check applies; a document
// records the version it passed at upload (dossier.Document.Rules). Raise
// it with every rule that refuses a file earlier rules accepted: bundles
// re-check the documents stored under older rules, and trust the others
// by their SHA-256 (the bytes the check passed).
//
//	1: size, PDF by content, trailer, relaxed parse, encryption, pages
//	2: active content (JavaScript, Launch, embedded files), nesting depth,
//	   polyglots (38eaeb0)
const RulesVersion = 2

// Verdict is an accepted file: the facts kept in the document record.
type Verdict struct {
	Size    int64
	SHA256  string
	Pages   int
	Version string
	Rules   int // RulesVersion
}

// CheckStream is the stream form: it spools r into dir (reading at most the
// limit plus one byte), then checks the spooled file. On success the caller
// owns the spool file and must Remove it; on failure nothing is left. A
// rule the file breaks is a *Problem; any other error is the machine's.
func (c *Checker) CheckStream(ctx context.Context, r io.Reader, dir string) (*Spooled, Verdict, error) {
	s, err := Spool(ctx, r, dir, c.maxBytes)
	if err != nil {
		return nil, Verdict{}, err
	}
	v, err := c.checkSpooled(ctx, s)
	if err != nil {
		s.Remove()
		return nil, Verdict{}, err
	}
	return s, v, nil
}

// CheckFile is the file form, for a file already on disk.
func (c *Checker) CheckFile(ctx context.Context, path string) (Verdict, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Verdict{}, fmt.Errorf("stat %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return Verdict{}, fmt.Errorf("%s is not a regular file", path)
	}
	if fi.Size() > c.maxBytes {
		return Verdict{}, TooLarge(c.maxBytes)
	}
	f, err := os.Open(path)
	if err != nil {
		return Verdict{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	// Hash and take head and tail in one pass, with the same code as uploads.
	s, err := Spool(ctx, f, os.TempDir(), c.maxBytes)
	if err != nil {
		return Verdict{}, err
	}
	defer s.Remove()
	return c.checkSpooled(ctx, s)
}

// CheckSpooled applies the content rules (not the size limit, which
// spooling enforces) to a file already spooled: a part of a composition
// may be larger than a slot file when it is to be optimized.
func (c *Checker) CheckSpooled(ctx context.Context, s *Spooled) (Verdict, error) {
	return c.checkSpooled(ctx, s)
}

// Prescreen applies the rules that need no parse (a PDF by its content, a
// trailer at its end) to a spooled file: a cheap refusal of what is plainly
// no PDF before any child starts or any byte is stored. It is also the
// first step of every check. Its error is a *Problem.
func (c *Checker) Prescreen(s *Spooled) error {
	if p := sniff(s.Head, s.Size); p != nil {
		return p
	}
	if p := checkTrailer(s.Tail); p != nil {
		return p
	}
	return nil
}

func (c *Checker) checkSpooled(ctx context.Context, s *Spooled) (Verdict, error) {
	if err := c.Prescreen(s); err != nil {
		return Verdict{}, err
	}
	var facts PDFFacts
	err := c.runner.Run(ctx, TaskInspectPDF, inspectInput{Path: s.Path}, &facts)
	if p := judgePDF(facts, s.Size, err); p != nil {
		return Verdict{}, p
	}
	if err != nil {
		return Verdict{}, fmt.Errorf("inspect PDF: %w", err)
	}
	return Verdict{Size: s.Size, SHA256: s.SHA256, Pages: facts.Pages, Version: facts.Version, Rules: RulesVersion}, nil
}

// AsProblem returns the *Problem in err's chain, if any.
func AsProblem(err error) (*Problem, bool) {
	var p *Problem
	ok := errors.As(err, &p)
	return p, ok
}
