package doctor

import (
	"maps"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/dump"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// modelYAML builds the model of YAML documents.
func modelYAML(t *testing.T, docs ...string) *Model {
	t.Helper()
	objs, err := dump.Read(strings.NewReader(strings.Join(docs, "\n---\n")), "test")
	if err != nil {
		t.Fatal(err)
	}
	m, err := FromDump(objs)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func runYAML(t *testing.T, docs ...string) Result {
	t.Helper()
	return Run(modelYAML(t, docs...), All(func() time.Time { return testNow }))
}

func codes(res Result) []string {
	var out []string
	for _, f := range res.Findings {
		out = append(out, f.Code+" "+f.Object.String())
	}
	sort.Strings(out)
	return out
}

func healthy(t *testing.T) string {
	b, err := os.ReadFile("testdata/healthy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHealthyHasNoFindings(t *testing.T) {
	res := runYAML(t, healthy(t))
	if len(res.Findings) != 0 {
		t.Fatalf("false positives: %v", codes(res))
	}
	for _, sk := range res.Skipped {
		if !reflect.DeepEqual(sk.Missing, []Input{InIPRoutes}) {
			t.Errorf("skipped with a complete dump (no GKEIPRoutes is the only gap): %+v", sk)
		}
	}
}

const (
	podTmpl = `apiVersion: v1
kind: Pod
metadata: {name: NAME, namespace: cnf, annotations: {ANN}}
spec: {nodeName: node-a, containers: [{name: app, image: app}]}
status: {phase: PHASE}`
	nadTmpl = `apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: NAME, namespace: cnf}
spec: {config: 'CONFIG'}`
)

func pod(name, phase, ann string) string {
	return strings.NewReplacer("NAME", name, "PHASE", phase, "ANN", ann).Replace(podTmpl)
}

func nad(name, config string) string {
	return strings.NewReplacer("NAME", name, "CONFIG", config).Replace(nadTmpl)
}

func event(pod, msg string) string {
	return `apiVersion: v1
kind: Event
metadata: {name: ` + pod + `.1, namespace: cnf}
involvedObject: {kind: Pod, namespace: cnf, name: ` + pod + `}
reason: FailedCreatePodSandBox
type: Warning
count: 3
lastTimestamp: "2026-11-23T11:59:00Z"
message: '` + strings.ReplaceAll(msg, "'", "''") + `'`
}

const status1 = `k8s.v1.cni.cncf.io/network-status: '[{"name":"","interface":"eth0","default":true},{"name":"cnf/data","interface":"net1","ips":["172.30.0.9"]}]'`

func TestFindings(t *testing.T) {
	sandbox := "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \"4f1e\": plugin type=\"multus\" name=\"multus-cni-network\" failed (add): [cnf/p/4f1e:data]: error adding container to network \"data\": "
	tests := []struct {
		name string
		docs []string
		want []string
	}{
		{"invalid and odd NADs", []string{
			nad("bad-json", `{"type": "ipvlan", # comment}`),
			nad("no-type", `{"cniVersion":"1.0.0"}`),
			nad("typo", `{"type":"mcvlan","master":"eth1","ipam":{"type":"static"}}`),
			nad("mode", `{"type":"ipvlan","master":"eth1","mode":"bridge","ipam":{"type":"static"}}`),
			nad("nomaster", `{"type":"macvlan","ipam":{"type":"host-local","subnet":"10.9.0.0/24"}}`),
			nad("badrange", `{"type":"macvlan","master":"eth1","ipam":{"type":"whereabouts","range":"10.1.0.0/24","range_start":"10.2.0.1","gateway":"10.3.0.1","exclude":["x"]}}`),
			nad("noipam", `{"type":"macvlan","master":"eth1"}`),
		}, []string{
			"MN2001 NetworkAttachmentDefinition cnf/bad-json", "MN2001 NetworkAttachmentDefinition cnf/no-type",
			"MN2002 NetworkAttachmentDefinition cnf/typo", "MN2003 NetworkAttachmentDefinition cnf/mode",
			"MN2004 NetworkAttachmentDefinition cnf/nomaster",
			"MN2005 NetworkAttachmentDefinition cnf/badrange", "MN2005 NetworkAttachmentDefinition cnf/badrange",
			"MN2008 NetworkAttachmentDefinition cnf/noipam",
		}},
		{"overlapping pools and a node selector matching nothing", []string{
			nad("a", `{"type":"macvlan","master":"eth1","ipam":{"type":"whereabouts","range":"10.5.0.0/16","network_name":"blue"}}`),
			nad("b", `{"type":"macvlan","master":"eth1","ipam":{"type":"whereabouts","range":"10.5.3.0/24"}}`),
			nad("c", `{"type":"macvlan","master":"eth1","ipam":{"type":"whereabouts","range":"10.5.0.0/16","network_name":"blue"}}`),
			strings.Replace(nad("sel", `{"type":"macvlan","master":"eth1","ipam":{"type":"whereabouts","range":"10.6.0.0/24"}}`),
				"namespace: cnf}", "namespace: cnf, annotations: {k8s.v1.cni.cncf.io/nodeSelector: pool=gpu}}", 1),
		}, []string{"MN2006 NetworkAttachmentDefinition cnf/a", "MN2006 NetworkAttachmentDefinition cnf/b", "MN2007 NetworkAttachmentDefinition cnf/sel"}},
		{"pod annotation failures", []string{
			pod("badann", "Pending", `k8s.v1.cni.cncf.io/networks: '[{"name":"data"'`),
			pod("nonad", "Pending", `k8s.v1.cni.cncf.io/networks: cnf/gone`),
			pod("cross", "Running", `k8s.v1.cni.cncf.io/networks: other/x, `+strings.Replace(status1, "cnf/data", "other/x", 1)),
			pod("nostatus", "Running", `k8s.v1.cni.cncf.io/networks: data`),
			pod("half", "Running", `k8s.v1.cni.cncf.io/networks: 'data,data@net1', `+status1),
			pod("badstatus", "Running", `k8s.v1.cni.cncf.io/networks: data, k8s.v1.cni.cncf.io/network-status: '[{'`),
			pod("old", "Running", `k8s.v1.cni.cncf.io/networks: data, k8s.v1.cni.cncf.io/networks-status: '[{"name":"cnf/data","interface":"net1","ips":["172.30.0.1"]}]'`),
			pod("mixed", "Running", `k8s.v1.cni.cncf.io/networks: data, networking.gke.io/interfaces: '[{"interfaceName":"eth1","network":"blue"}]', `+strings.Replace(status1, "172.30.0.9", "172.30.0.2", 1)),
		}, []string{
			"MN1004 Pod cnf/mixed", "MN3001 Pod cnf/badann", "MN3002 Pod cnf/cross", "MN3002 Pod cnf/nonad", "MN3003 Pod cnf/cross",
			// badstatus gets MN3007 only: a status that does not parse says nothing of what is missing.
			"MN3004 Pod cnf/nostatus", "MN3005 Pod cnf/half", "MN3006 Pod cnf/half", "MN3007 Pod cnf/badstatus",
			"MN3008 Pod cnf/app-0", "MN3008 Pod cnf/app-1", "MN3008 Pod cnf/mixed", "MN3008 Pod cnf/old", "MN3010 Pod cnf/old",
			"MN4004 Pod cnf/half",                        // 172.30.0.9 is in the pool's range but not allocated
			"MN4004 Pod cnf/mixed", "MN4004 Pod cnf/old", // their IPs are allocated to app-1 and app-0
		}},
		{"IP outside the NAD's range", []string{
			pod("outside", "Running", `k8s.v1.cni.cncf.io/networks: data, `+strings.Replace(status1, "172.30.0.9", "172.31.0.9", 1)),
		}, []string{"MN3009 Pod cnf/outside"}},
		{"pools: leak, exhaustion, orphan reservation", []string{`apiVersion: whereabouts.cni.cncf.io/v1alpha1
kind: IPPool
metadata: {name: 10.7.0.0-30, namespace: kube-system}
spec:
  range: 10.7.0.0/30
  allocations:
    "1": {id: aaaaaaaaaaaaaaaa, podref: cnf/gone-0}
    "2": {id: bbbbbbbbbbbbbbbb, podref: cnf/app-0}`, `apiVersion: whereabouts.cni.cncf.io/v1alpha1
kind: IPPool
metadata: {name: 10.8.0.0-28, namespace: kube-system}
spec:
  range: 10.8.0.0/28
  allocations: {"1": {id: a, podref: cnf/app-0}, "2": {id: a, podref: cnf/app-0}, "3": {id: a, podref: cnf/app-0}, "4": {id: a, podref: cnf/app-0},
    "5": {id: a, podref: cnf/app-0}, "6": {id: a, podref: cnf/app-0}, "7": {id: a, podref: cnf/app-0}, "8": {id: a, podref: cnf/app-0},
    "9": {id: a, podref: cnf/app-0}, "10": {id: a, podref: cnf/app-0}, "11": {id: a, podref: cnf/app-0}, "12": {id: a, podref: cnf/app-0},
    "13": {id: a, podref: cnf/app-0}}`, `apiVersion: whereabouts.cni.cncf.io/v1alpha1
kind: OverlappingRangeIPReservation
metadata: {name: blue-172.30.0.77, namespace: kube-system}
spec: {containerid: cccc, podref: cnf/gone-1}`,
		}, []string{"MN4001 IPPool kube-system/10.7.0.0-30", "MN4002 IPPool kube-system/10.8.0.0-28", "MN4003 IPPool kube-system/10.7.0.0-30",
			"MN4004 OverlappingRangeIPReservation kube-system/blue-172.30.0.77"}},
		// whereabouts never hands out an excluded address (README "exclude"), so a pool is full when
		// every address outside the NAD's exclude list is allocated.
		{"pool full once the NAD's exclusions count", []string{
			nad("ex", `{"type":"macvlan","master":"eth1","ipam":{"type":"whereabouts","range":"10.9.0.0/29","exclude":["10.9.0.0/30"]}}`),
			`apiVersion: whereabouts.cni.cncf.io/v1alpha1
kind: IPPool
metadata: {name: 10.9.0.0-29, namespace: kube-system}
spec:
  range: 10.9.0.0/29
  allocations: {"4": {id: a, podref: cnf/app-0}, "5": {id: b, podref: cnf/app-0}, "6": {id: c, podref: cnf/app-0}}`,
		}, []string{"MN4001 IPPool kube-system/10.9.0.0-29"}},
		// whereabouts keeps each network_name's allocations in its own IPPool, named
		// <network_name>-<range> (storage/kubernetes IPPoolName): the same address may be held in
		// two networks at once, and neither pod is a mismatch.
		{"same range in two networks: pools are told apart by whereabouts' names", []string{
			nad("blue", `{"type":"macvlan","master":"eth1","ipam":{"type":"whereabouts","range":"10.9.1.0/24","network_name":"blue"}}`),
			nad("red", `{"type":"macvlan","master":"eth2","ipam":{"type":"whereabouts","range":"10.9.1.0/24","enable_overlapping_ranges":false}}`),
			`apiVersion: whereabouts.cni.cncf.io/v1alpha1
kind: IPPool
metadata: {name: blue-10.9.1.0-24, namespace: kube-system}
spec: {range: 10.9.1.0/24, allocations: {"5": {id: a, podref: cnf/on-blue}}}`,
			`apiVersion: whereabouts.cni.cncf.io/v1alpha1
kind: IPPool
metadata: {name: 10.9.1.0-24, namespace: kube-system}
spec: {range: 10.9.1.0/24, allocations: {"5": {id: b, podref: cnf/on-red}}}`,
			pod("on-blue", "Running", `k8s.v1.cni.cncf.io/networks: blue, k8s.v1.cni.cncf.io/network-status: '[{"name":"cnf/blue","interface":"net1","ips":["10.9.1.5"]}]'`),
			pod("on-red", "Running", `k8s.v1.cni.cncf.io/networks: red, k8s.v1.cni.cncf.io/network-status: '[{"name":"cnf/red","interface":"net1","ips":["10.9.1.5"]}]'`),
		}, []string{"MN2006 NetworkAttachmentDefinition cnf/blue"}},
		{"multinet-ipam allocations: full network, leak, pod IP without allocation", []string{
			nad("mn", `{"type":"multinet-macvlan","master":"eth1","ipam":{"type":"multinet-ipam","range":"10.40.0.0/30","network_name":"mn"}}`),
			`apiVersion: ipam.multinet.io/v1alpha1
kind: IPAllocation
metadata: {name: mn-10.40.0.1, namespace: kube-system}
spec: {network: mn, range: 10.40.0.0/30, ip: 10.40.0.1, containerID: aaaa, podRef: cnf/mn-0, ifName: net1}`,
			`apiVersion: ipam.multinet.io/v1alpha1
kind: IPAllocation
metadata: {name: mn-10.40.0.2, namespace: kube-system}
spec: {network: mn, range: 10.40.0.0/30, ip: 10.40.0.2, containerID: bbbb, podRef: cnf/gone-9, ifName: net1}`,
			pod("mn-0", "Running", `k8s.v1.cni.cncf.io/networks: mn, k8s.v1.cni.cncf.io/network-status: '[{"name":"cnf/mn","interface":"net1","ips":["10.40.0.1"]}]'`),
			pod("mn-1", "Running", `k8s.v1.cni.cncf.io/networks: mn, k8s.v1.cni.cncf.io/network-status: '[{"name":"cnf/mn","interface":"net1","ips":["10.40.0.3"]}]'`),
		}, []string{"MN4001 NetworkAttachmentDefinition cnf/mn", "MN4003 IPAllocation kube-system/mn-10.40.0.2", "MN4004 Pod cnf/mn-1"}},
		{"sandbox failures classified from upstream message texts", []string{
			pod("p1", "Pending", ""), event("p1", `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "9f3c": plugin type="multus" name="multus-cni-network" failed (add): [cnf/p1/9f3c:data]: error adding container to network "data": failed to find plugin "ipvlan" in path [/opt/cni/bin]`),
			pod("p2", "Pending", ""), event("p2", sandbox+`failed to lookup master "eth9": Link not found`),
			pod("p3", "Pending", ""), event("p3", sandbox+`error at storage engine: time limit exceeded while waiting to become leader`),
			pod("p4", "Pending", ""), event("p4", `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "1": plugin type="multus" failed (add): Multus: [cnf/p4/1]: error getting pod: Unauthorized`),
			pod("p5", "Pending", ""), event("p5", `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "1": plugin type="multus" failed (add): Multus: [cnf/p5/1]: have you checked that your default network is ready? still waiting for readinessindicatorfile @ /run/flannel/subnet.env. pollimmediate error: timed out waiting for the condition`),
			pod("p6", "Pending", ""), event("p6", `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "1": plugin type="multus-shim" name="multus-cni-network" failed (add): CmdAdd (shim): CNI request failed with status 400: 'dial unix /run/multus/multus.sock: connect: connection refused'`),
			pod("p7", "Pending", ""), event("p7", sandbox+`failed to create macvlan: device or resource busy`),
			pod("p8", "Pending", ""), event("p8", sandbox+`Could not allocate IP in range: ip: 10.7.0.1 / - 10.7.0.2 / range: 10.7.0.0/30 / excludeRanges: []`),
		}, []string{"MN5001 Pod cnf/p1", "MN5002 Pod cnf/p2", "MN5003 Pod cnf/p3", "MN5003 Pod cnf/p8", "MN5004 Pod cnf/p4",
			"MN5005 Pod cnf/p5", "MN5006 Pod cnf/p6", "MN5007 Pod cnf/p7"}},
		{"Multus not ready on one node, over-broad RBAC", []string{`apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-multus-ds, namespace: kube-system}
status: {desiredNumberScheduled: 3, numberReady: 2}`, `apiVersion: v1
kind: Node
metadata: {name: node-c}`, `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: multus-role}
rules:
- apiGroups: [k8s.cni.cncf.io]
  resources: ['*']
  verbs: ['*']
- apiGroups: [whereabouts.cni.cncf.io]
  resources: [ippools]
  verbs: ['*']`,
		}, []string{"MN1003 DaemonSet kube-system/kube-multus-ds", "MN1005 ClusterRole multus-role"}},
		{"GKEIPRoutes", []string{`apiVersion: networking.gke.io/v1
kind: GKEIPRoute
metadata: {name: nopods, namespace: cnf}
status:
  conditions:
  - {type: Ready, status: "False", reason: NoPodsFound, message: no pods selected, lastTransitionTime: "2026-11-23T11:00:00Z"}`, `apiVersion: networking.gke.io/v1
kind: GKEIPRoute
metadata: {name: stuck, namespace: cnf}
status:
  conditions:
  - {type: Ready, status: "False", reason: Mutated, message: programming, lastTransitionTime: "2026-11-23T11:40:00Z"}`, `apiVersion: networking.gke.io/v1
kind: GKEIPRoute
metadata: {name: fresh, namespace: cnf}
status:
  conditions:
  - {type: Ready, status: "False", reason: Mutated, message: programming, lastTransitionTime: "2026-11-23T11:58:00Z"}`, `apiVersion: networking.gke.io/v1
kind: GKEIPRoute
metadata: {name: denied, namespace: cnf}
status:
  conditions:
  - {type: Accepted, status: "True", reason: Accepted, message: "", lastTransitionTime: "2026-11-23T11:00:00Z"}
  - {type: GCPReady, status: "False", reason: GCPError, message: "address 10.0.0.5/24 must be a /32", lastTransitionTime: "2026-11-23T11:00:00Z"}`,
		}, []string{"MN6001 GKEIPRoute cnf/nopods", "MN6002 GKEIPRoute cnf/stuck", "MN6003 GKEIPRoute cnf/denied"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runYAML(t, append([]string{healthy(t)}, tt.docs...)...)
			want := append([]string(nil), tt.want...)
			sort.Strings(want)
			if got := codes(res); !reflect.DeepEqual(got, want) {
				t.Errorf("findings:\n  got  %q\n  want %q", got, want)
				for _, f := range res.Findings {
					t.Logf("%s %s: %s", f.Code, f.Object, f.Message)
				}
			}
		})
	}
}

func TestMissingCRDs(t *testing.T) {
	res := runYAML(t, `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: something.example.com}`, nad("w", `{"type":"macvlan","master":"eth1","ipam":{"type":"whereabouts","range":"10.1.0.0/24"}}`))
	got := codes(res)
	want := []string{"MN1002 NetworkAttachmentDefinition cnf/w"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	res = runYAML(t, `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: something.example.com}`)
	if got := codes(res); !reflect.DeepEqual(got, []string{"MN1001 CustomResourceDefinition " + NADResource}) {
		t.Errorf("got %q", got)
	}
}

func TestSkipsWithoutInputs(t *testing.T) {
	res := runYAML(t, pod("only", "Running", `k8s.v1.cni.cncf.io/networks: data`))
	skipped := map[string]bool{}
	for _, s := range res.Skipped {
		skipped[s.Code] = true
	}
	for _, code := range []string{"MN1001", "MN1003", "MN3002", "MN4001", "MN5001", "MN6001"} {
		if !skipped[code] {
			t.Errorf("%s ran without its inputs", code)
		}
	}
	if got := codes(res); !reflect.DeepEqual(got, []string{"MN3004 Pod cnf/only"}) {
		t.Errorf("got %q", got)
	}
}

func FuzzClassify(f *testing.F) {
	f.Add(`failed to find plugin "ipvlan" in path [/opt/cni/bin]`)
	f.Add("error getting pod: Unauthorized")
	f.Fuzz(func(t *testing.T, msg string) {
		code := classify(msg)
		if code != "" && !strings.HasPrefix(code, "MN500") {
			t.Fatalf("classify(%q) = %q", msg, code)
		}
	})
}

func TestMalformedObjectIsSkippedWithANote(t *testing.T) {
	m := modelYAML(t, healthy(t), `apiVersion: whereabouts.cni.cncf.io/v1alpha1
kind: IPPool
metadata: {name: broken, namespace: kube-system}
spec: {range: 10.0.0.0/24, allocations: "not a map"}`)
	if len(m.Notes) != 1 || !strings.Contains(m.Notes[0], "skipped ippool kube-system/broken") {
		t.Errorf("notes = %q", m.Notes)
	}
	if res := Run(m, All(time.Now)); len(res.Findings) != 0 {
		t.Errorf("findings = %v", codes(res))
	}
}

// TestBadPoolOffsetIsIsolated: one allocation key past the end of its range (whereabouts keys
// entries by offset) is noted once; every check still runs and the pool's other entries count.
func TestBadPoolOffsetIsIsolated(t *testing.T) {
	m := modelYAML(t, healthy(t), `apiVersion: whereabouts.cni.cncf.io/v1alpha1
kind: IPPool
metadata: {name: 10.11.0.0-30, namespace: kube-system}
spec:
  range: 10.11.0.0/30
  allocations: {"1": {id: a, podref: cnf/gone-a}, "2": {id: b, podref: cnf/app-0}, "99999999999999999999999": {id: c, podref: cnf/x}}`)
	res := Run(m, All(func() time.Time { return testNow }))
	notes := 0
	for _, n := range m.Notes {
		if strings.Contains(n, `IPPool kube-system/10.11.0.0-30: allocation keys "99999999999999999999999" name no address of 10.11.0.0/30`) {
			notes++
		}
	}
	if notes != 1 {
		t.Errorf("notes %q: want the bad key noted once", m.Notes)
	}
	for _, f := range res.Findings {
		if strings.Contains(f.Message, "crashed") {
			t.Errorf("a check crashed: %s", f.Message)
		}
	}
	want := []string{"MN4001 IPPool kube-system/10.11.0.0-30", "MN4003 IPPool kube-system/10.11.0.0-30"} // full (2 of 2), gone-a leaked
	if got := codes(res); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("findings %v, want %v", got, want)
	}
}

// TestNetworkClaimNotReady: a pod whose DRA network claim is not allocated, or whose device reports
// Ready False, gets MN3011 (and not MN3005, which is about Multus' network-status).
func TestNetworkClaimNotReady(t *testing.T) {
	res := runYAML(t, healthy(t), pod("gpu-0", "Pending", ""), `apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: nic, namespace: cnf}
status:
  allocation: {devices: {results: [{request: nic, driver: dra.net, pool: node-a, device: eth9}]}}
  reservedFor: [{resource: pods, name: gpu-0}]
  devices:
  - {driver: dra.net, pool: node-a, device: eth9, conditions: [{type: Ready, status: "False", reason: NetworkDeviceError, message: "no such link"}]}`,
		pod("gpu-1", "Pending", ""), `apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: nic2, namespace: cnf}
status: {reservedFor: [{resource: pods, name: gpu-1}]}`)
	var got []string
	for _, f := range res.Findings {
		if f.Code == "MN3011" || f.Code == "MN3005" {
			got = append(got, f.Code+" "+f.Object.String()+": "+f.Message)
		}
	}
	sort.Strings(got)
	want := []string{
		"MN3011 Pod cnf/gpu-0: claim nic/nic (device dra.net/node-a/eth9): device not ready: NetworkDeviceError: no such link; the pod has no interface from it",
		"MN3011 Pod cnf/gpu-1: claim nic2: claim not allocated yet; the pod has no interface from it",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestWithPodsLeavesTheModel checks that a model rebuilt with other pods diagnoses those pods, against
// the same NADs, and that the model it came from is unchanged.
func TestWithPodsLeavesTheModel(t *testing.T) {
	m := modelYAML(t, nad("data", `{"type":"macvlan","master":"eth1","ipam":{"type":"static"}}`),
		pod("nonad", "Pending", `k8s.v1.cni.cncf.io/networks: cnf/gone`))
	now := All(func() time.Time { return testNow })
	before := codes(Run(m, now))
	if !reflect.DeepEqual(before, []string{"MN3002 Pod cnf/nonad"}) {
		t.Fatalf("fixture: %v", before)
	}
	metas := []inspect.PodMeta{{Namespace: "cnf", Name: "other", Phase: "Pending", Annotations: map[string]string{"k8s.v1.cni.cncf.io/networks": "cnf/gone2"}}}
	next := m.WithPods(metas)
	if got := codes(Run(next, now)); !reflect.DeepEqual(got, []string{"MN3002 Pod cnf/other"}) {
		t.Errorf("rebuilt model: %v, want only the new pod's finding", got)
	}
	if next.Pod("cnf/nonad") != nil || next.Pod("cnf/other") == nil {
		t.Error("rebuilt model indexes the old pods")
	}
	if got := codes(Run(m, now)); !reflect.DeepEqual(got, before) || m.Pod("cnf/other") != nil {
		t.Errorf("the original model changed: %v", got)
	}
}

// TestWithChangesIsWithPods checks that applying watched changes to a model gives the pods, index and
// findings that inspecting every pod again gives, and leaves the model it came from unchanged.
func TestWithChangesIsWithPods(t *testing.T) {
	meta := func(ns, name, networks, status string) inspect.PodMeta {
		a := map[string]string{"k8s.v1.cni.cncf.io/networks": networks}
		if status != "" {
			a["k8s.v1.cni.cncf.io/network-status"] = status
		}
		return inspect.PodMeta{Namespace: ns, Name: name, Node: "node-a", Phase: "Running", Annotations: a}
	}
	attached := `[{"name":"cnf/data","interface":"net1","ips":["10.1.0.5"]}]`
	base := []inspect.PodMeta{
		meta("cnf", "a", "data", attached),
		meta("cnf", "b", "data", ""),
		meta("cnf", "c", "gone", ""),
		meta("other", "d", "cnf/data", ""),
	}
	m := modelYAML(t, nad("data", `{"type":"macvlan","master":"eth1","ipam":{"type":"static"}}`)).WithPods(base)
	now := All(func() time.Time { return testNow })
	before := codes(Run(m, now))
	for _, tc := range []struct {
		name string
		ch   inspect.PodChanges
	}{
		{"nothing", inspect.PodChanges{}},
		{"one attached", inspect.PodChanges{Changed: []inspect.PodMeta{meta("cnf", "b", "data", attached)}}},
		{"one deleted", inspect.PodChanges{Deleted: []string{"cnf/c"}}},
		{"created first and last", inspect.PodChanges{Changed: []inspect.PodMeta{meta("zz", "z", "gone", ""), meta("aa", "a", "data", "")}}},
		{"unknown deleted", inspect.PodChanges{Deleted: []string{"cnf/never"}}},
		{"all at once", inspect.PodChanges{Changed: []inspect.PodMeta{meta("cnf", "a", "gone", ""), meta("cnf", "e", "data", attached)},
			Deleted: []string{"cnf/b", "other/d"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pods := map[string]inspect.PodMeta{}
			for _, p := range base {
				pods[p.Namespace+"/"+p.Name] = p
			}
			for _, p := range tc.ch.Changed {
				pods[p.Namespace+"/"+p.Name] = p
			}
			for _, k := range tc.ch.Deleted {
				delete(pods, k)
			}
			want := m.WithPods(slices.Collect(maps.Values(pods)))
			got := m.WithChanges(tc.ch)
			if !reflect.DeepEqual(got.Pods, want.Pods) {
				t.Errorf("pods:\n%+v\nwant\n%+v", got.Pods, want.Pods)
			}
			for key := range pods {
				if p := got.Pod(key); p == nil || p.Namespace+"/"+p.Name != key {
					t.Errorf("pod %s not indexed: %+v", key, p)
				}
			}
			if g, w := codes(Run(got, now)), codes(Run(want, now)); !reflect.DeepEqual(g, w) {
				t.Errorf("findings %v, want %v", g, w)
			}
			if got := codes(Run(m, now)); !reflect.DeepEqual(got, before) || len(m.Pods) != len(base) {
				t.Errorf("the original model changed: %v", got)
			}
		})
	}
}
