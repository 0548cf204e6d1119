//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAcrossNodes attaches pods on every node of the lab to one secondary network whose masters
// share one L2 segment, and checks what operators fight between nodes: reachability, unique
// addresses under churn, and every view of pods on either node.
func TestAcrossNodes(t *testing.T) {
	if len(lab.nodes) < 2 {
		t.Skip("the lab has one node; NODES=2 (the default) runs this test")
	}
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	lab.install(t)
	ns := "e2e-nodes"
	lab.namespace(t, ns)
	a, b := lab.nodes[0], lab.nodes[1]
	step("pods on both nodes on one NAD become Ready", func(t *testing.T) {
		lab.kubectl(t, lab.nad(ns, "span", lab.master, "172.30.20.0/24")+lab.podOn(a, ns, "px", "span")+lab.podOn(b, ns, "py", "span"), "apply", "-f", "-")
		lab.kubectl(t, "", "wait", "-n", ns, "--for", "condition=Ready", "pod/px", "pod/py", "--timeout", "120s")
	})
	var x, y string
	step("they ping each other across nodes over net1, both ways", func(t *testing.T) {
		x, y = strings.Split(lab.podAddrs(t, ns, "px")["net1"], "/")[0], strings.Split(lab.podAddrs(t, ns, "py")["net1"], "/")[0]
		if x == "" || y == "" || x == y {
			t.Fatalf("net1 addresses x=%q y=%q, want two different addresses", x, y)
		}
		lab.kubectl(t, "", "exec", "-n", ns, "px", "--", "/testpod", "ping", y)
		lab.kubectl(t, "", "exec", "-n", ns, "py", "--", "/testpod", "ping", x)
	})
	step("status, doctor and attach explain are right for pods on either node", func(t *testing.T) {
		r := lab.multinet(t, "status", "-n", ns, "-o", "json")
		var rep statusReport
		if err := json.Unmarshal([]byte(r.out), &rep); err != nil || r.code != 0 {
			t.Fatalf("status: exit %d, %v\n%s", r.code, err, r.err)
		}
		got := map[string]string{}
		for _, p := range rep.Pods {
			for _, ifc := range p.Interfaces {
				if ifc.Interface == "net1" && ifc.State == "attached" && len(ifc.IPs) == 1 {
					got[p.Name] = ifc.IPs[0]
				}
			}
		}
		if got["px"] != x || got["py"] != y {
			t.Errorf("status net1: %v, inside the pods px=%s py=%s", got, x, y)
		}
		if rep, code := lab.doctor(t, "-n", ns); code != 0 || len(rep.Findings) != 0 {
			t.Errorf("doctor -n %s: exit %d, findings %+v", ns, code, rep.Findings)
		}
		for pod, ip := range map[string]string{"px": x, "py": y} {
			r := lab.multinet(t, "attach", "explain", "pod/"+pod, "-n", ns)
			if r.code != 0 || !strings.Contains(r.out, "holds "+ip) || !strings.Contains(r.out, "No problems found") {
				t.Errorf("attach explain pod/%s: exit %d:\n%s%s", pod, r.code, r.out, r.err)
			}
		}
	})
	step("logs reads each pod's node, and --all-nodes reads both", func(t *testing.T) {
		r := lab.multinet(t, "logs", "pod/py", "-n", ns, "--tail", "-1", "--source", "ipam")
		if r.code != 0 || !strings.Contains(r.out, b+"/ipam ") || !strings.Contains(r.out, "[ADD] pod="+ns+"/py ") || strings.Contains(r.out, a+"/") {
			t.Errorf("logs pod/py: exit %d:\n%s%s", r.code, r.out, r.err)
		}
		r = lab.multinet(t, "logs", "--all-nodes", "--tail", "-1", "--source", "ipam")
		for _, want := range []string{a + "/ipam ", b + "/ipam ", "[ADD] pod=" + ns + "/px ", "[ADD] pod=" + ns + "/py "} {
			if !strings.Contains(r.out, want) {
				t.Errorf("logs --all-nodes lacks %q (exit %d):\n%s%s", want, r.code, r.out, r.err)
			}
		}
	})
	step("churn: 200 pods on one /24 shared by two NADs get unique addresses, and all are freed", func(t *testing.T) {
		lab.churn(t, 200)
	})
	step("each node agent's metrics count its node's churn (ipam usage --nodes)", func(t *testing.T) {
		r := lab.multinet(t, "ipam", "usage", "--nodes", "-o", "json")
		var rep struct {
			Nodes []struct {
				Node                                   string
				Allocated, Released, Errors, APIErrors float64
				Problem                                string
			}
		}
		if err := json.Unmarshal([]byte(r.out), &rep); err != nil || r.code != 0 {
			t.Fatalf("ipam usage --nodes: exit %d, %v\n%s%s", r.code, err, r.out, r.err)
		}
		seen := map[string]bool{}
		for _, n := range rep.Nodes {
			seen[n.Node] = true
			// 100 churn pods and px or py a node, each allocated once and the churn's released.
			if n.Problem != "" || n.Allocated < 101 || n.Released < 100 || n.Errors != 0 {
				t.Errorf("node %s: %+v; want at least 101 allocations and 100 releases through its agent, no errors", n.Node, n)
			}
		}
		if !seen[a] || !seen[b] {
			t.Errorf("nodes %v, want %s and %s\n%s", seen, a, b, r.out)
		}
	})
	step("the Multus daemons survived the churn (doctor: no MN1006/MN1007)", func(t *testing.T) {
		rep, _ := lab.doctor(t, "-n", "kube-system")
		for _, f := range rep.Findings {
			if f.Code == "MN1006" || f.Code == "MN1007" {
				t.Errorf("%s %s/%s", f.Code, f.Object.Namespace, f.Object.Name)
			}
		}
	})
}

