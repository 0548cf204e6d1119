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
}

// Key is namespace/pod.
func (m Member) Key() string { return m.Namespace + "/" + m.Pod }

// Network is one NAD and what its config says about reachability.
type Network struct {
	Key  string `json:"network"`
	Type string `json:"type,omitempty"`
	Mode string `json:"mode,omitempty"`
	MTU  int    `json:"mtu,omitempty"`
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
}

// Sampled says the network has more attached pods than are tested.
func (p Plan) Sampled() bool { return p.Total > len(p.Members) }

// MakePlans groups the running pods' attached IPv4 interfaces by network (only keys in nets, or
// every network when nets is nil), keeps networks with at least two pods, and samples at most max
// pods a network, spread over the nodes.
func MakePlans(pods []inspect.Pod, networks map[string]Network, want map[string]bool, max int) []Plan {
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
			byNet[in.Network] = append(byNet[in.Network], Member{Namespace: p.Namespace, Pod: p.Name, Node: p.Node, Interface: in.Interface, IP: ip})
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
		n := networks[k]
		n.Key = k
		out = append(out, Plan{Network: n, Members: spread(members, max), Total: len(members)})
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
