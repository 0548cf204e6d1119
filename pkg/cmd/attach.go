package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/attach"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/selection"
)

// ExplainOptions are the flags and arguments of attach explain.
type ExplainOptions struct {
	genericiooptions.IOStreams
	Getter   genericclioptions.RESTClientGetter
	Filename string
	Output   string

	namespace string
	name      string
	// file is the pod read from Filename.
	file *inspect.PodMeta
}

// Complete reads the namespace, the pod name or the manifest.
func (o *ExplainOptions) Complete(args []string) error {
	ns, explicit, err := cluster.Namespace(o.Getter)
	if err != nil {
		return err
	}
	o.namespace = ns
	switch {
	case o.Filename != "" && len(args) > 0:
		return cli.Usagef("give either pod/NAME or -f FILE, not both")
	case o.Filename != "":
		meta, err := o.readManifest()
		if err != nil {
			return err
		}
		if meta.Namespace == "" || explicit {
			meta.Namespace = ns
		}
		o.file, o.namespace, o.name = meta, meta.Namespace, meta.Name
	case len(args) == 1:
		name, ok := strings.CutPrefix(args[0], "pod/")
		if !ok && strings.Contains(args[0], "/") {
			return cli.Usagef("%q is not a pod; give pod/NAME or NAME", args[0])
		}
		o.name = name
	default:
		return cli.Usagef("give one pod (pod/NAME) or a manifest (-f FILE)")
	}
	return nil
}

// readManifest takes the pod, or a workload's pod template, from Filename.
func (o *ExplainOptions) readManifest() (*inspect.PodMeta, error) {
	var r io.Reader = o.In
	if o.Filename != "-" {
		f, err := os.Open(o.Filename)
		if err != nil {
			return nil, fmt.Errorf("open -f %s: %w", o.Filename, err)
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read -f %s: %w", o.Filename, err)
	}
	var u unstructured.Unstructured
	if err := yaml.Unmarshal(data, &u.Object); err != nil || u.Object == nil {
		return nil, fmt.Errorf("-f %s is not a YAML or JSON object: %v; give a Pod manifest", o.Filename, err)
	}
	meta := &inspect.PodMeta{Namespace: u.GetNamespace(), Name: u.GetName(), Annotations: u.GetAnnotations(), Labels: u.GetLabels()}
	if u.GetKind() != "Pod" {
		tmpl, ok, _ := unstructured.NestedMap(u.Object, "spec", "template", "metadata")
		if !ok {
			return nil, fmt.Errorf("-f %s holds a %s without a pod template; give a Pod or a workload (Deployment, StatefulSet ...)", o.Filename, orUnknown(u.GetKind()))
		}
		t := unstructured.Unstructured{Object: map[string]any{"metadata": tmpl}}
		meta.Annotations, meta.Labels = t.GetAnnotations(), t.GetLabels()
		meta.Name = u.GetName() + "-<pod>"
	}
	meta.Node, _, _ = unstructured.NestedString(u.Object, "spec", "nodeName")
	if meta.Name == "" || meta.Name == "-<pod>" {
		return nil, fmt.Errorf("-f %s: the manifest has no metadata.name", o.Filename)
	}
	return meta, nil
}

func orUnknown(kind string) string {
	if kind == "" {
		return "object without kind"
	}
	return kind
}

// Validate checks the output format.
func (o *ExplainOptions) Validate() error {
	if o.Output != "text" && o.Output != "json" {
		return cli.Usagef(`--output must be "text" or "json", not %q`, o.Output)
	}
	return nil
}

// Run reads the pod's world, plans and prints.
func (o *ExplainOptions) Run(ctx context.Context) error {
	c, err := cluster.Connect(o.Getter)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	sel := selection.Selection{Namespace: o.namespace, Names: []string{o.name}}
	if o.file != nil { // the pod does not exist yet: read its namespace's pods instead
		sel.Names = nil
	}
	m, err := doctor.FromCluster(ctx, doctor.ClientsOf(c), sel)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	if o.file != nil {
		m.SetPods([]inspect.PodMeta{*o.file})
	}
	pod := m.Pod(o.namespace + "/" + o.name)
	if pod == nil {
		return &cli.ExitError{Code: 1, Msg: fmt.Sprintf("pod %s not found in namespace %q; check the name and -n, or explain a manifest with -f FILE", o.name, o.namespace)}
	}
	res := doctor.Run(m, doctor.All(time.Now))
	plan := attach.Explain(m, pod, res)
	if o.Output == "json" {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		err = enc.Encode(plan)
	} else {
		err = attach.PrintText(o.Out, plan, doctor.StylesFor(o.Out))
	}
	if err != nil {
		return err
	}
	if plan.Blocked() {
		return &cli.ExitError{Code: 1, Silent: true, Msg: "the attach path has errors"}
	}
	return nil
}

func newAttach(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &ExplainOptions{IOStreams: streams, Getter: flags}
	root := &cobra.Command{Use: "attach", Short: "Explain how Multus will attach a pod's extra networks", Args: cobra.NoArgs}
	explain := &cobra.Command{
		Use:   "explain (pod/NAME | -f FILE)",
		Short: "Dry-run the attach path of a pod: NADs, node constraints, delegate configs, IPAM, problems",
		Long: `explain shows, for a pod that exists or is about to be created (-f), each network it requests:
the NetworkAttachmentDefinition it resolves to (a name without namespace is the pod's; Multus'
namespaceIsolation may forbid others), the NAD's k8s.v1.cni.cncf.io/nodeSelector and the nodes it
admits, the delegate CNI config Multus runs with CNI_IFNAME=net1, net2 ..., what the IPAM would do
(range, free addresses, the address multinet-ipam would take, without taking it), and every doctor
finding about the pod, its NADs and their pools. Nothing is written. Exit status 1 means the
attach would fail (an error finding, a missing or forbidden NAD, or a full multinet-ipam range).`,
		Example: `  kubectl multinet attach explain pod/upf-1 -n cnf
  kubectl multinet attach explain -f deployment.yaml
  kubectl multinet attach explain pod/upf-1 -o json`,
		SilenceUsage:      true,
		ValidArgsFunction: podNameCompletion(flags),
		RunE: func(c *cobra.Command, args []string) error {
			return run(c.Context(), o, args)
		},
	}
	explain.Flags().StringVarP(&o.Filename, "filename", "f", "", "A Pod (or workload) manifest to explain before creating it; - reads stdin.")
	explain.Flags().StringVarP(&o.Output, "output", "o", "text", "Output format. One of: text|json.")
	root.AddCommand(explain)
	return root
}
