package doctor

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

func podChecks() []Check {
	return []Check{
		{Code: "MN3001", Name: "NetworksAnnotationInvalid", Severity: Error, Needs: []Input{InPods},
			Summary: "A pod's k8s.v1.cni.cncf.io/networks annotation does not parse", Run: checkNetworksAnnotation},
		{Code: "MN3002", Name: "NetworkAttachmentNotFound", Severity: Error, Needs: []Input{InPods, InNADs},
			Summary: "A pod requests a NetworkAttachmentDefinition that does not exist", Run: checkNADExists},
		{Code: "MN3003", Name: "CrossNamespaceNetwork", Severity: Warning, Needs: []Input{InPods},
			Summary: "A pod requests a NAD from another namespace", Run: checkCrossNamespace},
		{Code: "MN3004", Name: "NetworkStatusMissing", Severity: Error, Needs: []Input{InPods},
			Summary: "A running pod requested networks but has no network-status", Run: checkStatusMissing},
		{Code: "MN3005", Name: "AttachmentMissing", Severity: Error, Needs: []Input{InPods},
			Summary: "A requested network is absent from the pod's network-status", Run: checkAttachmentMissing},
		{Code: "MN3006", Name: "DuplicateInterfaceName", Severity: Error, Needs: []Input{InPods},
			Summary: "Two networks of a pod use the same interface name", Run: checkDuplicateIfName},
		{Code: "MN3007", Name: "NetworkStatusInvalid", Severity: Error, Needs: []Input{InPods},
			Summary: "A pod's network-status annotation does not parse", Run: checkStatusInvalid},
		{Code: "MN3008", Name: "DuplicateIP", Severity: Error, Needs: []Input{InPods},
			Summary: "Two pods have the same IP on the same network", Run: checkDuplicateIP},
		{Code: "MN3009", Name: "IPOutsideRange", Severity: Warning, Needs: []Input{InPods, InNADs},
			Summary: "A pod's IP on a network is outside the NAD's IPAM range", Run: checkIPOutsideRange},
		{Code: "MN3010", Name: "DeprecatedNetworksStatus", Severity: Info, Needs: []Input{InPods},
			Summary: "A pod's status is only in the deprecated networks-status annotation", Run: checkDeprecatedStatus},
		{Code: "MN3011", Name: "NetworkClaimNotReady", Severity: Error, Needs: []Input{InPods},
			Summary: "A pod's DRA network claim is not allocated, or its device is not ready", Run: checkClaimNotReady},
	}
}

// problemsAbout yields the pod's problems that concern annotation key.
func problemsAbout(p *inspect.Pod, key string) []string {
	var out []string
	for _, prob := range p.Problems {
		if strings.HasPrefix(prob, key+":") {
			out = append(out, strings.TrimPrefix(prob, key+": "))
		}
	}
	return out
}

func checkNetworksAnnotation(m *Model, r *Reporter) {
	for i := range m.Pods {
		p := &m.Pods[i]
		for _, prob := range append(problemsAbout(p, inspect.NetworksAnnotation), problemsAbout(p, inspect.GKEInterfacesAnnotation)...) {
			r.Report(podObject(p), "write it as ns/name@ifname,... or a JSON list of {\"name\", \"namespace\", \"interface\"}; Multus refuses the pod until it parses",
				"networks annotation: %s", prob)
		}
	}
}

func checkNADExists(m *Model, r *Reporter) {
	for i := range m.Pods {
		p := &m.Pods[i]
		for _, req := range p.Requests {
			if req.Namespace != "" && m.NAD(req.Key()) == nil { // GKE networks have no namespace
				r.Report(podObject(p), fmt.Sprintf("create NetworkAttachmentDefinition %s, or fix the name in %s", req.Key(), inspect.NetworksAnnotation),
					"requests network %s, which does not exist; Multus fails the pod sandbox (\"GetNetworkDelegates: failed getting the delegate\")", req.Key())
			}
		}
	}
}

func checkCrossNamespace(m *Model, r *Reporter) {
	sev := Warning
	if m.NamespaceIsolation {
		sev = Error
	}
	for i := range m.Pods {
		p := &m.Pods[i]
		for _, req := range p.Requests {
			if req.Namespace == "" || req.Namespace == p.Namespace || contains(m.GlobalNamespaces, req.Namespace) {
				continue
			}
			msg := "requests network %s from namespace %s; allowed now, refused once Multus namespaceIsolation is on"
			if m.NamespaceIsolation {
				msg = "requests network %s from namespace %s, and Multus namespaceIsolation is on: the pod is refused"
			}
			r.ReportAt(sev, podObject(p), fmt.Sprintf("create the NAD in namespace %s, or add %s to Multus globalNamespaces", p.Namespace, req.Namespace),
				msg, req.Key(), req.Namespace)
		}
	}
}

func checkStatusMissing(m *Model, r *Reporter) {
	for i := range m.Pods {
		p := &m.Pods[i]
		if p.Phase != "Running" || len(p.Requests) == 0 || p.StatusSource != "" {
			continue
		}
		r.Report(podObject(p), "check that Multus is the first CNI config on the node and can patch pods (kubectl multinet logs pod/"+p.Name+")",
			"pod is Running and requested %d network(s) but has no network-status: Multus did not attach it, or could not write the status", len(p.Requests))
	}
}

func checkAttachmentMissing(m *Model, r *Reporter) {
	for i := range m.Pods {
		p := &m.Pods[i]
		if p.StatusSource == "" {
			continue // MN3004's case
		}
		for _, in := range p.Interfaces {
			if in.State == inspect.StateMissing && in.Claim == "" {
				r.Report(podObject(p), "look at the pod's events and kubectl multinet logs pod/"+p.Name+"; recreate the pod once the cause is fixed",
					"requested network %s (interface %s) is not in %s", in.Network, in.Interface, p.StatusSource)
			}
		}
	}
}

