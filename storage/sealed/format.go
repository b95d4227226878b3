// Package sealed encrypts stored objects with AES-256-GCM in fixed-size
// chunks: a sealed object can be written as a stream, read as a stream, and
// read at any offset decrypting only the chunks needed. Each object has its
// own random data key, wrapped by the master key (package keyring, purpose
// "file"), so rotating the master key rewrites a header, not the file.
//
// # Format (version 1)
//
// A header of HeaderSize (256) bytes:
//
//	[0:7]     magic "\x89APSEAL"
//	[7]       version 1
//	[8:12]    chunk size C (plaintext bytes per chunk), uint32 big-endian
//	[12:16]   zero (reserved)
//	[16:136]  key slot 0: uint16 big-endian length n, then n bytes of the
//	          wrapped data key (keyring.Ring.Wrap), zero padded
//	[136:256] key slot 1: the same
//
// then the chunks: chunk i is AES-256-GCM(data key, nonce, plaintext i,
// AAD) with C plaintext bytes (fewer in the last chunk, which may be
// empty: an object always has at least one chunk), so C+16 bytes each.
// The nonce is i as 8 bytes big-endian followed by 4 zero bytes: the data
// key is used for this one object only, so a counter cannot repeat. The
// AAD is header[0:16] (magic, version, chunk size), the object's label
// (the storage key, so a file moved under another key does not open),
// i, and a flag that is 1 for the last chunk only. Hence a flipped byte,
// a dropped, reordered or duplicated chunk, a cut at a chunk boundary or
// inside a chunk, bytes appended, another object's header or the whole
// object copied under another key all fail to open (ErrCorrupt) before any
// byte of the damaged chunk is returned.
//
// Either key slot may hold the wrapped key (both wrap the same data key);
// two slots let a re-wrap write the new one beside the old, sync, then
// clear the old, so that a crash at any moment leaves one slot that opens.
//
// The plaintext size follows from the ciphertext size (PlainSize), so the
// header carries no size and a Content-Length needs no decryption.
package sealed

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"

	"accredpack/keyring"
)

// Purpose is the keyring purpose data keys of files are wrapped for.
const Purpose = "file"

const (
	// HeaderSize is the size of the header before the chunks.
	HeaderSize = 256
	// ChunkSize is the plaintext size of a chunk in new objects.
	ChunkSize = 64 << 10
	// Overhead is what each chunk adds: the GCM tag.
	Overhead = 16

	version  = 1
	slotSize = 120
	slot0    = 16
	slot1    = slot0 + slotSize
	maxChunk = 16 << 20
)

var magic = []byte("\x89APSEAL")

// ErrCorrupt reports a sealed object that does not open: damaged, cut,
// reordered, or not this object's bytes.
var ErrCorrupt = errors.New("sealed: the encrypted object is damaged or not this object's")

// IsSealed tells whether b (at least the first 8 bytes of an object)
// starts like a sealed object. Plain objects (PDF, JPEG, PNG, ZIP) never do.
func IsSealed(b []byte) bool {
	return len(b) >= len(magic)+1 && bytes.Equal(b[:len(magic)], magic)
}

// SealedSize is the ciphertext size of a plaintext of size bytes sealed
// with the default chunk size.
func SealedSize(size int64) int64 { return sealedSize(size, ChunkSize) }

func sealedSize(size int64, chunk int) int64 {
	n := size / int64(chunk)
	if size%int64(chunk) != 0 || size == 0 {
		n++
	}
	return HeaderSize + size + n*Overhead
}

// PlainSize is the plaintext size of a sealed object of ciphertext size
// bytes (whose header gives chunk size chunk); false when no sealed object
// has that size.
func PlainSize(size int64, chunk int) (int64, bool) {
	n := size - HeaderSize
	full := int64(chunk) + Overhead
	if n < Overhead || chunk <= 0 {
		return 0, false
	}
	chunks := (n + full - 1) / full
	if last := n - (chunks-1)*full; last < Overhead {
		return 0, false
	}
	return n - chunks*Overhead, true
}

// header is a parsed header.
type header struct {
	raw   [HeaderSize]byte
	chunk int
}

