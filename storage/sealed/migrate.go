package sealed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"accredpack/keyring"
	"accredpack/storage"
)

// tmpPrefix names the files EncryptInPlace seals into: they are no keys,
// so stores do not list them, and a later run removes those a crash left.
const tmpPrefix = ".seal-"

// objectFiles lists the object files under root/objects (a local store's
// folder, as fsstore.Open takes it) with their keys.
func objectFiles(ctx context.Context, root string) (paths, keys []string, err error) {
	objects := filepath.Join(root, "objects")
	err = filepath.WalkDir(objects, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(objects, path)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if storage.CheckKey(key) != nil {
			return nil
		}
		paths = append(paths, path)
		keys = append(keys, key)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("sealed: list %s: %w", objects, err)
	}
	return paths, keys, nil
}

// RewrapAll wraps the data key of every sealed object of the local store
// at root with ring's current master key, so that older master keys can be
// retired; rewrapped counts the objects changed (those already under the
// current key are left alone, so a rerun after an interruption only does
// what is left). Only the header changes: no file is re-encrypted.
//
// The header is rewritten in place, not copied to a new file: a copy would
// rewrite every byte of every object, which is what key wrapping exists to
// avoid. It is crash-safe through the two key slots: the new wrapped key
// is written to the free slot and synced, then the old slot is cleared and
// synced. Both slots wrap the same data key, so at any moment of a crash
// at least one slot opens (a torn write can only hit the slot being
// written, while the other is whole and synced).
func RewrapAll(ctx context.Context, root string, ring *keyring.Ring, progress func(done, total int)) (rewrapped int, err error) {
	paths, _, err := objectFiles(ctx, root)
	if err != nil {
		return 0, err
	}
	for i, p := range paths {
		if err := ctx.Err(); err != nil {
			return rewrapped, err
		}
		changed, err := rewrapFile(p, ring)
		if err != nil {
			return rewrapped, fmt.Errorf("sealed: re-wrap %s: %w", filepath.Base(p), err)
		}
		if changed {
			rewrapped++
		}
		if progress != nil {
			progress(i+1, len(paths))
		}
	}
	return rewrapped, nil
}

func rewrapFile(path string, ring *keyring.Ring) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // deleted meanwhile
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	var raw [HeaderSize]byte
	n, err := io.ReadFull(f, raw[:])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return false, err
	}
	if !IsSealed(raw[:n]) {
		return false, nil // plain: EncryptInPlace's work
	}
	h, err := parseHeader(raw[:n])
	if err != nil {
		return false, err
	}
	key, cur, err := h.dataKey(ring)
	if err != nil {
		return false, err
	}
	other := 1 - cur
	id, err := keyring.WrappedBy(h.slot(cur))
	if err != nil {
		return false, err
	}
	if id == ring.CurrentID() {
		if h.slot(other) == nil && allZero(h.raw[slotOffset(other):][:slotSize]) {
			return false, nil
		}
		// A run cut between the two steps: clear the other slot.
		return true, writeSlot(f, other, nil)
	}
	wrapped, err := ring.Wrap(key, Purpose)
	if err != nil {
		return false, err
	}
	if len(wrapped) > slotSize-2 {
		return false, fmt.Errorf("a wrapped key of %d bytes does not fit the header", len(wrapped))
	}
	if err := writeSlot(f, other, wrapped); err != nil {
		return false, err
	}
	return true, writeSlot(f, cur, nil)
}

// writeSlot writes slot i (empty for nil) and syncs.
func writeSlot(f *os.File, i int, wrapped []byte) error {
	var h header
	h.setSlot(i, wrapped)
	off := slotOffset(i)
	if _, err := f.WriteAt(h.raw[off:off+slotSize], int64(off)); err != nil {
		return err
	}
	return f.Sync()
}

// EncryptInPlace seals the plain objects of the local store at root (a
// data folder of before encryption); encrypted counts them. Each object is
// sealed into a temporary file beside it, read back and compared, synced,
// renamed over the original and the folder synced: an interrupted run
// leaves every object either plain or sealed, never half, and a rerun
// continues with those still plain (and removes the temporary files a
// crash left). The service may run meanwhile: it reads both kinds.
//
// expect, when not nil, tells the SHA-256 (hex) the database recorded for
// an object's key: an object whose bytes do not hash to it is left plain
// and listed in damaged (sealed, it would be trusted from then on: reads
// of sealed objects are authenticated, not hashed again).
func EncryptInPlace(ctx context.Context, root string, ring *keyring.Ring, expect func(key string) (string, bool), progress func(done, total int)) (encrypted int, damaged []string, err error) {
	if err := removeLeftovers(root); err != nil {
		return 0, nil, err
	}
	paths, keys, err := objectFiles(ctx, root)
	if err != nil {
		return 0, nil, err
	}
	for i, p := range paths {
		if err := ctx.Err(); err != nil {
			return encrypted, damaged, err
		}
		want := ""
		if expect != nil {
			want, _ = expect(keys[i])
		}
		done, err := encryptFile(ctx, p, keys[i], ring, want)
		if errors.Is(err, errDamaged) {
			damaged = append(damaged, keys[i])
			err = nil
		}
		if err != nil {
			return encrypted, damaged, fmt.Errorf("sealed: encrypt %s: %w", keys[i], err)
		}
		if done {
			encrypted++
		}
		if progress != nil {
			progress(i+1, len(paths))
		}
	}
	return encrypted, damaged, nil
}

// errDamaged: an object's bytes are not those its SHA-256 was recorded for.
var errDamaged = errors.New("sealed: the object's bytes do not hash to the recorded SHA-256")

func removeLeftovers(root string) error {
	return filepath.WalkDir(filepath.Join(root, "objects"), func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sealed: %w", err)
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), tmpPrefix) {
			if err := os.Remove(path); err != nil {
				return fmt.Errorf("sealed: remove a leftover: %w", err)
			}
		}
		return nil
	})
}

func encryptFile(ctx context.Context, path, key string, ring *keyring.Ring, expectSHA string) (bool, error) {
	src, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // deleted meanwhile
	}
	if err != nil {
		return false, err
	}
	defer src.Close()
	var start [8]byte
	n, err := io.ReadFull(src, start[:])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return false, err
	}
	if IsSealed(start[:n]) {
		return false, nil
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return false, err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name()) // no-op after the rename
	}()
	w, err := NewWriter(tmp, ring, key)
	if err != nil {
		return false, err
	}
	want := sha256.New()
	if _, err := io.Copy(io.MultiWriter(w, want), ctxReader{ctx, src}); err != nil {
		return false, err
	}
	if err := w.Close(); err != nil {
		return false, err
	}
	if expectSHA != "" && hex.EncodeToString(want.Sum(nil)) != expectSHA {
		return false, errDamaged
	}
	// Read back what was written before it replaces the original.
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	r, err := NewReader(tmp, ring, key)
	if err != nil {
		return false, err
	}
	got := sha256.New()
	if _, err := io.Copy(got, r); err != nil {
		return false, fmt.Errorf("read back: %w", err)
	}
	if string(got.Sum(nil)) != string(want.Sum(nil)) {
		return false, errors.New("read back: the sealed copy differs from the original")
	}
	if err := tmp.Sync(); err != nil {
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	// The service may have deleted the object meanwhile: do not bring it
	// back. (A delete between this check and the rename leaves an orphan
	// that no row points at; gc removes it.)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return false, err
	}
	return true, syncDir(dir)
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
