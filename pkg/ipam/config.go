package ipam

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/containernetworking/cni/pkg/types"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/iprange"
)

// Config is the "ipam" section, in whereabouts' keys, plus multinet's own.
type Config struct {
	Type                    string         `json:"type"`
	Range                   string         `json:"range"`
	RangeStart              string         `json:"range_start"`
	RangeEnd                string         `json:"range_end"`
	IPRanges                []RangeConfig  `json:"ipRanges"`
	Exclude                 []string       `json:"exclude"`
	NetworkName             string         `json:"network_name"`
	EnableOverlappingRanges *bool          `json:"enable_overlapping_ranges"`
	Gateway                 string         `json:"gateway"`
	Routes                  []*types.Route `json:"routes"`
	ConfigurationPath       string         `json:"configuration_path"`
	Kubernetes              struct {
		Kubeconfig string `json:"kubeconfig"`
	} `json:"kubernetes"`
	// Namespace holds the IPAllocation objects (default kube-system).
	Namespace string `json:"namespace"`
	// StableIdentity gives a pod the same address back on its next sandbox (StatefulSets).
	StableIdentity bool `json:"stable_identity"`
	// Reserved addresses or CIDRs are never handed out (like exclude, as Spiderpool names it).
	Reserved []string `json:"reserved"`
	// LogFile, when set, gets one line per ADD and DEL (whereabouts' key; off by default).
	LogFile string `json:"log_file"`
	// AgentSocket is the node agent's unix socket; allocations go through it while it answers.
	AgentSocket string `json:"agent_socket,omitempty"`
}

// RangeConfig is one element of ipRanges.
type RangeConfig struct {
	Range      string `json:"range"`
	RangeStart string `json:"range_start"`
	RangeEnd   string `json:"range_end"`
}

// flatConfigPaths are read, in order, for keys the NAD leaves out (kubeconfig, namespace ...).
var flatConfigPaths = []string{"/etc/cni/net.d/multinet.d/multinet-ipam.conf", "/etc/cni/net.d/whereabouts.d/whereabouts.conf"}

// pool is a parsed range with its exclusions.
type pool struct {
	iprange.Range
	exclude []netip.Prefix
}

// parsed is a validated Config.
type parsed struct {
	Config
	pools   []pool
	gateway netip.Addr
}

// loadConfig reads the "ipam" section of a network config and the flat config file.
func loadConfig(stdin []byte) (*parsed, error) {
	var nc struct {
		Name string  `json:"name"`
		IPAM *Config `json:"ipam"`
	}
	if err := json.Unmarshal(stdin, &nc); err != nil {
		return nil, fmt.Errorf("parse network config: %w", err)
	}
	if nc.IPAM == nil {
		return nil, errors.New("network config has no \"ipam\" section")
	}
	if err := mergeFlat(nc.IPAM); err != nil {
		return nil, err
	}
	return parseConfig(nc.IPAM)
}

// parseConfig validates an ipam section whose flat-file keys are already merged.
func parseConfig(c *Config) (*parsed, error) {
	p := &parsed{Config: *c}
	ranges := append([]RangeConfig{{Range: c.Range, RangeStart: c.RangeStart, RangeEnd: c.RangeEnd}}, c.IPRanges...)
	excl, err := prefixes(append(append([]string{}, c.Exclude...), c.Reserved...))
	if err != nil {
		return nil, err
	}
	for _, rc := range ranges {
		if rc.Range == "" {
			continue
		}
		r, err := iprange.Parse(rc.Range)
		if err != nil {
			return nil, fmt.Errorf("ipam: %w", err)
		}
		for _, b := range []struct {
			v   string
			dst *netip.Addr
		}{{rc.RangeStart, &r.Start}, {rc.RangeEnd, &r.End}} {
			if b.v == "" {
				continue
			}
			a, err := netip.ParseAddr(b.v)
			if err != nil || !r.Prefix.Contains(a) {
				return nil, fmt.Errorf("ipam: range bound %q is not an address inside %s", b.v, r.Prefix)
			}
			*b.dst = a
		}
		p.pools = append(p.pools, pool{Range: r, exclude: excl})
	}
	if len(p.pools) == 0 {
		return nil, errors.New("ipam: no range; set \"range\" (CIDR or first-last/bits) or \"ipRanges\"")
	}
	if c.Gateway != "" {
		if p.gateway, err = netip.ParseAddr(c.Gateway); err != nil {
			return nil, fmt.Errorf("ipam: gateway %q is not an IP address", c.Gateway)
		}
	}
	if p.Namespace == "" {
		p.Namespace = "kube-system"
	}
	return p, nil
}

// mergeFlat fills keys the NAD leaves empty from the flat config file (configuration_path, else
// the first default path that exists).
func mergeFlat(c *Config) error {
	paths := flatConfigPaths
	if c.ConfigurationPath != "" {
		paths = []string{c.ConfigurationPath}
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) && c.ConfigurationPath == "" {
			continue
		}
		if err != nil {
			return fmt.Errorf("read ipam configuration %s: %w", path, err)
		}
		var flat Config
		if err := json.Unmarshal(data, &flat); err != nil {
			return fmt.Errorf("parse ipam configuration %s: %w", path, err)
		}
		if c.Kubernetes.Kubeconfig == "" {
			c.Kubernetes.Kubeconfig = flat.Kubernetes.Kubeconfig
		}
		if c.Namespace == "" {
			c.Namespace = flat.Namespace
		}
		if c.LogFile == "" {
			c.LogFile = flat.LogFile
		}
		if c.AgentSocket == "" {
			c.AgentSocket = flat.AgentSocket
		}
		return nil
	}
	return nil
}

func prefixes(specs []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range specs {
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("ipam: exclude/reserved %q is not an address or CIDR", s)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("ipam: exclude/reserved %q is not an address or CIDR", s)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// network is the key an address is unique under, as whereabouts' reservations are: network_name;
// without one, every range shares one key (an address is handed out once cluster-wide, whatever
// range it is in) unless enable_overlapping_ranges is false, when each range is its own key.
func (p *parsed) network(pl pool) string {
	return NetworkKey(p.NetworkName, p.EnableOverlappingRanges == nil || *p.EnableOverlappingRanges, pl.Prefix.String())
}

// NetworkKey is the key of a NAD's allocations (see parsed.network).
func NetworkKey(networkName string, overlappingRanges bool, cidr string) string {
	switch {
	case networkName != "":
		return networkName
	case overlappingRanges:
		return ""
	}
	return cidr
}