func checkClaimNotReady(m *Model, r *Reporter) {
	for i := range m.Pods {
		p := &m.Pods[i]
		for _, in := range p.Interfaces {
			if in.Claim == "" || in.State != inspect.StateMissing {
				continue
			}
			what := "claim " + in.Claim
			if in.Device != "" {
				what += " (device " + in.Device + ")"
			}
			r.Report(podObject(p), "kubectl describe resourceclaim "+strings.SplitN(in.Claim, "/", 2)[0]+" -n "+p.Namespace+
				"; check the DRA driver's pods on node "+orNone(p.Node)+" and its ResourceSlices",
				"%s: %s; the pod has no interface from it", what, in.Reason)
		}
	}
}

func orNone(node string) string {
	if node == "" {
		return "(not scheduled)"
	}
	return node
}

func checkDuplicateIfName(m *Model, r *Reporter) {
	for i := range m.Pods {
		p := &m.Pods[i]
		seen := map[string]string{}
		for j := range p.Requests {
			name := p.Requests[j].Interface
			if name == "" {
				name = fmt.Sprintf("net%d", j+1)
			}
			if other, ok := seen[name]; ok {
				r.Report(podObject(p), "give each network its own interface name (ns/name@ifname or \"interface\")",
					"networks %s and %s both use interface %s; Multus fails with \"ifname %s is already exist\"", other, p.Requests[j].Key(), name, name)
			}
			seen[name] = p.Requests[j].Key()
		}
	}
}

func checkStatusInvalid(m *Model, r *Reporter) {
	for i := range m.Pods {
		p := &m.Pods[i]
		for _, key := range []string{inspect.NetworkStatusAnnotation, inspect.DeprecatedNetworksStatusAnnotation, inspect.GKEInterfaceStatusAnnotation} {
			for _, prob := range problemsAbout(p, key) {
				r.Report(podObject(p), "the status is written by Multus (or GKE): if something else edits it, stop that; recreating the pod rewrites it",
					"%s: %s", key, prob)
			}
		}
	}
}

func checkDuplicateIP(m *Model, r *Reporter) {
	type owner struct{ pod, ifname string }
	byNet := map[string]map[string][]owner{}
	for i := range m.Pods {
		p := &m.Pods[i]
		for _, in := range p.Interfaces {
			if in.Network == "" || in.State == inspect.StateMissing {
				continue
			}
			if byNet[in.Network] == nil {
				byNet[in.Network] = map[string][]owner{}
			}
			for _, ip := range in.IPs {
				byNet[in.Network][ip] = append(byNet[in.Network][ip], owner{p.Namespace + "/" + p.Name, in.Interface})
			}
		}
	}
	nets := make([]string, 0, len(byNet))
	for n := range byNet {
		nets = append(nets, n)
	}
	sort.Strings(nets)
	for _, n := range nets {
		for ip, owners := range byNet[n] {
			if len(owners) < 2 {
				continue
			}
			names := make([]string, 0, len(owners))
			for _, o := range owners {
				names = append(names, o.pod)
			}
			sort.Strings(names)
			for _, o := range owners {
				ns, name, _ := strings.Cut(o.pod, "/")
				r.Report(Object{Kind: "Pod", Namespace: ns, Name: name}, "delete one of the pods so it gets a new address; check the IPAM for leaked or reused allocations (whereabouts #97, #176)",
					"IP %s on network %s (%s) is also held by %s", ip, n, o.ifname, strings.Join(without(names, o.pod), ", "))
			}
		}
	}
}

func without(list []string, s string) []string {
	var out []string
	for _, v := range list {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}

func checkIPOutsideRange(m *Model, r *Reporter) {
	for i := range m.Pods {
		p := &m.Pods[i]
		for _, in := range p.Interfaces {
			if in.Network == "" || in.State != inspect.StateAttached {
				continue
			}
			n := m.NAD(in.Network)
			if n == nil || n.Config.IPAM == nil || len(n.Config.IPAM.Pools) == 0 {
				continue
			}
			for _, s := range in.IPs {
				ip, err := netip.ParseAddr(strings.Split(s, "/")[0])
				if err != nil || n.Config.IPAM.Contains(ip) || !sameFamily(n.Config.IPAM, ip) {
					continue
				}
				r.Report(podObject(p), "the NAD's range changed after the pod was attached, or another IPAM assigned it: recreate the pod",
					"IP %s on %s (%s) is outside the NAD's range %s", ip, in.Network, in.Interface, rangesString(n.Config.IPAM))
			}
		}
	}
}

func sameFamily(c *inspect.IPAMConfig, ip netip.Addr) bool {
	for _, r := range c.Pools {
		if r.Prefix.Addr().Is4() == ip.Unmap().Is4() {
			return true
		}
	}
	return false
}

func rangesString(c *inspect.IPAMConfig) string {
	var out []string
	for _, r := range c.Pools {
		out = append(out, r.String())
	}
	return strings.Join(out, ",")
}

func checkDeprecatedStatus(m *Model, r *Reporter) {
	for i := range m.Pods {
		p := &m.Pods[i]
		if p.StatusSource == inspect.DeprecatedNetworksStatusAnnotation {
			r.Report(podObject(p), "upgrade Multus (3.7+ writes k8s.v1.cni.cncf.io/network-status); tools reading only network-status miss this pod",
				"network status is only in the deprecated %s annotation", inspect.DeprecatedNetworksStatusAnnotation)
		}
	}
}
