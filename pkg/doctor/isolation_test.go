package doctor

import (
	"strings"
	"testing"
)

// TestNamespaceIsolation follows Multus v4.2.3: GetNetworkDelegates (pkg/k8sclient/k8sclient.go)
// refuses a NAD outside the pod's namespace when namespaceIsolation is on, unless the NAD's
// namespace is in globalNamespaces; LoadNetConf (pkg/types/conf.go) reads globalNamespaces as a
// comma-separated list with spaces trimmed, and defaults it to "default" only when unset
// (docs/configuration.md: "default" is global unless globalNamespaces says otherwise).
func TestNamespaceIsolation(t *testing.T) {
	multus := func(cfg string) string {
		return `apiVersion: v1
kind: ConfigMap
metadata: {name: multus-daemon-config, namespace: kube-system}
data: {daemon-config.json: '` + cfg + `'}`
	}
	nads := []string{
		strings.Replace(nad("shared", `{"type":"macvlan","master":"eth1","ipam":{"type":"static"}}`), "namespace: cnf", "namespace: default", 1),
		strings.Replace(nad("tool", `{"type":"macvlan","master":"eth1","ipam":{"type":"static"}}`), "namespace: cnf", "namespace: tools", 1),
	}
	pods := []string{
		pod("to-default", "Pending", `k8s.v1.cni.cncf.io/networks: default/shared`),
		pod("to-tools", "Pending", `k8s.v1.cni.cncf.io/networks: tools/tool`),
	}
	tests := []struct {
		name   string
		config string
		want   []string // MN3003 findings with their severity
	}{
		{"isolation off: only non-global namespaces are warned about", `{"type":"multus-shim"}`,
			[]string{"Warning Pod cnf/to-tools"}},
		{"isolation on, globalNamespaces unset: default is global", `{"type":"multus-shim","namespaceIsolation":true}`,
			[]string{"Error Pod cnf/to-tools"}},
		{"globalNamespaces replaces the default", `{"type":"multus-shim","namespaceIsolation":true,"globalNamespaces":"tools"}`,
			[]string{"Error Pod cnf/to-default"}},
		{"globalNamespaces entries are trimmed", `{"type":"multus-shim","namespaceIsolation":true,"globalNamespaces":"default, tools"}`,
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs := append(append(append([]string{healthy(t)}, nads...), pods...), multus(tt.config))
			var got []string
			for _, f := range runYAML(t, docs...).Findings {
				if f.Code == "MN3003" {
					got = append(got, f.Severity.String()+" "+f.Object.String())
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("MN3003: %v, want %v", got, tt.want)
			}
		})
	}
}
