package doctor

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

func setupChecks() []Check {
	return []Check{
		{Code: "MN1001", Name: "NADCRDMissing", Severity: Error, Needs: []Input{InAPIGroups},
			Summary: "The NetworkAttachmentDefinition CRD is not installed", Run: checkNADCRD},
		{Code: "MN1002", Name: "IPAMCRDMissing", Severity: Warning, Needs: []Input{InAPIGroups, InNADs},
			Summary: "A NAD uses whereabouts IPAM but its CRDs are not installed", Run: checkIPAMCRD},
		{Code: "MN1003", Name: "MultusNotReady", Severity: Error, Needs: []Input{InDaemonSets, InNodes, InAllPods},
			Summary: "No Multus DaemonSet, or Multus not ready on some nodes", Run: checkMultusReady},
		{Code: "MN1004", Name: "MixedMultiNetworking", Severity: Error, Needs: []Input{InPods},
			Summary: "A pod uses both Multus networks and GKE multi-networking", Run: checkMixed},
		{Code: "MN1005", Name: "OverbroadNetworkRBAC", Severity: Warning, Needs: []Input{InClusterRoles},
			Summary: "A ClusterRole grants * on the network API groups", Run: checkOverbroadRBAC},
	}
}

func checkNADCRD(m *Model, r *Reporter) {
	if !m.APIGroups[NADResource] {
		r.Report(Object{Kind: "CustomResourceDefinition", Name: NADResource},
			"install Multus (it installs the CRD), or kubectl multinet install",
			"the API server does not serve network-attachment-definitions.k8s.cni.cncf.io; pods cannot request extra networks")
	}
}

func checkIPAMCRD(m *Model, r *Reporter) {
	if m.APIGroups[IPPoolResource] {
		return
	}
	for _, n := range m.NADs {
		if n.Config.IPAM != nil && n.Config.IPAM.Type == "whereabouts" {
			r.Report(nadObject(n), "install whereabouts' CRDs (ippools and overlappingrangeipreservations.whereabouts.cni.cncf.io)",
				"NAD uses whereabouts IPAM but the API server does not serve ippools.whereabouts.cni.cncf.io; every pod using it will fail IP allocation")
		}
	}
}

func checkMultusReady(m *Model, r *Reporter) {
	if len(m.DaemonSets) == 0 {
		r.Report(Object{Kind: "DaemonSet", Name: "multus"}, "install Multus (kubectl apply the multus-daemonset manifest of your distribution)",
			"no Multus DaemonSet found in any namespace; pods requesting extra networks will not get them")
		return
	}
	for _, ds := range m.DaemonSets {
		want, ready := ds.Status.DesiredNumberScheduled, ds.Status.NumberReady
		if ready >= want && want > 0 {
			continue
		}
		// Nodes lacking a Running pod of this DaemonSet (pods are named <daemonset>-<suffix>).
		running := map[string]bool{}
		for _, p := range m.Pods {
			if p.Namespace == ds.Namespace && strings.HasPrefix(p.Name, ds.Name+"-") && p.Phase == "Running" {
				running[p.Node] = true
			}
		}
		var missing []string
		for _, n := range m.Nodes {
			if !running[n.Name] {
				missing = append(missing, n.Name)
			}
		}
		sort.Strings(missing)
		r.Report(Object{Kind: "DaemonSet", Namespace: ds.Namespace, Name: ds.Name},
			fmt.Sprintf("kubectl -n %s describe daemonset %s, and kubectl multinet logs --node NODE for the nodes named", ds.Namespace, ds.Name),
			"Multus is ready on %d of %d nodes; not ready on: %s", ready, want, listOrNone(missing))
	}
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "(none identified)"
	}
	const max = 10
	if len(s) > max {
		return strings.Join(s[:max], ", ") + fmt.Sprintf(" and %d more", len(s)-max)
	}
	return strings.Join(s, ", ")
}

func checkMixed(m *Model, r *Reporter) {
	for i := range m.Pods {
		p := &m.Pods[i]
		for _, prob := range p.Problems {
			if strings.Contains(prob, inspect.GKEInterfacesAnnotation) && strings.Contains(prob, "both") {
				r.Report(podObject(p), fmt.Sprintf("keep either %s or %s on the pod, not both", inspect.NetworksAnnotation, inspect.GKEInterfacesAnnotation),
					"pod uses both Multus networks and GKE multi-networking; GKE supports only one of them per pod")
			}
		}
	}
}

// networkGroups are the API groups whose RBAC the check watches.
var networkGroups = []string{"k8s.cni.cncf.io", "whereabouts.cni.cncf.io"}

func checkOverbroadRBAC(m *Model, r *Reporter) {
	for _, cr := range m.ClusterRoles {
		if strings.HasPrefix(cr.Name, "system:") || cr.Name == "cluster-admin" {
			continue
		}
		for _, rule := range cr.Rules {
			group := matchingGroup(rule.APIGroups)
			if group == "" {
				continue
			}
			if contains(rule.Verbs, "*") || contains(rule.Resources, "*") {
				r.Report(Object{Kind: "ClusterRole", Name: cr.Name},
					"list the verbs and resources it needs, e.g. get/list/watch on network-attachment-definitions and get/list/watch/create/update/patch/delete on ippools",
					"ClusterRole grants verbs %v on resources %v in API group %s", rule.Verbs, rule.Resources, group)
				break
			}
		}
	}
}

func matchingGroup(groups []string) string {
	for _, g := range groups {
		if g == "*" || contains(networkGroups, g) {
			return g
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func nadObject(n *NAD) Object {
	return Object{Kind: "NetworkAttachmentDefinition", Namespace: n.Namespace, Name: n.Name}
}

func podObject(p *inspect.Pod) Object {
	return Object{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}
}
