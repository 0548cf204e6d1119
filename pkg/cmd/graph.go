package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/topology"
)

// GraphOptions are the settings of one `graph` run.
type GraphOptions struct {
	// StatusOptions reads the pods as status does; its Output is graph's format.
	StatusOptions
	// Summary is auto, always or never: whether to count attachments per network and node
	// instead of drawing each pod (auto: above topology.SummaryAbove pods).
	Summary string
}

// Validate checks the format and the selection.
func (o *GraphOptions) Validate() error {
	if err := validateOutput(o.Output, "text", "dot", "mermaid"); err != nil {
		return err
	}
	switch o.Summary {
	case "auto", "always", "never":
	default:
		return fmt.Errorf("--summary %q: use auto, always or never", o.Summary)
	}
	return o.Selection.Validate()
}

// Run reads the pods and draws them.
func (o *GraphOptions) Run(ctx context.Context) error {
	pods, err := o.Pods(ctx)
	if err != nil {
		return err
	}
	if o.Summary != "never" {
		if s := topology.Summarize(pods); o.Summary == "always" || s.Pods > topology.SummaryAbove {
			switch o.Output {
			case "dot":
				return topology.WriteSummaryDOT(o.Out, s)
			case "mermaid":
				return topology.WriteSummaryMermaid(o.Out, s)
			}
			return topology.WriteSummaryText(o.Out, s)
		}
	}
	g := topology.Build(pods)
	switch o.Output {
	case "dot":
		return topology.WriteDOT(o.Out, g)
	case "mermaid":
		return topology.WriteMermaid(o.Out, g)
	}
	_, err = o.Out.Write([]byte(topology.Text(g)))
	return err
}

func newGraph(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &GraphOptions{StatusOptions: *NewStatusOptions(flags, streams)}
	c := &cobra.Command{
		Use:   "graph [pod/NAME ...]",
		Short: "Draw which pods attach to which networks on which nodes (text, Graphviz DOT, Mermaid)",
		Example: `  kubectl multinet graph -A
  kubectl multinet graph -A -o dot | dot -Tsvg > multinet.svg
  kubectl multinet graph -n cnf -o mermaid
  kubectl multinet graph -A --summary=always   # counts per network and node`,
		SilenceUsage:      true,
		ValidArgsFunction: podNameCompletion(flags),
		RunE: func(c *cobra.Command, args []string) error {
			return run(c.Context(), o, args)
		},
	}
	o.SelectionOptions.AddFlags(c.Flags(), readFlags())
	c.Flags().StringVarP(&o.Output, "output", "o", "text", "Output format. One of: text|dot|mermaid.")
	c.Flags().StringVar(&o.Summary, "summary", "auto", fmt.Sprintf("Count attachments per network and node instead of drawing each pod: auto (above %d pods), always or never.", topology.SummaryAbove))
	_ = c.RegisterFlagCompletionFunc("summary", cobra.FixedCompletions([]string{"auto", "always", "never"}, cobra.ShellCompDirectiveNoFileComp))
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "dot", "mermaid"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}
