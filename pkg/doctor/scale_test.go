package doctor

import (
	"fmt"
	"strings"
	"testing"
)

// TestOverlapIsOneFindingANAD: n NADs over one range, each with its own network_name, make n-1
// findings (each NAD names the later ones, a few by name), not one a pair; at 2,000 NADs a finding a
// pair was four million lines and gigabytes of JSON.
func TestOverlapIsOneFindingANAD(t *testing.T) {
	const n = 50
	var docs []string
	for i := range n {
		docs = append(docs, nad(fmt.Sprintf("n%02d", i), fmt.Sprintf(`{"type":"macvlan","master":"eth1","ipam":{"type":"whereabouts","range":"10.5.0.0/16","network_name":"net%d"}}`, i)))
	}
	res := runYAML(t, docs...)
	var overlaps []Finding
	for _, f := range res.Findings {
		if f.Code == "MN2006" {
			overlaps = append(overlaps, f)
		}
	}
	if len(overlaps) != n-1 {
		t.Fatalf("%d MN2006 findings, want %d (one a NAD but the last)", len(overlaps), n-1)
	}
	first, last := overlaps[0], overlaps[n-2]
	if first.Object.Name != "n00" || !strings.Contains(first.Message, "the ranges of 49 NADs: cnf/n01 (10.5.0.0/16), cnf/n02 (10.5.0.0/16), cnf/n03 (10.5.0.0/16) and 46 more") {
		t.Errorf("first finding: %s %s", first.Object.Name, first.Message)
	}
	if last.Object.Name != "n48" || !strings.Contains(last.Message, "overlaps the range of cnf/n49 (10.5.0.0/16)") {
		t.Errorf("last finding: %s %s", last.Object.Name, last.Message)
	}
}
