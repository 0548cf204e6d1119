// Package bundle is `kubectl multinet bundle`: one .tar.gz that a support engineer reads offline with
// status, doctor, tui and graph -f. It holds the cluster objects the diagnosis reads (pods'
// metadata and status only), the versions of the server, Multus, whereabouts and multinet, what each
// node's CNI kubeconfigs say (never the tokens), and a note of what could not be read. Every string
// is redacted (pkg/redact) before it is written.
package bundle

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cniconf"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/nodecreds"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/redact"
)

// Root is the directory every entry of a bundle is under.
const Root = "multinet-bundle"

// Options say what a bundle holds.
type Options struct {
	// Namespace scopes pods, events and claims ("" for all namespaces).
	Namespace string
	// CLIVersion is this kubectl-multinet's version.
	CLIVersion string
	// Nodes are the nodes whose CNI kubeconfigs are read (through Credentials); none when empty.
	Nodes []string
	// Credentials reads nodes' CNI kubeconfigs (logs.Credentials): descriptions, never tokens.
	Credentials func(ctx context.Context, nodes []string) ([]nodecreds.Credential, []string)
	// CNIConfigs reads nodes' CNI config dirs, redacted on the nodes (logs.CNIConfigs).
	CNIConfigs func(ctx context.Context, nodes []string) (map[string]cniconf.Dir, []string)
	// Logs reads nodes' Multus, whereabouts and multinet-ipam logs (logs.Run into NodeLogs).
	Logs func(ctx context.Context, nodes []string) (map[string][]byte, []string)
	// Progress, when set, is told each step.
	Progress func(step string)
	Now      func() time.Time
}

// Summary is what a written bundle holds.
type Summary struct {
	Objects int
	Nodes   int
	// Notes say what was skipped, and why.
	Notes []string
}

// resources are the cluster objects of a bundle.
func resources(namespace string) []cluster.Resource {
	return []cluster.Resource{
		{Name: "pods", GVR: gvr.Pods, Namespace: namespace},
		{Name: "network-attachment-definitions", GVR: gvr.NADs},
		{Name: "ippools", GVR: gvr.IPPools},
		{Name: "overlappingrangeipreservations", GVR: gvr.ORIPs},
		{Name: "ipallocations", GVR: gvr.IPAllocations},
		{Name: "resourceclaims", GVR: gvr.ResourceClaims, Fallbacks: gvr.ResourceClaimsBeta(), Namespace: namespace},
		{Name: "events", GVR: gvr.Events, Namespace: namespace},
		{Name: "nodes", GVR: gvr.Nodes},
		{Name: "daemonsets", GVR: gvr.DaemonSets},
		{Name: "configmaps", GVR: gvr.ConfigMaps, Namespace: "kube-system"},
	}
}

// networkComponent matches the names of the DaemonSets and ConfigMaps a bundle keeps.
var networkComponent = regexp.MustCompile(`(?i)multus|multinet|whereabouts`)

// Write collects a bundle and writes it to w as a gzipped tar.
func Write(ctx context.Context, client dynamic.Interface, disc discovery.DiscoveryInterface, w io.Writer, o Options) (Summary, error) {
	step := func(s string) {
		if o.Progress != nil {
			o.Progress(s)
		}
	}
	step("reading cluster objects")
	col := cluster.Collect(ctx, client, resources(o.Namespace))
	sum := Summary{Notes: append([]string(nil), col.Notes...)}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	now := o.Now()
	add := func(name string, v any) error {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		hdr := &tar.Header{Name: path.Join(Root, name), Mode: 0o644, Size: int64(len(data)), ModTime: now}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		_, err = tw.Write(data)
		return err
	}
	names := make([]string, 0, len(col.Items))
	for n := range col.Items {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		items := keep(n, col.Items[n])
		list := map[string]any{"apiVersion": "v1", "kind": "List", "items": clean(n, items)}
		if err := add("cluster/"+n+".json", list); err != nil {
			return sum, err
		}
		sum.Objects += len(items)
	}
	if err := add("versions.json", versions(disc, col.Items["daemonsets"], o.CLIVersion)); err != nil {
		return sum, err
	}
	if len(o.Nodes) > 0 && o.Credentials != nil {
		step(fmt.Sprintf("reading the CNI kubeconfigs of %d nodes", len(o.Nodes)))
		creds, notes := o.Credentials(ctx, o.Nodes)
		sum.Notes = append(sum.Notes, notes...)
		byNode := map[string][]nodecreds.Credential{}
		for _, c := range creds {
			byNode[c.Node] = append(byNode[c.Node], c)
		}
		for _, node := range o.Nodes {
			if _, ok := byNode[node]; !ok {
				continue
			}
			obj := map[string]any{"apiVersion": "multinet.io/v1alpha1", "kind": "NodeCredentials",
				"metadata": map[string]any{"name": node}, "credentials": byNode[node]}
			if err := add("nodes/"+node+"/credentials.json", redact.Value(roundTrip(obj))); err != nil {
				return sum, err
			}
			sum.Nodes++
		}
	}
	if err := o.addNodeFiles(ctx, tw, now, &sum, step); err != nil {
		return sum, err
	}
	if err := add("notes.json", map[string]any{"created": now.UTC().Format(time.RFC3339), "namespace": orAll(o.Namespace), "skipped": sum.Notes}); err != nil {
		return sum, err
	}
	if err := tw.Close(); err != nil {
		return sum, err
	}
	return sum, gz.Close()
}

