//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

type connectivityReport struct {
	Networks []struct {
		Network  string
		Protocol string
		Pairs    []struct {
			From, To string
			OK       bool
			Received int
			MAC      string
			Cause    string
		}
	}
	Summary       struct{ Pairs, Passed, Failed int }
	ProbeFailures []struct{ Network, Node, Pod, Reason string }
}

// checkJSON runs check connectivity -o json with args and decodes its report.
func (lab node) checkJSON(t *testing.T, args ...string) (connectivityReport, result) {
	t.Helper()
	args = append([]string{"check", "connectivity", "-o", "json", "--image", lab.image, "--timeout", "3m"}, args...)
	r := lab.multinet(t, args...)
	var rep connectivityReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("%s: exit %d, not JSON: %v\n%s\n%s", strings.Join(args, " "), r.code, err, r.out, r.err)
	}
	return rep, r
}

// runningEphemeral lists the ephemeral containers still running in namespace ns.
func (lab node) runningEphemeral(t *testing.T, ns string) string {
	t.Helper()
	return strings.TrimSpace(lab.kubectl(t, "", "get", "pods", "-n", ns, "-o",
		`jsonpath={range .items[*]}{range .status.ephemeralContainerStatuses[?(@.state.running)]}{.name}{" "}{end}{end}`))
}

// TestCheckConnectivity pings between pods over their secondary networks: on a macvlan bridge NAD
// every pair passes, across nodes and on one node; on a macvlan private NAD the two pods on one node
// fail with that cause while both reach the pod on the other node.
func TestCheckConnectivity(t *testing.T) {
	if len(lab.nodes) < 2 {
		t.Skip("the lab has one node; NODES=2 (the default) runs this test")
	}
	lab.install(t)
	ns, a, b := "e2e-conn", lab.nodes[0], lab.nodes[1]
	lab.namespace(t, ns)
	nad := func(name, mode, rng string) string {
		config, _ := json.Marshal(map[string]any{"cniVersion": "1.0.0", "name": name, "type": "multinet-macvlan", "master": lab.master, "mode": mode,
			"mtu": 1400, "ipam": map[string]any{"type": "multinet-ipam", "range": rng, "configuration_path": lab.flatConfig}})
		return fmt.Sprintf("apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: %s, namespace: %s}\nspec:\n  config: '%s'\n---\n", name, ns, config)
	}
	lab.kubectl(t, nad("br", "bridge", "172.30.26.0/24")+nad("priv", "private", "172.30.27.0/24")+
		lab.podOn(a, ns, "a1", "br,priv")+lab.podOn(a, ns, "a2", "br,priv")+lab.podOn(b, ns, "b1", "br,priv"), "apply", "-f", "-")
	lab.kubectl(t, "", "wait", "-n", ns, "--for", "condition=Ready", "pod/a1", "pod/a2", "pod/b1", "--timeout", "120s")

	r := lab.multinet(t, "check", "connectivity", "-n", ns, "-o", "json", "--image", lab.image, "--timeout", "3m")
	var rep connectivityReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("check connectivity: exit %d, not JSON: %v\n%s\n%s", r.code, err, r.out, r.err)
	}
	if r.code != 1 || len(rep.Networks) != 2 || rep.Summary.Pairs != 12 || rep.Summary.Failed != 2 {
		t.Fatalf("exit %d, summary %+v, networks %d; want exit 1, 12 pairs on 2 networks, 2 failed\n%s", r.code, rep.Summary, len(rep.Networks), r.out)
	}
	for _, n := range rep.Networks {
		for _, p := range n.Pairs {
			sameNode := strings.HasSuffix(p.From, "/a1") || strings.HasSuffix(p.From, "/a2")
			sameNode = sameNode && (strings.HasSuffix(p.To, "/a1") || strings.HasSuffix(p.To, "/a2"))
			wantFail := n.Network == ns+"/priv" && sameNode
			if p.OK == wantFail || (wantFail && !strings.Contains(p.Cause, "macvlan mode private")) || (p.OK && p.MAC == "") {
				t.Errorf("%s %s -> %s: ok %v, cause %q, MAC %q; want failing %v", n.Network, p.From, p.To, p.OK, p.Cause, p.MAC, wantFail)
			}
		}
	}
	if r := lab.multinet(t, "check", "connectivity", "-n", ns, "--network", ns+"/br", "--image", lab.image); r.code != 0 || !strings.Contains(r.out, "6 pairs on 1 networks: 6 passed, 0 failed.") {
		t.Errorf("check connectivity --network %s/br: exit %d\n%s%s", ns, r.code, r.out, r.err)
	}

	// UDP: echo servers in the three pods, pings from sockets without NET_RAW; the servers exit once
	// their two peers are done.
	rep, r = lab.checkJSON(t, "-n", ns, "--network", ns+"/priv", "--protocol", "udp")
	if r.code != 1 || rep.Summary.Pairs != 6 || rep.Summary.Failed != 2 || rep.Networks[0].Protocol != "udp" {
		t.Errorf("--protocol udp on %s/priv: exit %d, summary %+v; want exit 1, 6 pairs over udp, the 2 same-node ones failed\n%s%s", ns, r.code, rep.Summary, r.out, r.err)
	}
	deadline := time.Now().Add(60 * time.Second) // the kubelet reports a container's exit within its sync period
	for left := lab.runningEphemeral(t, ns); left != ""; left = lab.runningEphemeral(t, ns) {
		if time.Now().After(deadline) {
			t.Fatalf("ephemeral containers still running a minute after check connectivity: %s", left)
		}
		time.Sleep(time.Second)
	}
}

