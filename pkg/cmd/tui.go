package cmd

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/status"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/tui"
)

// fullEvery is how many quiet ticks pass before a full reload (NADs, pools, events are not watched).
const fullEvery = 6

// watchPods starts a metadata watch of the TUI's pods and returns the change flag the model polls.
func watchPods(ctx context.Context, flags *genericclioptions.ConfigFlags, o *doctor.Options) (func() bool, error) {
	cfg, err := flags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w; check --kubeconfig, --context or $KUBECONFIG", err)
	}
	meta, err := metadata.NewForConfig(metadata.ConfigFor(cfg))
	if err != nil {
		return nil, fmt.Errorf("build metadata client: %w", err)
	}
	ns, _, err := flags.ToRawKubeConfigLoader().Namespace()
	if err != nil || o.AllNamespaces {
		ns = ""
	}
	var dirty atomic.Bool
	go cluster.WatchPods(ctx, meta, ns, o.LabelSelector, func() { dirty.Store(true) })
	return func() bool { return dirty.Swap(false) }, nil
}

func newTUI(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &doctor.Options{IOStreams: streams, Getter: flags, Output: "text", FailOn: "never",
		NewPodLister: func(cfg *rest.Config) (doctor.PodLister, error) { return status.NewPodLister(cfg) }}
	refresh := 2 * time.Second
	c := &cobra.Command{
		Use:   "tui",
		Short: "Browse multi-network pods, networks, pools and doctor findings interactively",
		Long: `tui shows the pods with their networks and health, the NetworkAttachmentDefinitions with
their users and pool use, the pods ↔ networks ↔ nodes topology and the doctor findings. A watch on
the pods marks changes; each --refresh tick re-reads the cluster once if anything changed (and every
6 ticks regardless, for NADs, pools and events), never while a read is still running. Keys: / filter, tab views, enter details, esc back, n namespace, d doctor,
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
			cfg := tui.Config{
				Load:    func(ctx context.Context) (tui.Data, error) { return tui.Load(ctx, o.Model, time.Now) },
				Refresh: every,
				Color:   !noColor,
			}
			if o.Filename == "" {
				changed, err := watchPods(c.Context(), flags, o)
				if err != nil {
					return err
				}
				cfg.Changed, cfg.FullEvery = changed, fullEvery
			}
			model := tui.New(cfg)
			if !cli.IsTerminal(streams.Out) {
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
	f.DurationVar(&refresh, "refresh", refresh, "Tick at which changes seen by the watch are re-read.")
	return c
}
