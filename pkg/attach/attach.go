// Package attach explains the attach path of one pod before (or after) it runs: the networks it
// requests, the NetworkAttachmentDefinition each resolves to under Multus' namespace rules, the
// NAD's node constraints, the delegate CNI config Multus runs for each interface, what the IPAM
// would do, and every doctor finding about the pod, its NADs and their pools.
package attach

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipam"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipamconf"
)

// Plan is the explained attach path of one pod.
type Plan struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Node is the pod's node ("" while unscheduled); Phase its status ("" for a pod from a file).
	Node       string      `json:"node"`
	Phase      string      `json:"phase"`
	Interfaces []Interface `json:"interfaces"`
	// Problems are annotation errors: the request could not be read at all.
	Problems []string         `json:"problems,omitempty"`
	Findings []doctor.Finding `json:"findings"`
}

// Interface is one requested network and what Multus will do for it.
type Interface struct {
	// IfName is the interface in the pod: the requested name, else net<N> by position.
	IfName string `json:"ifName"`
	// Request is the annotation's entry as written; NAD what it resolves to (namespace/name).
	Request string `json:"request"`
	NAD     string `json:"nad"`
	// Resolution says why the NAD is that one, or why it cannot be used.
	Resolution string `json:"resolution"`
	Found      bool   `json:"found"`
	// Allowed is false when Multus' namespaceIsolation forbids the pod this NAD.
	Allowed bool `json:"allowed"`
	// NodeSelector is the NAD's k8s.v1.cni.cncf.io/nodeSelector; Nodes the nodes it admits
	// (all when empty); NodeOK whether the pod's node is one of them (true while unscheduled).
	NodeSelector string   `json:"nodeSelector,omitempty"`
	Nodes        []string `json:"nodes,omitempty"`
	NodeOK       bool     `json:"nodeOK"`
	// Summary is the config in one line; Delegate the CNI config Multus hands the plugin, with
	// the runtime config it adds for requested IPs or MAC.
	Summary  string          `json:"summary,omitempty"`
	Delegate json.RawMessage `json:"delegate,omitempty"`
	// RuntimeConfig is what Multus adds for static ips/mac requests.
	RuntimeConfig map[string]any `json:"runtimeConfig,omitempty"`
	// Dropped lists requested runtime settings (ips, mac) the config does not declare as
	// capabilities: libcni passes a plugin only the capabilities it declares, so these are lost.
	Dropped []string `json:"dropped,omitempty"`
	IPAM    *IPAM    `json:"ipam,omitempty"`
}

// IPAM is the IPAM's view of one interface.
type IPAM struct {
	Type   string      `json:"type"`
	Ranges []RangePlan `json:"ranges,omitempty"`
	// Note explains what cannot be known from the API (host-local state, static addresses ...).
	Note string `json:"note,omitempty"`
}

// RangePlan is one range of the IPAM.
type RangePlan struct {
	Range    string `json:"range"`
	Capacity uint64 `json:"capacity"`
	Used     uint64 `json:"used"`
	// Next is the address multinet-ipam would take ("" when full or unknown); Exact whether
	// it is certain (stable_identity or already held) or depends on the sandbox's container ID.
	Next  string `json:"next,omitempty"`
	Exact bool   `json:"exact,omitempty"`
	// Held says the pod already holds Next.
	Held bool `json:"held,omitempty"`
}

// Explain plans the attach path of pod (which m holds) and collects the findings of res about it.
func Explain(m *doctor.Model, pod *inspect.Pod, res doctor.Result) Plan {
	p := Plan{Namespace: pod.Namespace, Name: pod.Name, Node: pod.Node, Phase: pod.Phase, Problems: pod.Problems, Interfaces: []Interface{}, Findings: []doctor.Finding{}}
	related := map[doctor.Object]bool{{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name}: true}
	for i, r := range pod.Requests {
		ifc := explainOne(m, pod, i, r)
		related[doctor.Object{Kind: "NetworkAttachmentDefinition", Namespace: r.Namespace, Name: r.Name}] = true
		p.Interfaces = append(p.Interfaces, ifc)
	}
	for _, f := range res.Findings {
		if related[f.Object] {
			p.Findings = append(p.Findings, f)
		}
	}
	return p
}

// Blocked says the attach would fail: an error finding, a NAD missing or forbidden, a node the
// NAD excludes, or a full multinet-ipam range.
func (p Plan) Blocked() bool {
	for _, f := range p.Findings {
		if f.Severity == doctor.Error {
			return true
		}
	}
	for _, ifc := range p.Interfaces {
		if !ifc.Found || !ifc.Allowed || !ifc.NodeOK {
			return true
		}
		if ifc.IPAM != nil && ifc.IPAM.Type == "multinet-ipam" {
			for _, r := range ifc.IPAM.Ranges {
				if r.Next == "" {
					return true
				}
			}
		}
	}
	return len(p.Problems) > 0
}

