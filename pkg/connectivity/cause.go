package connectivity

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/netsnap"
)

// Cause explains a pair's result in plan p: "" when it passed, else the likeliest reason it failed.
func Cause(p Plan, from, to Member, r netsnap.PingResult) string {
	n := p.Network
	switch {
	case r.Error != "":
		return r.Error
	case r.Received > 0 && r.MTUOK != nil && !*r.MTUOK:
		return fmt.Sprintf("echoes pass but a %d-byte packet with DF does not: a master, bridge or switch port on the path has an MTU below the NAD's %d", n.MTU, n.MTU)
	case r.Received > 0:
		return ""
	}
	if !sameRange(n.Ranges, from.IP, to.IP) && len(n.Ranges) > 0 && !n.HasRoutes {
		return fmt.Sprintf("different subnets: %s and %s are not in one of the NAD's ranges, and its IPAM adds no route between them", from.IP, to.IP)
	}
	sameNode := from.Node == to.Node
	kind := strings.TrimPrefix(n.Type, "multinet-") // multinet-macvlan and multinet-ipvlan take the upstream modes
	switch {
	case kind == "macvlan" && n.Mode == "private" && sameNode:
		return "macvlan mode private: interfaces on one master never reach each other; use mode bridge"
	case kind == "macvlan" && n.Mode == "vepa" && sameNode:
		return "macvlan mode vepa: pods on one node reach each other only through a switch that sends frames back (hairpin); use mode bridge"
	case kind == "ipvlan" && (n.Mode == "l3" || n.Mode == "l3s") && !sameNode && !n.HasRoutes:
		return fmt.Sprintf("ipvlan %s does not forward ARP or broadcast between nodes: the nodes need routes to each other's pod addresses", n.Mode)
	case r.MAC == "" && (r.NeighborState == "FAILED" || r.NeighborState == "INCOMPLETE" || r.NeighborState == "NONE"):
		return fmt.Sprintf("no ARP reply for %s: it is not on this segment (another VLAN, or the nodes' masters are not bridged), or its interface is down", to.IP)
	}
	if r.MAC != "" && to.MAC != "" && !strings.EqualFold(r.MAC, to.MAC) {
		return fmt.Sprintf("ARP flux: %s was answered with %s, not with the MAC of %s's %s (%s): that pod has more than one interface on this L2 segment and answers ARP on each, so frames reach the wrong interface and are dropped (reverse-path filter); give each network its own segment (master or VLAN), or set arp_ignore=1 and arp_announce=2 in the pod",
			to.IP, r.MAC, to.Key(), to.Interface, to.MAC)
	}
	if shared := append(append([]string(nil), from.SharesMaster...), to.SharesMaster...); len(shared) > 0 {
		owner, ifaces := from, from.SharesMaster
		if len(ifaces) == 0 {
			owner, ifaces = to, to.SharesMaster
		}
		return fmt.Sprintf("ARP resolves %s to its interface, yet no echo comes back: %s also has %s on master %s, one L2 segment, so a reply can be sent to, or arrive on, the wrong interface and be dropped by the reverse-path filter (ARP flux; often intermittent); give each network its own master or VLAN, or set arp_ignore=1 and arp_announce=2 in the pod",
			to.IP, owner.Key(), strings.Join(ifaces, ", "), p.Network.Master)
	}
	what := "ICMP"
	if p.Protocol == ProtocolUDP {
		what = "UDP to the echo server"
	}
	return fmt.Sprintf("ARP resolves %s to %s but no echo comes back: a firewall (a MultiNetworkPolicy?) or the peer drops %s, or the return path leaves by another interface", to.IP, r.MAC, what)
}

func sameRange(ranges []netip.Prefix, a, b string) bool {
	x, err1 := netip.ParseAddr(a)
	y, err2 := netip.ParseAddr(b)
	if err1 != nil || err2 != nil {
		return true
	}
	for _, p := range ranges {
		if p.Contains(x) && p.Contains(y) {
			return true
		}
	}
	return false
}
