package probe

import (
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipamconf"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/netsnap"
)

// Checks are the probe's codes: what the kernel shows inside the pod against what the API says.
func Checks() []doctor.Check {
	return []doctor.Check{
		{Code: "MN7001", Name: "InterfaceAbsentInPod", Severity: doctor.Error, Summary: "An interface network-status lists is not in the pod"},
		{Code: "MN7002", Name: "AddressDrift", Severity: doctor.Error, Summary: "An interface's IP or MAC in the pod differs from network-status"},
		{Code: "MN7003", Name: "LinkDown", Severity: doctor.Error, Summary: "A secondary interface of the pod is down"},
		{Code: "MN7004", Name: "MTUMismatch", Severity: doctor.Warning, Summary: "An interface's MTU is not the one its NAD sets"},
		{Code: "MN7005", Name: "RouteMissing", Severity: doctor.Warning, Summary: "A route the NAD asks for is not in the pod"},
		{Code: "MN7006", Name: "SecondaryDefaultRoute", Severity: doctor.Warning, Summary: "The pod's default route goes through a secondary interface"},
		{Code: "MN7007", Name: "DuplicateAddress", Severity: doctor.Error, Summary: "Another host answers ARP for the pod's address"},
	}
}

// NADConfig is the part of a NAD's spec.config the comparison reads.
type NADConfig struct {
	MTU    int
	Routes []Route
}

// Route is a route an IPAM section asks for: a CIDR and an optional gateway.
type Route struct{ Dst, GW string }

// ParseNADConfig reads the MTU and the IPAM routes of a NAD's spec.config (a plugin or a conflist,
// whose first plugin counts); what cannot be read is zero.
func ParseNADConfig(config string) NADConfig {
	type plugin struct {
		MTU  int               `json:"mtu"`
		IPAM *ipamconf.Section `json:"ipam"`
	}
	var c struct {
		plugin
		Plugins []plugin `json:"plugins"`
	}
	if json.Unmarshal([]byte(config), &c) != nil {
		return NADConfig{}
	}
	p := c.plugin
	if len(c.Plugins) > 0 {
		p = c.Plugins[0]
	}
	out := NADConfig{MTU: p.MTU}
	if p.IPAM != nil {
		for _, r := range p.IPAM.Routes {
			if r == nil {
				continue
			}
			rt := Route{Dst: r.Dst.String()}
			if r.GW != nil {
				rt.GW = r.GW.String()
			}
			out.Routes = append(out.Routes, rt)
		}
	}
	return out
}

