package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"

	multinet "github.com/kubectl-multinet/kubectl-multinet"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/install"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/logs"
)

// DebugPodOptions are the flags of commands that read nodes through short-lived debug pods
// (logs, doctor --nodes).
type DebugPodOptions struct {
	Image          string
	ConfDir        string
	DebugNamespace string
	MaxDuration    time.Duration
	Parallel       int
	// NodeTimeout bounds how long one node may take to answer (to start streaming, with --follow).
	NodeTimeout time.Duration
}

// AddFlags binds the debug pod flags; maxDuration is the default --max-duration.
func (o *DebugPodOptions) AddFlags(f *pflag.FlagSet, maxDuration time.Duration) {
	f.StringVar(&o.Image, "image", "", "Debug pod image holding multinet-cni (default: the installed DaemonSet's).")
	f.StringVar(&o.ConfDir, "cni-conf-dir", "", "The nodes' CNI config dir (default: the installed DaemonSet's, else /etc/cni/net.d).")
	f.StringVar(&o.DebugNamespace, "debug-namespace", "kube-system", "Namespace of the debug pods (hostPath must be allowed there).")
	f.DurationVar(&o.MaxDuration, "max-duration", maxDuration, "activeDeadlineSeconds of each debug pod.")
	f.IntVar(&o.Parallel, "parallel", 5, "Nodes read at once.")
	f.DurationVar(&o.NodeTimeout, "node-timeout", time.Minute, "How long one node may take to answer (with --follow: to start streaming); the others go on, and the nodes that did not answer are listed at the end.")
}

// Validate rejects values that cannot work, naming the flag.
func (o *DebugPodOptions) Validate() error {
	if o.NodeTimeout <= 0 {
		return cli.Usagef("--node-timeout must be more than 0")
	}
	if o.Parallel < 1 {
		return cli.Usagef("--parallel must be at least 1")
	}
	if o.MaxDuration < time.Second {
		return cli.Usagef("--max-duration must be at least 1s")
	}
	return nil
}

// Complete takes the image and CNI config dir from the installed DaemonSet (else plugins.yaml's)
// where the flags left them unset.
func (o *DebugPodOptions) Complete(ctx context.Context, client kubernetes.Interface) error {
	objs, err := install.Render(multinet.PluginsYAML, install.Config{})
	if err != nil {
		return err
	}
	var conf install.Config
	for _, obj := range objs {
		if obj.GetKind() == "DaemonSet" {
			conf, _ = install.DaemonSetDirs(obj)
		}
	}
	ds, err := client.AppsV1().DaemonSets(install.Namespace).Get(ctx, install.DaemonSetName, metav1.GetOptions{})
	if err == nil {
		u, cerr := runtime.DefaultUnstructuredConverter.ToUnstructured(ds)
		if cerr == nil {
			if live, derr := install.DaemonSetDirs(&unstructured.Unstructured{Object: u}); derr == nil {
				conf = live
			}
		}
	}
	if o.Image == "" {
		o.Image = conf.Image
	}
	if o.ConfDir == "" {
		o.ConfDir = conf.ConfDir
	}
	return nil
}

// Pods returns the debug pods of one run.
func (o *DebugPodOptions) Pods(client kubernetes.Interface) *logs.Pods {
	return &logs.Pods{Client: client, Namespace: o.DebugNamespace, Image: o.Image, Deadline: o.MaxDuration, NodeTimeout: o.NodeTimeout, Now: time.Now}
}

// nodeNames lists the named nodes (checking each exists), or every node when names is empty.
func nodeNames(ctx context.Context, client kubernetes.Interface, names []string) ([]string, error) {
	core := client.CoreV1()
	if len(names) > 0 {
		for _, n := range names {
			if _, err := core.Nodes().Get(ctx, n, metav1.GetOptions{}); err != nil {
				return nil, fmt.Errorf("get node %s: %w; list them with kubectl get nodes", n, err)
			}
		}
		return names, nil
	}
	list, err := core.Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	out := make([]string, 0, len(list.Items))
	for _, n := range list.Items {
		out = append(out, n.Name)
	}
	return out, nil
}
