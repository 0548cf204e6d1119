package doctor

import (
	"net/netip"
	"sort"
	"strings"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/iprange"
)

func poolChecks() []Check {
	return []Check{
		{Code: "MN4001", Name: "PoolExhausted", Severity: Error, Needs: []Input{InPools},
			Summary: "An IP pool has no free address", Run: checkExhausted},
		{Code: "MN4002", Name: "PoolNearlyExhausted", Severity: Warning, Needs: []Input{InPools},
			Summary: "An IP pool is at least 90% allocated", Run: checkNearlyExhausted},
		{Code: "MN4003", Name: "LeakedAllocation", Severity: Warning, Needs: []Input{InPools, InAllPods},
			Summary: "An allocation belongs to a pod that no longer exists", Run: checkLeaked},
		{Code: "MN4004", Name: "AllocationMismatch", Severity: Warning, Needs: []Input{InPools, InAllPods, InNADs},
			Summary: "A pod's IP has no pool allocation, or a reservation has no pool entry", Run: checkMismatch},
		{Code: "MN4005", Name: "PoolObjectTooLarge", Severity: Warning, Needs: []Input{InIPPools},
			Summary: "One IPPool object holds so many allocations it nears etcd's request size limit", Run: checkTooLarge},
	}
}

// maxAllocationsPerObject is where one IPPool (~145 bytes an allocation) nears etcd's 1.5 MiB limit.
const maxAllocationsPerObject = 8000

// slot is one allocated address of a pool.
type slot struct {
	ip          netip.Addr
	podRef      string
	containerID string
	// object is where the allocation is stored (the IPPool, or the IPAllocation).
	object Object
}

// pool is a whereabouts IPPool, or the multinet-ipam allocations of one network and range, with
// its capacity resolved.
type pool struct {
	object Object
	prefix netip.Prefix
	// capacity is the number of allocatable addresses (from the NAD's bounds when one matches).
	capacity uint64
	slots    []slot
	// gcHint is how to release this kind of pool's leaked allocations.
	gcHint string
}

func (p pool) used() uint64 { return uint64(len(p.slots)) }

// pools resolves every pool of the model; pools whose range does not parse are skipped.
func (m *Model) pools() []pool {
	var out []pool
	for _, p := range m.Pools {
		r, err := iprange.Parse(p.Spec.Range)
		if err != nil {
			continue
		}
		obj := Object{Kind: "IPPool", Namespace: p.Namespace, Name: p.Name}
		pl := pool{object: obj, prefix: r.Prefix, capacity: m.capacityOf(r), gcHint: "kubectl multinet ipam gc releases it (or wait for whereabouts' reconciler)"}
		offsets := make([]string, 0, len(p.Spec.Allocations))
		for off := range p.Spec.Allocations {
			offsets = append(offsets, off)
		}
		sort.Strings(offsets)
		for _, off := range offsets {
			if ip, err := iprange.AddrAt(r.Prefix, off); err == nil {
				a := p.Spec.Allocations[off]
				pl.slots = append(pl.slots, slot{ip: ip, podRef: a.PodRef, containerID: a.ContainerID, object: obj})
			}
		}
		out = append(out, pl)
	}
	return append(out, m.multinetPools()...)
}

// multinetPools groups multinet-ipam's IPAllocations by network and range.
func (m *Model) multinetPools() []pool {
	byKey := map[string]*pool{}
	var keys []string
	for _, a := range m.Allocations {
		r, err := iprange.Parse(a.Spec.Range)
		ip, ierr := netip.ParseAddr(a.Spec.IP)
		if err != nil || ierr != nil {
			continue
		}
		key := a.Spec.Network + "|" + r.Prefix.String()
		pl := byKey[key]
		if pl == nil {
			pl = &pool{object: m.multinetPoolObject(a.Spec.Network, r.Prefix), prefix: r.Prefix, capacity: m.capacityOf(r),
				gcHint: "kubectl multinet ipam gc releases it (the runtime's CNI GC does too)"}
			byKey[key] = pl
			keys = append(keys, key)
		}
		pl.slots = append(pl.slots, slot{ip: ip, podRef: a.Spec.PodRef, containerID: a.Spec.ContainerID,
			object: Object{Kind: "IPAllocation", Namespace: a.Namespace, Name: a.Name}})
	}
	sort.Strings(keys)
	out := make([]pool, 0, len(keys))
	for _, k := range keys {
		out = append(out, *byKey[k])
	}
	return out
}

