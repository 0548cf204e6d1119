package doctor

import (
	"slices"
	"testing"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/internal/fixtures"
)

// TestAllocationOfLostNode: a deleted pod's allocation made on a NotReady node (the lab's node-death
// test: kubelet and containerd killed, pods force-deleted) is MN4006, not a plain leak (MN4003);
// the same on a node that is up, or with no node recorded, stays MN4003.
func TestAllocationOfLostNode(t *testing.T) {
	const world = `
apiVersion: v1
kind: Node
metadata: {name: lab-node-a}
status: {conditions: [{type: Ready, status: "True", lastTransitionTime: "2026-12-02T18:00:00Z", reason: KubeletReady}]}
---
apiVersion: v1
kind: Node
metadata: {name: lab-node-b}
status: {conditions: [{type: Ready, status: Unknown, lastTransitionTime: "2026-12-02T19:00:40Z", reason: NodeStatusUnknown}]}
---
apiVersion: ipam.multinet.io/v1alpha1
kind: IPAllocation
metadata: {name: on-b, namespace: kube-system}
spec: {network: "", range: 172.30.20.0/24, ip: 172.30.20.7, containerID: c1, podRef: e2e/gone-b, ifName: net1, node: lab-node-b}
---
apiVersion: ipam.multinet.io/v1alpha1
kind: IPAllocation
metadata: {name: on-a, namespace: kube-system}
spec: {network: "", range: 172.30.20.0/24, ip: 172.30.20.8, containerID: c2, podRef: e2e/gone-a, ifName: net1, node: lab-node-a}
---
apiVersion: ipam.multinet.io/v1alpha1
kind: IPAllocation
metadata: {name: on-gone, namespace: kube-system}
spec: {network: "", range: 172.30.20.0/24, ip: 172.30.20.9, containerID: c3, podRef: e2e/gone-c, ifName: net1, node: lab-node-c}
---
apiVersion: ipam.multinet.io/v1alpha1
kind: IPAllocation
metadata: {name: unknown, namespace: kube-system}
spec: {network: "", range: 172.30.20.0/24, ip: 172.30.20.10, containerID: c4, podRef: e2e/gone-d, ifName: net1}
---
apiVersion: v1
kind: Pod
metadata: {name: alive, namespace: e2e}
spec: {nodeName: lab-node-a, containers: [{name: app, image: app}]}
status: {phase: Running}
`
	var got []string
	for _, f := range runYAML(t, world).Findings {
		if f.Code == "MN4003" || f.Code == "MN4006" {
			got = append(got, f.Code+" "+f.Object.Name)
		}
	}
	slices.Sort(got)
	want := []string{"MN4003 on-a", "MN4003 unknown", "MN4006 on-b", "MN4006 on-gone"}
	if !slices.Equal(got, want) {
		t.Fatalf("findings %v, want %v", got, want)
	}
}

// TestAllocationOfAnEarlierPod: seen in the lab after Multus' daemon was OOMKilled during a
// deletion, a pod of the same name came back with a new address while the old allocation stayed.
func TestAllocationOfAnEarlierPod(t *testing.T) {
	m, err := FromDump(fixtures.EarlierPod(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range Run(m, All(func() time.Time { return testNow })).Findings {
		if f.Code == "MN4003" {
			got = append(got, f.Object.Name+": "+f.Message)
		}
	}
	want := []string{"earlier: 172.30.20.91 is allocated to pod e2e/px on net1 (container c-earlier), but the pod reports 172.30.20.5 there: the allocation is left from an earlier pod of that name"}
	if !slices.Equal(got, want) {
		t.Fatalf("MN4003 findings %q, want %q", got, want)
	}
}
