package status

import (
	"encoding/json"
	"fmt"
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// LegacyEntry is one element of the older plugin's `-o json` array.
type LegacyEntry struct {
	Namespace string   `json:"namespace"`
	Pod       string   `json:"pod"`
	Net       string   `json:"net"`
	Interface string   `json:"interface"`
	Address   []string `json:"address"`
	MAC       string   `json:"mac"`
}

// legacyEntries lists what the older plugin listed: every network-status entry of every pod, in
// status order, except those that describe a device (device-info).
func legacyEntries(pods []inspect.Pod) []LegacyEntry {
	out := []LegacyEntry{}
	for _, p := range pods {
		if p.StatusSource == "" {
			continue
		}
		for _, in := range p.Interfaces {
			if in.State == inspect.StateMissing || in.HasDeviceInfo {
				continue
			}
			out = append(out, LegacyEntry{Namespace: p.Namespace, Pod: p.Name, Net: in.StatusName, Interface: in.Interface, Address: in.IPs, MAC: in.MAC})
		}
	}
	return out
}

// PrintLegacy prints the older k8snetworkplumbingwg plugin's output: format "text" (POD IF ADDRESS MAC),
// "wide" (NAMESPACE POD NET IF ADDRESS MAC) or "json".
func PrintLegacy(w io.Writer, pods []inspect.Pod, format string) error {
	entries := legacyEntries(pods)
	switch format {
	case "json":
		b, err := json.Marshal(entries)
		if err != nil {
			return fmt.Errorf("encode json: %w", err)
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	case "wide":
		rows := make([]metav1.TableRow, 0, len(entries))
		for _, e := range entries {
			rows = append(rows, metav1.TableRow{Cells: []any{e.Namespace, e.Pod, e.Net, e.Interface, addressCell(e.Address), e.MAC}})
		}
		return printTable(w, []string{"Namespace", "Pod", "Net", "IF", "Address", "Mac"}, rows)
	default:
		rows := make([]metav1.TableRow, 0, len(entries))
		for _, e := range entries {
			rows = append(rows, metav1.TableRow{Cells: []any{e.Pod, e.Interface, addressCell(e.Address), e.MAC}})
		}
		return printTable(w, []string{"Pod", "IF", "Address", "Mac"}, rows)
	}
}

// addressCell is an address list the way the table printer renders arrays: [a b].
func addressCell(ips []string) []any {
	out := make([]any, 0, len(ips))
	for _, ip := range ips {
		out = append(out, ip)
	}
	return out
}
