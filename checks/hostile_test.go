package checks

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"accredpack/internal/testdocs"
	"accredpack/sandbox"
)

// TestHostileFiles sends a corpus of generated attacks through the whole
// check with a 256 MiB, 5 s child budget: each ends in its documented code
// (or one of a documented few, where a relaxed parser may repair the file)
// within the time bound, and the checker keeps working afterwards.
func TestHostileFiles(t *testing.T) {
	budget := sandbox.Limits{Memory: 256 << 20, Timeout: 5 * time.Second, Parallel: 2}
	c := newChecker(t, 25<<20, budget)
	pdf := testdocs.PDF(t, 3, "hostile")
	type want []string // acceptable outcomes: codes, or "ok"
	cases := []struct {
		name string
		data []byte
		want want
		says string // part of the message the user reads
	}{
		{"JavaScript action", testdocs.WithJavaScript(), want{CodePDFInvalid}, "JavaScript"},
		{"Launch action", testdocs.WithLaunch(), want{CodePDFInvalid}, "запуска программы"},
		{"embedded file", testdocs.WithAttachment(t), want{CodePDFInvalid}, "вложенные файлы"},
		{"page tree that contains itself", testdocs.SelfReferencing(), want{CodePDFInvalid}, ""},
		// pdfcpu parses the nesting without recursing and drops the unknown
		// key it hides in; refused when a kept structure nests deeper than 64.
		{"100,000 nested arrays", testdocs.DeepNesting(100_000), want{CodePDFInvalid, "ok"}, ""},
		{"two billion pages declared", testdocs.HugePageCount(), want{CodePDFInvalid}, ""},
		{"broken cross-reference", testdocs.BrokenXref(), want{CodePDFInvalid, "ok"}, ""},
		{"decompression bomb (1 GiB)", testdocs.DecompressionBomb(t, 1<<30), want{CodePDFInvalid}, ""},
		{"ZIP + PDF polyglot", testdocs.PolyglotZIP(t), want{CodeNotPDF}, "ZIP"},
		{"HTML with a PDF inside", testdocs.HTMLWithLatePDF(t), want{CodeNotPDF}, "HTML"},
		{"empty user password", testdocs.EmptyUserPassword(t), want{CodePDFEncrypted}, "паролем"},
		{"object number 356 billion", testdocs.HugeObjectNumber(), want{CodePDFInvalid}, ""},
	}
	for _, cut := range []int{1, 9, 64, len(pdf) / 4, len(pdf) / 2, len(pdf) * 3 / 4, len(pdf) - 200, len(pdf) - 7} {
		cases = append(cases, struct {
			name string
			data []byte
			want want
			says string
		}{fmt.Sprintf("truncated at %d of %d", cut, len(pdf)), testdocs.TruncatedAt(pdf, cut), want{CodePDFInvalid, CodeNotPDF}, ""})
	}
	for _, tc := range cases {
		start := time.Now()
		sp, v, err := c.CheckStream(context.Background(), bytes.NewReader(tc.data), t.TempDir())
		took := time.Since(start)
		got, msg := "ok", ""
		if err == nil {
			sp.Remove()
		} else if p, isProblem := AsProblem(err); isProblem {
			got, msg = p.Code, p.Message
		} else {
			t.Errorf("%s: not a verdict: %v", tc.name, err)
			continue
		}
		okay := false
		for _, w := range tc.want {
			okay = okay || w == got
		}
		if !okay || !strings.Contains(msg, tc.says) {
			t.Errorf("%s (%d bytes): %s %q (pages %d); want %v saying %q", tc.name, len(tc.data), got, msg, v.Pages, tc.want, tc.says)
		}
		if took > budget.Timeout+3*time.Second {
			t.Errorf("%s: took %s, beyond the %s bound", tc.name, took, budget.Timeout)
		}
		t.Logf("%-32s %8d bytes -> %-15s in %s", tc.name, len(tc.data), got, took.Round(time.Millisecond))
	}
	// Still working.
	if _, v, err := c.CheckStream(context.Background(), bytes.NewReader(pdf), t.TempDir()); err != nil || v.Pages != 3 {
		t.Errorf("after the corpus a valid file gives %+v, %v", v, err)
	}
}
