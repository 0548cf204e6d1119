package ipamconf

import (
	"net/netip"
	"strings"
)

// whereabouts names its objects after ranges and addresses with ':' and '/' made '-' (CR names
// cannot hold them), prefixed by network_name when one is set (whereabouts v0.9.x
// pkg/storage/kubernetes: IPPoolName, normalizeRange, NormalizeIP). Ranges are named by their
// masked CIDR, as its config loader rewrites them (pkg/config: ipNet.String()).

func normalize(s string) string {
	if strings.HasSuffix(s, ":") {
		s += "0"
	}
	return strings.NewReplacer(":", "-", "/", "-").Replace(s)
}

// PoolName is the IPPool whereabouts keeps prefix's allocations in for networkName ("" unnamed).
func PoolName(networkName string, prefix netip.Prefix) string {
	name := normalize(prefix.Masked().String())
	if networkName != "" {
		name = networkName + "-" + name
	}
	return name
}

// PoolNetwork says which network_name the IPPool name holds, given its spec.range; ok is false
// when name is not whereabouts' name for that range.
func PoolNetwork(name string, prefix netip.Prefix) (networkName string, ok bool) {
	base := normalize(prefix.Masked().String())
	switch {
	case name == base:
		return "", true
	case strings.HasSuffix(name, "-"+base):
		return strings.TrimSuffix(name, "-"+base), true
	}
	return "", false
}

// ReservationName is the OverlappingRangeIPReservation whereabouts writes for ip in networkName.
func ReservationName(networkName string, ip netip.Addr) string {
	name := normalize(ip.String())
	if networkName != "" {
		name = networkName + "-" + name
	}
	return name
}

// ParseReservationName reads the network_name and address from an OverlappingRangeIPReservation
// name. A network name may itself hold '-', so every split is tried, the unnamed form first.
func ParseReservationName(name string) (networkName string, ip netip.Addr, ok bool) {
	for i := -1; i < len(name); i++ {
		if i >= 0 && name[i] != '-' {
			continue
		}
		network, rest := "", name
		if i >= 0 {
			network, rest = name[:i], name[i+1:]
		}
		if a, err := netip.ParseAddr(rest); err == nil && a.Is4() {
			return network, a, true
		}
		if a, err := netip.ParseAddr(strings.ReplaceAll(rest, "-", ":")); err == nil && ReservationName(network, a) == name {
			return network, a, true
		}
	}
	return "", netip.Addr{}, false
}
