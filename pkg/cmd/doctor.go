package cmd

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/status"
)

func newDoctor(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &doctor.Options{IOStreams: streams, Getter: flags,
		NewPodLister: func(cfg *rest.Config) (doctor.PodLister, error) { return status.NewPodLister(cfg) }}
	c := &cobra.Command{
		Use:   "doctor [pod/NAME ...]",
		Short: "Find what is wrong with multi-network pods, NADs, IP pools and Multus",
		Long: `doctor runs coded checks (MN1001 ...) over NetworkAttachmentDefinitions, pods and their
network annotations, sandbox-failure events, whereabouts IP pools, the Multus DaemonSet, RBAC
and GKEIPRoutes, and prints one finding a line with a fix:

  Error [MN3002] (Pod cnf/upf-1) requests network cnf/n9, which does not exist; ...
      fix: create NetworkAttachmentDefinition cnf/n9, or fix the name in k8s.v1.cni.cncf.io/networks

Resources you may not read are skipped with a note. Exit status: 0 when no finding reaches
--fail-on (default error), 1 when one does, 2 on usage errors or when the cluster cannot be read.`,
		Example: `  kubectl multinet doctor -A
  kubectl multinet doctor -n cnf pod/upf-1 -o json
  kubectl multinet doctor --explain MN4003
  kubectl get pods,net-attach-def,ippools,events,nodes -A -o yaml | kubectl multinet doctor -f -`,
		SilenceUsage:      true,
		ValidArgsFunction: podNameCompletion(flags),
		RunE: func(c *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(c.Context())
		},
	}
	o.AddFlags(c)
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	_ = c.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions([]string{"error", "warning", "info", "never"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}
