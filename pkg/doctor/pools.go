package doctor

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipamconf"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/iprange"
)

func poolChecks() []Check {
	return []Check{
		{Code: "MN4001", Name: "PoolExhausted", Severity: Error, Needs: []Input{InPools},
			Summary: "An IP pool has no free address", Run: checkExhausted},
		{Code: "MN4002", Name: "PoolNearlyExhausted", Severity: Warning, Needs: []Input{InPools},
			Summary: "An IP pool is at least 90% allocated", Run: checkNearlyExhausted},
		{Code: "MN4003", Name: "LeakedAllocation", Severity: Warning, Needs: []Input{InPools, InAllPods},
			Summary: "An allocation belongs to a pod that no longer exists, or to an earlier pod of that name", Run: checkLeaked},
		{Code: "MN4004", Name: "AllocationMismatch", Severity: Warning, Needs: []Input{InPools, InAllPods, InNADs},
			Summary: "A pod's IP has no pool allocation, or a reservation has no pool entry", Run: checkMismatch},
		{Code: "MN4005", Name: "PoolObjectTooLarge", Severity: Warning, Needs: []Input{InIPPools},
			Summary: "One IPPool object holds so many allocations it nears etcd's request size limit", Run: checkTooLarge},
		{Code: "MN4006", Name: "AllocationOfLostNode", Severity: Warning, Needs: []Input{InPools, InAllPods, InNodes},
			Summary: "An allocation of a deleted pod was made on a node that is down or gone", Run: checkLostNode},
	}
}

// maxAllocationsPerObject is where one IPPool (~145 bytes an allocation) nears etcd's 1.5 MiB limit.
const maxAllocationsPerObject = 8000

// slot is one allocated address of a pool.
type slot struct {
	ip          netip.Addr
	podRef      string
	containerID string
	// ifName is the pod interface the allocation is for ("" when not recorded).
	ifName string
	// node is the node that made the allocation ("" when the IPAM does not record it).
	node string
	// object is where the allocation is stored (the IPPool, or the IPAllocation).
	object Object
}

// pool is a whereabouts IPPool, or the multinet-ipam allocations of one network and range, with
// its capacity resolved.
type pool struct {
	object Object
	// key identifies the pool the way its IPAM does (see poolKey).
	key    string
	prefix netip.Prefix
	// capacity is the number of allocatable addresses (from the NAD's bounds when one matches).
	capacity uint64
	slots    []slot
	// gcHint is how to release this kind of pool's leaked allocations.
	gcHint string
}

func (p pool) used() uint64 { return uint64(len(p.slots)) }

// poolCache holds the pools of a model's inputs, built on first use.
type poolCache struct {
	once  sync.Once
	pools []pool
}

// pools resolves every pool of the model; pools whose range does not parse are skipped.
func (m *Model) pools() []pool {
	m.poolCache.once.Do(func() { m.poolCache.pools = m.buildPools() })
	return m.poolCache.pools
}

// buildPools is pools, built once a run: callers only read it.
func (m *Model) buildPools() []pool {
	capacity := m.capacities()
	var out []pool
	for _, p := range m.Pools {
		r, err := iprange.Parse(p.Spec.Range)
		if err != nil {
			continue
		}
		obj := Object{Kind: "IPPool", Namespace: p.Namespace, Name: p.Name}
		key := "whereabouts:" + p.Name
		pl := pool{object: obj, key: key, prefix: r.Prefix, capacity: capacityOf(capacity, key, r), gcHint: "kubectl multinet ipam gc releases it (or wait for whereabouts' reconciler)"}
		offsets := make([]string, 0, len(p.Spec.Allocations))
		for off := range p.Spec.Allocations {
			offsets = append(offsets, off)
		}
		sort.Strings(offsets)
		for _, off := range offsets {
			if ip, err := iprange.AddrAt(r.Prefix, off); err == nil {
				a := p.Spec.Allocations[off]
				pl.slots = append(pl.slots, slot{ip: ip, podRef: a.PodRef, containerID: a.ContainerID, ifName: a.IfName, object: obj})
			}
		}
		out = append(out, pl)
	}
	return append(out, m.multinetPools(capacity)...)
}

