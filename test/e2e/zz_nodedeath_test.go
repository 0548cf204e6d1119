//go:build e2e

package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testenv"
)

// This file's name sorts last on purpose: go test runs a package's tests in the order of their
// files, and TestNodeDeath leaves node b dead, so every test that needs both nodes must come before.

// TestNodeDeath kills a node (its kubelet, containerd and every process of its pods) and deletes
// its pods as the node lifecycle would: their addresses stay allocated, doctor reports them as
// MN4006, and `ipam gc` releases them. The agents' own GC is set to 1h so that nothing releases
// them before doctor has looked. It runs last: the node stays dead until the lab is stopped.
func TestNodeDeath(t *testing.T) {
	if len(lab.nodes) < 2 {
		t.Skip("the lab has one node; NODES=2 (the default) runs this test")
	}
	lab.install(t, "--gc-every", "1h")
	ns, dead := "e2e-death", lab.nodes[len(lab.nodes)-1]
	lab.namespace(t, ns)
	m := lab.nad(ns, "span", lab.master, "172.30.22.0/24")
	for i := range 3 {
		m += lab.podOn(dead, ns, fmt.Sprintf("d%d", i), "span")
	}
	lab.kubectl(t, m, "apply", "-f", "-")
	lab.kubectl(t, "", "wait", "-n", ns, "--for", "condition=Ready", "pods", "--all", "--timeout", "120s")
	held := func() string {
		out := lab.kubectl(t, "", "get", "ipallocations", "-n", "kube-system", "-o", "jsonpath={range .items[*]}{.spec.podRef} {.spec.node}{'\\n'}{end}")
		var mine []string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, ns+"/") {
				mine = append(mine, l)
			}
		}
		return strings.Join(mine, "; ")
	}
	if h := held(); strings.Count(h, " "+dead) != 3 {
		t.Fatalf("allocations of %s: %q, want 3 recorded on node %s", ns, h, dead)
	}

	killed := time.Now()
	out, err := exec.Command(filepath.Join(testenv.RepoRoot(), "hack", "node.sh"), "kill", lab.dir, dead).CombinedOutput()
	if err != nil {
		t.Fatalf("kill node %s: %v\n%s", dead, err, out)
	}
	lab.kubectl(t, "", "wait", "--for", "condition=Ready=Unknown", "node/"+dead, "--timeout", "120s")
	notReady := time.Since(killed)
	lab.kubectl(t, "", "delete", "pods", "-n", ns, "--all", "--force", "--grace-period=0")
	var lost []string
	for deadline := time.Now().Add(60 * time.Second); len(lost) < 3; time.Sleep(2 * time.Second) {
		if time.Now().After(deadline) {
			t.Fatalf("doctor -A reports %d allocations as MN4006, want 3 (held: %s)", len(lost), held())
		}
		rep, _ := lab.doctor(t, "-A")
		lost = lost[:0]
		for _, f := range rep.Findings {
			if f.Code == "MN4006" {
				lost = append(lost, f.Object.Name)
			}
		}
	}
	if h := held(); strings.Count(h, " "+dead) != 3 {
		t.Fatalf("allocations of the deleted pods: %q, want all 3 still held until a GC", h)
	}
	start := time.Now()
	if r := lab.multinet(t, "ipam", "gc"); r.code != 0 {
		t.Fatalf("ipam gc: exit %d:\n%s%s", r.code, r.out, r.err)
	}
	if h := held(); h != "" {
		t.Fatalf("ipam gc left allocations of the deleted pods: %s", h)
	}
	t.Logf("node %s killed: NotReady after %s; ipam gc released its 3 allocations in %s", dead, notReady.Round(time.Second), time.Since(start).Round(time.Millisecond))
}

// churn creates n pods at once, spread over the nodes, on one /24 that two NADs share through
// network_name; it checks their addresses from inside the pods, that no sandbox was retried
// because of IPAM, and that deleting them frees every address.
