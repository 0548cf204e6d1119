package inspect

import (
	"fmt"
	"strings"

	nadv1 "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/apis/k8s.cni.cncf.io/v1"
)

// gkeDefaultNetwork is the name GKE gives the cluster's pod network.
const gkeDefaultNetwork = "default"

// InspectPod matches what the pod asked for with what it got. Bad annotations become Problems; they
// never stop inspection of the rest of the pod.
func InspectPod(m PodMeta, nads *NADSet) Pod { return inspectPod(m, nads, nil) }

// inspectPod is InspectPod with the networks annotations parsed so far (nil parses each anew).
func inspectPod(m PodMeta, nads *NADSet, parsed requestCache) Pod {
	p := Pod{Namespace: m.Namespace, Name: m.Name, Node: m.Node, Phase: m.Phase, Interfaces: []Interface{}, ClaimNames: m.Claims}
	_, multus := m.Annotations[NetworksAnnotation]
	gke, hasGKE := m.Annotations[GKEInterfacesAnnotation]
	if multus && hasGKE {
		p.Problems = append(p.Problems, fmt.Sprintf("pod uses both %s and %s; a pod may use only one of Multus and GKE multi-networking",
			NetworksAnnotation, GKEInterfacesAnnotation))
	}
	if hasGKE && !multus {
		inspectGKE(&p, m, gke)
	} else {
		inspectMultus(&p, m, parsed)
	}
	describe(&p, nads)
	return p
}

// DescribeNetworks sets the NAD config summary of every interface of pods, for callers that read the
// NADs after inspecting the pods (to know which ones to read).
func DescribeNetworks(pods []Pod, nads *NADSet) {
	for i := range pods {
		describe(&pods[i], nads)
	}
}

// describe fills Config for the interfaces on NADs (namespace/name; GKE networks have no namespace).
func describe(p *Pod, nads *NADSet) {
	for i := range p.Interfaces {
		if p.Interfaces[i].Claim == "" && strings.Contains(p.Interfaces[i].Network, "/") {
			p.Interfaces[i].Config = nads.Describe(p.Interfaces[i].Network)
		}
	}
}

func inspectMultus(p *Pod, m PodMeta, parsed requestCache) {
	reqs, err := parsed.parse(m.Annotations[NetworksAnnotation], m.Namespace)
	if err != nil {
		p.Problems = append(p.Problems, err.Error())
	}
	p.Requests = reqs

	var statuses []nadv1.NetworkStatus
	unreadable := false // a status that does not parse says nothing about what is missing from it
	for _, key := range []string{NetworkStatusAnnotation, DeprecatedNetworksStatusAnnotation} {
		v, ok := m.Annotations[key]
		if !ok {
			continue
		}
		p.StatusSource = key
		if statuses, err = ParseNetworkStatus(key, v); err != nil {
			p.Problems = append(p.Problems, err.Error())
			unreadable = true
		}
		break
	}
	if p.StatusSource == "" && len(m.PodIPs) > 0 {
		p.Interfaces = append(p.Interfaces, Interface{IPs: m.PodIPs, Default: true, State: StateDefault})
	}

	matched := make([]bool, len(reqs))
	defaultNet := m.Annotations[DefaultNetworkAnnotation]
	// The cluster network can write several entries (OVN-Kubernetes' primary user-defined networks
	// write eth0 and ovn-udn1, one of them marked default); every entry named like the default
	// one is the cluster network, never a NAD.
	clusterNames := map[string]bool{}
	for _, s := range statuses {
		if s.Default && s.Name != "" {
			clusterNames[s.Name] = true
		}
	}
	for _, s := range statuses {
		in := Interface{StatusName: s.Name, Interface: s.Interface, IPs: s.IPs, MAC: s.Mac, Default: s.Default,
			HasDeviceInfo: s.DeviceInfo != nil}
		if in.IPs == nil {
			in.IPs = []string{}
		}
		switch {
		case s.Default || s.Name == "" || clusterNames[s.Name] && !requested(reqs, s.Name, m.Namespace):
			in.State = StateDefault
			switch {
			case defaultNet == "":
			case s.Name != "":
				in.Network = s.Name // as network-status reports it, never replaced
			default:
				in.Network = qualify(defaultNet, MultusNamespace)
			}
		default:
			in.Network = qualify(s.Name, m.Namespace)
			in.State = StateUnrequested
			if i := matchRequest(reqs, matched, in.Network, s.Interface); i >= 0 {
				matched[i] = true
				in.State = StateAttached
			}
		}
		p.Interfaces = append(p.Interfaces, in)
	}
	for i, r := range reqs {
		if !matched[i] && !unreadable {
			p.Interfaces = append(p.Interfaces, Interface{Network: r.Key(), Interface: expectedIfName(reqs, i), IPs: []string{}, State: StateMissing})
		}
	}
}

