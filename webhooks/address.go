package webhooks

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Resolver looks up the addresses of a host name (net.Resolver does).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// errPrivateAddress: a subscription's address leads where deliveries may
// not go. It is final: a delivery refused for it is not tried again.
var errPrivateAddress = errors.New("адрес во внутренней сети: доставка запрещена")

// refusal says which address was refused and why; it is errPrivateAddress.
type refusal struct {
	host, addr, reason string
}

func (r *refusal) Error() string {
	switch {
	case r.addr == "" || r.addr == r.host:
		return fmt.Sprintf("%s: %s", r.host, r.reason)
	default:
		return fmt.Sprintf("%s (%s): %s", r.host, r.addr, r.reason)
	}
}

func (r *refusal) Is(target error) bool { return target == errPrivateAddress }

type rangeReason struct {
	prefix netip.Prefix
	reason string
}

func ranges(reason string, prefixes ...string) []rangeReason {
	out := make([]rangeReason, len(prefixes))
	for i, p := range prefixes {
		out[i] = rangeReason{netip.MustParsePrefix(p), reason}
	}
	return out
}

// refusedV4 and refusedV6 are the ranges that are not ordinary Internet
// addresses, with the reason said to the user.
var refusedV4 = concat(
	ranges("адрес самого сервера (loopback)", "127.0.0.0/8"),
	ranges("адрес «эта сеть» (0.0.0.0/8)", "0.0.0.0/8"),
	ranges("адрес частной сети", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
	ranges("адрес сети оператора (CGNAT)", "100.64.0.0/10"),
	ranges("локальный адрес канала (в том числе метаданные облака)", "169.254.0.0/16"),
	ranges("служебный или документационный адрес", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24"),
	ranges("групповой или зарезервированный адрес", "224.0.0.0/4", "240.0.0.0/4"),
)

var refusedV6 = concat(
	ranges("адрес самого сервера (loopback)", "::1/128"),
	ranges("неуказанный адрес", "::/128"),
	ranges("локальный адрес канала", "fe80::/10"),
	ranges("адрес частной сети", "fc00::/7", "fec0::/10"),
	ranges("групповой адрес", "ff00::/8"),
	ranges("служебный или документационный адрес", "100::/64", "2001:db8::/32", "2001:2::/48", "2001:10::/28", "2001:20::/28"),
	ranges("адрес локальной трансляции NAT64", "64:ff9b:1::/48"),
)

func concat(lists ...[]rangeReason) []rangeReason {
	var out []rangeReason
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
	teredo    = netip.MustParsePrefix("2001::/32")
	// IPv4-compatible (deprecated) ::a.b.c.d; :: and ::1 are judged above.
	v4compat = netip.MustParsePrefix("::/96")
)

// judgeAddr says why a may not be contacted ("" when it may). Addresses
// that embed an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo,
// IPv4-compatible) are judged by the IPv4 address they lead to.
func judgeAddr(a netip.Addr) string {
	if a.Zone() != "" {
		return "адрес с зоной интерфейса"
	}
	a = a.Unmap()
	if a.Is4() {
		for _, r := range refusedV4 {
			if r.prefix.Contains(a) {
				return r.reason
			}
		}
		if a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
			return "широковещательный адрес"
		}
		return ""
	}
	for _, r := range refusedV6 {
		if r.prefix.Contains(a) {
			return r.reason
		}
	}
	b := a.As16()
	var embedded []netip.Addr
	switch {
	case nat64.Contains(a), v4compat.Contains(a):
		embedded = append(embedded, netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(a):
		embedded = append(embedded, netip.AddrFrom4([4]byte(b[2:6])))
	case teredo.Contains(a):
		// The Teredo server (bits 32-63) and the client, its address
		// inverted in the last 32 bits.
		var client [4]byte
		binary.BigEndian.PutUint32(client[:], binary.BigEndian.Uint32(b[12:16])^0xffffffff)
		embedded = append(embedded, netip.AddrFrom4([4]byte(b[4:8])), netip.AddrFrom4(client))
	}
	for _, e := range embedded {
		if why := judgeAddr(e); why != "" {
			return why + ", записанный внутри IPv6 " + a.String()
		}
	}
	return ""
}

// parseIPv4 reads a host the way inet_aton (and so a resolver or a browser)
// does: one to four parts, each decimal, hex (0x) or octal (leading 0),
// the last filling the remaining bytes: 127.1, 0, 2130706433, 0x7f.1.
// ok is false when the host is not written as numbers at all; err is set
// when it is, but wrongly.
func parseIPv4(host string) (addr netip.Addr, ok bool, err error) {
	parts := strings.Split(host, ".")
	last := parts[len(parts)-1]
	if !numeric(last) {
		return netip.Addr{}, false, nil
	}
	if len(parts) > 4 {
		return netip.Addr{}, true, errors.New("too many parts")
	}
	var nums []uint64
	for _, p := range parts {
		if !numeric(p) {
			return netip.Addr{}, true, fmt.Errorf("part %q", p)
		}
		base, digits := 10, p
		switch {
		case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
			base, digits = 16, p[2:]
			if digits == "" {
				digits = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		n, err := strconv.ParseUint(digits, base, 32)
		if err != nil {
			return netip.Addr{}, true, fmt.Errorf("part %q: %w", p, err)
		}
		nums = append(nums, n)
	}
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, true, fmt.Errorf("part %d over 255", i+1)
		}
		v |= n << (8 * (3 - i))
	}
	rest := nums[len(nums)-1]
	if rest >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, true, errors.New("last part too large")
	}
	v |= rest
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(v))
	return netip.AddrFrom4(b), true, nil
}

// numeric: decimal digits, or 0x and hex digits (what inet_aton reads).
func numeric(s string) bool {
	if s == "" {
		return false
	}
	if len(s) > 1 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
		for _, c := range s {
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
		return true
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// judgeHost resolves host (a name, an IP address in any spelling) and
// judges every address it leads to. It returns the addresses when all may
// be contacted, a *refusal (errPrivateAddress) when one may not, and
// another error when the name cannot be resolved.
func judgeHost(ctx context.Context, r Resolver, host string) ([]netip.Addr, error) {
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name == "" {
		return nil, &refusal{host: host, reason: "пустое имя хоста"}
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return nil, &refusal{host: host, reason: "адрес самого сервера (localhost)"}
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(name); err == nil {
		addrs = []netip.Addr{a}
	} else if a, ok, err := parseIPv4(name); ok {
		if err != nil {
			return nil, &refusal{host: host, reason: "адрес IPv4 записан неправильно"}
		}
		addrs = []netip.Addr{a}
	} else {
		if r == nil {
			r = net.DefaultResolver
		}
		found, err := r.LookupNetIP(ctx, "ip", name)
		if err != nil {
			return nil, fmt.Errorf("имя %s не найдено в DNS: %w", name, err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("имя %s не найдено в DNS", name)
		}
		addrs = found
	}
	for _, a := range addrs {
		if why := judgeAddr(a); why != "" {
			return nil, &refusal{host: host, addr: a.String(), reason: why}
		}
	}
	return addrs, nil
}