func (lab node) churn(t *testing.T, n int) {
	ns := "e2e-churn"
	lab.namespace(t, ns)
	var m strings.Builder
	m.WriteString(lab.sharedNADs(ns, []string{"churn-a", "churn-b"}, "172.30.24.0/24", "churn"))
	for i := range n {
		m.WriteString(lab.podOn(lab.nodes[i%len(lab.nodes)], ns, fmt.Sprintf("p%03d", i), []string{"churn-a", "churn-b"}[i%2]))
	}
	start := time.Now()
	lab.kubectl(t, m.String(), "apply", "-f", "-")
	lab.kubectl(t, "", "wait", "-n", ns, "--for", "condition=Ready", "pods", "--all", "--timeout", "600s")
	ready := time.Since(start)

	pods := make([]string, n)
	for i := range pods {
		pods[i] = fmt.Sprintf("p%03d", i)
	}
	seen := lab.uniqueNet1(t, ns, pods, "172.30.24.")
	events := lab.kubectl(t, "", "get", "events", "-n", ns, "--field-selector", "reason=FailedCreatePodSandBox", "-o", "jsonpath={range .items[*]}{.message}{'\\n'}{end}")
	for _, line := range strings.Split(strings.TrimSpace(events), "\n") {
		failure, _, _ := strings.Cut(line, "StdinData") // the config Multus echoes names every plugin
		if l := strings.ToLower(failure); strings.Contains(l, "ipam") || strings.Contains(l, "allocat") {
			t.Errorf("sandbox retried because of IPAM: %s", line)
		}
	}
	start = time.Now()
	lab.kubectl(t, "", "delete", "pods", "-n", ns, "--all", "--wait", "--timeout", "600s")
	deleted := time.Since(start)
	if left := lab.allocations(t, ns); len(left) > 0 {
		t.Errorf("allocations left after every churn pod is gone:\n%s", strings.Join(left, "\n"))
	}
	lab.primaryFreed(t)
	t.Logf("%d pods on %d nodes: all Ready in %s, %d unique addresses, all deleted in %s", n, len(lab.nodes), ready.Round(time.Second), len(seen), deleted.Round(time.Second))
	if len(seen) != n && !t.Failed() {
		t.Errorf("%d pods, %d addresses seen", n, len(seen))
	}
}

// primaryFreed fails when a node's primary network (bridge + host-local) holds more addresses than
// the node runs pods off the host network: DELs that did not free eth0's address, which fill the
// node's range until no pod starts (the lab's conflist did, under Multus v4.3.0: multus-cni #1521).
func (lab node) primaryFreed(t *testing.T) {
	t.Helper()
	for _, n := range lab.nodes {
		out := lab.kubectl(t, "", "get", "pods", "-A", "--field-selector", "spec.nodeName="+n, "-o", "jsonpath={range .items[*]}{.metadata.name} {.spec.hostNetwork}{'\\n'}{end}")
		pods := 0
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) == 1 {
				pods++
			}
		}
		entries, err := os.ReadDir(lab.nodeFile(n, "/var/lib/cni/networks/lab-primary"))
		if err != nil {
			t.Fatal(err)
		}
		held := 0
		for _, e := range entries {
			if net.ParseIP(e.Name()) != nil {
				held++
			}
		}
		if held > pods {
			t.Errorf("node %s: its primary network holds %d addresses for %d pods off the host network: DELs did not free eth0's address", n, held, pods)
		}
	}
}

// uniqueNet1 reads net1's address inside each of pods (8 at a time) and fails on an address outside
// prefix or held twice; it returns address → pod.
func (lab node) uniqueNet1(t *testing.T, ns string, pods []string, prefix string) map[string]string {
	t.Helper()
	seen := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, pod := range pods {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			ip := strings.Split(lab.podAddrs(t, ns, pod)["net1"], "/")[0]
			mu.Lock()
			defer mu.Unlock()
			if !strings.HasPrefix(ip, prefix) {
				t.Errorf("pod %s/%s: net1 has %q, want an address starting %s", ns, pod, ip, prefix)
			} else if other, dup := seen[ip]; dup {
				t.Errorf("pods %s and %s of %s both hold %s", other, pod, ns, ip)
			}
			seen[ip] = pod
		})
	}
	wg.Wait()
	return seen
}

// sharedNADs are NADs of multinet-macvlan + multinet-ipam on one range and one network_name: one
// L2 network under several names, whose addresses must never collide.
func (lab node) sharedNADs(ns string, names []string, rng, network string) string {
	var m strings.Builder
	for _, name := range names {
		config, _ := json.Marshal(map[string]any{
			"cniVersion": "1.0.0", "name": name, "type": "multinet-macvlan", "master": lab.master, "mode": "bridge",
			"ipam": map[string]any{"type": "multinet-ipam", "range": rng, "network_name": network,
				"configuration_path": lab.flatConfig, "log_file": "/var/log/multinet-ipam.log"},
		})
		fmt.Fprintf(&m, "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: %s, namespace: %s}\nspec:\n  config: '%s'\n---\n", name, ns, config)
	}
	return m.String()
}
