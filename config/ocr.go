package config

import (
	"flag"
	"fmt"
	"time"
)

// OCR is the reading of accepted scans (package ocr, job readings): on,
// off, or auto (on when Tesseract and poppler are installed, with a
// warning when they are not); the limits of one reading's sandbox child;
// Tesseract runs at once within a reading; readings at once in a process
// with workers.
type OCR struct {
	Mode     string
	Memory   int64
	Timeout  time.Duration
	Parallel int
	Workers  int
	// TextLayer lays the text read on each page into the portfolio as an
	// invisible layer, so that the merged PDF is searchable.
	TextLayer bool
}

// defaultOCR: on when installed; a 1 GiB address space (Tesseract's rus
// model and a 300 dpi page take about 200 MiB); 3 minutes a document;
// two Tesseract processes at once (the machine's two cores); one document
// at a time.
func defaultOCR() OCR {
	return OCR{Mode: "auto", Memory: 1 << 30, Timeout: 3 * time.Minute, Parallel: 2, Workers: 1}
}

// ocrFlags declares the flags; the returned function completes the
// configuration after parsing.
func ocrFlags(fs *flag.FlagSet, c *Config) func() {
	fs.StringVar(&c.OCR.Mode, "ocr", c.OCR.Mode, "read accepted scans with Tesseract: auto (when installed), on or off")
	mb := fs.Int64("ocr-memory-mb", c.OCR.Memory>>20, "address space one reading's sandbox child and its tools may add, MiB")
	fs.DurationVar(&c.OCR.Timeout, "ocr-timeout", c.OCR.Timeout, "longest one document's reading may take")
	fs.IntVar(&c.OCR.Parallel, "ocr-parallel", c.OCR.Parallel, "Tesseract processes at once within one reading")
	fs.IntVar(&c.OCR.Workers, "ocr-workers", c.OCR.Workers, "documents read at once in a process with workers")
	fs.BoolVar(&c.OCR.TextLayer, "ocr-text-layer", c.OCR.TextLayer, "lay the text read on the scans into portfolios as an invisible, searchable layer")
	return func() { c.OCR.Memory = *mb << 20 }
}

func (c Config) validateOCR() []error {
	var errs []error
	switch c.OCR.Mode {
	case "auto", "on", "off":
	default:
		errs = append(errs, fmt.Errorf("ocr %q: want auto, on or off", c.OCR.Mode))
	}
	if c.OCR.Memory < 256<<20 {
		errs = append(errs, fmt.Errorf("ocr-memory-mb %d: want at least 256", c.OCR.Memory>>20))
	}
	if c.OCR.Timeout < 10*time.Second {
		errs = append(errs, fmt.Errorf("ocr-timeout %s: want at least 10s", c.OCR.Timeout))
	}
	if c.OCR.Parallel < 1 || c.OCR.Parallel > 16 {
		errs = append(errs, fmt.Errorf("ocr-parallel %d: want 1 .. 16", c.OCR.Parallel))
	}
	if c.OCR.Workers < 1 || c.OCR.Workers > 16 {
		errs = append(errs, fmt.Errorf("ocr-workers %d: want 1 .. 16", c.OCR.Workers))
	}
	return errs
}