// Compare reports where the pod's namespace (snap) differs from its network-status and its NADs'
// configs (by namespace/name). Only interfaces network-status reports are compared.
func Compare(pod *inspect.Pod, nads map[string]NADConfig, snap netsnap.Snapshot) []doctor.Finding {
	r := reporter{obj: doctor.Object{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name}, checks: Checks()}
	defaultIf := ""
	for _, in := range pod.Interfaces {
		if in.Default {
			defaultIf = in.Interface
		}
	}
	for _, in := range pod.Interfaces {
		if in.Interface == "" || (in.State != inspect.StateAttached && in.State != inspect.StateDefault && in.State != inspect.StateUnrequested) {
			continue
		}
		link := snap.Link(in.Interface)
		if link == nil {
			r.report("MN7001", fmt.Sprintf("check the pod's events and kubectl multinet logs pod/%s; recreate the pod", pod.Name),
				"network-status lists %s (%s) but the pod has no such interface; it has %s", in.Interface, orDefault(in.Network), linkNames(snap))
			continue
		}
		checkAddresses(&r, in, link, snap)
		if !in.Default && (!link.Up || link.OperState == "down" || link.OperState == "lowerlayerdown") {
			r.report("MN7003", "check the master interface on the node (its link and cable); ip link set dev "+in.Interface+" up inside the pod needs NET_ADMIN",
				"%s (%s) is %s (admin %s, oper %s)", in.Interface, orDefault(in.Network), upDown(link.Up && link.OperState != "down" && link.OperState != "lowerlayerdown"), upDown(link.Up), link.OperState)
		}
		nad, ok := nads[in.Network]
		if !ok {
			continue
		}
		if nad.MTU > 0 && link.MTU != nad.MTU {
			r.report("MN7004", fmt.Sprintf("the master's MTU on the node must be at least %d; recreate the pod once it is", nad.MTU),
				"%s (%s) has MTU %d, the NAD sets %d", in.Interface, in.Network, link.MTU, nad.MTU)
		}
		for _, want := range nad.Routes {
			if !hasRoute(snap, want) {
				via := ""
				if want.GW != "" {
					via = " via " + want.GW
				}
				r.report("MN7005", "the IPAM adds the NAD's routes when the pod is attached: check its logs (kubectl multinet logs pod/"+pod.Name+") and recreate the pod",
					"the NAD %s asks for route %s%s, which is in no routing table of the pod", in.Network, want.Dst, via)
			}
		}
	}
	for _, d := range snap.Duplicates {
		r.report("MN7007", "find the host with that MAC on the segment (a static address, another IPAM on the same range, a VM) and give it another address; then recreate one of the two",
			"another host (MAC %s) answers ARP for %s on %s: two hosts on one segment hold that address", d.MAC, d.IP, d.Link)
	}
	for _, rt := range snap.Routes {
		if rt.Dst != "default" || rt.Table != 254 || rt.Dev == "" || rt.Dev == defaultIf || defaultIf == "" {
			continue
		}
		r.report("MN7006", "remove the default route from the secondary network's IPAM routes, or request it deliberately with \"default-route\" in the networks annotation",
			"the default route (IPv%d, via %s) goes through %s, not through the cluster network's %s: traffic to Services and other pods leaves by the secondary network", rt.Family, dash(rt.Gateway), rt.Dev, defaultIf)
	}
	return r.findings
}

// checkAddresses reports IPs network-status lists that the link lacks, and a MAC that differs.
func checkAddresses(r *reporter, in inspect.Interface, link *netsnap.Link, snap netsnap.Snapshot) {
	have := snap.AddrsOf(in.Interface)
	var ips []string
	for _, cidr := range have {
		if ip, _, err := net.ParseCIDR(cidr); err == nil {
			ips = append(ips, ip.String())
		}
	}
	for _, want := range in.IPs {
		ip := net.ParseIP(strings.Split(want, "/")[0])
		if ip != nil && !slices.Contains(ips, ip.String()) {
			r.report("MN7002", "something in the pod (or a CNI DEL that failed half-way) changed the address: recreate the pod",
				"network-status gives %s (%s) IP %s, but the interface holds %s", in.Interface, orDefault(in.Network), want, orNone(have))
		}
	}
	if in.MAC != "" && link.MAC != "" && !strings.EqualFold(in.MAC, link.MAC) {
		r.report("MN7002", "recreate the pod; if the NAD or the networks annotation sets a MAC, check that the plugin honours it",
			"network-status gives %s (%s) MAC %s, but the interface has %s", in.Interface, orDefault(in.Network), in.MAC, link.MAC)
	}
}

func hasRoute(snap netsnap.Snapshot, want Route) bool {
	dst := want.Dst
	if dst == "0.0.0.0/0" || dst == "::/0" {
		dst = "default"
	}
	for _, rt := range snap.Routes {
		if rt.Dst == dst && (want.GW == "" || rt.Gateway == want.GW) {
			return true
		}
	}
	return false
}

type reporter struct {
	obj      doctor.Object
	checks   []doctor.Check
	findings []doctor.Finding
}

func (r *reporter) report(code, fix, format string, args ...any) {
	for _, c := range r.checks {
		if c.Code == code {
			r.findings = append(r.findings, doctor.Finding{Code: c.Code, Name: c.Name, Severity: c.Severity, Object: r.obj,
				Message: fmt.Sprintf(format, args...), Fix: fix})
		}
	}
}

func linkNames(s netsnap.Snapshot) string {
	var names []string
	for _, l := range s.Links {
		names = append(names, l.Name)
	}
	return orNone(names)
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}

func orDefault(network string) string {
	if network == "" {
		return "cluster network"
	}
	return network
}

func upDown(up bool) string {
	if up {
		return "up"
	}
	return "down"
}
