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
	for first := 0; first < total; first += wave {
		var m strings.Builder
		var pods []string
		for i := first; i < min(first+wave, total); i++ {
			pods = append(pods, fmt.Sprintf("s%04d", i))
			m.WriteString(lab.podOn(lab.nodes[i%len(lab.nodes)], ns, pods[len(pods)-1], []string{"soak-a", "soak-b"}[i/len(lab.nodes)%2]))
		}
		lab.kubectl(t, m.String(), "apply", "-f", "-")
		wait := []string{"wait", "-n", ns, "--for", "condition=Ready", "--timeout", "300s"}
		for _, p := range pods {
			wait = append(wait, "pod/"+p)
		}
		lab.kubectl(t, "", wait...)
		lab.uniqueNet1(t, ns, append(append([]string(nil), prev...), pods...), "172.30.")
		lab.deleteWave(t, ns, prev)
		prev = pods
		if t.Failed() {
			return
		}
	}
	lab.deleteWave(t, ns, prev)
	t.Logf("RESULT %s: %d pods created and deleted in waves of %d over %d nodes in %s; no address shared inside the pods; every deleted wave's addresses freed",
		ns, total, wave, len(lab.nodes), time.Since(start).Round(time.Second))
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