// addNodeFiles writes each node's CNI config dir (nodes/NODE/cni/...) and logs (nodes/NODE/logs.txt).
func (o Options) addNodeFiles(ctx context.Context, tw *tar.Writer, now time.Time, sum *Summary, step func(string)) error {
	if len(o.Nodes) == 0 {
		return nil
	}
	raw := func(name string, data []byte) error {
		hdr := &tar.Header{Name: path.Join(Root, name), Mode: 0o644, Size: int64(len(data)), ModTime: now}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		_, err := tw.Write(data)
		return err
	}
	if o.CNIConfigs != nil {
		step(fmt.Sprintf("reading the CNI config dirs of %d nodes", len(o.Nodes)))
		dirs, notes := o.CNIConfigs(ctx, o.Nodes)
		sum.Notes = append(sum.Notes, notes...)
		for _, node := range sortedKeys(dirs) {
			d := dirs[node]
			for _, f := range sortedKeys(d.Files) {
				if err := raw(path.Join("nodes", node, "cni", path.Clean("/" + f)[1:]), []byte(redact.String(d.Files[f]))); err != nil {
					return err
				}
			}
			for _, sk := range d.Skipped {
				sum.Notes = append(sum.Notes, fmt.Sprintf("node %s: CNI config dir: skipped %s", node, sk))
			}
		}
	}
	if o.Logs != nil {
		step(fmt.Sprintf("reading the CNI logs of %d nodes", len(o.Nodes)))
		logs, notes := o.Logs(ctx, o.Nodes)
		sum.Notes = append(sum.Notes, notes...)
		for _, node := range sortedKeys(logs) {
			if err := raw(path.Join("nodes", node, "logs.txt"), logs[node]); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func orAll(ns string) string {
	if ns == "" {
		return "all namespaces"
	}
	return ns
}

// keep drops the DaemonSets and ConfigMaps of other components.
func keep(resource string, items []unstructured.Unstructured) []unstructured.Unstructured {
	if resource != "daemonsets" && resource != "configmaps" {
		return items
	}
	var out []unstructured.Unstructured
	for _, u := range items {
		if networkComponent.MatchString(u.GetName()) {
			out = append(out, u)
		}
	}
	return out
}

// clean strips what the diagnosis does not read and could hold secrets (a pod's spec but its node,
// managed fields, last-applied configurations), then redacts every string.
func clean(resource string, items []unstructured.Unstructured) []any {
	out := make([]any, 0, len(items))
	for _, u := range items {
		obj := u.DeepCopy().Object
		unstructured.RemoveNestedField(obj, "metadata", "managedFields")
		unstructured.RemoveNestedField(obj, "metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration")
		if resource == "pods" {
			node, _, _ := unstructured.NestedString(obj, "spec", "nodeName")
			obj["spec"] = map[string]any{"nodeName": node}
		}
		out = append(out, redact.Value(obj))
	}
	return out
}

// roundTrip turns v into plain JSON values (maps, slices, strings) for Redact.
func roundTrip(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	_ = json.Unmarshal(data, &out)
	return out
}

// versions are the server's version and the images of the network DaemonSets.
func versions(disc discovery.DiscoveryInterface, daemonsets []unstructured.Unstructured, cli string) map[string]any {
	out := map[string]any{"kubectl-multinet": cli}
	if v, err := disc.ServerVersion(); err == nil {
		out["server"] = v.GitVersion
	} else {
		out["server"] = "unknown: " + err.Error()
	}
	images := map[string][]string{}
	for _, ds := range daemonsets {
		if !networkComponent.MatchString(ds.GetName()) {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(ds.Object, "spec", "template", "spec", "containers")
		for _, c := range containers {
			if m, ok := c.(map[string]any); ok {
				if img, ok := m["image"].(string); ok {
					images[ds.GetNamespace()+"/"+ds.GetName()] = append(images[ds.GetNamespace()+"/"+ds.GetName()], img)
				}
			}
		}
	}
	out["daemonSetImages"] = images
	return out
}
