// Package connectivity is `kubectl multinet check connectivity`: for each secondary network with
// at least two running attached pods it pings between a bounded sample of them over that network's
// interface only (ICMP echo, a full-size echo with DF at the NAD's MTU, and the ARP entry left),
// through ephemeral containers like probe's, and explains each failing pair.
package connectivity

import (
	"net/netip"
	"sort"
	"strings"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// Member is one pod's attachment to a network.
type Member struct {
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	Node      string `json:"node"`
	Interface string `json:"interface"`
	IP        string `json:"ip"`
	// Network is the member's NAD (ns/name), which differs between members of a segment.
	Network string `json:"network"`
	// MAC is the interface's address as network-status reports it ("" when it does not).
	MAC string `json:"mac,omitempty"`
	// SharesMaster names the pod's other interfaces whose NADs use the same master: one L2
	// segment, where the pod answers ARP for each address on every one of them (ARP flux).
	SharesMaster []string `json:"sharesMaster,omitempty"`
}

// Key is namespace/pod.
func (m Member) Key() string { return m.Namespace + "/" + m.Pod }

// Network is one NAD and what its config says about reachability.
type Network struct {
	Key  string `json:"network"`
	Type string `json:"type,omitempty"`
	Mode string `json:"mode,omitempty"`
	MTU  int    `json:"mtu,omitempty"`
	// Master is the NAD's master link on the node ("" when it has none).
	Master string `json:"-"`
	// Ranges are the IPAM's ranges; HasRoutes says the IPAM adds routes.
	Ranges    []netip.Prefix `json:"-"`
	HasRoutes bool           `json:"-"`
}

// Plan is the networks to test, each with the members to test between.
type Plan struct {
	Network Network  `json:"-"`
	Members []Member `json:"pods"`
	// Total is how many running pods are attached; Members is a sample when it is smaller.
	Total int `json:"total"`
	// Protocol is what the pings use: ProtocolICMP (the default when empty) or ProtocolUDP.
	Protocol string `json:"protocol"`
}

// The protocols of Plan.Protocol.
const (
	// ProtocolICMP is ICMP echoes from a raw socket: NET_RAW as root in the probe container.
	ProtocolICMP = "icmp"
	// ProtocolUDP is UDP datagrams to an echo server started in each member first: no capability,
	// and it passes where ICMP is filtered.
	ProtocolUDP = "udp"
)

// Sampled says the network has more attached pods than are tested.
func (p Plan) Sampled() bool { return p.Total > len(p.Members) }

// MakePlans groups the running pods' attached IPv4 interfaces by network (only keys in want, or
// every network when want is nil), keeps networks with at least two pods, and samples at most max
// pods a network (0: all), spread over the nodes. The NADs of each segment are tested as one network,
// every pair across them (NADs meant to share an L2 segment); its key joins theirs with "+".
func MakePlans(pods []inspect.Pod, networks map[string]Network, want map[string]bool, max int, segments [][]string) []Plan {
	group := map[string]string{}
	for _, seg := range segments {
		for _, k := range seg {
			group[k] = strings.Join(seg, "+")
			if want != nil {
				want[k] = true
			}
		}
	}
	byNet := map[string][]Member{}
	for _, p := range pods {
		if p.Phase != "Running" {
			continue
		}
		for _, in := range p.Interfaces {
			if in.Network == "" || in.Default || in.State != inspect.StateAttached || in.Interface == "" || (want != nil && !want[in.Network]) {
				continue
			}
			ip := firstIPv4(in.IPs)
			if ip == "" {
				continue
			}
			key := in.Network
			if g, ok := group[key]; ok {
				key = g
			}
			byNet[key] = append(byNet[key], Member{Namespace: p.Namespace, Pod: p.Name, Node: p.Node, Interface: in.Interface, IP: ip, Network: in.Network, MAC: in.MAC,
				SharesMaster: sharesMaster(p, in, networks)})
		}
	}
	keys := make([]string, 0, len(byNet))
	for k := range byNet {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Plan
	for _, k := range keys {
		members := byNet[k]
		if len(members) < 2 {
			continue
		}
		n := merge(networks, strings.Split(k, "+"))
		n.Key = k
		out = append(out, Plan{Network: n, Members: spread(members, max), Total: len(members), Protocol: ProtocolICMP})
	}
	return out
}

// sharesMaster lists pod's other attached interfaces whose NAD has in's master.
func sharesMaster(p inspect.Pod, in inspect.Interface, networks map[string]Network) []string {
	master := networks[in.Network].Master
	if master == "" {
		return nil
	}
	var out []string
	for _, o := range p.Interfaces {
		if o.Interface != in.Interface && o.State == inspect.StateAttached && o.Network != "" && networks[o.Network].Master == master {
			out = append(out, o.Interface)
		}
	}
	return out
}

// merge describes a segment by its NADs: their ranges and the smallest MTU; the type and mode when
// they all agree.
func merge(networks map[string]Network, keys []string) Network {
	out := networks[keys[0]]
	out.Ranges = nil
	for _, k := range keys {
		n := networks[k]
		out.Ranges = append(out.Ranges, n.Ranges...)
		out.HasRoutes = out.HasRoutes || n.HasRoutes
		if n.MTU > 0 && (out.MTU == 0 || n.MTU < out.MTU) {
			out.MTU = n.MTU
		}
		if n.Type != out.Type {
			out.Type = ""
		}
		if n.Mode != out.Mode {
			out.Mode = ""
		}
	}
	return out
}

// spread keeps at most max members, taking them from the nodes in turn so that both same-node and
// cross-node pairs are tested.
func spread(members []Member, max int) []Member {
	sort.Slice(members, func(i, j int) bool {
		if members[i].Node != members[j].Node {
			return members[i].Node < members[j].Node
		}
		return members[i].Key() < members[j].Key()
	})
	if max <= 0 || len(members) <= max {
		return members
	}
	byNode := map[string][]Member{}
	var nodes []string
	for _, m := range members {
		if byNode[m.Node] == nil {
			nodes = append(nodes, m.Node)
		}
		byNode[m.Node] = append(byNode[m.Node], m)
	}
	var out []Member
	for len(out) < max {
		for _, n := range nodes {
			if len(byNode[n]) > 0 && len(out) < max {
				out = append(out, byNode[n][0])
				byNode[n] = byNode[n][1:]
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

func firstIPv4(ips []string) string {
	for _, ip := range ips {
		a, err := netip.ParseAddr(strings.Split(ip, "/")[0])
		if err == nil && a.Is4() {
			return a.String()
		}
	}
	return ""
}
