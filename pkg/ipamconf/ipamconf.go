// Package ipamconf is the one reader of a CNI "ipam" section in whereabouts' keys (range,
// range_start/range_end, ipRanges, exclude, network_name, enable_overlapping_ranges, gateway),
// multinet-ipam's own keys, and the ranges of host-local and static. The plugin, status, doctor,
// attach explain, ipam usage and the TUI all read ranges, pools and network keys through it.
package ipamconf

import (
	"fmt"
	"net/netip"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/iprange"
)

// Section is the "ipam" section as written.
type Section struct {
	Type string `json:"type"`
	RangeSpec
	IPRanges                []RangeSpec    `json:"ipRanges"`
	Exclude                 []string       `json:"exclude"`
	NetworkName             string         `json:"network_name"`
	EnableOverlappingRanges *bool          `json:"enable_overlapping_ranges"`
	Gateway                 string         `json:"gateway"`
	Routes                  []*types.Route `json:"routes"`
	ConfigurationPath       string         `json:"configuration_path"`
	Kubernetes              struct {
		Kubeconfig string `json:"kubeconfig"`
	} `json:"kubernetes"`
	// Namespace holds multinet-ipam's IPAllocation objects (default kube-system).
	Namespace string `json:"namespace"`
	// StableIdentity gives a pod the same address back on its next sandbox (StatefulSets).
	StableIdentity bool `json:"stable_identity"`
	// Reserved addresses or CIDRs are never handed out (like exclude, as Spiderpool names it).
	Reserved []string `json:"reserved"`
	// LogFile, when set, gets one line per ADD and DEL (whereabouts' key; off by default).
	LogFile string `json:"log_file"`
	// AgentSocket is the node agent's unix socket; allocations go through it while it answers.
	AgentSocket string `json:"agent_socket,omitempty"`
	// NodeName is the node the plugin runs on, recorded on each allocation (the agent writes it to
	// the flat config) so that allocations of a lost node can be told apart.
	NodeName string `json:"node_name,omitempty"`

	// host-local and static
	Subnet        string `json:"subnet"`
	HostRangeFrom string `json:"rangeStart"`
	HostRangeTo   string `json:"rangeEnd"`
	HostRanges    [][]struct {
		Subnet     string `json:"subnet"`
		RangeStart string `json:"rangeStart"`
		RangeEnd   string `json:"rangeEnd"`
		Gateway    string `json:"gateway"`
	} `json:"ranges"`
	Addresses []struct {
		Address string `json:"address"`
	} `json:"addresses"`
}

// RangeSpec is one whereabouts range: range, optionally narrowed by range_start and range_end.
type RangeSpec struct {
	Range      string `json:"range"`
	RangeStart string `json:"range_start"`
	RangeEnd   string `json:"range_end"`
}

// Config is a read Section.
type Config struct {
	Section
	// Pools are the ranges, each with the section's exclusions.
	Pools []iprange.Pool
	// GatewayAddr is Gateway parsed (invalid when unset or unparsable).
	GatewayAddr netip.Addr
	// Problems are settings that do not parse or do not fit, one sentence each: those in Fatal,
	// and a gateway outside every range.
	Problems []string
	// fatal are the problems an IPAM cannot work with.
	fatal []string
}

// Fatal are the problems an IPAM cannot work with: a range, bound, exclusion or gateway that does
// not parse.
func (c *Config) Fatal() []string { return c.fatal }

func (c *Config) problem(fatal bool, format string, args ...any) {
	p := fmt.Sprintf(format, args...)
	c.Problems = append(c.Problems, p)
	if fatal {
		c.fatal = append(c.fatal, p)
	}
}

// Multinet is multinet-ipam's type.
const Multinet = "multinet-ipam"

// Read reads s. It never fails: what cannot be used is in Problems.
func (s Section) Read() *Config {
	c := &Config{Section: s}
	exclude, exclProblems := iprange.ParseExclude(append(append([]string{}, s.Exclude...), s.Reserved...), s.Type == Multinet)
	add := func(spec, start, end string) {
		if spec == "" {
			return
		}
		r, err := iprange.Parse(spec)
		if err != nil {
			c.problem(true, "%s", err)
			return
		}
		for _, b := range []struct {
			key, v string
			dst    *netip.Addr
		}{{"range_start", start, &r.Start}, {"range_end", end, &r.End}} {
			if b.v == "" {
				continue
			}
			a, err := netip.ParseAddr(b.v)
			if err != nil {
				c.problem(true, "%s %q is not an IP address", b.key, b.v)
				return
			}
			*b.dst = a
		}
		if err := r.Check(); err != nil {
			c.problem(true, "%s", err)
			return
		}
		c.Pools = append(c.Pools, iprange.Pool{Range: r, Exclude: exclude})
	}
	add(s.Range, s.RangeStart, s.RangeEnd)
	for _, r := range s.IPRanges {
		add(r.Range, r.RangeStart, r.RangeEnd)
	}
	add(s.Subnet, s.HostRangeFrom, s.HostRangeTo)
	for _, set := range s.HostRanges {
		for _, r := range set {
			add(r.Subnet, r.RangeStart, r.RangeEnd)
		}
	}
	for _, a := range s.Addresses {
		p, err := netip.ParsePrefix(a.Address)
		if err != nil {
			c.problem(true, "address %q is not an IP address with prefix length", a.Address)
			continue
		}
		c.Pools = append(c.Pools, iprange.Pool{Range: iprange.Range{Spec: a.Address, Prefix: p.Masked(), Start: p.Addr(), End: p.Addr()}})
	}
	if s.Gateway != "" {
		gw, err := netip.ParseAddr(s.Gateway)
		switch {
		case err != nil:
			c.problem(true, "gateway %q is not an IP address", s.Gateway)
		case len(c.Pools) > 0 && !c.inAnyPrefix(gw):
			c.GatewayAddr = gw
			c.problem(false, "gateway %s is outside the range", gw)
		default:
			c.GatewayAddr = gw
		}
	}
	for _, p := range exclProblems {
		c.problem(true, "%s", p)
	}
	return c
}

func (c *Config) inAnyPrefix(ip netip.Addr) bool {
	for _, p := range c.Pools {
		if p.Prefix.Contains(ip) {
			return true
		}
	}
	return false
}

// Contains reports whether ip is in one of the ranges.
func (c *Config) Contains(ip netip.Addr) bool {
	for _, p := range c.Pools {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Overlapping is whereabouts' enable_overlapping_ranges (default true).
func (c *Config) Overlapping() bool {
	return c.EnableOverlappingRanges == nil || *c.EnableOverlappingRanges
}

// NetworkKey is the key pool's addresses are unique under (see NetworkKey).
func (c *Config) NetworkKey(pool iprange.Pool) string {
	return NetworkKey(c.NetworkName, c.Overlapping(), pool.Prefix.String())
}

// NetworkKey is the key addresses are unique under, as whereabouts' reservations are: network_name;
// without one, every range shares one key (an address is handed out once cluster-wide, whatever
// range it is in) unless enable_overlapping_ranges is false, when each range is its own key.
func NetworkKey(networkName string, overlappingRanges bool, cidr string) string {
	switch {
	case networkName != "":
		return networkName
	case overlappingRanges:
		return ""
	}
	return cidr
}
