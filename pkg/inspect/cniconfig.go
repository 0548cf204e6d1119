package inspect

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipamconf"
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

// IPAMConfig is the IPAM section, read by the one IPAM config reader.
type IPAMConfig = ipamconf.Config

// rawPlugin is the part of a CNI plugin config multinet reads.
type rawPlugin struct {
	Type            string            `json:"type"`
	Master          string            `json:"master"`
	Mode            string            `json:"mode"`
	LinkInContainer bool              `json:"linkInContainer"`
	IPAM            *ipamconf.Section `json:"ipam"`
}

// ParseConfig reads a NAD's spec.config: a single plugin or a conflist.
func ParseConfig(config string) CNIConfig {
	if strings.TrimSpace(config) == "" {
		return CNIConfig{FromFile: true}
	}
	// A plugin config and a conflist are read separately, so that a field's path in an error is
	// the JSON's own.
	var list struct {
		Plugins []rawPlugin `json:"plugins"`
	}
	var main rawPlugin
	for _, dst := range []any{&list, &main} {
		if err := json.Unmarshal([]byte(config), dst); err != nil {
			if problem, isType := JSONProblem(err); isType {
				return CNIConfig{Err: problem}
			}
			return CNIConfig{Err: fmt.Errorf("not JSON: %w", err)}
		}
	}
	var chained []string
	if len(list.Plugins) > 0 {
		main = list.Plugins[0]
		for _, p := range list.Plugins[1:] {
			chained = append(chained, p.Type)
		}
	}
	if main.Type == "" {
		return CNIConfig{Err: fmt.Errorf("no \"type\" in the plugin config")}
	}
	c := CNIConfig{Type: main.Type, Master: main.Master, Mode: main.Mode, LinkInContainer: main.LinkInContainer, Chained: chained}
	if main.IPAM != nil && main.IPAM.Type != "" {
		c.IPAM = main.IPAM.Read()
	}
	return c
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
		for _, r := range c.IPAM.Pools {
			rs = append(rs, r.String())
		}
		add("range", strings.Join(rs, ","))
	}
	if len(c.Chained) > 0 {
		parts = append(parts, "+"+strings.Join(c.Chained, "+"))
	}
	return strings.Join(parts, " ")
}
