package inspect

import (
	"testing"

	nadv1 "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/apis/k8s.cni.cncf.io/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSummarize(t *testing.T) {
	tests := []struct{ config, want string }{
		{`{ "cniVersion": "0.3.1", "plugins": [ { "type": "ipvlan", "master": "eth1", "mode": "l2", "ipam": { "type": "whereabouts", "range": "10.200.0.0/16" } } ] }`,
			"ipvlan master=eth1 mode=l2 ipam=whereabouts range=10.200.0.0/16"},
		{`{"type":"macvlan","master":"veth1","mode":"bridge","ipam":{"type":"whereabouts","range":"172.30.0.0/24","range_start":"172.30.0.10","range_end":"172.30.0.20"}}`,
			"macvlan master=veth1 mode=bridge ipam=whereabouts range=172.30.0.0/24[172.30.0.10-172.30.0.20]"},
		{`{"type":"macvlan","ipam":{"type":"whereabouts","ipRanges":[{"range":"10.0.0.0/24"},{"range":"fd00::/64"}]}}`,
			"macvlan ipam=whereabouts range=10.0.0.0/24,fd00::/64"},
		{`{"plugins":[{"type":"bridge","ipam":{"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24"}]]}},{"type":"sbr"},{"type":"tuning"}]}`,
			"bridge ipam=host-local range=10.1.0.0/24 +sbr+tuning"},
		{`{"type":"ipvlan","ipam":{"type":"static","addresses":[{"address":"10.10.0.1/24"}]}}`, "ipvlan ipam=static range=10.10.0.1/24"},
		{``, "config from file on the node"},
		{`{"cniVersion":"0.3.1"}`, `invalid config: no "type" in the plugin config`},
		{`{"type": "ipvlan", # comment}`, "invalid config: not JSON: invalid character '#' looking for beginning of object key string"},
	}
	for _, tt := range tests {
		if got := ParseConfig(tt.config).String(); got != tt.want {
			t.Errorf("ParseConfig(%s)\n got %q\nwant %q", tt.config, got, tt.want)
		}
	}
}

func TestNADSetDescribe(t *testing.T) {
	s := NewNADSet()
	s.Add(&nadv1.NetworkAttachmentDefinition{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "n"}, Spec: nadv1.NetworkAttachmentDefinitionSpec{Config: `{"type":"macvlan"}`}})
	s.MarkComplete("a")
	s.MarkUnreadable("b", "forbidden")
	for key, want := range map[string]string{"a/n": "macvlan", "a/gone": "NAD not found", "b/x": "NAD unreadable: forbidden", "c/x": ""} {
		if got := s.Describe(key); got != want {
			t.Errorf("Describe(%q) = %q, want %q", key, got, want)
		}
	}
}
