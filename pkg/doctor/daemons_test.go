package doctor

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestMultusDaemonHealth reads Multus v4.3.0 thick DaemonSet pods captured from the lab after a
// burst of 100 pods a node OOMKilled both daemons at upstream's 50Mi limit
// (deployments/multus-daemonset-thick.yml; the failure of Multus #1346, #1416, #1383).
func TestMultusDaemonHealth(t *testing.T) {
	data, err := os.ReadFile("testdata/multus-thick-oomkilled.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res := runYAML(t, string(data))
	var got []string
	for _, f := range res.Findings {
		if strings.HasPrefix(f.Code, "MN100") {
			got = append(got, f.Code+" "+f.Object.String())
		}
	}
	want := []string{
		"MN1006 Pod kube-system/kube-multus-ds-k8w5g",
		"MN1006 Pod kube-system/kube-multus-ds-xjwh5",
		"MN1007 Pod kube-system/kube-multus-ds-errored",
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("findings %v, want %v", got, want)
	}
	for _, f := range res.Findings {
		switch f.Code {
		case "MN1006":
			if !strings.Contains(f.Message, "OOMKilled (memory limit 50Mi)") || !strings.Contains(f.Fix, "#1346") {
				t.Errorf("MN1006 names neither the limit nor the upstream issue: %s / %s", f.Message, f.Fix)
			}
		case "MN1007":
			if !strings.Contains(f.Message, "restarted 2 times; last exit: Error (code 1)") || !strings.Contains(f.Message, "lab-node-c") {
				t.Errorf("MN1007 message: %s", f.Message)
			}
		}
	}
}

// TestMultusDaemonHealthNeedsItsPods: without the daemon pods the checks are skipped, not passed.
func TestMultusDaemonHealthNeedsItsPods(t *testing.T) {
	data, err := os.ReadFile("testdata/multus-thick-oomkilled.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ds, _, _ := strings.Cut(string(data), "\n---\n") // the DaemonSet alone
	if m := modelYAML(t, ds); len(m.DaemonSets) != 1 || m.Has(InDaemonPods) {
		t.Fatalf("a dump with the DaemonSet (%d read) and none of its pods claims to have its pods", len(m.DaemonSets))
	}
}