func explainOne(m *doctor.Model, pod *inspect.Pod, i int, r inspect.Request) Interface {
	ifc := Interface{IfName: r.Interface, Request: r.Name, NAD: r.Key(), Allowed: true, NodeOK: true}
	if ifc.IfName == "" {
		ifc.IfName = fmt.Sprintf("net%d", i+1)
	}
	if r.Namespace != pod.Namespace {
		ifc.Request = r.Key()
		ifc.Resolution = "named with its namespace"
	} else {
		ifc.Resolution = "the pod's namespace (a name without namespace)"
	}
	if m.NamespaceIsolation && r.Namespace != pod.Namespace && !slices.Contains(m.GlobalNamespaces, r.Namespace) {
		ifc.Allowed = false
		ifc.Resolution = fmt.Sprintf("forbidden: Multus namespaceIsolation allows only the pod's namespace and globalNamespaces %v", m.GlobalNamespaces)
	}
	nad := m.NAD(r.Key())
	if nad == nil {
		ifc.Resolution += "; not found"
		return ifc
	}
	ifc.Found = true
	ifc.Summary = nad.Config.String()
	explainNodes(m, pod, nad, &ifc)
	if len(r.IPs) > 0 || r.MAC != "" {
		ifc.RuntimeConfig = map[string]any{}
		if len(r.IPs) > 0 {
			ifc.RuntimeConfig["ips"] = r.IPs
		}
		if r.MAC != "" {
			ifc.RuntimeConfig["mac"] = r.MAC
		}
		declared := capabilities(nad.Spec.Config)
		for _, k := range []string{"ips", "mac"} {
			if _, asked := ifc.RuntimeConfig[k]; asked && !declared[k] {
				ifc.Dropped = append(ifc.Dropped, k)
			}
		}
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, []byte(nad.Spec.Config), "", "  ") == nil {
		ifc.Delegate = pretty.Bytes()
	}
	if nad.Config.IPAM != nil {
		ifc.IPAM = explainIPAM(m, pod, nad, ifc.IfName)
	}
	return ifc
}

// capabilities are the capabilities a CNI config (or any plugin of a conflist) declares.
func capabilities(config string) map[string]bool {
	type caps struct {
		Capabilities map[string]bool `json:"capabilities"`
	}
	var c struct {
		caps
		Plugins []caps `json:"plugins"`
	}
	out := map[string]bool{}
	if json.Unmarshal([]byte(config), &c) != nil {
		return out
	}
	for _, cs := range append([]caps{c.caps}, c.Plugins...) {
		for k, v := range cs.Capabilities {
			out[k] = out[k] || v
		}
	}
	return out
}

func explainNodes(m *doctor.Model, pod *inspect.Pod, nad *doctor.NAD, ifc *Interface) {
	sel, ok := nad.Annotations[doctor.NodeSelectorAnnotation]
	if !ok || sel == "" {
		return
	}
	ifc.NodeSelector = sel
	s, err := labels.Parse(sel)
	if err != nil {
		ifc.NodeOK = false
		return
	}
	for _, n := range m.Nodes {
		if s.Matches(labels.Set(n.Labels)) {
			ifc.Nodes = append(ifc.Nodes, n.Name)
		}
	}
	ifc.NodeOK = pod.Node == "" || slices.Contains(ifc.Nodes, pod.Node)
}

func explainIPAM(m *doctor.Model, pod *inspect.Pod, nad *doctor.NAD, ifName string) *IPAM {
	c := nad.Config.IPAM
	out := &IPAM{Type: c.Type}
	switch c.Type {
	case "multinet-ipam":
		var allocs []*ipam.Allocation
		for _, a := range m.Allocations {
			allocs = append(allocs, &ipam.Allocation{Network: a.Spec.Network, Range: a.Spec.Range, IP: a.Spec.IP,
				ContainerID: a.Spec.ContainerID, PodRef: a.Spec.PodRef, IfName: a.Spec.IfName, Stable: a.Spec.Stable})
		}
		// A running pod's container ID is in its allocation; owns() finds it by pod when stable.
		// An allocation left by an earlier pod of the same name is passed over for the one holding
		// the address the pod reports.
		owner := ipam.Owner{PodRef: pod.Namespace + "/" + pod.Name, IfName: ifName}
		current := podIPs(pod, ifName)
		for _, a := range allocs {
			if a.PodRef == owner.PodRef && a.IfName == ifName && (owner.ContainerID == "" || current[a.IP]) {
				owner.ContainerID = a.ContainerID
				if current[a.IP] {
					break
				}
			}
		}
		previews, err := ipam.Preview([]byte(nad.Spec.Config), allocs, owner)
		if err != nil {
			out.Note = "config does not parse: " + err.Error()
			return out
		}
		for _, rp := range previews {
			plan := RangePlan{Range: rp.Range, Capacity: rp.Capacity, Used: rp.Used, Exact: rp.Exact, Held: rp.Held}
			if rp.Next.IsValid() {
				plan.Next = rp.Next.String()
			}
			out.Ranges = append(out.Ranges, plan)
		}
		if !m.Has(doctor.InAllocations) {
			out.Note = "IPAllocations could not be read: usage unknown"
		}
	case "whereabouts":
		usage := m.PoolUsage()
		for _, r := range c.Pools {
			plan := RangePlan{Range: r.Prefix.String(), Capacity: r.Capacity()}
			name := ipamconf.PoolName(c.NetworkName, r.Prefix) // whereabouts' IPPool for this network and range
			for _, u := range usage {
				if u.Kind == "IPPool" && u.Name == name {
					plan.Used, plan.Capacity = u.Used, u.Capacity
				}
			}
			out.Ranges = append(out.Ranges, plan)
		}
		out.Note = "whereabouts takes the lowest free address of the range"
	case "host-local":
		out.Note = "host-local keeps its state in files on the node; not visible from the API"
	case "static":
		out.Note = "static: the addresses are in the config"
	default:
		out.Note = "not an IPAM this tool can preview"
	}
	return out
}

// podIPs are the addresses pod reports on ifName.
func podIPs(pod *inspect.Pod, ifName string) map[string]bool {
	out := map[string]bool{}
	for _, in := range pod.Interfaces {
		if in.Interface == ifName {
			for _, ip := range in.IPs {
				out[ip] = true
			}
		}
	}
	return out
}
