package cmd

import (
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/selection"
)

// SelectionOptions are the pod-selection flags status, doctor, graph, tui and attach share.
type SelectionOptions struct {
	selection.Selection
	Getter genericclioptions.RESTClientGetter
}

// selectionFlags says which selection flags a command takes besides -A.
type selectionFlags struct {
	selector, fieldSelector, file bool
	// allHelp is the help of -A.
	allHelp string
}

// readFlags are the selection flags of the commands that read pods: status, graph.
func readFlags() selectionFlags {
	return selectionFlags{selector: true, fieldSelector: true, file: true, allHelp: "List pods in all namespaces."}
}

// diagnoseFlags are the selection flags of doctor.
func diagnoseFlags() selectionFlags {
	return selectionFlags{selector: true, file: true, allHelp: "Diagnose pods in all namespaces (needed for the leaked-allocation check)."}
}

// AddFlags binds the flags w asks for.
func (o *SelectionOptions) AddFlags(f *pflag.FlagSet, w selectionFlags) {
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, w.allHelp)
	if w.selector {
		f.StringVarP(&o.LabelSelector, "selector", "l", "", "Only pods matching this label selector (e.g. -l app=cnf).")
	}
	if w.fieldSelector {
		f.StringVar(&o.FieldSelector, "field-selector", "", "Only pods matching this field selector (e.g. --field-selector spec.nodeName=node1).")
		f.Int64Var(&o.ChunkSize, "chunk-size", cluster.DefaultPageSize, "Return large lists in chunks of this many pods, as kubectl does.")
		f.BoolVar(&o.Cached, "cached-read", false, "Read pods from the API server's watch cache: faster on large clusters and easier on etcd, moments stale, and the list comes in one piece (about twice the memory).")
	}
	if w.file {
		f.StringArrayVarP(&o.Files, "filename", "f", nil, "Read pods and the objects around them from this file (kubectl get -o yaml|json output) instead of the cluster; - for stdin. Repeat it to read several files.")
	}
}

// Complete reads the pod arguments and the namespace (from -n or the kubeconfig). A kubeconfig that
// cannot be read is an error only when the cluster is read.
func (o *SelectionOptions) Complete(streams genericiooptions.IOStreams, args []string) error {
	names, err := selection.PodNames(args)
	if err != nil {
		return err
	}
	o.Names, o.In = names, streams.In
	if o.Getter == nil {
		return nil
	}
	ns, explicit, err := cluster.Namespace(o.Getter)
	if err != nil && !o.Offline() {
		return err
	}
	o.Namespace, o.ExplicitNamespace = ns, explicit
	return nil
}
