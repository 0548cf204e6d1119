package cni

import (
	"encoding/json"
	"fmt"
	"net"

	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/cni/pkg/version"
	"github.com/vishvananda/netlink"
)

// SupportedVersions are the CNI spec versions the plugins speak.
var SupportedVersions = version.PluginSupports("0.3.1", "0.4.0", "1.0.0", "1.1.0")

// NetConf is the config of multinet-macvlan and multinet-ipvlan (the upstream plugins' keys).
type NetConf struct {
	types.NetConf
	// Master is the parent interface; empty means the interface of the default route.
	Master string `json:"master"`
	// Mode is macvlan bridge|private|vepa|passthru (default bridge) or ipvlan l2|l3|l3s (default l2).
	Mode string `json:"mode"`
	// Flag is the ipvlan flag: bridge|private|vepa (default bridge).
	Flag string `json:"flag"`
	MTU  int    `json:"mtu"`
	// Mac is the macvlan's address (also accepted from runtimeConfig.mac).
	Mac string `json:"mac"`
	// LinkInContainer means the master lives in the container's namespace.
	LinkInContainer bool `json:"linkInContainer"`
	RuntimeConfig   struct {
		Mac string `json:"mac"`
	} `json:"runtimeConfig"`
}

// Kind is the interface type a plugin creates.
type Kind string

// The kinds.
const (
	Macvlan Kind = "macvlan"
	IPvlan  Kind = "ipvlan"
)

var macvlanModes = map[string]netlink.MacvlanMode{
	"": netlink.MACVLAN_MODE_BRIDGE, "bridge": netlink.MACVLAN_MODE_BRIDGE, "private": netlink.MACVLAN_MODE_PRIVATE,
	"vepa": netlink.MACVLAN_MODE_VEPA, "passthru": netlink.MACVLAN_MODE_PASSTHRU,
}

var ipvlanModes = map[string]netlink.IPVlanMode{
	"": netlink.IPVLAN_MODE_L2, "l2": netlink.IPVLAN_MODE_L2, "l3": netlink.IPVLAN_MODE_L3, "l3s": netlink.IPVLAN_MODE_L3S,
}

var ipvlanFlags = map[string]netlink.IPVlanFlag{
	"": netlink.IPVLAN_FLAG_BRIDGE, "bridge": netlink.IPVLAN_FLAG_BRIDGE, "private": netlink.IPVLAN_FLAG_PRIVATE, "vepa": netlink.IPVLAN_FLAG_VEPA,
}

// loadConf parses and validates a config for kind.
func loadConf(data []byte, kind Kind) (*NetConf, error) {
	c := &NetConf{}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("parse network config: %w", err)
	}
	switch kind {
	case Macvlan:
		if _, ok := macvlanModes[c.Mode]; !ok {
			return nil, fmt.Errorf("network %q: macvlan mode %q is invalid, use bridge, private, vepa or passthru", c.Name, c.Mode)
		}
		if c.Flag != "" {
			return nil, fmt.Errorf("network %q: \"flag\" is an ipvlan setting; remove it", c.Name)
		}
	case IPvlan:
		if _, ok := ipvlanModes[c.Mode]; !ok {
			return nil, fmt.Errorf("network %q: ipvlan mode %q is invalid, use l2, l3 or l3s", c.Name, c.Mode)
		}
		if _, ok := ipvlanFlags[c.Flag]; !ok {
			return nil, fmt.Errorf("network %q: ipvlan flag %q is invalid, use bridge, private or vepa", c.Name, c.Flag)
		}
		if c.Mac != "" || c.RuntimeConfig.Mac != "" {
			return nil, fmt.Errorf("network %q: ipvlan interfaces share the master's MAC; remove \"mac\"", c.Name)
		}
	}
	if c.RuntimeConfig.Mac != "" {
		c.Mac = c.RuntimeConfig.Mac
	}
	if c.Mac != "" {
		if _, err := net.ParseMAC(c.Mac); err != nil {
			return nil, fmt.Errorf("network %q: mac %q: %w", c.Name, c.Mac, err)
		}
	}
	if c.MTU < 0 {
		return nil, fmt.Errorf("network %q: mtu %d must not be negative", c.Name, c.MTU)
	}
	return c, nil
}
