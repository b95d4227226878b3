package checks

import (
	"bytes"
	"context"
	"testing"
	"time"

	"accredpack/internal/testdocs"
	"accredpack/sandbox"
)

// FuzzCheckStream sends arbitrary bytes through the whole file check, the
// pdfcpu parse in its sandboxed child included: every input ends in a
// verdict or in one of the documented refusals, within the child's time
// and memory bound; the parent never panics.
func FuzzCheckStream(f *testing.F) {
	pdf := testdocs.PDF(f, 2, "fuzz")
	for _, seed := range [][]byte{pdf, testdocs.Truncated(pdf), testdocs.GarbageAfterHeader(), testdocs.ZeroPages(),
		testdocs.HugeObjectNumber(), testdocs.Encrypted(f, pdf), testdocs.OwnerLocked(f, pdf), testdocs.JPEG(f), testdocs.HTML(), testdocs.ManyPages(50), {}} {
		f.Add(seed)
	}
	c := newChecker(f, 1<<20, sandbox.Limits{Memory: 256 << 20, Timeout: 5 * time.Second, Parallel: 2})
	dir := f.TempDir()
	codes := map[string]bool{CodeTooLarge: true, CodeNotPDF: true, CodePDFInvalid: true, CodePDFEncrypted: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		sp, v, err := c.CheckStream(context.Background(), bytes.NewReader(data), dir)
		if err == nil {
			defer sp.Remove()
			if v.Pages < 1 || v.Size != int64(len(data)) || len(v.SHA256) != 64 {
				t.Fatalf("accepted with verdict %+v for %d bytes", v, len(data))
			}
			return
		}
		p, ok := AsProblem(err)
		if !ok || !codes[p.Code] || p.Message == "" {
			t.Fatalf("%d bytes: not a documented refusal: %v", len(data), err)
		}
	})
}
