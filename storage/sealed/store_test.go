package sealed

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"accredpack/internal/testenv"
	"accredpack/keyring"
	"accredpack/storage"
	"accredpack/storage/fsstore"
	"accredpack/storage/s3store"
	"accredpack/storage/storagetest"
)

func TestConformanceFS(t *testing.T) {
	ring := testRing(t)
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s, err := fsstore.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return New(s, ring)
	})
}

func TestConformanceS3(t *testing.T) {
	m := testenv.StartMinIO(t)
	ring := testRing(t)
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s, err := s3store.Open(context.Background(), s3store.Config{Endpoint: m.Endpoint, AccessKey: m.AccessKey, SecretKey: m.SecretKey,
			Bucket: m.Bucket(t), Region: "us-east-1", SSE: s3store.SSEAuto})
		if err != nil {
			t.Fatal(err)
		}
		sealed := New(s, ring)
		sealed.tmpDir = t.TempDir()
		if _, ok := storage.Store(sealed).(storage.Presigner); ok {
			t.Fatal("a sealed S3 store presigns links to ciphertext")
		}
		return sealed
	})
}

func put(t *testing.T, s storage.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), storagetest.Sum(data)); err != nil {
		t.Fatal(err)
	}
}

func TestFilesOnDiskAreSealed(t *testing.T) {
	root := t.TempDir()
	inner, _ := fsstore.Open(root)
	s := New(inner, testRing(t))
	data := bytes.Repeat([]byte("%PDF-1.4 Иванова Анна паспорт "), 10_000)
	key := storage.NewKey()
	put(t, s, key, data)
	raw, err := os.ReadFile(filepath.Join(root, "objects", filepath.FromSlash(key)))
	if err != nil {
		t.Fatal(err)
	}
	// Markers long enough not to occur by chance in 300 KB of ciphertext.
	if !IsSealed(raw) || bytes.Contains(raw, []byte("%PDF-1.4 Ива")) || bytes.Contains(raw, []byte("паспорт")) {
		t.Error("the file on disk shows its plaintext")
	}
	if int64(len(raw)) != SealedSize(int64(len(data))) {
		t.Errorf("%d bytes on disk; SealedSize says %d", len(raw), SealedSize(int64(len(data))))
	}
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	obj, ok := rc.(Object)
	if !ok || obj.Size() != int64(len(data)) {
		t.Fatalf("Open gave %T", rc)
	}
	if _, ok := storage.RangeSource(storage.Verify(rc, 1, "")); !ok {
		t.Error("a sealed file is not served as ranges")
	}
}

func TestPlainObjectsStayReadable(t *testing.T) {
	root := t.TempDir()
	inner, _ := fsstore.Open(root)
	plain := []byte("%PDF-1.4 written before encryption")
	key := storage.NewKey()
	put(t, inner, key, plain)
	s := New(inner, testRing(t))
	got, err := storagetest.ReadBack(t, s, key, int64(len(plain)), storagetest.Sum(plain))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("plain object: %q, %v", got, err)
	}
	if s.PlainOpens() != 1 {
		t.Errorf("PlainOpens %d", s.PlainOpens())
	}
	rc, _ := s.Open(context.Background(), key)
	defer rc.Close()
	if _, ok := storage.RangeSource(rc); ok {
		t.Error("a plain object would be served as unverified ranges")
	}
}

func TestDamagedFileFailsToOpen(t *testing.T) {
	root := t.TempDir()
	inner, _ := fsstore.Open(root)
	s := New(inner, testRing(t))
	data := randomBytes(200_000)
	key := storage.NewKey()
	put(t, s, key, data)
	p := filepath.Join(root, "objects", filepath.FromSlash(key))
	raw, _ := os.ReadFile(p)
	raw[len(raw)-100] ^= 1
	os.WriteFile(p, raw, 0o600)
	rc, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if !errors.Is(err, ErrCorrupt) || !bytes.Equal(got, data[:len(got)]) {
		t.Errorf("damage: %v after %d good bytes", err, len(got))
	}
}

// writePlainStore makes a local store of n plain objects, as before
// encryption.
func writePlainStore(t *testing.T, n int) (root string, objects map[string][]byte) {
	root = t.TempDir()
	inner, _ := fsstore.Open(root)
	objects = map[string][]byte{}
	for i := 0; i < n; i++ {
		data := randomBytes(i * 40_000)
		key := storage.NewKey()
		put(t, inner, key, data)
		objects[key] = data
	}
	return root, objects
}

