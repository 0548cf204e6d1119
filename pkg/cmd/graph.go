package cmd

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/status"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/topology"
)

func newGraph(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := status.NewOptions(flags, streams)
	output := "text"
	c := &cobra.Command{
		Use:   "graph [pod/NAME ...]",
		Short: "Draw which pods attach to which networks on which nodes (text, Graphviz DOT, Mermaid)",
		Example: `  kubectl multinet graph -A
  kubectl multinet graph -A -o dot | dot -Tsvg > multinet.svg
  kubectl multinet graph -n cnf -o mermaid`,
		SilenceUsage:      true,
		ValidArgsFunction: podNameCompletion(flags),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := status.ValidateOutput(output, "text", "dot", "mermaid"); err != nil {
				return err
			}
			if err := o.ValidateSelection(); err != nil {
				return err
			}
			pods, err := o.Pods(c.Context())
			if err != nil {
				return err
			}
			g := topology.Build(pods)
			switch output {
			case "dot":
				return topology.WriteDOT(streams.Out, g)
			case "mermaid":
				return topology.WriteMermaid(streams.Out, g)
			}
			_, err = streams.Out.Write([]byte(topology.Text(g)))
			return err
		},
	}
	o.AddSelectionFlags(c)
	c.Flags().StringVarP(&output, "output", "o", "text", "Output format. One of: text|dot|mermaid.")
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "dot", "mermaid"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}
