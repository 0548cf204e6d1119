//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

type connectivityReport struct {
	Networks []struct {
		Network string
		Pairs   []struct {
			From, To string
			OK       bool
			Received int
			MAC      string
			Cause    string
		}
	}
	Summary struct{ Pairs, Passed, Failed int }
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
}
