package cmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/status"
)

// StatusOptions are the settings of one `status` (or bare, legacy) run.
type StatusOptions struct {
	genericiooptions.IOStreams
	SelectionOptions
	Output string
	// Legacy selects the older plugin's output formats (text|wide|json).
	Legacy bool
}

// NewStatusOptions returns options reading the cluster getter points at and writing to streams.
func NewStatusOptions(getter genericclioptions.RESTClientGetter, streams genericiooptions.IOStreams) *StatusOptions {
	return &StatusOptions{IOStreams: streams, SelectionOptions: SelectionOptions{Getter: getter}}
}

// AddFlags binds the flags of `status` (or of the bare command, with Legacy).
func (o *StatusOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	if o.Legacy {
		o.SelectionOptions.AddFlags(f, selectionFlags{allHelp: readFlags().allHelp})
		f.StringVarP(&o.Output, "output", "o", "text", "Output format. One of: text|wide|json.")
		return
	}
	o.SelectionOptions.AddFlags(f, readFlags())
	f.StringVarP(&o.Output, "output", "o", "table", "Output format. One of: table|wide|json|yaml.")
}

// Complete reads the arguments and the namespace.
func (o *StatusOptions) Complete(args []string) error {
	return o.SelectionOptions.Complete(o.IOStreams, args)
}

// Validate rejects flag combinations that cannot work, naming the flag.
func (o *StatusOptions) Validate() error {
	formats := []string{"table", "wide", "json", "yaml"}
	if o.Legacy {
		formats = []string{"text", "wide", "json"}
	}
	if err := validateOutput(o.Output, formats...); err != nil {
		return err
	}
	return o.Selection.Validate()
}

// validateOutput rejects an --output value not in formats.
func validateOutput(output string, formats ...string) error {
	for _, f := range formats {
		if output == f {
			return nil
		}
	}
	return cli.Usagef("--output %q is not supported, use one of: %s", output, strings.Join(formats, "|"))
}

// Pods reads the selected pods (and, unless Legacy, their NADs) and builds the model.
func (o *StatusOptions) Pods(ctx context.Context) ([]inspect.Pod, error) {
	if o.Offline() {
		return status.FromDump(o.Selection, o.warn)
	}
	c, err := cluster.Connect(o.Getter)
	if err != nil {
		return nil, err
	}
	return status.FromCluster(ctx, c, o.Selection, !o.Legacy, o.warn)
}

// warn prints one warning line on stderr.
func (o *StatusOptions) warn(msg string) { fmt.Fprintf(o.ErrOut, "warning: %s\n", msg) }

// Run reads, inspects and prints.
func (o *StatusOptions) Run(ctx context.Context) error {
	pods, err := o.Pods(ctx)
	if err != nil {
		return err
	}
	if o.Legacy {
		return status.PrintLegacy(o.Out, pods, o.Output)
	}
	if len(pods) == 0 { // one line on stderr whatever the format; json and yaml still print their empty object
		where := fmt.Sprintf("in %s namespace", o.Namespace)
		switch {
		case o.Offline() && !o.ExplicitNamespace:
			where = "in " + o.Source()
		case o.ManyNamespaces():
			where = "in any namespace"
		}
		if _, err := fmt.Fprintf(o.ErrOut, "No pods found %s.\n", where); err != nil || o.Output == "table" || o.Output == "wide" {
			return err
		}
	}
	switch o.Output {
	case "json":
		return status.PrintJSON(o.Out, pods)
	case "yaml":
		return status.PrintYAML(o.Out, pods)
	}
	return status.PrintTable(o.Out, pods, o.Output == "wide", o.ManyNamespaces())
}

func newStatus(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewStatusOptions(flags, streams)
	c := &cobra.Command{
		Use:   "status [pod/NAME | NAME ...]",
		Short: "Compare the networks each pod requested with the interfaces it got",
		Long: `status lists every interface of every selected pod with its state:
  default      the cluster network
  attached     requested and present in the pod's network-status
  missing      requested, absent from the network-status
  unrequested  present in the network-status, not requested
and, with -o wide, the node, the pod status and a summary of the NAD's CNI config.
Annotation errors are shown as rows in state "error"; -o json prints the object
documented in docs/status-json.md.`,
		Example: `  kubectl multinet status -n cnf
  kubectl multinet status pod/samplepod -o wide
  kubectl multinet status -A -l app=upf -o json
  kubectl get pods -A -o yaml | kubectl multinet status -f -`,
		SilenceUsage:      true,
		ValidArgsFunction: podNameCompletion(flags),
		RunE: func(c *cobra.Command, args []string) error {
			return run(c.Context(), o, args)
		},
	}
	o.AddFlags(c)
	return c
}

// runner is the kubectl pattern every command's options follow.
type runner interface {
	Complete(args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// run completes, validates and runs o.
func run(ctx context.Context, o runner, args []string) error {
	if err := o.Complete(args); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}
	return o.Run(ctx)
}
