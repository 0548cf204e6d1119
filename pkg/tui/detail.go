package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

func (m Model) pod(key string) *inspect.Pod {
	for i := range m.data.Pods {
		if p := &m.data.Pods[i]; p.Namespace+"/"+p.Name == key {
			return p
		}
	}
	return nil
}

func (m Model) nad(key string) *doctor.NAD {
	for _, n := range m.data.NADs {
		if n.Namespace+"/"+n.Name == key {
			return n
		}
	}
	return nil
}

// detailLines is everything about one pod (or, from the networks view, one NAD).
func (m Model) detailLines() []string {
	p := m.pod(m.detail)
	if p == nil {
		if n := m.nad(m.detail); n != nil {
			return m.nadLines(n)
		}
		return []string{m.detail + " is gone"}
	}
	h := m.styles.header.Render
	out := []string{h(fmt.Sprintf("POD %s  node %s  %s", m.detail, orDash(p.Node), orDash(p.Phase))), ""}
	out = append(out, h("INTERFACES"))
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NETWORK\tIF\tSTATE\tIPS\tMAC\tDEFAULT\tNOTE")
	for _, in := range p.Interfaces {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%v\t%s\n", orDash(in.Network), orDash(in.Interface), in.State,
			orDash(strings.Join(in.IPs, ",")), orDash(in.MAC), in.Default, in.Reason)
	}
	_ = tw.Flush()
	for _, l := range strings.Split(strings.TrimRight(table.String(), "\n"), "\n") {
		out = append(out, strings.TrimRight(l, " "))
	}
	for _, prob := range p.Problems {
		out = append(out, "  "+m.styles.err.Render("problem: ")+prob)
	}
	out = append(out, "", h("NETWORKS"))
	seen := map[string]bool{}
	for _, in := range p.Interfaces {
		if in.Network == "" || seen[in.Network] {
			continue
		}
		seen[in.Network] = true
		if in.Claim != "" {
			out = append(out, fmt.Sprintf("  %s: DRA ResourceClaim %s, device %s", in.Network, in.Claim, orDash(in.Device)))
			continue
		}
		n := m.nad(in.Network)
		if n == nil {
			out = append(out, "  "+in.Network+": NAD not found")
			continue
		}
		out = append(out, "  "+in.Network+": "+n.Config.String())
		if n.Config.IPAM != nil {
			for _, r := range n.Config.IPAM.Pools {
				for _, pool := range m.data.Pools {
					if pool.Range == r.Prefix && pool.Capacity > 0 {
						out = append(out, fmt.Sprintf("    pool %s/%s %s", pool.Namespace, pool.Name, bar(pool.Used, pool.Capacity, 20)))
					}
				}
			}
		}
		for _, l := range strings.Split(prettyJSON(n.Spec.Config), "\n") {
			out = append(out, "    "+m.styles.dim.Render(l))
		}
	}
	out = append(out, "", h("EVENTS"))
	events := m.data.Events[m.detail]
	if len(events) == 0 {
		out = append(out, "  none")
	}
	for _, e := range events {
		out = append(out, fmt.Sprintf("  %s %s (%d×): %s", e.LastTimestamp.Format("15:04:05"), e.Reason, e.Count, e.Message))
	}
	out = append(out, "", h("DOCTOR"))
	var mine []doctor.Finding
	for _, f := range m.data.Findings {
		if f.Object.Kind == "Pod" && f.Object.Namespace+"/"+f.Object.Name == m.detail {
			mine = append(mine, f)
		}
	}
	out = append(out, indent(m.doctorLines(mine))...)
	out = append(out, "", h("PROBE"))
	if len(m.probeText) == 0 {
		out = append(out, "  p reads the pod's links, addresses and routes from inside it (kubectl multinet probe)")
	}
	out = append(out, indent(append([]string(nil), m.probeText...))...)
	out = append(out, "", h("LOGS"))
	if len(m.logLines) == 0 {
		out = append(out, "  l streams the Multus, whereabouts and multinet-ipam lines about this pod from its node (kubectl multinet logs)")
	}
	out = append(out, indent(append([]string(nil), m.logLines...))...)
	return out
}

func (m Model) nadLines(n *doctor.NAD) []string {
	h := m.styles.header.Render
	out := []string{h("NETWORK " + n.Namespace + "/" + n.Name), "  " + n.Config.String(), ""}
	for _, l := range strings.Split(prettyJSON(n.Spec.Config), "\n") {
		out = append(out, "  "+l)
	}
	return out
}

func indent(lines []string) []string {
	for i := range lines {
		lines[i] = "  " + lines[i]
	}
	return lines
}

// prettyJSON indents a NAD config; text that is not JSON is returned as is.
func prettyJSON(s string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(s), "", "  ") != nil {
		return s
	}
	return b.String()
}

// yamlLines is the selected pod's network view (or NAD) as YAML.
func (m Model) yamlLines() []string {
	var obj any
	if p := m.pod(m.detail); p != nil {
		obj = p
	} else if n := m.nad(m.detail); n != nil {
		obj = n.NetworkAttachmentDefinition
	} else {
		return []string{m.detail + " is gone"}
	}
	b, err := yaml.Marshal(obj)
	if err != nil {
		return []string{"cannot render: " + err.Error()}
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
}
