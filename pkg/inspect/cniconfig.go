package inspect

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/iprange"
)

// CNIConfig is what multinet reads of a NAD's spec.config: the interface plugin (the first of a
// conflist) and its IPAM.
type CNIConfig struct {
	Type            string
	Master          string
	Mode            string
	LinkInContainer bool
	IPAM            *IPAMConfig
	// Chained are the further plugins of a conflist.
	Chained []string
	// FromFile means the config is empty: Multus reads it from a file named after the NAD on the node.
	FromFile bool
	// Err is why the config could not be read at all.
	Err error
}

// IPAMConfig is the IPAM section, in whereabouts' keys (also host-local's and static's).
type IPAMConfig struct {
	Type        string
	Ranges      []iprange.Range
	NetworkName string
	Gateway     string
	Exclude     []string
	// EnableOverlapping is whereabouts' enable_overlapping_ranges (default true).
	EnableOverlapping bool
	// Problems are range settings that do not parse or do not fit, one sentence each.
	Problems []string
}

// rawPlugin is the part of a CNI plugin config multinet reads.
type rawPlugin struct {
	Type            string   `json:"type"`
	Master          string   `json:"master"`
	Mode            string   `json:"mode"`
	LinkInContainer bool     `json:"linkInContainer"`
	IPAM            *rawIPAM `json:"ipam"`
}

type rawRange struct {
	Range      string `json:"range"`
	RangeStart string `json:"range_start"`
	RangeEnd   string `json:"range_end"`
}

type rawIPAM struct {
	Type string `json:"type"`
	rawRange
	IPRanges                []rawRange `json:"ipRanges"`
	NetworkName             string     `json:"network_name"`
	Gateway                 string     `json:"gateway"`
	Exclude                 []string   `json:"exclude"`
	Reserved                []string   `json:"reserved"`
	EnableOverlappingRanges *bool      `json:"enable_overlapping_ranges"`
	// host-local and static
	Subnet     string `json:"subnet"`
	RangeStart string `json:"rangeStart"`
	RangeEnd   string `json:"rangeEnd"`
	Ranges     [][]struct {
		Subnet     string `json:"subnet"`
		RangeStart string `json:"rangeStart"`
		RangeEnd   string `json:"rangeEnd"`
		Gateway    string `json:"gateway"`
	} `json:"ranges"`
	Addresses []struct {
		Address string `json:"address"`
	} `json:"addresses"`
}

// ParseConfig reads a NAD's spec.config: a single plugin or a conflist.
func ParseConfig(config string) CNIConfig {
	if strings.TrimSpace(config) == "" {
		return CNIConfig{FromFile: true}
	}
	var raw struct {
		rawPlugin
		Plugins []rawPlugin `json:"plugins"`
	}
	if err := json.Unmarshal([]byte(config), &raw); err != nil {
		return CNIConfig{Err: fmt.Errorf("not JSON: %w", err)}
	}
	main := raw.rawPlugin
	var chained []string
	if len(raw.Plugins) > 0 {
		main = raw.Plugins[0]
		for _, p := range raw.Plugins[1:] {
			chained = append(chained, p.Type)
		}
	}
	if main.Type == "" {
		return CNIConfig{Err: fmt.Errorf("no \"type\" in the plugin config")}
	}
	c := CNIConfig{Type: main.Type, Master: main.Master, Mode: main.Mode, LinkInContainer: main.LinkInContainer, Chained: chained}
	if main.IPAM != nil && main.IPAM.Type != "" {
		c.IPAM = main.IPAM.parse()
	}
	return c
}

func (raw *rawIPAM) parse() *IPAMConfig {
	c := &IPAMConfig{Type: raw.Type, NetworkName: raw.NetworkName, Gateway: raw.Gateway, EnableOverlapping: true}
	c.Exclude = append(append(c.Exclude, raw.Exclude...), raw.Reserved...)
	if raw.EnableOverlappingRanges != nil {
		c.EnableOverlapping = *raw.EnableOverlappingRanges
	}
	add := func(spec, start, end string) {
		if spec == "" {
			return
		}
		r, err := iprange.Parse(spec)
		if err != nil {
			c.Problems = append(c.Problems, err.Error())
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
				c.Problems = append(c.Problems, fmt.Sprintf("%s %q is not an IP address", b.key, b.v))
				return
			}
			*b.dst = a
		}
		if err := r.Check(); err != nil {
			c.Problems = append(c.Problems, err.Error())
			return
		}
		c.Ranges = append(c.Ranges, r)
	}
	add(raw.Range, raw.rawRange.RangeStart, raw.rawRange.RangeEnd)
	for _, r := range raw.IPRanges {
		add(r.Range, r.RangeStart, r.RangeEnd)
	}
	add(raw.Subnet, raw.RangeStart, raw.RangeEnd)
	for _, set := range raw.Ranges {
		for _, r := range set {
			add(r.Subnet, r.RangeStart, r.RangeEnd)
		}
	}
	for _, a := range raw.Addresses {
		p, err := netip.ParsePrefix(a.Address)
		if err != nil {
			c.Problems = append(c.Problems, fmt.Sprintf("address %q is not an IP address with prefix length", a.Address))
			continue
		}
		c.Ranges = append(c.Ranges, iprange.Range{Spec: a.Address, Prefix: p.Masked(), Start: p.Addr(), End: p.Addr()})
	}
	if c.Gateway != "" {
		if gw, err := netip.ParseAddr(c.Gateway); err != nil {
			c.Problems = append(c.Problems, fmt.Sprintf("gateway %q is not an IP address", c.Gateway))
		} else if len(c.Ranges) > 0 && !c.anyPrefixContains(gw) {
			c.Problems = append(c.Problems, fmt.Sprintf("gateway %s is outside the range", gw))
		}
	}
	for _, e := range c.Exclude {
		if _, err := netip.ParsePrefix(e); err != nil {
			if _, aerr := netip.ParseAddr(e); aerr != nil || raw.Type != "multinet-ipam" {
				c.Problems = append(c.Problems, fmt.Sprintf("exclude %q is not a CIDR", e))
			}
		}
	}
	return c
}

func (c *IPAMConfig) anyPrefixContains(ip netip.Addr) bool {
	for _, r := range c.Ranges {
		if r.Prefix.Contains(ip) {
			return true
		}
	}
	return false
}

// Contains reports whether ip is in one of the ranges.
func (c *IPAMConfig) Contains(ip netip.Addr) bool {
	for _, r := range c.Ranges {
		if r.Contains(ip) {
			return true
		}
	}
	return false
}

// String renders the config on one line: `ipvlan master=eth1 mode=l2 ipam=whereabouts range=10.0.0.0/24`.
func (c CNIConfig) String() string {
	switch {
	case c.Err != nil:
		return "invalid config: " + c.Err.Error()
	case c.FromFile:
		return "config from file on the node"
	}
	parts := []string{c.Type}
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("master", c.Master)
	add("mode", c.Mode)
	if c.IPAM != nil {
		add("ipam", c.IPAM.Type)
		var rs []string
		for _, r := range c.IPAM.Ranges {
			rs = append(rs, r.String())
		}
		add("range", strings.Join(rs, ","))
	}
	if len(c.Chained) > 0 {
		parts = append(parts, "+"+strings.Join(c.Chained, "+"))
	}
	return strings.Join(parts, " ")
}
