// Package iprange is address ranges as IPAM configs write them: a CIDR, optionally narrowed by
// start and end (whereabouts' range_start/range_end, or its first-last/bits form).
package iprange

import (
	"fmt"
	"net/netip"
	"strings"
)

// Range is one address range: a CIDR, optionally narrowed by start and end.
type Range struct {
	// Spec is the range as written.
	Spec   string
	Prefix netip.Prefix
	Start  netip.Addr
	End    netip.Addr
}

// String renders the range as CIDR[start-end].
func (r Range) String() string {
	switch {
	case !r.Start.IsValid() && !r.End.IsValid():
		return r.Prefix.String()
	case r.Start == r.End:
		return fmt.Sprintf("%s/%d", r.Start, r.Prefix.Bits())
	}
	return fmt.Sprintf("%s[%s-%s]", r.Prefix, addrOrEmpty(r.Start), addrOrEmpty(r.End))
}

func addrOrEmpty(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// Contains reports whether ip is in the range (within start and end when set).
func (r Range) Contains(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !r.Prefix.Contains(ip) {
		return false
	}
	if r.Start.IsValid() && ip.Less(r.Start) {
		return false
	}
	return !r.End.IsValid() || !r.End.Less(ip)
}

// First and Last are the usable bounds: start/end when set, else the prefix without its network
// address (and, for IPv4 shorter than /31, its broadcast), as whereabouts allocates.
func (r Range) First() netip.Addr {
	if r.Start.IsValid() {
		return r.Start
	}
	first := r.Prefix.Masked().Addr()
	if r.Prefix.Bits() < r.Prefix.Addr().BitLen()-1 {
		first = first.Next()
	}
	return first
}

// Last is the last usable address (see First).
func (r Range) Last() netip.Addr {
	if r.End.IsValid() {
		return r.End
	}
	last := lastAddr(r.Prefix)
	if r.Prefix.Addr().Is4() && r.Prefix.Bits() < 31 {
		last = last.Prev()
	}
	return last
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// Size is the number of usable addresses, saturating at 1<<62.
func (r Range) Size() uint64 { return span(r.First(), r.Last()) }

// span counts the addresses from a to b inclusive, saturating at 1<<62 (0 when b < a).
func span(a, b netip.Addr) uint64 {
	if !a.IsValid() || !b.IsValid() || b.Less(a) || a.BitLen() != b.BitLen() {
		return 0
	}
	x, y := a.As16(), b.As16()
	var hiX, hiY, loX, loY uint64
	for i := 0; i < 8; i++ {
		hiX, hiY = hiX<<8|uint64(x[i]), hiY<<8|uint64(y[i])
		loX, loY = loX<<8|uint64(x[8+i]), loY<<8|uint64(y[8+i])
	}
	const limit = 1 << 62
	if hiY != hiX {
		return limit
	}
	if d := loY - loX; d < limit {
		return d + 1
	}
	return limit
}

// Parse reads a whereabouts range: a CIDR, or `first-last/bits` (start and end inside the CIDR).
func Parse(spec string) (Range, error) {
	spec = strings.TrimSpace(spec)
	if dash := strings.Index(spec, "-"); dash >= 0 {
		slash := strings.LastIndex(spec, "/")
		if slash < dash {
			return Range{}, fmt.Errorf("range %q: want CIDR or first-last/bits", spec)
		}
		start, err1 := netip.ParseAddr(spec[:dash])
		end, err2 := netip.ParseAddr(spec[dash+1 : slash])
		p, err3 := netip.ParsePrefix(spec[:dash] + spec[slash:])
		if err1 != nil || err2 != nil || err3 != nil {
			return Range{}, fmt.Errorf("range %q: want CIDR or first-last/bits", spec)
		}
		r := Range{Spec: spec, Prefix: p.Masked(), Start: start, End: end}
		return r, r.Check()
	}
	p, err := netip.ParsePrefix(spec)
	if err != nil {
		return Range{}, fmt.Errorf("range %q is not a CIDR", spec)
	}
	return Range{Spec: spec, Prefix: p.Masked()}, nil
}

// Check verifies start and end lie in the prefix, in order.
func (r Range) Check() error {
	for _, a := range []netip.Addr{r.Start, r.End} {
		if a.IsValid() && !r.Prefix.Contains(a) {
			return fmt.Errorf("range %s: %s is outside %s", r.Spec, a, r.Prefix)
		}
	}
	if r.Start.IsValid() && r.End.IsValid() && r.End.Less(r.Start) {
		return fmt.Errorf("range %s: range_end %s is before range_start %s", r.Spec, r.End, r.Start)
	}
	return nil
}
