package doctor

import (
	"math/big"
	"net/netip"
	"sort"
	"strings"

	whv1 "github.com/k8snetworkplumbingwg/whereabouts/pkg/api/whereabouts.cni.cncf.io/v1alpha1"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/iprange"
)

func poolChecks() []Check {
	return []Check{
		{Code: "MN4001", Name: "PoolExhausted", Severity: Error, Needs: []Input{InIPPools},
			Summary: "An IP pool has no free address", Run: checkExhausted},
		{Code: "MN4002", Name: "PoolNearlyExhausted", Severity: Warning, Needs: []Input{InIPPools},
			Summary: "An IP pool is at least 90% allocated", Run: checkNearlyExhausted},
		{Code: "MN4003", Name: "LeakedAllocation", Severity: Warning, Needs: []Input{InIPPools, InAllPods},
			Summary: "An allocation belongs to a pod that no longer exists", Run: checkLeaked},
		{Code: "MN4004", Name: "AllocationMismatch", Severity: Warning, Needs: []Input{InIPPools, InAllPods, InNADs},
			Summary: "A pod's IP has no pool allocation, or a reservation has no pool entry", Run: checkMismatch},
		{Code: "MN4005", Name: "PoolObjectTooLarge", Severity: Warning, Needs: []Input{InIPPools},
			Summary: "One IPPool object holds so many allocations it nears etcd's request size limit", Run: checkTooLarge},
	}
}

// maxAllocationsPerObject is where one IPPool (~145 bytes an allocation) nears etcd's 1.5 MiB limit.
const maxAllocationsPerObject = 8000

// pool is an IPPool with its range and capacity resolved.
type pool struct {
	*whv1.IPPool
	prefix netip.Prefix
	// capacity is the number of allocatable addresses (from the NAD's bounds when one matches).
	capacity uint64
	// ips maps allocation offsets to addresses.
	ips map[string]netip.Addr
}

func poolObject(p *whv1.IPPool) Object {
	return Object{Kind: "IPPool", Namespace: p.Namespace, Name: p.Name}
}

// pools resolves every IPPool of the model; pools whose range does not parse are skipped.
func (m *Model) pools() []pool {
	var out []pool
	for _, p := range m.Pools {
		r, err := iprange.Parse(p.Spec.Range)
		if err != nil {
			continue
		}
		capacity := r.Size()
		if nadRange, ok := m.nadRangeFor(r.Prefix); ok {
			capacity = nadRange.Size()
		}
		pl := pool{IPPool: p, prefix: r.Prefix, capacity: capacity, ips: map[string]netip.Addr{}}
		base := new(big.Int).SetBytes(r.Prefix.Masked().Addr().AsSlice())
		for off := range p.Spec.Allocations {
			n, ok := new(big.Int).SetString(off, 10)
			if !ok {
				continue
			}
			b := new(big.Int).Add(base, n).FillBytes(make([]byte, r.Prefix.Addr().BitLen()/8))
			if ip, ok := netip.AddrFromSlice(b); ok {
				pl.ips[off] = ip
			}
		}
		out = append(out, pl)
	}
	return out
}

// nadRangeFor is the bounds a whereabouts NAD sets on prefix, if one does.
func (m *Model) nadRangeFor(prefix netip.Prefix) (iprange.Range, bool) {
	for _, n := range m.NADs {
		if n.Config.IPAM == nil || !whereaboutsLike[n.Config.IPAM.Type] {
			continue
		}
		for _, r := range n.Config.IPAM.Ranges {
			if r.Prefix == prefix {
				return r, true
			}
		}
	}
	return iprange.Range{}, false
}

// PoolUsage is how full one IP pool is.
type PoolUsage struct {
	Namespace, Name string
	Range           netip.Prefix
	Used, Capacity  uint64
}

// PoolUsage lists the use of every pool whose range parses, by range.
func (m *Model) PoolUsage() []PoolUsage {
	var out []PoolUsage
	for _, p := range m.pools() {
		out = append(out, PoolUsage{Namespace: p.Namespace, Name: p.Name, Range: p.prefix, Used: uint64(len(p.Spec.Allocations)), Capacity: p.capacity})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Range.String() < out[j].Range.String() })
	return out
}

func checkExhausted(m *Model, r *Reporter) {
	for _, p := range m.pools() {
		if used := uint64(len(p.Spec.Allocations)); p.capacity > 0 && used >= p.capacity {
			r.Report(poolObject(p.IPPool), "release leaked allocations (kubectl multinet ipam gc, or whereabouts' reconciler) or widen the NAD's range",
				"pool %s is full: %d of %d addresses allocated; new pods fail with \"Could not allocate IP in range\"", p.prefix, used, p.capacity)
		}
	}
}

