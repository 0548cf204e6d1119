package attach

import (
	"testing"

	"github.com/kubectl-multinet/kubectl-multinet/internal/fixtures"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
)

// TestExplainPassesOverAnEarlierPodsAllocation: an allocation leaked by an earlier pod of the same
// name (seen in the lab) must not be shown as what the running pod holds.
func TestExplainPassesOverAnEarlierPodsAllocation(t *testing.T) {
	m, err := doctor.FromDump(fixtures.EarlierPod(t))
	if err != nil {
		t.Fatal(err)
	}
	p := Explain(m, m.Pod("e2e/px"), doctor.Result{})
	if len(p.Interfaces) != 1 || p.Interfaces[0].IPAM == nil || len(p.Interfaces[0].IPAM.Ranges) != 1 {
		t.Fatalf("plan %+v", p.Interfaces)
	}
	if r := p.Interfaces[0].IPAM.Ranges[0]; r.Next != "172.30.20.5" || !r.Held || r.Used != 2 {
		t.Fatalf("range %+v, want the pod to hold 172.30.20.5 (2 used)", r)
	}
}
