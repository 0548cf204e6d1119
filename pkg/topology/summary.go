package topology

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// SummaryAbove is how many pods with a secondary network a graph draws one by one; above it,
// graph --summary=auto draws Summary instead.
const SummaryAbove = 500

// topNodes is how many of a network's nodes a summary names, busiest first.
const topNodes = 3

// Summary counts a graph instead of drawing it: attachments per network and node.
type Summary struct {
	// Pods is the number of pods with a secondary network.
	Pods     int
	Networks []NetworkSummary
	// Nodes are the nodes with such pods, busiest first.
	Nodes []Count
}

// NetworkSummary is one network's attachments.
type NetworkSummary struct {
	Network string
	// Attached, Missing and Unrequested count interfaces by state.
	Attached, Missing, Unrequested int
	// Nodes is how many nodes have an interface on the network; Top are the busiest.
	Nodes int
	Top   []Count
}

// Count is a name and how many it has.
type Count struct {
	Name string
	N    int
}

// Summarize counts what Build would draw, without holding an edge a pod.
func Summarize(pods []inspect.Pod) Summary {
	var s Summary
	nodes := map[string]int{}
	type acc struct {
		NetworkSummary
		byNode map[string]int
	}
	nets := map[string]*acc{}
	for _, p := range pods {
		node := p.Node
		if node == "" {
			node = "(unscheduled)"
		}
		secondary := false
		for _, in := range p.Interfaces {
			if in.Network == "" || in.State == inspect.StateDefault {
				continue
			}
			secondary = true
			a := nets[in.Network]
			if a == nil {
				a = &acc{NetworkSummary: NetworkSummary{Network: in.Network}, byNode: map[string]int{}}
				nets[in.Network] = a
			}
			switch in.State {
			case inspect.StateMissing:
				a.Missing++
			case inspect.StateUnrequested:
				a.Unrequested++
			default:
				a.Attached++
			}
			a.byNode[node]++
		}
		if secondary {
			s.Pods++
			nodes[node]++
		}
	}
	for _, name := range sortedKeys(nets) {
		a := nets[name]
		a.Nodes, a.Top = len(a.byNode), busiest(a.byNode, topNodes)
		s.Networks = append(s.Networks, a.NetworkSummary)
	}
	s.Nodes = busiest(nodes, len(nodes))
	return s
}

// busiest returns up to n counts, largest first, then by name.
func busiest(m map[string]int, n int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Name < out[j].Name
	})
	return out[:min(n, len(out))]
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func (c Count) String() string { return fmt.Sprintf("%s (%d)", c.Name, c.N) }

func joinCounts(cs []Count) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, ", ")
}

// headline says what the summary covers.
func (s Summary) headline() string {
	return fmt.Sprintf("%s with secondary networks on %s, %s (counted, not drawn pod by pod; --summary=never draws each pod)",
		plural(s.Pods, "pod"), plural(len(s.Nodes), "node"), plural(len(s.Networks), "network"))
}

// WriteSummaryText writes the summary as a table of networks, then the busiest nodes.
func WriteSummaryText(w io.Writer, s Summary) error {
	if s.Pods == 0 {
		_, err := io.WriteString(w, "no pod has a secondary network\n")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\n\nNETWORK\tATTACHED\tMISSING\tUNREQUESTED\tNODES\tBUSIEST NODES\n", s.headline())
	for _, n := range s.Networks {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", n.Network, n.Attached, n.Missing, n.Unrequested, n.Nodes, joinCounts(n.Top))
	}
	fmt.Fprintf(tw, "\nbusiest nodes (pods with secondary networks): %s\n", joinCounts(s.Nodes[:min(10, len(s.Nodes))]))
	return tw.Flush()
}

// netLabel is a network's label in the summary's DOT and Mermaid graphs.
func netLabel(n NetworkSummary) string {
	l := fmt.Sprintf("%s: %d attached on %s", n.Network, n.Attached, plural(n.Nodes, "node"))
	if n.Missing > 0 {
		l += fmt.Sprintf(", %d missing", n.Missing)
	}
	if n.Unrequested > 0 {
		l += fmt.Sprintf(", %d unrequested", n.Unrequested)
	}
	return l
}

// summaryNodes are the nodes the summary's graphs draw: each network's busiest.
func summaryNodes(s Summary) []Count {
	drawn := map[string]bool{}
	for _, n := range s.Networks {
		for _, c := range n.Top {
			drawn[c.Name] = true
		}
	}
	var out []Count
	for _, c := range s.Nodes {
		if drawn[c.Name] {
			out = append(out, c)
		}
	}
	return out
}

// WriteSummaryDOT draws each network with its counts and an edge, labelled with its count, from
// each of its busiest nodes.
func WriteSummaryDOT(w io.Writer, s Summary) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph multinet {\n  rankdir=LR;\n  label=%q;\n  node [fontname=\"Helvetica\", fontsize=10];\n", s.headline())
	for _, c := range summaryNodes(s) {
		fmt.Fprintf(&b, "  %s [label=%q, shape=box];\n", id("node_", c.Name), fmt.Sprintf("node %s: %d pods", c.Name, c.N))
	}
	for _, n := range s.Networks {
		fmt.Fprintf(&b, "  %s [label=%q, shape=ellipse];\n", id("net_", n.Network), netLabel(n))
		for _, c := range n.Top {
			fmt.Fprintf(&b, "  %s -> %s [label=\"%d\"];\n", id("node_", c.Name), id("net_", n.Network), c.N)
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSummaryMermaid is WriteSummaryDOT as a Mermaid flowchart.
func WriteSummaryMermaid(w io.Writer, s Summary) error {
	var b strings.Builder
	fmt.Fprintf(&b, "---\ntitle: %q\n---\nflowchart LR\n", s.headline())
	for _, c := range summaryNodes(s) {
		fmt.Fprintf(&b, "  %s[\"node %s: %d pods\"]\n", id("node_", c.Name), c.Name, c.N)
	}
	for _, n := range s.Networks {
		fmt.Fprintf(&b, "  %s((\"%s\"))\n", id("net_", n.Network), netLabel(n))
		for _, c := range n.Top {
			fmt.Fprintf(&b, "  %s -->|%d| %s\n", id("node_", c.Name), c.N, id("net_", n.Network))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
