package ipam

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/iprange"
)

// RangePreview is what an ADD would do in one range, computed without writing anything.
type RangePreview struct {
	// Network is the allocations' network key (see NetworkKey); Range the CIDR.
	Network, Range string
	// Capacity counts the addresses the range can hand out (usable, not excluded); Used those allocated in it.
	Capacity, Used uint64
	// Next is the address the ADD would take (invalid when the range is full).
	Next netip.Addr
	// Held says the owner already holds Next (a retried ADD, or stable_identity).
	Held bool
	// Exact says Next does not depend on the sandbox's container ID (stable_identity, or held).
	Exact bool
}

// Preview parses a network config's ipam section (flat-file keys are not read: only ranges
// matter here) and says, range by range, what the allocator would pick for o given allocs, the
// current allocations. Without stable_identity the probe order hashes the container ID, which a
// preview made before the sandbox exists does not know; o.ContainerID may then be "".
func Preview(netconf []byte, allocs []*Allocation, o Owner) ([]RangePreview, error) {
	var nc struct {
		IPAM *Config `json:"ipam"`
	}
	if err := json.Unmarshal(netconf, &nc); err != nil {
		return nil, fmt.Errorf("parse network config: %w", err)
	}
	if nc.IPAM == nil {
		return nil, errors.New("network config has no \"ipam\" section")
	}
	conf, err := parseConfig(nc.IPAM)
	if err != nil {
		return nil, err
	}
	a := newAllocator(nil, conf)
	var out []RangePreview
	for _, pl := range conf.Pools {
		network := conf.network(pl)
		rp := RangePreview{Network: network, Range: pl.Prefix.String(), Capacity: pl.Capacity(), Exact: conf.StableIdentity && o.PodRef != ""}
		used := map[netip.Addr]bool{}
		for _, al := range allocs {
			ip, err := netip.ParseAddr(al.IP)
			if err != nil || al.Network != network || !pl.Contains(ip) {
				continue
			}
			used[ip] = true
			if a.owns(al, o) && !rp.Held {
				rp.Next, rp.Held, rp.Exact = ip, true, true
			}
		}
		rp.Used = uint64(len(used))
		for k := 0; k < maxProbes && !rp.Next.IsValid(); k++ {
			if ip := candidate(pl, a.key(o), k); !used[ip] && !pl.Excluded(ip) {
				rp.Next = ip
			}
		}
		for i := uint64(0); i < pl.Size() && !rp.Next.IsValid(); i++ {
			if ip := iprange.Nth(pl.First(), i); !used[ip] && !pl.Excluded(ip) {
				rp.Next, rp.Exact = ip, false
			}
		}
		out = append(out, rp)
	}
	return out, nil
}
