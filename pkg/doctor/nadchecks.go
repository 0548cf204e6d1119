package doctor

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

func nadChecks() []Check {
	return []Check{
		{Code: "MN2001", Name: "NADConfigInvalid", Severity: Error, Needs: []Input{InNADs},
			Summary: "A NAD's spec.config is not valid JSON or has no plugin type", Run: checkNADConfig},
		{Code: "MN2002", Name: "NADUnknownPluginType", Severity: Warning, Needs: []Input{InNADs},
			Summary: "A NAD uses a CNI plugin type multinet does not know", Run: checkPluginType},
		{Code: "MN2003", Name: "NADInvalidMode", Severity: Error, Needs: []Input{InNADs},
			Summary: "An ipvlan or macvlan NAD has a mode the plugin rejects", Run: checkMode},
		{Code: "MN2004", Name: "NADMasterUnset", Severity: Warning, Needs: []Input{InNADs},
			Summary: "An ipvlan or macvlan NAD has no master and falls back to the default-route interface", Run: checkMaster},
		{Code: "MN2005", Name: "IPAMRangeInvalid", Severity: Error, Needs: []Input{InNADs},
			Summary: "A NAD's IPAM range, bounds, gateway or exclusions do not parse or do not fit", Run: checkRanges},
		{Code: "MN2006", Name: "IPAMRangesOverlap", Severity: Warning, Needs: []Input{InNADs},
			Summary: "Two NADs allocate from overlapping ranges without sharing network_name", Run: checkOverlap},
		{Code: "MN2007", Name: "NADNodeSelectorNoMatch", Severity: Warning, Needs: []Input{InNADs, InNodes},
			Summary: "A NAD's nodeSelector annotation matches no node", Run: checkNodeSelector},
		{Code: "MN2008", Name: "IPAMMissing", Severity: Info, Needs: []Input{InNADs},
			Summary: "A NAD has no IPAM: its interfaces get no IP address", Run: checkIPAMMissing},
	}
}

// NodeSelectorAnnotation restricts the nodes pods using a NAD may run on.
const NodeSelectorAnnotation = "k8s.v1.cni.cncf.io/nodeSelector"

// knownTypes are the CNI plugins (interface, meta and IPAM-less) seen in NADs.
var knownTypes = map[string]bool{
	"macvlan": true, "ipvlan": true, "bridge": true, "host-device": true, "ptp": true, "vlan": true, "tap": true,
	"dummy": true, "sriov": true, "ib-sriov": true, "ovs": true, "ovn-k8s-cni-overlay": true, "vrf": true,
	"tuning": true, "sbr": true, "portmap": true, "bandwidth": true, "firewall": true, "static": true,
	"multinet-ipvlan": true, "multinet-macvlan": true, "calico": true, "cilium-cni": true, "flannel": true,
	"loopback": true, "userspace": true, "accelerated-bridge": true, "kube-ovn": true, "antrea": true,
}

// modes are the valid modes of the plugins that have one; "" is each plugin's default.
var modes = map[string][]string{
	"ipvlan":           {"", "l2", "l3", "l3s"},
	"multinet-ipvlan":  {"", "l2", "l3", "l3s"},
	"macvlan":          {"", "bridge", "private", "vepa", "passthru"},
	"multinet-macvlan": {"", "bridge", "private", "vepa", "passthru"},
}

func checkNADConfig(m *Model, r *Reporter) {
	for _, n := range m.NADs {
		if n.Config.Err != nil {
			r.Report(nadObject(n), "fix spec.config: one JSON object with \"type\" (or \"plugins\": [...]); Multus cannot attach pods to it",
				"spec.config is unusable: %v", n.Config.Err)
		}
	}
}

func checkPluginType(m *Model, r *Reporter) {
	for _, n := range m.NADs {
		if n.Config.Err != nil || n.Config.FromFile || knownTypes[n.Config.Type] {
			continue
		}
		r.Report(nadObject(n), fmt.Sprintf("check the spelling, and that /opt/cni/bin (GKE: /home/kubernetes/bin) on every node holds %q", n.Config.Type),
			"CNI plugin type %q is not one multinet knows", n.Config.Type)
	}
}

