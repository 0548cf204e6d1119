//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// soak creates and deletes 1,000 pods (MULTINET_E2E_SOAK_PODS) over the nodes in waves of 50, each
// wave alive while the next attaches, on two NADs sharing one network_name and one /22. It checks,
// inside the pods, that no two living pods share an address, and that once a wave is deleted none
// of its addresses is still allocated (every DEL that returned freed its address).
func (lab node) soak(t *testing.T) {
	total, wave := 1000, 50
	if v, err := strconv.Atoi(os.Getenv("MULTINET_E2E_SOAK_PODS")); err == nil && v > 0 {
		total = v
	}
	ns := "fault-soak"
	lab.namespace(t, ns)
	lab.kubectl(t, lab.sharedNADs(ns, []string{"soak-a", "soak-b"}, "172.30.48.0/22", "soak"), "apply", "-f", "-")
	start := time.Now()
	var prev []string
	held := map[string]string{} // address → pod, for the wave still alive
	for first := 0; first < total; first += wave {
		var m strings.Builder
		var pods []string
		for i := first; i < min(first+wave, total); i++ {
			pods = append(pods, fmt.Sprintf("s%04d", i))
			m.WriteString(lab.podOn(lab.nodes[i%len(lab.nodes)], ns, pods[len(pods)-1], []string{"soak-a", "soak-b"}[i/len(lab.nodes)%2]))
		}
		lab.kubectl(t, m.String(), "apply", "-f", "-")
		lab.waitReady(t, ns, pods, 300*time.Second)
		now := lab.uniqueNet1(t, ns, pods, "172.30.")
		for ip, pod := range now {
			if other, dup := held[ip]; dup {
				t.Errorf("pods %s and %s of %s both hold %s", other, pod, ns, ip)
			}
		}
		lab.deleteWave(t, ns, prev)
		prev, held = pods, now
		if t.Failed() {
			return
		}
	}
	lab.deleteWave(t, ns, prev)
	lab.primaryFreed(t)
	t.Logf("RESULT %s: %d pods created and deleted in waves of %d over %d nodes in %s; no address shared inside the pods; every deleted wave's addresses freed",
		ns, total, wave, len(lab.nodes), time.Since(start).Round(time.Second))
}

// waitReady waits until pods are Ready; when they are not, it logs which are not and why (their
// conditions, and the events of the first) before failing.
func (lab node) waitReady(t *testing.T, ns string, pods []string, timeout time.Duration) {
	t.Helper()
	args := []string{"wait", "-n", ns, "--for", "condition=Ready", "--timeout", timeout.String()}
	for _, p := range pods {
		args = append(args, "pod/"+p)
	}
	r := lab.exec(t, "", lab.kubectlBin, args...)
	if r.code == 0 {
		return
	}
	cols := "custom-columns=POD:.metadata.name,NODE:.spec.nodeName,PHASE:.status.phase,READY:.status.conditions[?(@.type=='Ready')].status,REASON:.status.conditions[?(@.type=='Ready')].reason,STARTED:.status.containerStatuses[0].started"
	table := lab.exec(t, "", lab.kubectlBin, append([]string{"get", "-n", ns, "-o", cols, "pods"}, pods...)...)
	var first string
	for _, line := range strings.Split(table.out, "\n")[1:] {
		if f := strings.Fields(line); len(f) > 3 && f[3] != "True" {
			first = f[0]
			break
		}
	}
	events := lab.exec(t, "", lab.kubectlBin, "get", "events", "-n", ns, "--field-selector", "involvedObject.name="+first, "-o", "custom-columns=AT:.lastTimestamp,REASON:.reason,FROM:.source.component,MESSAGE:.message")
	t.Fatalf("kubectl wait: exit %d: %s\n%s%s\nevents of %s:\n%s", r.code, r.err, table.out, table.err, first, events.out)
}

// deleteWave deletes pods and fails if any of them still holds an allocation afterwards.
func (lab node) deleteWave(t *testing.T, ns string, pods []string) {
	t.Helper()
	if len(pods) == 0 {
		return
	}
	lab.kubectl(t, "", append([]string{"delete", "-n", ns, "--wait", "--timeout", "300s", "pod"}, pods...)...)
	gone := map[string]bool{}
	for _, p := range pods {
		gone[ns+"/"+p] = true
	}
	for _, a := range lab.allocations(t, ns) {
		if ref, _, _ := strings.Cut(a, " "); gone[ref] {
			t.Errorf("deleted pod still holds an allocation: %s", a)
		}
	}
}