func newHeader(wrapped []byte, chunk int) (*header, error) {
	if len(wrapped) > slotSize-2 {
		return nil, fmt.Errorf("sealed: a wrapped key of %d bytes does not fit the header", len(wrapped))
	}
	h := &header{chunk: chunk}
	copy(h.raw[:], magic)
	h.raw[7] = version
	binary.BigEndian.PutUint32(h.raw[8:12], uint32(chunk))
	h.setSlot(0, wrapped)
	return h, nil
}

func parseHeader(b []byte) (*header, error) {
	if len(b) < HeaderSize || !IsSealed(b) {
		return nil, fmt.Errorf("%w: no sealed header", ErrCorrupt)
	}
	if b[7] != version {
		return nil, fmt.Errorf("sealed: format version %d is not known to this program", b[7])
	}
	h := &header{}
	copy(h.raw[:], b)
	h.chunk = int(binary.BigEndian.Uint32(b[8:12]))
	if h.chunk <= 0 || h.chunk > maxChunk || binary.BigEndian.Uint32(b[12:16]) != 0 {
		return nil, fmt.Errorf("%w: bad header", ErrCorrupt)
	}
	// A malformed key slot (a torn write of the slot being re-wrapped) is
	// taken as an empty one (see slot): the other slot, whole and synced,
	// opens the object.
	return h, nil
}

func slotOffset(i int) int { return []int{slot0, slot1}[i] }

// slot returns the wrapped key in slot i (nil when empty or malformed:
// a length beyond the slot, or padding that is not zero).
func (h *header) slot(i int) []byte {
	off := slotOffset(i)
	n := int(binary.BigEndian.Uint16(h.raw[off:]))
	if n == 0 || n > slotSize-2 || !allZero(h.raw[off+2+n:off+slotSize]) {
		return nil
	}
	return h.raw[off+2 : off+2+n]
}

func (h *header) setSlot(i int, wrapped []byte) {
	off := slotOffset(i)
	clear(h.raw[off : off+slotSize])
	binary.BigEndian.PutUint16(h.raw[off:], uint16(len(wrapped)))
	copy(h.raw[off+2:], wrapped)
}

// dataKey unwraps the data key from the first slot that opens; slot tells
// which.
func (h *header) dataKey(ring *keyring.Ring) (key []byte, slot int, err error) {
	err = fmt.Errorf("%w: no key slot", ErrCorrupt)
	for i := 0; i < 2; i++ {
		w := h.slot(i)
		if w == nil {
			continue
		}
		k, e := ring.Unwrap(w, Purpose)
		if e == nil {
			return k, i, nil
		}
		if errors.Is(e, keyring.ErrUnknownKey) {
			err = fmt.Errorf("sealed: %w", e)
		} else {
			err = fmt.Errorf("%w: the data key does not unwrap: %w", ErrCorrupt, e)
		}
	}
	return nil, 0, err
}

// chunker seals and opens the chunks of one object.
type chunker struct {
	aead  cipher.AEAD
	chunk int
	aad   []byte // header[0:16] | label | 0 | index(8) | final(1)
	nonce [12]byte
	fixed int
}

func newChunker(key []byte, h *header, label string) (*chunker, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sealed: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sealed: %w", err)
	}
	c := &chunker{aead: aead, chunk: h.chunk}
	c.aad = append(append(append([]byte{}, h.raw[:16]...), label...), 0)
	c.fixed = len(c.aad)
	c.aad = append(c.aad, make([]byte, 9)...)
	return c, nil
}

func (c *chunker) setIndex(i int64, final bool) {
	binary.BigEndian.PutUint64(c.nonce[:8], uint64(i))
	binary.BigEndian.PutUint64(c.aad[c.fixed:], uint64(i))
	c.aad[c.fixed+8] = 0
	if final {
		c.aad[c.fixed+8] = 1
	}
}

func (c *chunker) seal(dst, plain []byte, i int64, final bool) []byte {
	c.setIndex(i, final)
	return c.aead.Seal(dst, c.nonce[:], plain, c.aad)
}

func (c *chunker) open(dst, sealed []byte, i int64, final bool) ([]byte, error) {
	c.setIndex(i, final)
	out, err := c.aead.Open(dst, c.nonce[:], sealed, c.aad)
	if err != nil {
		return nil, fmt.Errorf("%w (chunk %d)", ErrCorrupt, i)
	}
	return out, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
