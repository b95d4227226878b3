package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
)

type authReader struct{ io.Reader }

func (authReader) Authenticated() bool { return true }

func TestVerify(t *testing.T) {
	sum := sha256.Sum256([]byte("scan"))
	want := hex.EncodeToString(sum[:])
	read := func(rc io.ReadCloser) error { _, err := io.ReadAll(rc); return err }
	if err := read(Verify(io.NopCloser(strings.NewReader("scan")), 4, want)); err != nil {
		t.Errorf("the right bytes: %v", err)
	}
	if err := read(Verify(io.NopCloser(strings.NewReader("scam")), 4, want)); !errors.Is(err, ErrChecksum) {
		t.Errorf("other bytes of the same size: %v; want ErrChecksum", err)
	}
	// An authenticating reader (a sealed object) is trusted for its bytes,
	// not for its length.
	auth := func(s string) io.ReadCloser { return io.NopCloser(authReader{strings.NewReader(s)}) }
	if err := read(Verify(auth("scan"), 4, want)); err != nil {
		t.Errorf("an authenticated object: %v", err)
	}
	for _, s := range []string{"sca", "scans"} {
		if err := read(Verify(auth(s), 4, want)); !errors.Is(err, ErrChecksum) {
			t.Errorf("an authenticated object of %d bytes for 4: %v; want ErrChecksum", len(s), err)
		}
	}
}