func checkNearlyExhausted(m *Model, r *Reporter) {
	for _, p := range m.pools() {
		used := uint64(len(p.Spec.Allocations))
		if p.capacity == 0 || used >= p.capacity || used*10 < p.capacity*9 {
			continue
		}
		r.Report(poolObject(p.IPPool), "widen the range or release leaked allocations before it fills",
			"pool %s is %d%% allocated (%d of %d)", p.prefix, used*100/p.capacity, used, p.capacity)
	}
}

func checkLeaked(m *Model, r *Reporter) {
	for _, p := range m.pools() {
		offs := make([]string, 0, len(p.Spec.Allocations))
		for off := range p.Spec.Allocations {
			offs = append(offs, off)
		}
		sort.Strings(offs)
		for _, off := range offs {
			a := p.Spec.Allocations[off]
			if m.Pod(a.PodRef) != nil {
				continue
			}
			r.Report(poolObject(p.IPPool), "kubectl multinet ipam gc releases it (or wait for whereabouts' reconciler); leaks follow node crashes (whereabouts #75, #550)",
				"%s is allocated to pod %s (container %s), which does not exist", p.ips[off], a.PodRef, shortID(a.ContainerID))
		}
	}
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func checkMismatch(m *Model, r *Reporter) {
	pools := m.pools()
	allocatedTo := map[netip.Addr]string{}
	for _, p := range pools {
		for off, ip := range p.ips {
			allocatedTo[ip] = p.Spec.Allocations[off].PodRef
		}
	}
	// Pod IPs on whereabouts networks that no pool records.
	for i := range m.Pods {
		pod := &m.Pods[i]
		for _, in := range pod.Interfaces {
			n := m.NAD(in.Network)
			if in.State != inspect.StateAttached || n == nil || n.Config.IPAM == nil || n.Config.IPAM.Type != "whereabouts" {
				continue
			}
			for _, s := range in.IPs {
				ip, err := netip.ParseAddr(strings.Split(s, "/")[0])
				if err != nil || !inAnyPool(pools, ip) {
					continue
				}
				owner, ok := allocatedTo[ip]
				switch {
				case !ok:
					r.Report(podObject(pod), "recreate the pod so whereabouts records its address, or the address may be handed out twice",
						"IP %s on %s is not allocated in its IPPool", ip, in.Network)
				case owner != pod.Namespace+"/"+pod.Name:
					r.Report(podObject(pod), "recreate the pod: its IPPool gives this address to another pod",
						"IP %s on %s is allocated to pod %s in its IPPool", ip, in.Network, owner)
				}
			}
		}
	}
	// Reservations without a pool entry (whereabouts #712).
	for _, o := range m.ORIPs {
		ip, ok := oripAddr(o.Name)
		if _, held := allocatedTo[ip]; !ok || held {
			continue
		}
		r.Report(Object{Kind: "OverlappingRangeIPReservation", Namespace: o.Namespace, Name: o.Name},
			"delete the reservation if pod "+o.Spec.PodRef+" is gone; otherwise recreate the pod (whereabouts #712)",
			"reservation of %s for pod %s has no allocation in any IPPool", ip, o.Spec.PodRef)
	}
}

func inAnyPool(pools []pool, ip netip.Addr) bool {
	for _, p := range pools {
		if p.prefix.Contains(ip) {
			return true
		}
	}
	return false
}

// oripAddr reads the IP from an OverlappingRangeIPReservation name: the IP with ':' as '-',
// optionally prefixed with `network_name-`.
func oripAddr(name string) (netip.Addr, bool) {
	if ip, err := netip.ParseAddr(strings.ReplaceAll(name, "-", ":")); err == nil {
		return ip, true
	}
	for i := 0; i < len(name); i++ {
		if name[i] != '-' {
			continue
		}
		rest := name[i+1:]
		if ip, err := netip.ParseAddr(rest); err == nil && ip.Is4() {
			return ip, true
		}
		if ip, err := netip.ParseAddr(strings.ReplaceAll(rest, "-", ":")); err == nil {
			return ip, true
		}
	}
	return netip.Addr{}, false
}

func checkTooLarge(m *Model, r *Reporter) {
	for _, p := range m.Pools {
		if n := len(p.Spec.Allocations); n > maxAllocationsPerObject {
			r.Report(poolObject(p), "split the range into smaller NADs/ranges, or use multinet-ipam, which stores allocations in many small objects",
				"pool holds %d allocations in one object (~%d KiB); past ~10,000 it exceeds etcd's 1.5 MiB request limit and every allocation fails", n, n*145/1024)
		}
	}
}
