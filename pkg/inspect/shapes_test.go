package inspect

import (
	"reflect"
	"testing"
)

// TestClusterNetworkShapes covers how the cluster network shows up in network-status.
func TestClusterNetworkShapes(t *testing.T) {
	tests := []struct {
		name string
		ann  map[string]string
		want []row
	}{
		{
			// Multus v4.2.3 tryLoadK8sPodDefaultNetwork parses the annotation with
			// conf.MultusNamespace as the default namespace ("The CRD object of default network
			// should only be defined in multusNamespace"), not the pod's.
			name: "default-network without namespace resolves in multusNamespace",
			ann: map[string]string{DefaultNetworkAnnotation: "calico",
				NetworkStatusAnnotation: `[{"interface":"eth0","ips":["10.1.0.4"],"default":true}]`},
			want: []row{{"kube-system/calico", "eth0", StateDefault}},
		},
		{
			// network-status names what Multus attached; the annotation never replaces it.
			name: "the name network-status reports is kept",
			ann: map[string]string{DefaultNetworkAnnotation: "calico",
				NetworkStatusAnnotation: `[{"name":"k8s-pod-network","interface":"eth0","ips":["10.1.0.4"],"default":true}]`},
			want: []row{{"k8s-pod-network", "eth0", StateDefault}},
		},
		{
			// OVN-Kubernetes primary user-defined networks (docs/features/user-defined-networks):
			// the pod keeps eth0 on the cluster default network and gets ovn-udn1 on its primary
			// UDN; both entries carry the cluster network's name, only one is marked default.
			name: "OVN-Kubernetes primary UDN writes two entries for the cluster network",
			ann: map[string]string{NetworkStatusAnnotation: `[
				{"name":"ovn-kubernetes","interface":"eth0","ips":["10.244.1.6"],"mac":"0a:58:0a:f4:01:06"},
				{"name":"ovn-kubernetes","interface":"ovn-udn1","ips":["10.128.0.4"],"mac":"0a:58:0a:80:00:04","default":true}]`},
			want: []row{{"", "eth0", StateDefault}, {"", "ovn-udn1", StateDefault}},
		},
		{
			name: "a requested NAD named like the cluster network is still the NAD",
			ann: map[string]string{NetworksAnnotation: "ovn-kubernetes", NetworkStatusAnnotation: `[
				{"name":"ovn-kubernetes","interface":"eth0","default":true},
				{"name":"ovn-kubernetes","interface":"net1"}]`},
			want: []row{{"", "eth0", StateDefault}, {"default/ovn-kubernetes", "net1", StateAttached}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := InspectPod(PodMeta{Namespace: "default", Name: "p", Annotations: tt.ann}, nil)
			if got := rows(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows = %+v\nwant   %+v", got, tt.want)
			}
			if len(p.Problems) != 0 {
				t.Errorf("problems: %q", p.Problems)
			}
		})
	}
}
