package accounts

import (
	"context"
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(2)
	enc, err := h.Hash(ctx, "правильный пароль")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash = %q; want a PHC argon2id string", enc)
	}
	if ok, err := h.Verify(ctx, enc, "правильный пароль"); !ok || err != nil {
		t.Errorf("right password: %v %v", ok, err)
	}
	if ok, _ := h.Verify(ctx, enc, "правильный парол"); ok {
		t.Error("wrong password accepted")
	}
	again, _ := h.Hash(ctx, "правильный пароль")
	if again == enc {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=19456,t=2,p=1$!!$AAAA"} {
		if _, err := h.Verify(ctx, bad, "x"); err == nil {
			t.Errorf("malformed hash %q verified without error", bad)
		}
	}
}

func TestShareCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := uniformCode()
		if len(c) != 11 || c[5] != '-' {
			t.Fatalf("code %q: want XXXXX-XXXXX", c)
		}
		for _, r := range strings.ReplaceAll(c, "-", "") {
			if !strings.ContainsRune(shareAlphabet, r) {
				t.Fatalf("code %q has %q outside the alphabet", c, r)
			}
		}
		seen[c] = true
	}
	if len(seen) < 200 {
		t.Errorf("200 codes, %d distinct", len(seen))
	}
	if got := normalizeCode(" abcde-fgh2k "); got != "ABCDEFGH2K" {
		t.Errorf("normalizeCode = %q", got)
	}
}

func TestParseKey(t *testing.T) {
	id := strings.Repeat("a", 24)
	if gotID, secret, ok := parseKey("ak_" + id + "_s3cr3t_with_underscore"); !ok || gotID != id || secret != "s3cr3t_with_underscore" {
		t.Errorf("parseKey = %q %q %v", gotID, secret, ok)
	}
	for _, bad := range []string{"", "ak_", "ak_short_x", "bearer-token", "ak_" + id + "_"} {
		if _, _, ok := parseKey(bad); ok {
			t.Errorf("parseKey(%q) accepted", bad)
		}
	}
}

// BenchmarkPasswordVerify is the cost of one login's password check: what
// an attacker pays per guess and what bounds logins per second per core.
func BenchmarkPasswordVerify(b *testing.B) {
	ctx := context.Background()
	h := NewHasher(1)
	enc, err := h.Hash(ctx, "правильный пароль")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := h.Verify(ctx, enc, "правильный пароль"); !ok {
			b.Fatal("no match")
		}
	}
}
