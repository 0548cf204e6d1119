package connectivity

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Report is the JSON output (docs/connectivity.md).
type Report struct {
	Networks []Result `json:"networks"`
	Summary  Summary  `json:"summary"`
	// Skipped are the networks not tested, each with why.
	Skipped []string `json:"skipped,omitempty"`
	// ProbeFailures are --create-probes' pods that did not come up attached.
	ProbeFailures []ProbeFailure `json:"probeFailures,omitempty"`
}

// Summary counts the pairs.
type Summary struct {
	Networks int `json:"networks"`
	Pairs    int `json:"pairs"`
	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
}

// NewReport summarises results.
func NewReport(results []Result, skipped []string) Report {
	r := Report{Networks: results, Skipped: skipped, Summary: Summary{Networks: len(results)}}
	if r.Networks == nil {
		r.Networks = []Result{}
	}
	for _, res := range results {
		for _, p := range res.Pairs {
			r.Summary.Pairs++
			if p.OK {
				r.Summary.Passed++
			} else {
				r.Summary.Failed++
			}
		}
	}
	return r
}

// PrintJSON writes the report as indented JSON.
func PrintJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// PrintText writes a pods × pods matrix per network (rows send, columns answer), then each failure
// with its cause.
func PrintText(w io.Writer, r Report) error {
	for _, res := range r.Networks {
		desc := strings.TrimSpace(res.Type + " " + res.Mode)
		if res.MTU > 0 {
			desc += fmt.Sprintf(" mtu %d", res.MTU)
		}
		sample := fmt.Sprintf("%d pods", len(res.Members))
		if res.Sampled {
			sample = fmt.Sprintf("a sample of %d of its %d pods, spread over the nodes", len(res.Members), res.Total)
		}
		fmt.Fprintf(w, "NETWORK %s (%s): %s\n", res.Key, desc, sample)
		cell := map[string]string{}
		for _, p := range res.Pairs {
			switch {
			case p.OK:
				cell[p.From+" "+p.To] = "ok"
			case p.Received > 0:
				cell[p.From+" "+p.To] = "MTU"
			default:
				cell[p.From+" "+p.To] = "FAIL"
			}
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		head := []string{"  FROM \\ TO"}
		for i := range res.Members {
			head = append(head, fmt.Sprint(i+1))
		}
		fmt.Fprintln(tw, strings.Join(head, "\t"))
		for i, from := range res.Members {
			where := from.Node + ", " + from.IP
			if strings.Contains(res.Key, "+") { // a segment: say which NAD
				where = from.Network + ", " + where
			}
			row := []string{fmt.Sprintf("  %d %s (%s)", i+1, from.Key(), where)}
			for _, to := range res.Members {
				c := cell[from.Key()+" "+to.Key()]
				if from.Key() == to.Key() {
					c = "-"
				}
				row = append(row, c)
			}
			fmt.Fprintln(tw, strings.Join(row, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, p := range res.Pairs {
			if !p.OK {
				fmt.Fprintf(w, "  FAIL %s -> %s (%s -> %s): %s\n", p.From, p.To, p.FromIP, p.ToIP, p.Cause)
			}
		}
		fmt.Fprintln(w)
	}
	for _, f := range r.ProbeFailures {
		fmt.Fprintf(w, "FAIL %s\n", f)
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "not tested: %s\n", s)
	}
	_, err := fmt.Fprintf(w, "%d pairs on %d networks: %d passed, %d failed.\n", r.Summary.Pairs, r.Summary.Networks, r.Summary.Passed, r.Summary.Failed)
	return err
}
