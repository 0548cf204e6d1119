package probe

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/netsnap"
)

// Report is one probe's result (the JSON and YAML output; docs/probe.md).
type Report struct {
	Namespace string           `json:"namespace"`
	Pod       string           `json:"pod"`
	Node      string           `json:"node"`
	Snapshot  netsnap.Snapshot `json:"snapshot"`
	Findings  []doctor.Finding `json:"findings"`
	Summary   doctor.Summary   `json:"summary"`
}

// Print writes rep as text (tables, then findings as doctor prints them), json or yaml.
func Print(w io.Writer, rep Report, format string, st doctor.Styles) error {
	if rep.Findings == nil {
		rep.Findings = []doctor.Finding{}
	}
	rep.Summary = doctor.Summarize(rep.Findings)
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "yaml":
		b, err := yaml.Marshal(rep)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	s := rep.Snapshot
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "POD %s/%s  node %s\n\nLINKS\n  NAME\tKIND\tSTATE\tMTU\tMAC\tMASTER\tADDRESSES\n", rep.Namespace, rep.Pod, rep.Node)
	for _, l := range s.Links {
		state := l.OperState
		if !l.Up {
			state = "admin-down"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\t%s\t%s\n", l.Name, dash(l.Kind), state, l.MTU, dash(l.MAC), dash(l.Master), dash(strings.Join(s.AddrsOf(l.Name), ",")))
	}
	fmt.Fprintf(tw, "\nROUTES\n  TABLE\tDST\tGATEWAY\tDEV\tPROTO\tMETRIC\n")
	for _, r := range s.Routes {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%d\n", table(r.Table), r.Dst, dash(r.Gateway), dash(r.Dev), dash(r.Protocol), r.Metric)
	}
	fmt.Fprintf(tw, "\nRULES\n  PRIORITY\tFROM\tTO\tIIF\tOIF\tTABLE\n")
	for _, r := range s.Rules {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\n", r.Priority, or(r.Src, "all"), or(r.Dst, "all"), dash(r.IIF), dash(r.OIF), table(r.Table))
	}
	fmt.Fprintf(tw, "\nNEIGHBOURS\n  LINK\tIP\tMAC\tSTATE\n")
	for _, n := range s.Neighbors {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", n.Link, n.IP, dash(n.MAC), n.State)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	notes := make([]string, 0, len(s.Errors))
	for _, e := range s.Errors {
		notes = append(notes, "not read in the pod: "+e)
	}
	return doctor.PrintText(w, doctor.Result{Findings: rep.Findings, Summary: rep.Summary}, notes, st)
}

// table names a routing table as ip route does.
func table(t int) string {
	switch t {
	case 254:
		return "main"
	case 253:
		return "default"
	case 255:
		return "local"
	}
	return strconv.Itoa(t)
}

func dash(s string) string { return or(s, "-") }

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
