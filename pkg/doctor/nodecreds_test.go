package doctor

import (
	"slices"
	"strings"
	"testing"
)

// TestNodeCredentials: what doctor --nodes (or a bundle) read on the nodes, against testNow
// (2026-11-23T12:00Z). Shapes after multus-cni #852/#1263 (thin Multus' bound token, never
// refreshed) and whereabouts #459.
func TestNodeCredentials(t *testing.T) {
	const head = "apiVersion: multinet.io/v1alpha1\nkind: NodeCredentials\nmetadata: {name: worker-1}\ncredentials:\n"
	cases := []struct {
		name, creds string
		want        []string
		message     string
	}{
		{"expired token", `- {source: multus, path: /etc/cni/net.d/multus.d/multus.kubeconfig, server: 'https://10.96.0.1:443', kind: token, expires: '2026-11-23T11:00:00Z'}`,
			[]string{"MN1008 Node worker-1"}, "expired at 2026-11-23T11:00:00Z"},
		{"token bound to a deleted pod", `- {source: multus, path: /etc/cni/net.d/multus.d/multus.kubeconfig, server: 'https://10.96.0.1:443', kind: token, expires: '2027-11-23T11:00:00Z', boundPod: kube-system/kube-multus-ds-q8x2w, boundPodGone: true}`,
			[]string{"MN1008 Node worker-1"}, "bound to pod kube-system/kube-multus-ds-q8x2w, which no longer exists"},
		{"expires in 3 hours", `- {source: whereabouts, path: /etc/cni/net.d/whereabouts.d/whereabouts.kubeconfig, server: 'https://10.96.0.1:443', kind: token, expires: '2026-11-23T15:00:00Z'}`,
			[]string{"MN1009 Node worker-1"}, "in 3h0m0s"},
		{"expires in 2 days", `- {source: whereabouts, path: /etc/cni/net.d/whereabouts.d/whereabouts.kubeconfig, server: 'https://10.96.0.1:443', kind: token, expires: '2026-11-25T12:00:00Z'}`,
			nil, ""},
		{"client certificate expired", `- {source: other, path: /etc/cni/net.d/other.d/x.kubeconfig, server: 'https://x', kind: client certificate, expires: '2026-01-01T00:00:00Z'}`,
			[]string{"MN1008 Node worker-1"}, "client certificate expired"},
		{"unusable", `- {source: multinet-ipam, path: /etc/cni/net.d/multinet.d/multinet.kubeconfig, problems: ["names no API server (clusters[].cluster.server is empty)", "cannot read its token file /etc/cni/net.d/multinet.d/token: it does not exist"]}`,
			[]string{"MN1010 Node worker-1"}, "names no API server (clusters[].cluster.server is empty); cannot read its token file"},
		{"opaque token, no expiry known", `- {source: multus, path: /etc/cni/net.d/multus.d/multus.kubeconfig, server: 'https://x', kind: token}`,
			nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := runYAML(t, head+tc.creds)
			var got []string
			for _, f := range res.Findings {
				if strings.HasPrefix(f.Code, "MN10") {
					got = append(got, f.Code+" "+f.Object.String())
					if !strings.Contains(f.Message, tc.message) {
						t.Errorf("message %q lacks %q", f.Message, tc.message)
					}
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("findings %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNodeCredentialsMalformed(t *testing.T) {
	m := modelYAML(t, "apiVersion: multinet.io/v1alpha1\nkind: NodeCredentials\nmetadata: {name: worker-1}\ncredentials: [{expires: yesterday}]\n")
	if len(m.Notes) != 1 || !strings.Contains(m.Notes[0], "nodecredentials worker-1: credentials is not a list of") {
		t.Fatalf("notes %q, want one naming the object and the expected shape", m.Notes)
	}
}