func checkStore(t *testing.T, root string, ring *keyring.Ring, objects map[string][]byte) (sealed int) {
	t.Helper()
	inner, _ := fsstore.Open(root)
	s := New(inner, ring)
	for key, data := range objects {
		got, err := storagetest.ReadBack(t, s, key, int64(len(data)), storagetest.Sum(data))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: %v", key, err)
		}
	}
	var listed int
	s.List(context.Background(), "", func(o storage.Object) error {
		listed++
		if want := int64(len(objects[o.Key])); o.Size != want {
			t.Errorf("%s listed with %d bytes; want %d", o.Key, o.Size, want)
		}
		return nil
	})
	if listed != len(objects) {
		t.Errorf("listed %d of %d", listed, len(objects))
	}
	return len(objects) - int(s.PlainOpens())
}

func TestEncryptInPlaceInterruptedAndResumed(t *testing.T) {
	ctx := context.Background()
	root, objects := writePlainStore(t, 8)
	ring := testRing(t)

	// Cut the first run after three objects, as a crash would.
	cctx, cancel := context.WithCancel(ctx)
	n, _, err := EncryptInPlace(cctx, root, ring, nil, func(done, total int) {
		if done == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || n < 2 || n > 3 {
		t.Fatalf("first run: %d, %v", n, err)
	}
	// A crash in the middle of an object leaves a temporary file.
	var anyKey string
	for k := range objects {
		anyKey = k
	}
	leftover := filepath.Join(root, "objects", filepath.Dir(filepath.FromSlash(anyKey)), tmpPrefix+"123")
	os.WriteFile(leftover, []byte("half"), 0o600)
	if got := checkStore(t, root, ring, objects); got != n {
		t.Errorf("after the cut %d sealed; want %d", got, n)
	}

	var calls int
	n2, _, err := EncryptInPlace(ctx, root, ring, nil, func(done, total int) { calls++ })
	if err != nil || n+n2 != len(objects) || calls != len(objects) {
		t.Fatalf("rerun: %d (+%d), %v, %d calls", n2, n, err, calls)
	}
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Error("the leftover of a crash stays")
	}
	if got := checkStore(t, root, ring, objects); got != len(objects) {
		t.Errorf("%d sealed of %d", got, len(objects))
	}
	if n3, _, err := EncryptInPlace(ctx, root, ring, nil, nil); n3 != 0 || err != nil {
		t.Errorf("third run: %d, %v", n3, err)
	}
}

// An object whose bytes do not hash to what the database recorded stays
// plain and is named: sealed, its reads would be trusted from then on.
func TestEncryptInPlaceLeavesDamagedObjectsPlain(t *testing.T) {
	ctx := context.Background()
	root, objects := writePlainStore(t, 4)
	ring := testRing(t)
	var bad string
	for k := range objects {
		bad = k
		break
	}
	expect := func(key string) (string, bool) {
		if key == bad {
			return storagetest.Sum([]byte("what was uploaded")), true
		}
		return storagetest.Sum(objects[key]), true
	}
	n, damaged, err := EncryptInPlace(ctx, root, ring, expect, nil)
	if err != nil || n != 3 || len(damaged) != 1 || damaged[0] != bad {
		t.Fatalf("EncryptInPlace = %d, %v, %v; want 3 sealed and %s named", n, damaged, err, bad)
	}
	raw, err := os.ReadFile(filepath.Join(root, "objects", filepath.FromSlash(bad)))
	if err != nil || !bytes.Equal(raw, objects[bad]) {
		t.Errorf("the damaged object was changed: %v", err)
	}
}

func TestEncryptInPlaceFailureKeepsTheObject(t *testing.T) {
	root, objects := writePlainStore(t, 3)
	// A folder that refuses the temporary file: the object stays plain.
	dir := filepath.Join(root, "objects", "documents")
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	if os.Geteuid() == 0 {
		t.Log("running as root: the folder's mode does not refuse; using a ring that cannot wrap instead")
		os.Chmod(dir, 0o700)
		fail := &keyring.Ring{} // no current key: Wrap fails
		if _, _, err := EncryptInPlace(context.Background(), root, fail, nil, nil); err == nil {
			t.Fatal("no failure")
		}
	} else if _, _, err := EncryptInPlace(context.Background(), root, testRing(t), nil, nil); err == nil {
		t.Fatal("no failure")
	}
	os.Chmod(dir, 0o700)
	if got := checkStore(t, root, testRing(t), objects); got != 0 {
		t.Errorf("%d sealed", got)
	}
}

func TestRewrapAll(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "master.key")
	old, _, err := keyring.LoadOrCreate(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	inner, _ := fsstore.Open(root)
	objects := map[string][]byte{}
	for i := 0; i < 5; i++ {
		data := randomBytes(i * 70_000)
		key := storage.NewKey()
		put(t, New(inner, old), key, data)
		objects[key] = data
	}
	plainKey := storage.NewKey()
	put(t, inner, plainKey, []byte("plain"))
	objects[plainKey] = []byte("plain")
	sums := map[string][]byte{}
	for k := range objects {
		raw, _ := os.ReadFile(filepath.Join(root, "objects", filepath.FromSlash(k)))
		sums[k] = raw[min(HeaderSize, len(raw)):]
	}

	ring, err := keyring.Rotate(keyFile, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// A run cut after two objects; and one object whose re-wrap was cut
	// between its two steps (both slots filled).
	cctx, cancel := context.WithCancel(ctx)
	n, err := RewrapAll(cctx, root, ring, func(done, total int) {
		if done == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || n > 2 {
		t.Fatalf("cut run: %d, %v", n, err)
	}
	n2, err := RewrapAll(ctx, root, ring, nil)
	if err != nil || n+n2 != 5 {
		t.Fatalf("rerun: %d + %d, %v", n, n2, err)
	}
	// Only the header changed, and the old key is no longer needed.
	onlyNew, err := keyring.Parse([]byte(ring.CurrentID() + " " + keyLine(t, keyFile, ring.CurrentID())))
	if err != nil {
		t.Fatal(err)
	}
	for k := range objects {
		raw, _ := os.ReadFile(filepath.Join(root, "objects", filepath.FromSlash(k)))
		if !bytes.Equal(raw[min(HeaderSize, len(raw)):], sums[k]) && k != plainKey {
			t.Errorf("%s: chunks rewritten", k)
		}
		if k != plainKey {
			var h *header
			if h, err = parseHeader(raw); err != nil || h.slot(0) != nil && h.slot(1) != nil {
				t.Errorf("%s: both slots filled after the re-wrap (%v)", k, err)
			}
		}
	}
	checkStore(t, root, onlyNew, objects)
	if n3, _ := RewrapAll(ctx, root, ring, nil); n3 != 0 {
		t.Errorf("third run re-wrapped %d", n3)
	}

	// A crash between the two steps: the new slot written, the old not yet
	// cleared. Both open; the next run clears the old one.
	var k0 string
	for k := range objects {
		if k != plainKey {
			k0 = k
			break
		}
	}
	p := filepath.Join(root, "objects", filepath.FromSlash(k0))
	f, _ := os.OpenFile(p, os.O_RDWR, 0)
	raw := make([]byte, HeaderSize)
	f.ReadAt(raw, 0)
	h, _ := parseHeader(raw)
	key, cur, _ := h.dataKey(ring)
	stale, _ := old.Wrap(key, Purpose)
	writeSlot(f, 1-cur, stale)
	f.Close()
	checkStore(t, root, ring, objects)
	if n4, err := RewrapAll(ctx, root, ring, nil); n4 != 1 || err != nil {
		t.Errorf("after a cut re-wrap: %d, %v", n4, err)
	}
	checkStore(t, root, onlyNew, objects)
}

func keyLine(t *testing.T, path, id string) string {
	data, _ := os.ReadFile(path)
	for _, line := range bytes.Split(data, []byte("\n")) {
		if bytes.HasPrefix(line, []byte(id+" ")) {
			return string(line[len(id)+1:])
		}
	}
	t.Fatalf("no key %s", id)
	return ""
}

type failingReader struct{ left int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.left == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := min(len(p), f.left)
	f.left -= n
	return n, nil
}

// TestPutPassesReadErrors: a reader that fails midway fails the Put with
// its own error, and nothing is stored.
func TestPutPassesReadErrors(t *testing.T) {
	inner, _ := fsstore.Open(t.TempDir())
	s := New(inner, testRing(t))
	data := randomBytes(1 << 20)
	err := s.Put(context.Background(), storage.NewKey(), &failingReader{left: 300_000}, int64(len(data)), storagetest.Sum(data))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("put: %v; want the reader's error", err)
	}
	var n int
	s.List(context.Background(), "", func(storage.Object) error { n++; return nil })
	if n != 0 {
		t.Errorf("%d objects stored", n)
	}
}
