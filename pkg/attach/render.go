package attach

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
)

// PrintText writes the plan for a person: one block per interface, then the findings.
func PrintText(w io.Writer, p Plan, st doctor.Styles) error {
	node := p.Node
	if node == "" {
		node = "not scheduled yet"
	}
	phase := ""
	if p.Phase != "" {
		phase = ", " + p.Phase
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Pod %s/%s (node: %s%s)\n", p.Namespace, p.Name, node, phase)
	for _, pr := range p.Problems {
		fmt.Fprintf(&b, "  problem: %s\n", pr)
	}
	if len(p.Interfaces) == 0 && len(p.Problems) == 0 {
		b.WriteString("  requests no extra networks (no k8s.v1.cni.cncf.io/networks annotation): Multus runs only the cluster network\n")
	}
	for _, ifc := range p.Interfaces {
		fmt.Fprintf(&b, "\n%s  ← %s\n", ifc.IfName, ifc.NAD)
		fmt.Fprintf(&b, "  NAD:       %s: %s\n", ifc.Request, ifc.Resolution)
		if !ifc.Found {
			continue
		}
		switch {
		case ifc.NodeSelector == "":
			b.WriteString("  nodes:     any (no k8s.v1.cni.cncf.io/nodeSelector)\n")
		case len(ifc.Nodes) == 0:
			fmt.Fprintf(&b, "  nodes:     %s matches no node\n", ifc.NodeSelector)
		default:
			ok := ""
			if !ifc.NodeOK {
				ok = fmt.Sprintf("; the pod's node %s is not one of them", p.Node)
			}
			fmt.Fprintf(&b, "  nodes:     %s → %s%s\n", ifc.NodeSelector, strings.Join(ifc.Nodes, ", "), ok)
		}
		fmt.Fprintf(&b, "  plugin:    %s\n", ifc.Summary)
		if ifc.IPAM != nil {
			for _, r := range ifc.IPAM.Ranges {
				fmt.Fprintf(&b, "  ipam:      %s %s: %d of %d used, %d free", ifc.IPAM.Type, r.Range, r.Used, r.Capacity, r.Capacity-min(r.Used, r.Capacity))
				switch {
				case r.Next == "" && ifc.IPAM.Type == "multinet-ipam":
					b.WriteString("; full: the ADD will fail")
				case r.Held:
					fmt.Fprintf(&b, "; holds %s", r.Next)
				case r.Next != "" && r.Exact:
					fmt.Fprintf(&b, "; gets %s", r.Next)
				case r.Next != "":
					fmt.Fprintf(&b, "; next %s (the real pick hashes the sandbox's container ID)", r.Next)
				}
				b.WriteString("\n")
			}
			if ifc.IPAM.Note != "" {
				fmt.Fprintf(&b, "  ipam:      %s\n", ifc.IPAM.Note)
			}
		}
		fmt.Fprintf(&b, "  delegate:  Multus runs it with CNI_IFNAME=%s", ifc.IfName)
		if len(ifc.RuntimeConfig) > 0 {
			rc, _ := json.Marshal(ifc.RuntimeConfig)
			fmt.Fprintf(&b, " and runtimeConfig %s", rc)
		}
		b.WriteString(":\n")
		for _, k := range ifc.Dropped {
			fmt.Fprintf(&b, "  note:      the request's %q is dropped: the config declares no \"capabilities\": {%q: true}, and libcni passes a plugin only what it declares\n", k, k)
		}
		if ifc.Delegate != nil {
			for _, line := range strings.Split(string(ifc.Delegate), "\n") {
				fmt.Fprintf(&b, "    %s\n", line)
			}
		} else {
			b.WriteString("    (config is not JSON; see the plugin line)\n")
		}
	}
	b.WriteString("\n")
	if len(p.Findings) == 0 {
		b.WriteString("No problems found for this pod, its networks or their pools.\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if len(p.Findings) == 0 {
		return nil
	}
	return doctor.PrintText(w, doctor.Result{Findings: p.Findings, Summary: doctor.Summarize(p.Findings)}, nil, st)
}
