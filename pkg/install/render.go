// Package install puts multinet's CNI plugins on a cluster's nodes and takes them off again: it
// renders plugins.yaml for the cluster (image, CNI dirs, API server), checks the caller's
// permissions, applies it server-side, follows the DaemonSet's rollout per node, and on uninstall
// removes the binaries through short-lived cleanup pods.
package install

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Defaults of a plain cluster; GKE keeps CNI binaries in GKEBinDir.
const (
	DefaultBinDir  = "/opt/cni/bin"
	GKEBinDir      = "/home/kubernetes/bin"
	DefaultConfDir = "/etc/cni/net.d"
	// Namespace holds the DaemonSet, its ServiceAccount and the IPAllocations.
	Namespace = "kube-system"
	// DaemonSetName is the DaemonSet of plugins.yaml.
	DaemonSetName = "multinet-cni"
	// ConfSubdir is our own subdirectory of the CNI config dir.
	ConfSubdir = "multinet.d"
	// ManagedBy labels every object install creates, including cleanup pods.
	ManagedBy = "app.kubernetes.io/managed-by=kubectl-multinet"
)

// Config is what install changes in plugins.yaml.
type Config struct {
	// Image is the multinet-cni image; empty keeps plugins.yaml's.
	Image string
	// BinDir and ConfDir are the node's CNI bin and config dirs.
	BinDir, ConfDir string
	// APIServer is the URL the IPAM and the agent use; empty means the in-cluster service.
	APIServer string
	// GCEvery is how often each node's agent releases allocations of deleted pods; 0 keeps the
	// agent's default (5m).
	GCEvery time.Duration
	// SkipNADCRD leaves out the NetworkAttachmentDefinition CRD (the cluster has it already).
	SkipNADCRD bool
}

// NADCRD is the name of Multus' NetworkAttachmentDefinition CRD.
const NADCRD = "network-attachment-definitions.k8s.cni.cncf.io"

// Decode reads a multi-document YAML manifest.
func Decode(manifest []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifest), 4096)
	var out []*unstructured.Unstructured
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("decode manifest document %d: %w", len(out)+1, err)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// Render returns plugins.yaml's objects set up by c, in apply order.
func Render(manifest []byte, c Config) ([]*unstructured.Unstructured, error) {
	objs, err := Decode(manifest)
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if c.SkipNADCRD && o.GetKind() == "CustomResourceDefinition" && o.GetName() == NADCRD {
			continue
		}
		if o.GetKind() == "DaemonSet" {
			if o, err = renderDaemonSet(o, c); err != nil {
				return nil, err
			}
		}
		out = append(out, o)
	}
	return out, nil
}

func renderDaemonSet(o *unstructured.Unstructured, c Config) (*unstructured.Unstructured, error) {
	var ds appsv1.DaemonSet
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &ds); err != nil {
		return nil, fmt.Errorf("daemonset %s in plugins.yaml: %w", o.GetName(), err)
	}
	spec := &ds.Spec.Template.Spec
	hostConf := path.Join(c.ConfDir, ConfSubdir)
	for i := range spec.Volumes {
		hp := spec.Volumes[i].HostPath
		switch {
		case hp == nil:
		case spec.Volumes[i].Name == "cni-bin" && c.BinDir != "":
			hp.Path = c.BinDir
		case spec.Volumes[i].Name == "conf" && c.ConfDir != "":
			hp.Path = hostConf
		}
	}
	edit := func(cs []corev1.Container) {
		for i := range cs {
			if c.Image != "" {
				cs[i].Image = c.Image
			}
			for j, a := range cs[i].Args {
				if strings.HasPrefix(a, "--host-conf-dir=") && c.ConfDir != "" {
					cs[i].Args[j] = "--host-conf-dir=" + hostConf
				}
			}
			if c.APIServer != "" {
				cs[i].Args = append(cs[i].Args, "--apiserver="+c.APIServer)
			}
			if c.GCEvery > 0 && slices.Contains(cs[i].Args, "agent") {
				cs[i].Args = append(cs[i].Args, "--gc-every="+c.GCEvery.String())
			}
		}
	}
	edit(spec.InitContainers)
	edit(spec.Containers)
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&ds)
	if err != nil {
		return nil, err
	}
	out := &unstructured.Unstructured{Object: u}
	unstructured.RemoveNestedField(out.Object, "status")
	unstructured.RemoveNestedField(out.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(out.Object, "spec", "template", "metadata", "creationTimestamp")
	return out, nil
}

// DaemonSetDirs reads the bin dir, config dir and image back from a live DaemonSet of ours.
func DaemonSetDirs(o *unstructured.Unstructured) (Config, error) {
	var ds appsv1.DaemonSet
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &ds); err != nil {
		return Config{}, fmt.Errorf("daemonset %s/%s: %w", o.GetNamespace(), o.GetName(), err)
	}
	var c Config
	for _, v := range ds.Spec.Template.Spec.Volumes {
		if v.HostPath == nil {
			continue
		}
		switch v.Name {
		case "cni-bin":
			c.BinDir = v.HostPath.Path
		case "conf":
			c.ConfDir = path.Dir(v.HostPath.Path)
		}
	}
	if cs := ds.Spec.Template.Spec.Containers; len(cs) > 0 {
		c.Image = cs[0].Image
	}
	if c.BinDir == "" || c.ConfDir == "" {
		return c, fmt.Errorf("daemonset %s/%s has no cni-bin or conf hostPath volume; was it changed by hand?", o.GetNamespace(), o.GetName())
	}
	return c, nil
}
