//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

type probeLink struct {
	Name, Kind, MAC string
	MTU             int
	Up              bool
}

type probeAddr struct{ Link, CIDR string }

type probeRoute struct {
	Table             int
	Dst, Gateway, Dev string
}

type probeReport struct {
	Snapshot struct {
		Links      []probeLink
		Addrs      []probeAddr
		Routes     []probeRoute
		ARPChecked bool
		Errors     []string
	}
	Findings []struct{ Code, Message string }
}

// link returns the probed link named name (zero when absent).
func (rep probeReport) link(name string) probeLink {
	for _, l := range rep.Snapshot.Links {
		if l.Name == name {
			return l
		}
	}
	return probeLink{}
}

func (lab node) probe(t *testing.T, args ...string) (probeReport, int) {
	t.Helper()
	r := lab.multinet(t, append([]string{"probe", "-o", "json", "--image", lab.image, "--timeout", "2m"}, args...)...)
	var rep probeReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("probe %v: exit %d, not JSON: %v\n%s\n%s", args, r.code, err, r.out, r.err)
	}
	return rep, r.code
}

func (rep probeReport) codes() []string {
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.Code)
	}
	return out
}

// TestProbe reads pods' namespaces from inside through an ephemeral container: on both nodes the
// kernel agrees with network-status and the NAD (macvlan, MTU 1400, a route); an edited status is
// drift (MN7002); a pod on node b given the same address by a host-local range of one address is a
// duplicate that ARP finds (MN7007).
func TestProbe(t *testing.T) {
	if len(lab.nodes) < 2 {
		t.Skip("the lab has one node; NODES=2 (the default) runs this test")
	}
	lab.install(t)
	ns, a, b := "e2e-probe", lab.nodes[0], lab.nodes[1]
	lab.namespace(t, ns)
	config, _ := json.Marshal(map[string]any{
		"cniVersion": "1.0.0", "name": "span", "type": "multinet-macvlan", "master": lab.master, "mode": "bridge", "mtu": 1400,
		"ipam": map[string]any{"type": "multinet-ipam", "range": "172.30.24.0/24", "configuration_path": lab.flatConfig,
			"routes": []map[string]string{{"dst": "10.200.0.0/16", "gw": "172.30.24.1"}}},
	})
	nad := fmt.Sprintf("apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: span, namespace: %s}\nspec:\n  config: '%s'\n---\n", ns, config)
	lab.kubectl(t, nad+lab.podOn(a, ns, "pa", "span")+lab.podOn(b, ns, "pb", "span"), "apply", "-f", "-")
	lab.kubectl(t, "", "wait", "-n", ns, "--for", "condition=Ready", "pod/pa", "pod/pb", "--timeout", "120s")

	for _, p := range []string{"pa", "pb"} {
		rep, code := lab.probe(t, "pod/"+p, "-n", ns)
		addr := lab.podAddrs(t, ns, p)["net1"]
		net1 := rep.link("net1")
		route := slices.ContainsFunc(rep.Snapshot.Routes, func(r probeRoute) bool {
			return r.Dst == "10.200.0.0/16" && r.Gateway == "172.30.24.1" && r.Dev == "net1"
		})
		if code != 0 || len(rep.Findings) != 0 || net1.Kind != "macvlan" || net1.MTU != 1400 ||
			!slices.Contains(rep.Snapshot.Addrs, probeAddr{"net1", addr}) || !route {
			t.Fatalf("probe pod/%s: exit %d, findings %+v, snapshot %+v; want net1 macvlan MTU 1400 with %s, the NAD's route, no finding", p, code, rep.Findings, rep.Snapshot, addr)
		}
	}
	if out := lab.kubectl(t, "", "get", "pod", "-n", ns, "pa", "-o", "jsonpath={.status.ephemeralContainerStatuses[*].state.running}"); out != "" {
		t.Errorf("a probe container still runs in pa: %s", out)
	}

	// The API now says another address: the kernel disagrees.
	status := lab.kubectl(t, "", "get", "pod", "-n", ns, "pb", "-o", `jsonpath={.metadata.annotations.k8s\.v1\.cni\.cncf\.io/network-status}`)
	pbIP := strings.Split(lab.podAddrs(t, ns, "pb")["net1"], "/")[0]
	lab.kubectl(t, "", "annotate", "--overwrite", "-n", ns, "pod/pb", "k8s.v1.cni.cncf.io/network-status="+strings.ReplaceAll(status, `"`+pbIP+`"`, `"172.30.24.250"`))
	if rep, code := lab.probe(t, "pod/pb", "-n", ns); code != 1 || !slices.Equal(rep.codes(), []string{"MN7002"}) {
		t.Errorf("probe after the status was edited: exit %d, findings %+v; want exit 1 and MN7002", code, rep.Findings)
	}

	// A second host on the segment with pa's address: host-local with a range of that one address.
	paIP := strings.Split(lab.podAddrs(t, ns, "pa")["net1"], "/")[0]
	dup, _ := json.Marshal(map[string]any{"cniVersion": "1.0.0", "name": "dup", "type": "macvlan", "master": lab.master, "mode": "bridge",
		"ipam": map[string]any{"type": "host-local", "ranges": [][]map[string]string{{{"subnet": "172.30.24.0/24", "rangeStart": paIP, "rangeEnd": paIP}}}}})
	nad = fmt.Sprintf("apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: dup, namespace: %s}\nspec:\n  config: '%s'\n---\n", ns, dup)
	lab.kubectl(t, nad+lab.podOn(b, ns, "pc", "dup"), "apply", "-f", "-")
	lab.kubectl(t, "", "wait", "-n", ns, "--for", "condition=Ready", "pod/pc", "--timeout", "120s")
	pcProbe, _ := lab.probe(t, "pod/pc", "-n", ns)
	pcMAC := pcProbe.link("net1").MAC
	rep, code := lab.probe(t, "pod/pa", "-n", ns, "--arp")
	if code != 1 || !rep.Snapshot.ARPChecked || !slices.Equal(rep.codes(), []string{"MN7007"}) || !strings.Contains(rep.Findings[0].Message, pcMAC) || pcMAC == "" {
		t.Fatalf("probe --arp with pc holding %s too: exit %d, findings %+v, errors %v; want exit 1 and MN7007 naming %s", paIP, code, rep.Findings, rep.Snapshot.Errors, pcMAC)
	}
}