func checkMode(m *Model, r *Reporter) {
	for _, n := range m.NADs {
		valid, ok := modes[n.Config.Type]
		if !ok || contains(valid, n.Config.Mode) {
			continue
		}
		r.Report(nadObject(n), fmt.Sprintf("set \"mode\" to one of %s", strings.Join(valid[1:], ", ")),
			"%s mode %q is not valid; the plugin rejects it and pods stay in ContainerCreating", n.Config.Type, n.Config.Mode)
	}
}

func checkMaster(m *Model, r *Reporter) {
	for _, n := range m.NADs {
		if _, ok := modes[n.Config.Type]; !ok || n.Config.Master != "" || n.Config.LinkInContainer {
			continue
		}
		r.Report(nadObject(n), "set \"master\" to the node interface of the secondary network (e.g. eth1)",
			"%s has no master: the plugin uses each node's default-route interface, which is usually the primary network", n.Config.Type)
	}
}

func checkRanges(m *Model, r *Reporter) {
	for _, n := range m.NADs {
		if n.Config.IPAM == nil {
			continue
		}
		for _, p := range n.Config.IPAM.Problems {
			r.Report(nadObject(n), "fix the ipam section: range as CIDR (or first-last/bits), range_start/range_end and gateway inside it, exclude as CIDRs", "%s", p)
		}
	}
}

// whereaboutsLike are the cluster-wide IPAMs whose pools overlap across NADs.
var whereaboutsLike = map[string]bool{"whereabouts": true, "multinet-ipam": true}

// checkOverlap reports, on the first NAD of each overlapping pair, one finding a range that lists
// the later NADs it overlaps (a few by name), so n NADs over one range make n findings, not n².
func checkOverlap(m *Model, r *Reporter) {
	for i, a := range m.NADs {
		ia := a.Config.IPAM
		if ia == nil || !whereaboutsLike[ia.Type] {
			continue
		}
		for _, ra := range ia.Pools {
			var others []string
			for _, b := range m.NADs[i+1:] {
				ib := b.Config.IPAM
				if ib == nil || !whereaboutsLike[ib.Type] {
					continue
				}
				// With one network_name and overlapping ranges enabled, reservations are shared.
				if ia.NetworkName == ib.NetworkName && ia.Overlapping() && ib.Overlapping() {
					continue
				}
				for _, rb := range ib.Pools {
					if ra.Prefix.Overlaps(rb.Prefix) {
						others = append(others, fmt.Sprintf("%s/%s (%s)", b.Namespace, b.Name, rb.Prefix))
						break
					}
				}
			}
			if len(others) == 0 {
				continue
			}
			what := "the range of " + others[0]
			if len(others) > 1 {
				what = fmt.Sprintf("the ranges of %d NADs: %s", len(others), someOf(others, 3))
			}
			r.Report(nadObject(a), "give the NADs that are one network the same network_name, or make the ranges disjoint",
				"range %s overlaps %s, with a different network_name; they can hand out the same address", ra.Prefix, what)
		}
	}
}

// someOf joins the first n items and says how many more there are.
func someOf(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

func checkNodeSelector(m *Model, r *Reporter) {
	for _, n := range m.NADs {
		v, ok := n.Annotations[NodeSelectorAnnotation]
		if !ok {
			continue
		}
		sel, err := labels.Parse(v)
		if err != nil {
			r.Report(nadObject(n), "write the annotation as a label selector, e.g. my-label=multinicNP", "%s %q does not parse: %v", NodeSelectorAnnotation, v, err)
			continue
		}
		matched := false
		for _, node := range m.Nodes {
			if sel.Matches(labels.Set(node.Labels)) {
				matched = true
				break
			}
		}
		if !matched {
			r.Report(nadObject(n), fmt.Sprintf("label the nodes of that network: kubectl label nodes NODE %s", v),
				"%s %q matches none of the %d nodes; pods using this NAD cannot be scheduled", NodeSelectorAnnotation, v, len(m.Nodes))
		}
	}
}

func checkIPAMMissing(m *Model, r *Reporter) {
	for _, n := range m.NADs {
		if n.Config.Err != nil || n.Config.FromFile || n.Config.IPAM != nil {
			continue
		}
		if _, ok := modes[n.Config.Type]; !ok && n.Config.Type != "bridge" && n.Config.Type != "host-device" {
			continue
		}
		r.Report(nadObject(n), "add an \"ipam\" section (whereabouts, multinet-ipam, host-local or static) unless the workload configures addresses itself",
			"%s NAD has no IPAM; its interfaces come up without an IP address", n.Config.Type)
	}
}
