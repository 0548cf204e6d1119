package inspect

import (
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"
)

// claimYAML is a ResourceClaim as Kubernetes 1.37 writes it (resource.k8s.io/v1: allocation
// results, reservedFor, and the device status a network driver such as dranet writes, with
// networkData {interfaceName, ips as CIDRs, hardwareAddress} and a Ready condition).
const claimYAML = `
apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: nic-claim, namespace: ai}
status:
  allocation:
    devices:
      results:
      - {request: nic, driver: dra.net, pool: node-a, device: eth1}
      - {request: nic2, driver: dra.net, pool: node-a, device: eth2}
  reservedFor:
  - {resource: pods, name: trainer-0, uid: 1234}
  devices:
  - driver: dra.net
    pool: node-a
    device: eth1
    conditions:
    - {type: Ready, status: "True", reason: NetworkDeviceReady}
    networkData: {interfaceName: eth1, ips: ["10.9.8.7/24", "fd00::7/64"], hardwareAddress: "02:00:00:00:00:07"}
  - driver: dra.net
    pool: node-a
    device: eth2
    conditions:
    - {type: Ready, status: "False", reason: NetworkDeviceError, message: "link eth2 not found"}
`

func claim(t *testing.T, doc string) Claim {
	t.Helper()
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
		t.Fatal(err)
	}
	return ClaimFromObject(obj)
}

func TestClaimRows(t *testing.T) {
	c := claim(t, claimYAML)
	pending := claim(t, "metadata: {name: later, namespace: ai}\nstatus: {}\n")
	other := claim(t, "metadata: {name: elsewhere, namespace: ml}\nstatus: {reservedFor: [{resource: pods, name: trainer-0}]}\n")
	tests := []struct {
		name string
		meta PodMeta
		want []Interface
	}{
		{"reserved for the pod: one row a device", PodMeta{Namespace: "ai", Name: "trainer-0"}, []Interface{
			{Network: "claim:nic-claim/nic", Interface: "eth1", IPs: []string{"10.9.8.7", "fd00::7"}, MAC: "02:00:00:00:00:07", State: StateAttached,
				Claim: "nic-claim/nic", Device: "dra.net/node-a/eth1"},
			{Network: "claim:nic-claim/nic2", IPs: []string{}, State: StateMissing, Claim: "nic-claim/nic2", Device: "dra.net/node-a/eth2",
				Reason: "device not ready: NetworkDeviceError: link eth2 not found"},
		}},
		{"named by the pod's status, not allocated yet", PodMeta{Namespace: "ai", Name: "trainer-1", Claims: []string{"later"}}, []Interface{
			{Network: "claim:later", IPs: []string{}, State: StateMissing, Claim: "later", Reason: "claim not allocated yet"},
		}},
		{"a claim of another namespace is not the pod's", PodMeta{Namespace: "ai", Name: "other"}, []Interface{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pods := Inspect(Snapshot{Pods: []PodMeta{tt.meta}, Claims: []Claim{c, pending, other}})
			if got := pods[0].Interfaces; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("interfaces\n%+v\nwant\n%+v", got, tt.want)
			}
			if keys := ReferencedNADs(pods); len(keys) != 0 {
				t.Errorf("claimed devices taken for NADs: %v", keys)
			}
		})
	}
}

func FuzzClaimFromObject(f *testing.F) {
	f.Add(claimYAML)
	f.Add("status: {devices: [{networkData: {ips: 5}}], allocation: {devices: {results: [7]}}}")
	f.Fuzz(func(t *testing.T, doc string) {
		var obj map[string]any
		if yaml.Unmarshal([]byte(doc), &obj) != nil {
			return
		}
		c := ClaimFromObject(obj)
		AttachClaims([]Pod{{Namespace: c.Namespace, Name: "p", ClaimNames: []string{c.Name}}}, []Claim{c})
	})
}
