// Package cmd assembles the kubectl-multinet command tree: the root (which behaves like the older
// k8snetworkplumbingwg `kubectl multinet`), status, version and shell completion.
package cmd

import (
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
)

// BuildInfo identifies the binary for `version`.
type BuildInfo struct {
	Version string
	Commit  string
}

// NewRoot returns the root command. Run with no subcommand it prints the older plugin's
// POD/IF/ADDRESS/MAC table.
func NewRoot(streams genericiooptions.IOStreams, info BuildInfo) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	legacy := NewStatusOptions(flags, streams)
	legacy.Legacy = true
	root := &cobra.Command{
		Use:   "kubectl-multinet",
		Short: "See and fix the extra network interfaces of Kubernetes pods (Multus, GKE multi-networking)",
		Long: `kubectl multinet shows, for every pod, the networks it asked for (k8s.v1.cni.cncf.io/networks,
networking.gke.io/interfaces) next to the interfaces it got (network-status).

Run without a subcommand it prints the POD / IF / ADDRESS / MAC table of the older
k8snetworkplumbingwg kubectl-multinet plugin, with its -o text|wide|json.`,
		Example: `  # interfaces of the pods in the current namespace (older plugin's table)
  kubectl multinet
  # requested vs attached networks, with states, in all namespaces
  kubectl multinet status -A
  # the same from a saved dump, no cluster needed
  kubectl get pods,net-attach-def -A -o yaml > dump.yaml && kubectl multinet status -f dump.yaml`,
		Args:              cobra.NoArgs,
		SilenceUsage:      true,
		SilenceErrors:     true,
		ValidArgsFunction: cobra.NoFileCompletions,
		Annotations:       map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl multinet"},
		RunE: func(c *cobra.Command, args []string) error {
			return run(c.Context(), legacy, args)
		},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cli.Usagef("%v; see %s -h", err, c.CommandPath())
	})
	flags.AddFlags(root.PersistentFlags())
	prof := &profiling{}
	prof.addFlags(root)
	legacy.AddFlags(root)
	root.AddCommand(newStatus(flags, streams), newDoctor(flags, streams), newGraph(flags, streams), newTUI(flags, streams), newIPAM(flags, streams), newInstall(flags, streams), newUninstall(flags, streams), newAttach(flags, streams), newLogs(flags, streams), newProbe(flags, streams), newCheck(flags, streams), newBundle(flags, streams, info.Version), newVersion(streams, info))
	prof.stopAfter(root)
	registerCompletions(root, flags)
	return root
}

// registerCompletions completes values of -n and -o.
func registerCompletions(root *cobra.Command, flags *genericclioptions.ConfigFlags) {
	_ = root.RegisterFlagCompletionFunc("namespace", namespaceCompletion(flags))
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "wide", "json"}, cobra.ShellCompDirectiveNoFileComp))
	for _, c := range root.Commands() {
		if c.Name() == "status" {
			_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "wide", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
		}
	}
}

func podNameCompletion(flags *genericclioptions.ConfigFlags) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ns, _, err := flags.ToRawKubeConfigLoader().Namespace()
		cfg, cerr := cluster.Connect(flags)
		if err != nil || cerr != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		pods, err := cfg.Pods().List(c.Context(), cluster.PodQuery{Namespace: ns})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, p := range pods {
			if strings.HasPrefix(p.Name, toComplete) {
				out = append(out, p.Name)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func namespaceCompletion(flags *genericclioptions.ConfigFlags) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		cs, err := cluster.Connect(flags)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names, err := cluster.NamespaceNames(c.Context(), cs.Metadata)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, n := range names {
			if strings.HasPrefix(n, toComplete) {
				out = append(out, n)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
