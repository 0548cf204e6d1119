package netsnap

import (
	"fmt"
	"net"
	"sort"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Collect reads the current network namespace. Nothing is changed, and no capability is needed.
func Collect() Snapshot {
	s := Snapshot{}
	links, err := netlink.LinkList()
	if err != nil {
		s.Errors = append(s.Errors, fmt.Sprintf("links: %v", err))
	}
	names := map[int]string{}
	for _, l := range links {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	for _, l := range links {
		a := l.Attrs()
		link := Link{Name: a.Name, Index: a.Index, Kind: l.Type(), Up: a.Flags&net.FlagUp != 0, OperState: a.OperState.String(),
			MTU: a.MTU, Master: names[a.MasterIndex]}
		if len(a.HardwareAddr) > 0 {
			link.MAC = a.HardwareAddr.String()
		}
		s.Links = append(s.Links, link)
		addrs, err := netlink.AddrList(l, netlink.FAMILY_ALL)
		if err != nil {
			s.Errors = append(s.Errors, fmt.Sprintf("addresses of %s: %v", a.Name, err))
		}
		for _, ad := range addrs {
			s.Addrs = append(s.Addrs, Addr{Link: a.Name, CIDR: ad.IPNet.String()})
		}
	}
	routes, err := netlink.RouteListFiltered(netlink.FAMILY_ALL, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
	if err != nil {
		s.Errors = append(s.Errors, fmt.Sprintf("routes: %v", err))
	}
	for _, r := range routes {
		if r.Type != unix.RTN_UNICAST || r.Table == unix.RT_TABLE_LOCAL {
			continue
		}
		rt := Route{Table: r.Table, Dst: "default", Dev: names[r.LinkIndex], Protocol: r.Protocol.String(), Metric: r.Priority, Family: family(r.Family)}
		if r.Dst != nil {
			if ones, _ := r.Dst.Mask.Size(); ones > 0 || !r.Dst.IP.IsUnspecified() {
				rt.Dst = r.Dst.String()
			}
		}
		if r.Gw != nil {
			rt.Gateway = r.Gw.String()
		}
		if r.Src != nil {
			rt.Src = r.Src.String()
		}
		s.Routes = append(s.Routes, rt)
	}
	rules, err := netlink.RuleList(netlink.FAMILY_ALL)
	if err != nil {
		s.Errors = append(s.Errors, fmt.Sprintf("rules: %v", err))
	}
	for _, r := range rules {
		rule := Rule{Priority: r.Priority, Table: r.Table, IIF: r.IifName, OIF: r.OifName, Family: family(r.Family)}
		if r.Src != nil {
			rule.Src = r.Src.String()
		}
		if r.Dst != nil {
			rule.Dst = r.Dst.String()
		}
		s.Rules = append(s.Rules, rule)
	}
	neighs, err := netlink.NeighList(0, netlink.FAMILY_ALL)
	if err != nil {
		s.Errors = append(s.Errors, fmt.Sprintf("neighbours: %v", err))
	}
	for _, n := range neighs {
		if n.IP == nil || n.IP.IsLinkLocalMulticast() || n.IP.IsMulticast() {
			continue
		}
		nb := Neighbor{Link: names[n.LinkIndex], IP: n.IP.String(), State: neighState(n.State)}
		if len(n.HardwareAddr) > 0 {
			nb.MAC = n.HardwareAddr.String()
		}
		s.Neighbors = append(s.Neighbors, nb)
	}
	sort.SliceStable(s.Routes, func(i, j int) bool { return s.Routes[i].Table < s.Routes[j].Table })
	return s
}

func family(f int) int {
	if f == unix.AF_INET6 {
		return 6
	}
	return 4
}

// neighState names a neighbour's NUD state as ip neigh does.
func neighState(st int) string {
	for _, n := range []struct {
		bit  int
		name string
	}{{netlink.NUD_PERMANENT, "PERMANENT"}, {netlink.NUD_REACHABLE, "REACHABLE"}, {netlink.NUD_STALE, "STALE"},
		{netlink.NUD_DELAY, "DELAY"}, {netlink.NUD_PROBE, "PROBE"}, {netlink.NUD_FAILED, "FAILED"},
		{netlink.NUD_INCOMPLETE, "INCOMPLETE"}, {netlink.NUD_NOARP, "NOARP"}} {
		if st&n.bit != 0 {
			return n.name
		}
	}
	return "NONE"
}