// multinetPoolObject names a multinet-ipam pool by the first NAD that declares it (same network key
// and prefix), else by its network name, else by its range.
func (m *Model) multinetPoolObject(network string, prefix netip.Prefix) Object {
	for _, n := range m.NADs {
		c := n.Config.IPAM
		if c == nil || c.Type != "multinet-ipam" {
			continue
		}
		for _, r := range c.Pools {
			if r.Prefix == prefix && c.NetworkKey(r) == network {
				return Object{Kind: "NetworkAttachmentDefinition", Namespace: n.Namespace, Name: n.Name}
			}
		}
	}
	if network != "" {
		return Object{Kind: "Network", Name: network}
	}
	return Object{Kind: "Network", Name: prefix.String()}
}

// capacityOf is what a range can hand out: the pool a whereabouts-like NAD declares on the same
// prefix (its bounds and exclusions), else the whole range.
func (m *Model) capacityOf(r iprange.Range) uint64 {
	for _, n := range m.NADs {
		if n.Config.IPAM == nil || !whereaboutsLike[n.Config.IPAM.Type] {
			continue
		}
		for _, pl := range n.Config.IPAM.Pools {
			if pl.Prefix == r.Prefix {
				return pl.Capacity()
			}
		}
	}
	return r.Size()
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
		out = append(out, PoolUsage{Namespace: p.object.Namespace, Name: p.object.Name, Range: p.prefix, Used: p.used(), Capacity: p.capacity})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Range.String() < out[j].Range.String() })
	return out
}

func checkExhausted(m *Model, r *Reporter) {
	for _, p := range m.pools() {
		if used := p.used(); p.capacity > 0 && used >= p.capacity {
			r.Report(p.object, "release leaked allocations (kubectl multinet ipam gc, or whereabouts' reconciler) or widen the NAD's range",
				"pool %s is full: %d of %d addresses allocated; new pods fail with \"Could not allocate IP in range\"", p.prefix, used, p.capacity)
		}
	}
}

func checkNearlyExhausted(m *Model, r *Reporter) {
	for _, p := range m.pools() {
		used := p.used()
		if p.capacity == 0 || used >= p.capacity || used*10 < p.capacity*9 {
			continue
		}
		r.Report(p.object, "widen the range or release leaked allocations before it fills",
			"pool %s is %d%% allocated (%d of %d)", p.prefix, used*100/p.capacity, used, p.capacity)
	}
}

func checkLeaked(m *Model, r *Reporter) {
	for _, p := range m.pools() {
		for _, s := range p.slots {
			if s.podRef == "" || m.Pod(s.podRef) != nil {
				continue
			}
			r.Report(s.object, p.gcHint+"; leaks follow node crashes and DELs that never ran (whereabouts #75, #550)",
				"%s is allocated to pod %s (container %s), which does not exist", s.ip, s.podRef, shortID(s.containerID))
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
		for _, s := range p.slots {
			allocatedTo[s.ip] = s.podRef
		}
	}
	// Pod IPs on whereabouts or multinet-ipam networks that no pool records, or records for another pod.
	for i := range m.Pods {
		pod := &m.Pods[i]
		for _, in := range pod.Interfaces {
			n := m.NAD(in.Network)
			if in.State != inspect.StateAttached || n == nil || n.Config.IPAM == nil || !whereaboutsLike[n.Config.IPAM.Type] {
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
					r.Report(podObject(pod), "recreate the pod so the IPAM records its address, or the address may be handed out twice",
						"IP %s on %s is not allocated in its pool", ip, in.Network)
				case owner != "" && owner != pod.Namespace+"/"+pod.Name:
					r.Report(podObject(pod), "recreate the pod: its pool gives this address to another pod",
						"IP %s on %s is allocated to pod %s in its pool", ip, in.Network, owner)
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
			r.Report(Object{Kind: "IPPool", Namespace: p.Namespace, Name: p.Name}, "split the range into smaller NADs/ranges, or use multinet-ipam, which stores allocations in many small objects",
				"pool holds %d allocations in one object (~%d KiB); past ~10,000 it exceeds etcd's 1.5 MiB request limit and every allocation fails", n, n*145/1024)
		}
	}
}
