package sealed

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"testing"

	"accredpack/keyring"
)

func testRing(t testing.TB, ids ...string) *keyring.Ring {
	t.Helper()
	if len(ids) == 0 {
		ids = []string{"k1"}
	}
	var b bytes.Buffer
	for _, id := range ids {
		b.WriteString(id + " " + base64.StdEncoding.EncodeToString(keyring.NewDataKey()) + "\n")
	}
	r, err := keyring.Parse(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func sealBytes(t testing.TB, ring *keyring.Ring, label string, plain []byte, chunk int) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := newWriter(&out, ring, label, chunk)
	if err != nil {
		t.Fatal(err)
	}
	// Odd write sizes cross chunk boundaries.
	for p := plain; len(p) > 0; {
		n := min(len(p), 7)
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := int64(out.Len()), sealedSize(int64(len(plain)), chunk); got != want {
		t.Fatalf("sealed %d bytes into %d; sealedSize says %d", len(plain), got, want)
	}
	return out.Bytes()
}

// openBoth reads a sealed object with both readers; they must agree.
func openBoth(t *testing.T, ring *keyring.Ring, label string, sealed []byte) ([]byte, error) {
	t.Helper()
	var got1 []byte
	r, err1 := NewReader(bytes.NewReader(sealed), ring, label)
	if err1 == nil {
		got1, err1 = io.ReadAll(r)
	}
	var got2 []byte
	rs, err2 := NewReadSeeker(bytes.NewReader(sealed), ring, label)
	if err2 == nil {
		got2, err2 = io.ReadAll(rs)
	}
	if (err1 == nil) != (err2 == nil) || !bytes.Equal(got1, got2) && err1 == nil {
		t.Fatalf("readers disagree: stream %v, seeker %v", err1, err2)
	}
	if err1 != nil {
		return nil, err1
	}
	return got1, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestRoundTripSizes(t *testing.T) {
	ring := testRing(t)
	for _, n := range []int{0, 1, 15, 16, 17, 32, 100, 1000} {
		plain := randomBytes(n)
		sealed := sealBytes(t, ring, "documents/a", plain, 16)
		got, err := openBoth(t, ring, "documents/a", sealed)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%d bytes: got %d bytes, %v", n, len(got), err)
		}
		if size, ok := PlainSize(int64(len(sealed)), 16); !ok || size != int64(n) {
			t.Errorf("%d bytes: PlainSize(%d) = %d, %v", n, len(sealed), size, ok)
		}
	}
	// Sizes no sealed object has.
	for _, size := range []int64{0, HeaderSize - 1, HeaderSize, HeaderSize + 15, HeaderSize + 32 + 10} {
		if _, ok := PlainSize(size, 16); ok {
			t.Errorf("PlainSize(%d) accepted", size)
		}
	}
}

func TestSeekReadsTheRightSlice(t *testing.T) {
	ring := testRing(t)
	plain := randomBytes(1000)
	sealed := sealBytes(t, ring, "k", plain, 16)
	rs, err := NewReadSeeker(bytes.NewReader(sealed), ring, "k")
	if err != nil {
		t.Fatal(err)
	}
	if rs.Size() != 1000 {
		t.Fatalf("size %d", rs.Size())
	}
	for _, r := range [][2]int64{{0, 1}, {15, 17}, {16, 32}, {500, 1000}, {999, 1000}, {3, 900}, {0, 1000}} {
		if _, err := rs.Seek(r[0], io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, r[1]-r[0])
		if _, err := io.ReadFull(rs, got); err != nil || !bytes.Equal(got, plain[r[0]:r[1]]) {
			t.Errorf("range %v: %v", r, err)
		}
	}
	if end, _ := rs.Seek(0, io.SeekEnd); end != 1000 {
		t.Errorf("end at %d", end)
	}
	if n, err := rs.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("read at end: %d, %v", n, err)
	}
}

// TestTampering: every damage fails with ErrCorrupt and never returns a
// byte that was not sealed there.
func TestTampering(t *testing.T) {
	ring := testRing(t)
	const chunk = 16
	full := chunk + Overhead
	plain := randomBytes(5*chunk + 5) // 6 chunks, the last short
	sealed := sealBytes(t, ring, "documents/a", plain, chunk)
	other := sealBytes(t, ring, "documents/b", randomBytes(len(plain)), chunk)
	exact := sealBytes(t, ring, "documents/a", plain[:5*chunk], chunk) // last chunk full
	chunkAt := func(i int) int { return HeaderSize + i*full }
	cut := func(b []byte, from, to int) []byte {
		return append(append([]byte{}, b[:from]...), b[to:]...)
	}
	cases := map[string][]byte{
		"truncated last chunk":    sealed[:len(sealed)-1],
		"last chunk dropped":      sealed[:chunkAt(5)],
		"cut inside the tag":      sealed[:chunkAt(5)+3],
		"full last chunk dropped": exact[:chunkAt(4)],
		"middle chunk dropped":    cut(sealed, chunkAt(2), chunkAt(3)),
		"first chunk dropped":     cut(sealed, chunkAt(0), chunkAt(1)),
		"bytes appended":          append(append([]byte{}, sealed...), 0),
		"chunk appended":          append(append([]byte{}, exact...), exact[chunkAt(1):chunkAt(2)]...),
		"another object's header": append(append([]byte{}, other[:HeaderSize]...), sealed[HeaderSize:]...),
		"another object's chunk":  append(append(append([]byte{}, sealed[:chunkAt(1)]...), other[chunkAt(1):chunkAt(2)]...), sealed[chunkAt(2):]...),
		"header only":             sealed[:HeaderSize],
		"shorter than header":     sealed[:100],
		"chunk size changed":      func() []byte { b := bytes.Clone(sealed); b[11] = 32; return b }(),
		"version changed":         func() []byte { b := bytes.Clone(sealed); b[7] = 2; return b }(),
		"reserved byte changed":   func() []byte { b := bytes.Clone(sealed); b[13] = 1; return b }(),
		"key slot emptied":        func() []byte { b := bytes.Clone(sealed); b[16], b[17] = 0, 0; return b }(),
		"chunks swapped":          nil,
	}
	swapped := bytes.Clone(sealed)
	copy(swapped[chunkAt(1):chunkAt(2)], sealed[chunkAt(2):chunkAt(3)])
	copy(swapped[chunkAt(2):chunkAt(3)], sealed[chunkAt(1):chunkAt(2)])
	cases["chunks swapped"] = swapped
	for name, b := range cases {
		if got, err := openBoth(t, ring, "documents/a", b); err == nil {
			t.Errorf("%s: opened (%d bytes)", name, len(got))
		} else if name != "version changed" && !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v; want ErrCorrupt", name, err)
		}
	}
	// The whole object under another name.
	if _, err := openBoth(t, ring, "documents/c", sealed); !errors.Is(err, ErrCorrupt) {
		t.Errorf("renamed object: %v", err)
	}
	// Every single flipped byte fails, but those of the empty key slot (a
	// re-wrap cut by a crash leaves that slot torn, and the other opens);
	// a read of the chunks before the damage returns only true bytes.
	for i := range sealed {
		if i >= slot1 && i < slot1+slotSize {
			continue
		}
		b := bytes.Clone(sealed)
		b[i] ^= 0x40
		r, err := NewReader(bytes.NewReader(b), ring, "documents/a")
		if err != nil {
			continue
		}
		got, err := io.ReadAll(r)
		if err == nil {
			t.Fatalf("byte %d flipped: opened", i)
		}
		if !bytes.Equal(got, plain[:len(got)]) {
			t.Fatalf("byte %d flipped: returned wrong bytes", i)
		}
	}
	// A torn write of the empty slot (its length and padding garbage, as a
	// re-wrap cut by a crash leaves it) still opens by the whole slot.
	torn := bytes.Clone(sealed)
	for i := slot1; i < slot1+slotSize; i++ {
		torn[i] = byte(i * 7)
	}
	torn[slot1], torn[slot1+1] = 0, 90
	if got, err := openBoth(t, ring, "documents/a", torn); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("torn empty slot: %v", err)
	}
	// A key not in the ring.
	if _, err := openBoth(t, testRing(t, "k2"), "documents/a", sealed); !errors.Is(err, keyring.ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	ring := testRing(f)
	plain := randomBytes(100)
	sealed := sealBytes(f, ring, "x", plain, 16)
	f.Add(0, byte(1), 0)
	f.Add(HeaderSize+20, byte(0x80), 0)
	f.Add(0, byte(0), 30)
	f.Fuzz(func(t *testing.T, pos int, flip byte, trim int) {
		b := bytes.Clone(sealed)
		if pos >= 0 && pos < len(b) {
			b[pos] ^= flip
		}
		if trim > 0 && trim <= len(b) {
			b = b[:len(b)-trim]
		}
		r, err := NewReader(bytes.NewReader(b), ring, "x")
		if err != nil {
			return
		}
		got, err := io.ReadAll(r)
		if err == nil && !bytes.Equal(got, plain) {
			t.Fatalf("wrong bytes returned without error")
		}
		if !bytes.Equal(got, plain[:min(len(got), len(plain))]) || len(got) > len(plain) {
			t.Fatalf("wrong bytes returned before the error")
		}
	})
}
