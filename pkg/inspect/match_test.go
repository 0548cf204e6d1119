package inspect

import (
	"reflect"
	"testing"
)

// row is the part of an Interface the matching tests compare.
type row struct {
	Network, Interface string
	State              State
}

func rows(p Pod) []row {
	var out []row
	for _, in := range p.Interfaces {
		out = append(out, row{in.Network, in.Interface, in.State})
	}
	return out
}

func TestInspectPodStates(t *testing.T) {
	tests := []struct {
		name         string
		ann          map[string]string
		podIPs       []string
		want         []row
		wantProblems int
	}{
		{
			name: "seed 000: default named gke-pod-network, one attached",
			ann: map[string]string{NetworksAnnotation: "default/my-nad",
				NetworkStatusAnnotation: `[{"name":"gke-pod-network","interface":"eth0","ips":["10.104.3.4"],"default":true,"gateway":["\u003cnil\u003e"]},{"name":"default/my-nad","interface":"net1","ips":["10.200.1.1"]}]`},
			want: []row{{"", "eth0", StateDefault}, {"default/my-nad", "net1", StateAttached}},
		},
		{
			name: "second network missing gets the interface name Multus would give it",
			ann: map[string]string{NetworksAnnotation: "a,b",
				NetworkStatusAnnotation: `[{"name":"","interface":"eth0","default":true},{"name":"default/a","interface":"net1"}]`},
			want: []row{{"", "eth0", StateDefault}, {"default/a", "net1", StateAttached}, {"default/b", "net2", StateMissing}},
		},
		{
			name: "same network twice, matched by interface name",
			ann: map[string]string{NetworksAnnotation: "a@x1,a@x2",
				NetworkStatusAnnotation: `[{"name":"default/a","interface":"x2"}]`},
			want: []row{{"default/a", "x2", StateAttached}, {"default/a", "x1", StateMissing}},
		},
		{
			name: "status entry nobody asked for",
			ann:  map[string]string{NetworkStatusAnnotation: `[{"name":"","interface":"eth0","default":true},{"name":"other/z","interface":"net1"}]`},
			want: []row{{"", "eth0", StateDefault}, {"other/z", "net1", StateUnrequested}},
		},
		{
			name:   "no status yet: pod IP as default, request missing",
			ann:    map[string]string{NetworksAnnotation: "a"},
			podIPs: []string{"10.0.0.5"},
			want:   []row{{"", "", StateDefault}, {"default/a", "net1", StateMissing}},
		},
		{
			name: "deprecated networks-status used when network-status is absent",
			ann: map[string]string{NetworksAnnotation: "a",
				DeprecatedNetworksStatusAnnotation: `[{"name":"a","interface":"net1"}]`},
			want: []row{{"default/a", "net1", StateAttached}},
		},
		{
			// A status that does not parse says nothing about what is absent from it: the problem
			// is reported, the requests are not called missing (issue 12).
			name: "malformed status reports no request as missing",
			ann:  map[string]string{NetworksAnnotation: "a", NetworkStatusAnnotation: `[{"name":`},
			want: nil, wantProblems: 1,
		},
		{
			name: "malformed request keeps the status",
			ann:  map[string]string{NetworksAnnotation: "A!", NetworkStatusAnnotation: `[{"name":"default/a","interface":"net1"}]`},
			want: []row{{"default/a", "net1", StateUnrequested}}, wantProblems: 1,
		},
		{
			name: "default network overridden by annotation",
			ann: map[string]string{DefaultNetworkAnnotation: "kube-system/calico",
				NetworkStatusAnnotation: `[{"name":"kube-system/calico","interface":"eth0","default":true}]`},
			want: []row{{"kube-system/calico", "eth0", StateDefault}},
		},
		{
			name: "seed 004 GKE multi-network",
			ann: map[string]string{GKEDefaultInterfaceAnnotation: "eth0",
				GKEInterfacesAnnotation:      `[{"interfaceName":"eth0","network":"default"}, {"interfaceName":"eth1","network":"blue-network"}]`,
				GKEInterfaceStatusAnnotation: `[{"networkName":"blue-network","ipAddresses":["172.16.0.4"]}]`},
			podIPs: []string{"10.52.0.12"},
			want:   []row{{"blue-network", "eth1", StateAttached}, {"", "eth0", StateDefault}},
		},
		{
			name: "GKE network without status is missing",
			ann:  map[string]string{GKEInterfacesAnnotation: `[{"interfaceName":"eth1","network":"blue-network"}]`},
			want: []row{{"blue-network", "eth1", StateMissing}},
		},
		{
			name: "Multus and GKE together is a problem, Multus wins",
			ann: map[string]string{NetworksAnnotation: "a", GKEInterfacesAnnotation: `[{"interfaceName":"eth1","network":"blue"}]`,
				NetworkStatusAnnotation: `[{"name":"default/a","interface":"net1"}]`},
			want: []row{{"default/a", "net1", StateAttached}}, wantProblems: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := InspectPod(PodMeta{Namespace: "default", Name: "p", PodIPs: tt.podIPs, Annotations: tt.ann}, nil)
			if got := rows(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows = %+v\nwant   %+v", got, tt.want)
			}
			if len(p.Problems) != tt.wantProblems {
				t.Errorf("problems = %q, want %d", p.Problems, tt.wantProblems)
			}
		})
	}
}
