package keyring

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCreateLoadWrap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "master.key")
	r, created, err := LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("LoadOrCreate = %v, %v; want a new file", created, err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", info.Mode().Perm(), err)
	}
	again, created, err := LoadOrCreate(path)
	if err != nil || created || again.CurrentID() != r.CurrentID() {
		t.Fatalf("second LoadOrCreate = %v, %v, %v; want the same key read back", again.CurrentID(), created, err)
	}
	dek := NewDataKey()
	w, err := r.Wrap(dek, "file")
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != r.WrappedSize() || bytes.Contains(w, dek) {
		t.Fatalf("wrapped = %d bytes (want %d), key visible: %v", len(w), r.WrappedSize(), bytes.Contains(w, dek))
	}
	got, err := again.Unwrap(w, "file")
	if err != nil || !bytes.Equal(got, dek) {
		t.Fatalf("Unwrap = %x, %v; want %x", got, err, dek)
	}
	if _, err := again.Unwrap(w, "columns"); !errors.Is(err, ErrWrapped) {
		t.Errorf("Unwrap for another purpose = %v; want ErrWrapped", err)
	}
	w[len(w)-1] ^= 1
	if _, err := again.Unwrap(w, "file"); !errors.Is(err, ErrWrapped) {
		t.Errorf("Unwrap of damaged bytes = %v; want ErrWrapped", err)
	}
}

func TestLoadRefusesReadableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	if _, _, err := LoadOrCreate(path); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o644)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("Load of a 0644 file = %v; want refused", err)
	}
}

func TestRotateAndRetire(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	r1, _, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	dek := NewDataKey()
	w1, _ := r1.Wrap(dek, "file")
	r2, err := Rotate(path, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if r2.CurrentID() == r1.CurrentID() || len(r2.IDs()) != 2 {
		t.Fatalf("after Rotate: current %q, ids %v", r2.CurrentID(), r2.IDs())
	}
	w2, changed, err := r2.Rewrap(w1, "file")
	if err != nil || !changed {
		t.Fatalf("Rewrap = %v, %v", changed, err)
	}
	if by, _ := WrappedBy(w2); by != r2.CurrentID() {
		t.Errorf("rewrapped by %q; want %q", by, r2.CurrentID())
	}
	if _, changed, _ := r2.Rewrap(w2, "file"); changed {
		t.Error("Rewrap of what the current key wrapped changed it")
	}
	if err := Retire(path, r2.CurrentID()); err == nil {
		t.Error("Retire of the current key succeeded")
	}
	if err := Retire(path, r1.CurrentID()); err != nil {
		t.Fatal(err)
	}
	r3, err := Load(path)
	if err != nil || len(r3.IDs()) != 1 {
		t.Fatalf("after Retire: %v, %v", r3.IDs(), err)
	}
	if _, err := r3.Unwrap(w1, "file"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Unwrap by a retired key = %v; want ErrUnknownKey", err)
	}
	if got, err := r3.Unwrap(w2, "file"); err != nil || !bytes.Equal(got, dek) {
		t.Errorf("Unwrap of the rewrapped key = %v", err)
	}
}

func TestParse(t *testing.T) {
	for _, bad := range []string{"", "# only a comment\n", "k1 short\n", "k1\n", "bad id! AAAA\n",
		"k1 " + strings.Repeat("A", 44) + "\nk1 " + strings.Repeat("A", 44) + "\n"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	r, err := FromBase64(strings.Repeat("A", 43) + "=")
	if err != nil || r.CurrentID() != "env" {
		t.Fatalf("FromBase64 = %v, %v", r, err)
	}
}