// TestCheckConnectivityProbes starts probe pods of its own: in a namespace at the baseline Pod
// Security level, where NET_RAW is not admitted, auto picks UDP and a bridge network passes across
// and within nodes; two NADs on one master in different subnets tested as one segment fail across
// the NADs, naming the subnets. No probe pod is left afterwards.
func TestCheckConnectivityProbes(t *testing.T) {
	if len(lab.nodes) < 2 {
		t.Skip("the lab has one node; NODES=2 (the default) runs this test")
	}
	lab.install(t)
	ns := "e2e-conn-probes"
	lab.namespace(t, ns)
	lab.kubectl(t, "", "label", "namespace", ns, "pod-security.kubernetes.io/enforce=baseline")
	nad := func(name, rng string) string {
		config, _ := json.Marshal(map[string]any{"cniVersion": "1.0.0", "name": name, "type": "multinet-macvlan", "master": lab.master, "mode": "bridge",
			"mtu": 1400, "ipam": map[string]any{"type": "multinet-ipam", "range": rng, "configuration_path": lab.flatConfig}})
		return fmt.Sprintf("apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: %s, namespace: %s}\nspec:\n  config: '%s'\n---\n", name, ns, config)
	}
	lab.kubectl(t, nad("sa", "172.30.28.0/24")+nad("sb", "172.30.29.0/24"), "apply", "-f", "-")
	noProbes := func(when string) {
		t.Helper()
		if left := strings.TrimSpace(lab.kubectl(t, "", "get", "pods", "-n", ns, "-l", "app.kubernetes.io/component=connectivity-probe", "-o", "name")); left != "" {
			t.Errorf("%s: probe pods left: %s", when, left)
		}
	}

	rep, r := lab.checkJSON(t, "-n", ns, "--create-probes", "--network", ns+"/sa")
	if r.code != 0 || len(rep.Networks) != 1 || rep.Networks[0].Protocol != "udp" || rep.Summary.Pairs != 12 || rep.Summary.Passed != 12 {
		t.Errorf("--create-probes --network %s/sa: exit %d, summary %+v; want exit 0, 12 pairs over udp between 2 probe pods on each of 2 nodes, all passed\n%s%s", ns, r.code, rep.Summary, r.out, r.err)
	}
	noProbes("after a passing run")

	rep, r = lab.checkJSON(t, "-n", ns, "--create-probes", "--segment", ns+"/sa,"+ns+"/sb", "--probes-per-node", "1")
	if r.code != 1 || len(rep.Networks) != 1 || rep.Summary.Pairs != 12 || rep.Summary.Failed != 8 {
		t.Fatalf("--segment %s/sa,%s/sb: exit %d, summary %+v; want exit 1, 12 pairs of which the 8 across the NADs failed\n%s%s", ns, ns, r.code, rep.Summary, r.out, r.err)
	}
	for _, p := range rep.Networks[0].Pairs {
		if !p.OK && !strings.Contains(p.Cause, "different subnets") {
			t.Errorf("%s -> %s failed with %q, want different subnets", p.From, p.To, p.Cause)
		}
	}
	noProbes("after a failing run")
}
