package inspect

import (
	"encoding/json"
	"fmt"
	"strings"

	nadv1 "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/apis/k8s.cni.cncf.io/v1"
)

// NADSet holds the NetworkAttachmentDefinitions a caller could read, and which namespaces it read
// completely, so that "not found" is only claimed where it is known.
type NADSet struct {
	byKey    map[string]*nadv1.NetworkAttachmentDefinition
	complete map[string]bool
	allRead  bool
	errs     map[string]string
}

// NewNADSet returns an empty set.
func NewNADSet() *NADSet {
	return &NADSet{byKey: map[string]*nadv1.NetworkAttachmentDefinition{}, complete: map[string]bool{}, errs: map[string]string{}}
}

// Add records one NAD.
func (s *NADSet) Add(n *nadv1.NetworkAttachmentDefinition) {
	s.byKey[n.Namespace+"/"+n.Name] = n
}

// MarkComplete says every NAD of namespace was added; "" means every namespace.
func (s *NADSet) MarkComplete(namespace string) {
	if namespace == "" {
		s.allRead = true
		return
	}
	s.complete[namespace] = true
}

// MarkUnreadable records why the NADs of namespace ("" for all namespaces) could not be read.
func (s *NADSet) MarkUnreadable(namespace, reason string) { s.errs[namespace] = reason }

// Get returns the NAD for namespace/name, or nil.
func (s *NADSet) Get(key string) *nadv1.NetworkAttachmentDefinition {
	if s == nil {
		return nil
	}
	return s.byKey[key]
}

// Describe is the one-line config summary of the NAD key, "NAD not found" when it is known to be
// absent, the read error when it could not be read, and "" when it was not looked at.
func (s *NADSet) Describe(key string) string {
	if s == nil {
		return ""
	}
	if n := s.byKey[key]; n != nil {
		return Summarize(n.Spec.Config).String()
	}
	ns, _, _ := strings.Cut(key, "/")
	if s.allRead || s.complete[ns] {
		return "NAD not found"
	}
	if why, ok := s.errs[ns]; ok {
		return "NAD unreadable: " + why
	}
	if why, ok := s.errs[""]; ok {
		return "NAD unreadable: " + why
	}
	return ""
}

// Keys returns the namespace/name keys of the set's NADs.
func (s *NADSet) Keys() []string {
	keys := make([]string, 0, len(s.byKey))
	for k := range s.byKey {
		keys = append(keys, k)
	}
	return keys
}

// ConfigSummary is what an operator needs first from a NAD's CNI config.
type ConfigSummary struct {
	Type     string
	Master   string
	Mode     string
	IPAMType string
	// Ranges are the IPAM's ranges: CIDRs, with start-end bounds when set.
	Ranges []string
	// Chained are the further plugins of a conflist.
	Chained []string
	// FromFile means the config is empty: Multus reads it from a file named after the NAD on the node.
	FromFile bool
	// Err is why the config could not be read.
	Err error
}

// String renders the summary on one line: `ipvlan master=eth1 mode=l2 ipam=whereabouts range=10.0.0.0/24`.
func (c ConfigSummary) String() string {
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
	add("ipam", c.IPAMType)
	add("range", strings.Join(c.Ranges, ","))
	if len(c.Chained) > 0 {
		parts = append(parts, "+"+strings.Join(c.Chained, "+"))
	}
	return strings.Join(parts, " ")
}

// cniPlugin is the part of a CNI plugin config the summary reads.
type cniPlugin struct {
	Type   string   `json:"type"`
	Master string   `json:"master"`
	Mode   string   `json:"mode"`
	IPAM   *cniIPAM `json:"ipam"`
}

type cniIPAM struct {
	Type       string `json:"type"`
	Range      string `json:"range"`
	RangeStart string `json:"range_start"`
	RangeEnd   string `json:"range_end"`
	Subnet     string `json:"subnet"`
	// RangeStartHL and RangeEndHL are host-local's single-range bounds next to subnet.
	RangeStartHL string `json:"rangeStart"`
	RangeEndHL   string `json:"rangeEnd"`
	IPRanges     []struct {
		Range      string `json:"range"`
		RangeStart string `json:"range_start"`
		RangeEnd   string `json:"range_end"`
	} `json:"ipRanges"`
	Ranges [][]struct {
		Subnet     string `json:"subnet"`
		RangeStart string `json:"rangeStart"`
		RangeEnd   string `json:"rangeEnd"`
	} `json:"ranges"`
	Addresses []struct {
		Address string `json:"address"`
	} `json:"addresses"`
}

// Summarize reads a NAD's spec.config: a single plugin or a conflist.
func Summarize(config string) ConfigSummary {
	if strings.TrimSpace(config) == "" {
		return ConfigSummary{FromFile: true}
	}
	var raw struct {
		cniPlugin
		Plugins []cniPlugin `json:"plugins"`
	}
	if err := json.Unmarshal([]byte(config), &raw); err != nil {
		return ConfigSummary{Err: fmt.Errorf("not JSON: %w", err)}
	}
	main := raw.cniPlugin
	var chained []string
	if len(raw.Plugins) > 0 {
		main = raw.Plugins[0]
		for _, p := range raw.Plugins[1:] {
			chained = append(chained, p.Type)
		}
	}
	if main.Type == "" {
		return ConfigSummary{Err: fmt.Errorf("no \"type\" in the plugin config")}
	}
	c := ConfigSummary{Type: main.Type, Master: main.Master, Mode: main.Mode, Chained: chained}
	if main.IPAM != nil {
		c.IPAMType = main.IPAM.Type
		c.Ranges = main.IPAM.ranges()
	}
	return c
}

// ranges lists the IPAM's ranges in the syntax of whereabouts, host-local or static.
func (i *cniIPAM) ranges() []string {
	var out []string
	add := func(cidr, start, end string) {
		switch {
		case cidr == "":
		case start != "" || end != "":
			out = append(out, fmt.Sprintf("%s[%s-%s]", cidr, start, end))
		default:
			out = append(out, cidr)
		}
	}
	add(i.Range, i.RangeStart, i.RangeEnd)
	for _, r := range i.IPRanges {
		add(r.Range, r.RangeStart, r.RangeEnd)
	}
	add(i.Subnet, i.RangeStartHL, i.RangeEndHL)
	for _, set := range i.Ranges {
		for _, r := range set {
			add(r.Subnet, r.RangeStart, r.RangeEnd)
		}
	}
	for _, a := range i.Addresses {
		add(a.Address, "", "")
	}
	return out
}
