package attach

import (
	"strings"
	"testing"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/dump"
)

// TestExplainPassesOverAnEarlierPodsAllocation: seen in the lab, an allocation leaked by an earlier
// pod of the same name (its DEL failed while Multus restarted) must not be shown as what the
// running pod holds.
func TestExplainPassesOverAnEarlierPodsAllocation(t *testing.T) {
	const world = `
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: span, namespace: e2e}
spec:
  config: '{"cniVersion":"1.0.0","name":"span","type":"multinet-macvlan","master":"lab1","ipam":{"type":"multinet-ipam","range":"172.30.20.0/24"}}'
---
apiVersion: v1
kind: Pod
metadata:
  name: px
  namespace: e2e
  annotations:
    k8s.v1.cni.cncf.io/networks: span
    k8s.v1.cni.cncf.io/network-status: '[{"name":"e2e/span","interface":"net1","ips":["172.30.20.5"]}]'
spec: {nodeName: lab-node-a, containers: [{name: app, image: app}]}
status: {phase: Running}
---
apiVersion: ipam.multinet.io/v1alpha1
kind: IPAllocation
metadata: {name: now, namespace: kube-system}
spec: {network: "", range: 172.30.20.0/24, ip: 172.30.20.5, containerID: c-now, podRef: e2e/px, ifName: net1}
---
apiVersion: ipam.multinet.io/v1alpha1
kind: IPAllocation
metadata: {name: earlier, namespace: kube-system}
spec: {network: "", range: 172.30.20.0/24, ip: 172.30.20.91, containerID: c-earlier, podRef: e2e/px, ifName: net1}
`
	objs, err := dump.Read(strings.NewReader(world), "world")
	if err != nil {
		t.Fatal(err)
	}
	m, err := doctor.FromDump(objs)
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
