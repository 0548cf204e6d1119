package doctor

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/nodecreds"
)

// InNodeCredentials are the CNI plugins' kubeconfigs read on the nodes (doctor --nodes).
const InNodeCredentials Input = "node-side CNI kubeconfigs (doctor --nodes)"

// expiringWithin is how soon an expiry must be to be reported before it happens.
const expiringWithin = 24 * time.Hour

func credentialChecks(now func() time.Time) []Check {
	return []Check{
		{Code: "MN1008", Name: "NodeCredentialExpired", Severity: Error, Needs: []Input{InNodeCredentials},
			Summary: "A CNI plugin's kubeconfig on a node holds an expired or revoked credential",
			Run:     func(m *Model, r *Reporter) { checkCredentialExpired(m, r, now()) }},
		{Code: "MN1009", Name: "NodeCredentialExpiring", Severity: Warning, Needs: []Input{InNodeCredentials},
			Summary: "A CNI plugin's kubeconfig on a node holds a credential that expires within 24 hours",
			Run:     func(m *Model, r *Reporter) { checkCredentialExpiring(m, r, now()) }},
		{Code: "MN1010", Name: "NodeKubeconfigUnusable", Severity: Error, Needs: []Input{InNodeCredentials},
			Summary: "A CNI plugin's kubeconfig on a node cannot be used (unreadable, no server, bad CA)",
			Run:     checkKubeconfigUnusable},
	}
}

// SetNodeCredentials adds what doctor --nodes read on the nodes, with the notes of nodes not read.
func (m *Model) SetNodeCredentials(creds []nodecreds.Credential, notes []string) {
	m.NodeCredentials = creds
	m.Notes = append(m.Notes, notes...)
	m.Notes = append(m.Notes, credentialsRead(creds))
	m.Mark(InNodeCredentials)
}

// credentialsRead says which kubeconfigs were read, e.g. "node-side kubeconfigs read: multinet-ipam
// on a, b; whereabouts on a".
func credentialsRead(creds []nodecreds.Credential) string {
	bySource := map[string][]string{}
	var sources []string
	for _, c := range creds {
		if bySource[c.Source] == nil {
			sources = append(sources, c.Source)
		}
		if !slices.Contains(bySource[c.Source], c.Node) {
			bySource[c.Source] = append(bySource[c.Source], c.Node)
		}
	}
	if len(sources) == 0 {
		return "node-side kubeconfigs read: none (no CNI config on the nodes names one)"
	}
	sort.Strings(sources)
	parts := make([]string, 0, len(sources))
	for _, s := range sources {
		parts = append(parts, s+" on "+strings.Join(bySource[s], ", "))
	}
	return "node-side kubeconfigs read: " + strings.Join(parts, "; ")
}

// NodeCredentialsKind is the dump object (multinet.io/v1alpha1) that carries one node's kubeconfig
// descriptions, as a support bundle writes them: metadata.name is the node, credentials the list.
const NodeCredentialsKind = "NodeCredentials"

// addNodeCredentials reads a NodeCredentials dump object.
func (m *Model) addNodeCredentials(u *unstructured.Unstructured) error {
	raw, _, err := unstructured.NestedSlice(u.Object, "credentials")
	if err != nil {
		return errors.New("credentials is not a list")
	}
	data, err := json.Marshal(raw)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	var creds []nodecreds.Credential
	if err := json.Unmarshal(data, &creds); err != nil {
		return errors.New("credentials is not a list of {source, path, server, kind, expires (RFC 3339), problems}")
	}
	for i := range creds {
		creds[i].Node = u.GetName()
	}
	m.NodeCredentials = append(m.NodeCredentials, creds...)
	return nil
}

func nodeObject(c nodecreds.Credential) Object { return Object{Kind: "Node", Name: c.Node} }

// renewFix says how the plugin that uses c gets a fresh credential.
func renewFix(c nodecreds.Credential) string {
	switch c.Source {
	case nodecreds.Multus:
		return fmt.Sprintf("restart the Multus pod on node %s so that it writes a new kubeconfig (multus-cni #852, #1263); thick Multus keeps no token on the node", c.Node)
	case nodecreds.Whereabouts:
		return fmt.Sprintf("restart the whereabouts pod on node %s so that it writes a new token (whereabouts #459)", c.Node)
	case nodecreds.Multinet:
		return fmt.Sprintf("restart the multinet-cni agent on node %s (kubectl -n kube-system delete pod -l app.kubernetes.io/component=cni,app.kubernetes.io/name=multinet --field-selector spec.nodeName=%s); it rewrites the token every --refresh", c.Node, c.Node)
	}
	return fmt.Sprintf("replace %s on node %s with a current credential", c.Path, c.Node)
}

func credentialName(c nodecreds.Credential) string {
	return fmt.Sprintf("%s kubeconfig %s", c.Source, c.Path)
}

func checkCredentialExpired(m *Model, r *Reporter, now time.Time) {
	for _, c := range m.NodeCredentials {
		switch {
		case c.Expires != nil && !now.Before(*c.Expires):
			r.Report(nodeObject(c), renewFix(c), "%s: its %s expired at %s; the plugin's API calls fail with 401 Unauthorized, so pods on this node cannot get their networks",
				credentialName(c), c.Kind, c.Expires.UTC().Format(time.RFC3339))
		case c.BoundPodGone:
			r.Report(nodeObject(c), renewFix(c), "%s: its token is bound to pod %s, which no longer exists, so the API server rejects it (401 Unauthorized) although it has not expired",
				credentialName(c), c.BoundPod)
		}
	}
}

func checkCredentialExpiring(m *Model, r *Reporter, now time.Time) {
	for _, c := range m.NodeCredentials {
		if c.Expires == nil || !now.Before(*c.Expires) || c.Expires.Sub(now) > expiringWithin || c.BoundPodGone {
			continue
		}
		r.Report(nodeObject(c), renewFix(c), "%s: its %s expires at %s, in %s",
			credentialName(c), c.Kind, c.Expires.UTC().Format(time.RFC3339), c.Expires.Sub(now).Round(time.Minute))
	}
}

func checkKubeconfigUnusable(m *Model, r *Reporter) {
	for _, c := range m.NodeCredentials {
		if len(c.Problems) == 0 {
			continue
		}
		r.Report(nodeObject(c), fmt.Sprintf("fix or rewrite %s on node %s; %s", c.Path, c.Node, renewFix(c)),
			"%s: %s", credentialName(c), strings.Join(c.Problems, "; "))
	}
}
