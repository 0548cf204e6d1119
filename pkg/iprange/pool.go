package iprange

import (
	"fmt"
	"math/big"
	"net/netip"
	"strings"
)

// Pool is a range with the addresses excluded from it: what an IPAM hands out.
type Pool struct {
	Range
	Exclude []netip.Prefix
}

// Excluded says whether ip is in one of the exclusions.
func (p Pool) Excluded(ip netip.Addr) bool {
	for _, e := range p.Exclude {
		if e.Contains(ip) {
			return true
		}
	}
	return false
}

// Capacity is the number of addresses the pool can hand out: the usable addresses of the range
// (First to Last) minus the excluded ones among them. Exclusions of up to 1<<16 addresses are counted address by address;
// larger ones by their size.
func (p Pool) Capacity() uint64 {
	size := p.Size()
	first, last := p.First(), p.Last()
	for _, e := range p.Exclude {
		if !p.Prefix.Overlaps(e) {
			continue
		}
		n := uint64(0)
		if bits := e.Addr().BitLen() - e.Bits(); bits <= 16 {
			start := e.Masked().Addr()
			for i := uint64(0); i < 1<<bits; i++ {
				if ip := Nth(start, i); !ip.Less(first) && !last.Less(ip) {
					n++
				}
			}
		} else {
			n = Range{Prefix: e}.Size()
		}
		if n >= size {
			return 0
		}
		size -= n
	}
	return size
}

// Nth is the address n after first.
func Nth(first netip.Addr, n uint64) netip.Addr {
	v := new(big.Int).SetBytes(first.AsSlice())
	v.Add(v, new(big.Int).SetUint64(n))
	out, _ := netip.AddrFromSlice(v.FillBytes(make([]byte, first.BitLen()/8)))
	return out
}

// AddrAt is the address a whereabouts IPPool allocation key names: a decimal offset from the
// network address of prefix.
func AddrAt(prefix netip.Prefix, offset string) (netip.Addr, error) {
	n, ok := new(big.Int).SetString(offset, 10)
	if !ok || n.Sign() < 0 {
		return netip.Addr{}, fmt.Errorf("allocation key %q is not an offset", offset)
	}
	v := new(big.Int).Add(new(big.Int).SetBytes(prefix.Masked().Addr().AsSlice()), n)
	size := prefix.Addr().BitLen() / 8
	if v.BitLen() > size*8 {
		return netip.Addr{}, fmt.Errorf("allocation key %q is past the end of %s", offset, prefix)
	}
	ip, _ := netip.AddrFromSlice(v.FillBytes(make([]byte, size)))
	return ip, nil
}

// ParseExclude reads exclude (or reserved) entries: CIDRs, and single addresses when addrs is set.
// Entries that do not parse are returned as problems, one sentence each.
func ParseExclude(specs []string, addrs bool) ([]netip.Prefix, []string) {
	var out []netip.Prefix
	var problems []string
	what := "a CIDR"
	if addrs {
		what = "an address or CIDR"
	}
	for _, s := range specs {
		if !strings.Contains(s, "/") {
			if a, err := netip.ParseAddr(s); err == nil && addrs {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
			problems = append(problems, fmt.Sprintf("exclude %q is not %s", s, what))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			problems = append(problems, fmt.Sprintf("exclude %q is not %s", s, what))
			continue
		}
		out = append(out, p.Masked())
	}
	return out, problems
}
