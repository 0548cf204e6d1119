//go:build e2e

package e2e

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testenv"
)

// switchMultus redeploys Multus in mode on every node (hack/node.sh multus).
func (lab *node) switchMultus(t *testing.T, mode string) {
	t.Helper()
	out, err := exec.Command(filepath.Join(testenv.RepoRoot(), "hack", "node.sh"), "multus", lab.dir, mode).CombinedOutput()
	if err != nil {
		t.Fatalf("switch Multus to %s: %v\n%s", mode, err, out)
	}
	lab.mode = mode
}

// TestOtherMultusMode runs the attach path across nodes under the Multus mode the lab was not
// started with (thin when it runs thick, the default), then switches back.
func TestOtherMultusMode(t *testing.T) {
	if len(lab.nodes) < 2 {
		t.Skip("the lab has one node; NODES=2 (the default) runs this test")
	}
	started := lab.mode
	other := map[string]string{"thick": "thin", "thin": "thick"}[started]
	lab.switchMultus(t, other)
	t.Cleanup(func() { lab.switchMultus(t, started) })
	lab.install(t)
	ns := "e2e-" + other
	lab.namespace(t, ns)
	a, b := lab.nodes[0], lab.nodes[1]
	lab.kubectl(t, lab.nad(ns, "span", lab.master, "172.30.23.0/24")+lab.podOn(a, ns, "pa", "span")+lab.podOn(b, ns, "pb", "span"), "apply", "-f", "-")
	lab.kubectl(t, "", "wait", "-n", ns, "--for", "condition=Ready", "pod/pa", "pod/pb", "--timeout", "120s")
	pa, pb := strings.Split(lab.podAddrs(t, ns, "pa")["net1"], "/")[0], strings.Split(lab.podAddrs(t, ns, "pb")["net1"], "/")[0]
	if pa == "" || pb == "" || pa == pb {
		t.Fatalf("net1 addresses %q and %q, want two different addresses", pa, pb)
	}
	lab.kubectl(t, "", "exec", "-n", ns, "pa", "--", "/testpod", "ping", pb)
	lab.kubectl(t, "", "exec", "-n", ns, "pb", "--", "/testpod", "ping", pa)
	if rep, code := lab.doctor(t, "-A"); code != 0 || len(rep.Findings) != 0 {
		t.Errorf("doctor -A under Multus %s: exit %d, findings %+v", other, code, rep.Findings)
	}
	if other == "thin" { // thin Multus keeps a kubeconfig with its pod's token on every node
		rep, code := lab.doctorNodes(t, "-n", ns, "--nodes")
		want := "multus on " + strings.Join(lab.nodes, ", ")
		if code != 0 || len(rep.nodeCodes()) != 0 || !slices.ContainsFunc(rep.Notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("doctor --nodes under thin Multus: exit %d, findings %v, notes %q; want exit 0, none, and %q read", code, rep.nodeCodes(), rep.Notes, want)
		}
	}
	// Thin Multus logs to a file, thick to its container: logs reads either.
	r := lab.multinet(t, "logs", "pod/pb", "-n", ns, "--tail", "-1", "--source", "multus")
	if r.code != 0 || !strings.Contains(r.out, b+"/multus ") || !strings.Contains(r.out, ns+":pb:") {
		t.Errorf("logs pod/pb --source multus under Multus %s: exit %d:\n%s%s", other, r.code, r.out, r.err)
	}
	lab.kubectl(t, "", "delete", "namespace", ns, "--wait", "--timeout", "120s")
}