// MultusNamespace is where Multus looks up a default-network annotation without a namespace
// (its multusNamespace setting, kube-system unless changed).
const MultusNamespace = "kube-system"

// requested says whether a request names the network an entry of network-status names.
func requested(reqs []Request, name, podNamespace string) bool {
	key := qualify(name, podNamespace)
	for _, r := range reqs {
		if r.Key() == key {
			return true
		}
	}
	return false
}

// qualify turns a network name from an annotation into namespace/name.
func qualify(name, podNamespace string) string {
	if strings.Contains(name, "/") {
		return name
	}
	return podNamespace + "/" + name
}

// expectedIfName is the interface name Multus gives the i-th requested network: the requested one, or
// net<i+1>.
func expectedIfName(reqs []Request, i int) string {
	if reqs[i].Interface != "" {
		return reqs[i].Interface
	}
	return fmt.Sprintf("net%d", i+1)
}

// matchRequest finds the unmatched request for network that best fits ifName: first one whose expected
// interface name equals ifName, else the first unmatched one for that network. It returns -1 if none.
func matchRequest(reqs []Request, matched []bool, network, ifName string) int {
	first := -1
	for i, r := range reqs {
		if matched[i] || r.Key() != network {
			continue
		}
		if expectedIfName(reqs, i) == ifName {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

func inspectGKE(p *Pod, m PodMeta, value string) {
	reqs, err := ParseGKEInterfaces(value)
	if err != nil {
		p.Problems = append(p.Problems, err.Error())
	}
	p.Requests = reqs
	defaultIf := m.Annotations[GKEDefaultInterfaceAnnotation]

	var statuses []gkeInterfaceStatus
	if v, ok := m.Annotations[GKEInterfaceStatusAnnotation]; ok {
		p.StatusSource = GKEInterfaceStatusAnnotation
		if statuses, err = parseGKEInterfaceStatus(v); err != nil {
			p.Problems = append(p.Problems, err.Error())
		}
	}
	matched := make([]bool, len(reqs))
	for _, s := range statuses {
		in := Interface{StatusName: s.NetworkName, IPs: s.IPAddresses, MAC: s.MACAddress, State: StateUnrequested, Network: s.NetworkName}
		if in.IPs == nil {
			in.IPs = []string{}
		}
		if i := matchRequest(reqs, matched, s.NetworkName, ""); i >= 0 {
			matched[i] = true
			in.Interface = reqs[i].Interface
			in.State = StateAttached
		}
		if s.NetworkName == gkeDefaultNetwork {
			in.Network, in.State = "", StateDefault
		}
		in.Default = in.Interface != "" && in.Interface == defaultIf || defaultIf == "" && in.State == StateDefault
		p.Interfaces = append(p.Interfaces, in)
	}
	for i, r := range reqs {
		if matched[i] {
			continue
		}
		in := Interface{Network: r.Name, Interface: r.Interface, IPs: []string{}, State: StateMissing}
		if r.Name == gkeDefaultNetwork {
			// GKE writes no status for the cluster network; it is present whenever the pod runs.
			in.Network, in.State, in.IPs = "", StateDefault, m.PodIPs
			if in.IPs == nil {
				in.IPs = []string{}
			}
		}
		in.Default = in.Interface == defaultIf
		p.Interfaces = append(p.Interfaces, in)
	}
}
