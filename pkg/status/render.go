package status

import (
	"fmt"
	"io"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// Report is the stable `-o json|yaml` object of `status` (docs/status-json.md).
type Report struct {
	Pods []inspect.Pod `json:"pods"`
}

// stateError marks a table row that reports a pod's annotation problem instead of an interface.
const stateError = "error"

// PrintTable writes the kubectl-style table: one row per interface, one per pod problem. wide adds
// the node, pod status and NAD config columns; withNamespace adds NAMESPACE first.
func PrintTable(w io.Writer, pods []inspect.Pod, wide, withNamespace bool) error {
	cols := []string{"POD", "NETWORK", "IF", "STATE", "IPS", "MAC"}
	if withNamespace {
		cols = append([]string{"NAMESPACE"}, cols...)
	}
	if wide {
		cols = append(cols, "NODE", "STATUS", "CONFIG")
	}
	hasNote := false
	var rows []metav1.TableRow
	for _, p := range pods {
		for _, in := range p.Interfaces {
			note := in.Reason
			if in.State == inspect.StateMissing && note == "" {
				note = "requested, not in " + statusSourceName(p)
			}
			rows = append(rows, row(p, withNamespace, wide, note, orDash(in.Network), orDash(in.Interface), string(in.State),
				ipList(in.IPs), orDash(in.MAC), in.Config))
			hasNote = hasNote || note != ""
		}
		for _, prob := range p.Problems {
			rows = append(rows, row(p, withNamespace, wide, prob, "-", "-", stateError, "-", "-", ""))
			hasNote = true
		}
	}
	if hasNote {
		cols = append(cols, "NOTE")
	} else {
		for i := range rows {
			rows[i].Cells = rows[i].Cells[:len(rows[i].Cells)-1]
		}
	}
	return printTable(w, cols, rows)
}

func row(p inspect.Pod, withNamespace, wide bool, note string, cells ...string) metav1.TableRow {
	config := cells[len(cells)-1]
	cells = cells[:len(cells)-1]
	out := make([]any, 0, len(cells)+6)
	if withNamespace {
		out = append(out, p.Namespace)
	}
	out = append(out, p.Name)
	for _, c := range cells {
		out = append(out, c)
	}
	if wide {
		out = append(out, orDash(p.Node), orDash(p.Phase), orDash(config))
	}
	return metav1.TableRow{Cells: append(out, note)}
}

// statusSourceName names the annotation the pod's interfaces were read from, short.
func statusSourceName(p inspect.Pod) string {
	switch p.StatusSource {
	case "":
		return "network-status (pod has none)"
	case inspect.DeprecatedNetworksStatusAnnotation:
		return "networks-status (deprecated)"
	}
	return strings.TrimPrefix(strings.TrimPrefix(p.StatusSource, "k8s.v1.cni.cncf.io/"), "networking.gke.io/")
}

func printTable(w io.Writer, cols []string, rows []metav1.TableRow) error {
	t := &metav1.Table{Rows: rows}
	for _, c := range cols {
		t.ColumnDefinitions = append(t.ColumnDefinitions, metav1.TableColumnDefinition{Name: c, Type: "string"})
	}
	return printers.NewTablePrinter(printers.PrintOptions{}).PrintObj(t, w)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func ipList(ips []string) string {
	if len(ips) == 0 {
		return "-"
	}
	return strings.Join(ips, ",")
}

// PrintJSON writes the Report as indented JSON.
func PrintJSON(w io.Writer, pods []inspect.Pod) error {
	return writeReportJSON(w, pods)
}

// PrintYAML writes the Report as YAML.
func PrintYAML(w io.Writer, pods []inspect.Pod) error {
	b, err := yaml.Marshal(Report{Pods: nonNil(pods)})
	if err != nil {
		return fmt.Errorf("encode yaml: %w", err)
	}
	_, err = w.Write(b)
	return err
}

func nonNil(pods []inspect.Pod) []inspect.Pod {
	if pods == nil {
		return []inspect.Pod{}
	}
	return pods
}
