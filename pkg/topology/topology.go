// Package topology builds the picture of which pods attach to which networks on which nodes, from
// the inspect model, and renders it as Graphviz DOT, Mermaid or plain text.
package topology

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// Graph is nodes (Kubernetes nodes), pods and networks with the edges between them.
type Graph struct {
	// Nodes maps a node name to its pods (namespace/name), sorted.
	Nodes map[string][]string
	// Networks maps a network (namespace/name) to its attachments, sorted.
	Networks map[string][]Attachment
}

// Attachment is one pod interface on a network.
type Attachment struct {
	Pod       string
	Interface string
	IPs       []string
	State     inspect.State
}

// Build makes the graph of pods' secondary networks (the cluster network is left out: every pod has
// it). Pods without a node are under "(unscheduled)".
func Build(pods []inspect.Pod) Graph {
	g := Graph{Nodes: map[string][]string{}, Networks: map[string][]Attachment{}}
	for _, p := range pods {
		key := p.Namespace + "/" + p.Name
		secondary := false
		for _, in := range p.Interfaces {
			if in.Network == "" || in.State == inspect.StateDefault {
				continue
			}
			secondary = true
			g.Networks[in.Network] = append(g.Networks[in.Network], Attachment{Pod: key, Interface: in.Interface, IPs: in.IPs, State: in.State})
		}
		if !secondary {
			continue
		}
		node := p.Node
		if node == "" {
			node = "(unscheduled)"
		}
		g.Nodes[node] = append(g.Nodes[node], key)
	}
	for _, ps := range g.Nodes {
		sort.Strings(ps)
	}
	for _, as := range g.Networks {
		sort.Slice(as, func(i, j int) bool { return as[i].Pod+as[i].Interface < as[j].Pod+as[j].Interface })
	}
	return g
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// id makes a node identifier both DOT and Mermaid accept.
func id(prefix, s string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// edgeLabel is `ifname ip,ip` with the state when it is not attached.
func edgeLabel(a Attachment) string {
	l := a.Interface
	if len(a.IPs) > 0 {
		l += " " + strings.Join(a.IPs, ",")
	}
	if a.State != inspect.StateAttached {
		l += " (" + string(a.State) + ")"
	}
	return l
}

// WriteDOT writes the graph in Graphviz DOT: nodes as clusters holding their pods, networks as
// ellipses, one edge per interface (dashed when missing, red when unrequested).
func WriteDOT(w io.Writer, g Graph) error {
	var b strings.Builder
	b.WriteString("digraph multinet {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n")
	for _, n := range sortedKeys(g.Nodes) {
		fmt.Fprintf(&b, "  subgraph %s {\n    label=%q;\n    style=rounded;\n", id("cluster_node_", n), "node "+n)
		for _, p := range g.Nodes[n] {
			fmt.Fprintf(&b, "    %s [label=%q, shape=box];\n", id("pod_", p), p)
		}
		b.WriteString("  }\n")
	}
	for _, net := range sortedKeys(g.Networks) {
		fmt.Fprintf(&b, "  %s [label=%q, shape=ellipse];\n", id("net_", net), net)
		for _, a := range g.Networks[net] {
			style := ""
			switch a.State {
			case inspect.StateMissing:
				style = ", style=dashed, color=red"
			case inspect.StateUnrequested:
				style = ", color=orange"
			}
			fmt.Fprintf(&b, "  %s -> %s [label=%q%s];\n", id("pod_", a.Pod), id("net_", net), edgeLabel(a), style)
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMermaid writes the graph as a Mermaid flowchart.
func WriteMermaid(w io.Writer, g Graph) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, n := range sortedKeys(g.Nodes) {
		fmt.Fprintf(&b, "  subgraph %s[\"node %s\"]\n", id("node_", n), n)
		for _, p := range g.Nodes[n] {
			fmt.Fprintf(&b, "    %s[\"%s\"]\n", id("pod_", p), p)
		}
		b.WriteString("  end\n")
	}
	for _, net := range sortedKeys(g.Networks) {
		fmt.Fprintf(&b, "  %s((\"%s\"))\n", id("net_", net), net)
		for _, a := range g.Networks[net] {
			arrow := "-->"
			if a.State == inspect.StateMissing {
				arrow = "-.->"
			}
			fmt.Fprintf(&b, "  %s %s|\"%s\"| %s\n", id("pod_", a.Pod), arrow, edgeLabel(a), id("net_", net))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Text renders the graph for a terminal: each network with its pods grouped by node.
func Text(g Graph) string {
	var b strings.Builder
	nodeOf := map[string]string{}
	for n, ps := range g.Nodes {
		for _, p := range ps {
			nodeOf[p] = n
		}
	}
	for _, net := range sortedKeys(g.Networks) {
		fmt.Fprintf(&b, "◉ %s\n", net)
		byNode := map[string][]Attachment{}
		for _, a := range g.Networks[net] {
			byNode[nodeOf[a.Pod]] = append(byNode[nodeOf[a.Pod]], a)
		}
		nodes := sortedKeys(byNode)
		for i, n := range nodes {
			branch, cont := "├─", "│ "
			if i == len(nodes)-1 {
				branch, cont = "└─", "  "
			}
			fmt.Fprintf(&b, "%s node %s\n", branch, n)
			for j, a := range byNode[n] {
				leaf := "├─"
				if j == len(byNode[n])-1 {
					leaf = "└─"
				}
				fmt.Fprintf(&b, "%s %s %s %s\n", cont, leaf, a.Pod, edgeLabel(a))
			}
		}
	}
	if b.Len() == 0 {
		return "no pod has a secondary network\n"
	}
	return b.String()
}
