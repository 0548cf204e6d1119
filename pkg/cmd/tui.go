package cmd

import (
	"context"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/status"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/tui"
)

func newTUI(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &doctor.Options{IOStreams: streams, Getter: flags, Output: "text", FailOn: "never",
		NewPodLister: func(cfg *rest.Config) (doctor.PodLister, error) { return status.NewPodLister(cfg) }}
	refresh := 5 * time.Second
	c := &cobra.Command{
		Use:   "tui",
		Short: "Browse multi-network pods, networks, pools and doctor findings interactively",
		Long: `tui shows the pods with their networks and health, the NetworkAttachmentDefinitions with
their users and pool use, the pods ↔ networks ↔ nodes topology and the doctor findings, refreshed
every --refresh. Keys: / filter, tab views, enter details, esc back, n namespace, d doctor,
y yaml, ? all keys, q quit. NO_COLOR turns colours off.`,
		Example: `  kubectl multinet tui -A
  kubectl multinet tui -n cnf --refresh 2s
  kubectl multinet tui -f dump.yaml`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := o.Complete(nil); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			if refresh < 0 {
				return cli.Usagef("--refresh %s must not be negative", refresh)
			}
			every := refresh
			if o.Filename != "" {
				every = 0 // a dump does not change
			}
			_, noColor := os.LookupEnv("NO_COLOR")
			model := tui.New(tui.Config{
				Load:    func(ctx context.Context) (tui.Data, error) { return tui.Load(ctx, o.Model, time.Now) },
				Refresh: every,
				Color:   !noColor,
			})
			if f, ok := streams.Out.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
				return cli.Usagef("tui needs a terminal; use kubectl multinet status or doctor for pipes")
			}
			_, err := tea.NewProgram(model, tea.WithContext(c.Context())).Run()
			return err
		},
	}
	f := c.Flags()
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Show pods in all namespaces.")
	f.StringVarP(&o.LabelSelector, "selector", "l", "", "Only pods matching this label selector.")
	f.StringVarP(&o.Filename, "filename", "f", "", "Browse a dump (kubectl get -o yaml|json output) instead of the cluster.")
	f.DurationVar(&refresh, "refresh", refresh, "How often to re-read the cluster.")
	return c
}