// multinetPools groups multinet-ipam's IPAllocations by network and range.
func (m *Model) multinetPools(capacity map[string]uint64) []pool {
	byKey := map[string]*pool{}
	var keys []string
	for _, a := range m.Allocations {
		r, err := iprange.Parse(a.Spec.Range)
		ip, ierr := netip.ParseAddr(a.Spec.IP)
		if err != nil || ierr != nil {
			continue
		}
		key := multinetKey(a.Spec.Network, r.Prefix)
		pl := byKey[key]
		if pl == nil {
			pl = &pool{object: m.multinetPoolObject(a.Spec.Network, r.Prefix), key: key, prefix: r.Prefix, capacity: capacityOf(capacity, key, r),
				gcHint: "kubectl multinet ipam gc releases it (the runtime's CNI GC does too)"}
			byKey[key] = pl
			keys = append(keys, key)
		}
		pl.slots = append(pl.slots, slot{ip: ip, podRef: a.Spec.PodRef, containerID: a.Spec.ContainerID, ifName: a.Spec.IfName, node: a.Spec.Node,
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

// poolKey is the pool a NAD's range lives in, as its IPAM names it: whereabouts' IPPool name
// (network_name and the normalised range), or multinet-ipam's network key and range; "" for other
// IPAMs.
func poolKey(c *inspect.IPAMConfig, pl iprange.Pool) string {
	switch c.Type {
	case "whereabouts":
		return "whereabouts:" + ipamconf.PoolName(c.NetworkName, pl.Prefix)
	case ipamconf.Multinet:
		return multinetKey(c.NetworkKey(pl), pl.Prefix)
	}
	return ""
}

func multinetKey(network string, prefix netip.Prefix) string {
	return "multinet:" + network + "|" + prefix.Masked().String()
}

// capacities maps each pool key a NAD declares to what that pool can hand out (its bounds and
// exclusions); the first NAD to declare a key wins.
func (m *Model) capacities() map[string]uint64 {
	out := map[string]uint64{}
	for _, n := range m.NADs {
		if n.Config.IPAM == nil {
			continue
		}
		for _, pl := range n.Config.IPAM.Pools {
			if k := poolKey(n.Config.IPAM, pl); k != "" {
				if _, seen := out[k]; !seen {
					out[k] = pl.Capacity()
				}
			}
		}
	}
	return out
}

// capacityOf is what the pool key names can hand out: what a NAD declares for it, else the whole
// range.
func capacityOf(capacities map[string]uint64, key string, r iprange.Range) uint64 {
	if c, ok := capacities[key]; ok {
		return c
	}
	return r.Size()
}

// PoolUsage is how full one IP pool is.
type PoolUsage struct {
	// Kind is IPPool (whereabouts) or the object that names a multinet-ipam network.
	Kind, Namespace, Name string
	Range                 netip.Prefix
	Used, Capacity        uint64
}

// PoolUsage lists the use of every pool whose range parses, by range.
func (m *Model) PoolUsage() []PoolUsage {
	var out []PoolUsage
	for _, p := range m.pools() {
		out = append(out, PoolUsage{Kind: p.object.Kind, Namespace: p.object.Namespace, Name: p.object.Name, Range: p.prefix, Used: p.used(), Capacity: p.capacity})
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
	lost := m.lostNodes()
	for _, p := range m.pools() {
		for _, s := range p.slots {
			if pod := m.Pod(s.podRef); pod != nil {
				if held := otherIPs(pod, s); held != "" {
					r.Report(s.object, p.gcHint+" once no pod of that name uses it; an earlier pod's DEL did not run (a Multus or IPAM restart during deletion)",
						"%s is allocated to pod %s on %s (container %s), but the pod reports %s there: the allocation is left from an earlier pod of that name",
						s.ip, s.podRef, s.ifName, shortID(s.containerID), held)
				}
				continue
			}
			if s.podRef == "" {
				continue
			}
			if _, ok := lost[s.node]; ok && m.Has(InNodes) {
				continue // MN4006
			}
			r.Report(s.object, p.gcHint+"; leaks follow node crashes and DELs that never ran (whereabouts #75, #550)",
				"%s is allocated to pod %s (container %s), which does not exist", s.ip, s.podRef, shortID(s.containerID))
		}
	}
}

// otherIPs returns the addresses pod reports on s's interface when s's address is not among them
// ("" when it is, or when the pod reports none there).
func otherIPs(pod *inspect.Pod, s slot) string {
	if s.ifName == "" {
		return ""
	}
	var ips []string
	for _, in := range pod.Interfaces {
		if in.Interface != s.ifName || in.State != inspect.StateAttached {
			continue
		}
		for _, ip := range in.IPs {
			if a, err := netip.ParseAddr(ip); err == nil && a == s.ip {
				return ""
			}
			ips = append(ips, ip)
		}
	}
	return strings.Join(ips, ", ")
}

// lostNodes maps the nodes that are gone or not Ready to why ("" never names a node).
func (m *Model) lostNodes() map[string]string {
	known := map[string]string{}
	for _, n := range m.Nodes {
		known[n.Name] = ""
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status != corev1.ConditionTrue {
				known[n.Name] = fmt.Sprintf("Ready is %s since %s (%s)", c.Status, c.LastTransitionTime.UTC().Format("15:04:05 MST"), c.Reason)
			}
		}
	}
	lost := map[string]string{}
	for _, p := range m.pools() {
		for _, s := range p.slots {
			why, ok := known[s.node]
			switch {
			case s.node == "":
			case !ok:
				lost[s.node] = "no longer exists"
			case why != "":
				lost[s.node] = why
			}
		}
	}
	return lost
}

func checkLostNode(m *Model, r *Reporter) {
	lost := m.lostNodes()
	for _, p := range m.pools() {
		for _, s := range p.slots {
			why, ok := lost[s.node]
			if !ok || s.podRef == "" || m.Pod(s.podRef) != nil {
				continue
			}
			r.Report(s.object, "kubectl multinet ipam gc releases it now; otherwise the agent of a node that is up releases it on its next GC (install --gc-every, default 5m)",
				"%s was allocated on node %s to pod %s, which is gone; the node %s, so the pod's DEL never ran there", s.ip, s.node, s.podRef, why)
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
	known := map[string]bool{}
	allocatedTo := map[string]string{} // pool key|ip -> podRef
	held := map[string]bool{}          // whereabouts network_name|ip
	for _, p := range pools {
		known[p.key] = true
		network, isWhereabouts := ipamconf.PoolNetwork(p.object.Name, p.prefix)
		for _, s := range p.slots {
			allocatedTo[p.key+"|"+s.ip.String()] = s.podRef
			if p.object.Kind == "IPPool" && isWhereabouts {
				held[network+"|"+s.ip.String()] = true
			}
		}
	}
	// Pod IPs on whereabouts or multinet-ipam networks that their pool does not record, or records
	// for another pod.
	for i := range m.Pods {
		pod := &m.Pods[i]
		for _, in := range pod.Interfaces {
			n := m.NAD(in.Network)
			if in.State != inspect.StateAttached || n == nil || n.Config.IPAM == nil || !whereaboutsLike[n.Config.IPAM.Type] {
				continue
			}
			for _, s := range in.IPs {
				ip, err := netip.ParseAddr(strings.Split(s, "/")[0])
				if err != nil {
					continue
				}
				key := ""
				for _, pl := range n.Config.IPAM.Pools {
					if pl.Prefix.Contains(ip) {
						key = poolKey(n.Config.IPAM, pl)
						break
					}
				}
				if !known[key] {
					continue
				}
				owner, ok := allocatedTo[key+"|"+ip.String()]
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
	// Reservations without a pool entry of their network (whereabouts #712).
	for _, o := range m.ORIPs {
		network, ip, ok := ipamconf.ParseReservationName(o.Name)
		if !ok || held[network+"|"+ip.String()] {
			continue
		}
		r.Report(Object{Kind: "OverlappingRangeIPReservation", Namespace: o.Namespace, Name: o.Name},
			"delete the reservation if pod "+o.Spec.PodRef+" is gone; otherwise recreate the pod (whereabouts #712)",
			"reservation of %s for pod %s has no allocation in any IPPool", ip, o.Spec.PodRef)
	}
}

func checkTooLarge(m *Model, r *Reporter) {
	for _, p := range m.Pools {
		if n := len(p.Spec.Allocations); n > maxAllocationsPerObject {
			r.Report(Object{Kind: "IPPool", Namespace: p.Namespace, Name: p.Name}, "split the range into smaller NADs/ranges, or use multinet-ipam, which stores allocations in many small objects",
				"pool holds %d allocations in one object (~%d KiB); past ~10,000 it exceeds etcd's 1.5 MiB request limit and every allocation fails", n, n*145/1024)
		}
	}
}
