package cmd

import (
	"bytes"
	"context"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/probe"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/tui"
)

// fullEvery is how many ticks pass between reads of what is not watched (NADs, pools, events); the
// pods come from the watch.
const fullEvery = 6

// TUIOptions are the settings of one `tui` run.
type TUIOptions struct {
	// DoctorOptions reads the model as doctor does.
	DoctorOptions
	Refresh time.Duration
}

// Complete reads the namespace.
func (o *TUIOptions) Complete(args []string) error { return o.DoctorOptions.Complete(args) }

// Validate checks the refresh and the selection, and that the output is a terminal.
func (o *TUIOptions) Validate() error {
	if o.Refresh < 0 {
		return cli.Usagef("--refresh %s must not be negative", o.Refresh)
	}
	if err := o.Selection.Validate(); err != nil {
		return err
	}
	if !cli.IsTerminal(o.Out) {
		return cli.Usagef("tui needs a terminal; use kubectl multinet status or doctor for pipes")
	}
	return nil
}

// tuiGCPercent is the TUI's GC target (the runtime's default is 100); GOGC in the environment wins.
const tuiGCPercent = 50

// Run starts the program; it watches the pods unless it browses a dump.
func (o *TUIOptions) Run(ctx context.Context) error {
	every := o.Refresh
	if o.Offline() {
		every = 0 // a dump does not change
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	if _, set := os.LookupEnv("GOGC"); !set {
		// The TUI holds a model of every pod for as long as it runs and builds the next one beside
		// it; half the default heap growth kept its peak at 100,000 pods at 982 MB where the default
		// reached 1,344 MB, with no later first frame (docs/benchmarks.md).
		debug.SetGCPercent(tuiGCPercent)
	}
	cfg := tui.Config{
		Load:    func(ctx context.Context) (tui.Data, error) { return tui.Load(ctx, o.Model, time.Now) },
		Refresh: every,
		Color:   !noColor,
	}
	// Probes and log streams started from the TUI end with it; their debug pods are deleted before
	// the command returns.
	var background sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer func() { cancel(); background.Wait() }()
	if !o.Offline() {
		c, err := o.connect()
		if err != nil {
			return err
		}
		// The pods are listed once and then kept current by a watch; the watched changes are
		// applied to the last model (Apply), only the changed pods inspected again, and the checks
		// run again, without listing the pods again.
		mirror := cluster.NewPodMirror(c.Pods(), o.Selection.Query())
		background.Add(1)
		go func() { defer background.Done(); mirror.Run(ctx) }()
		o.pods = mirror
		src := &tui.Source{Loader: o.Model, Now: time.Now, Changes: mirror.Changes,
			Pods: func(ctx context.Context) ([]inspect.PodMeta, error) { return mirror.List(ctx, cluster.PodQuery{}) }}
		cfg.Load, cfg.Apply, cfg.Changed, cfg.FullEvery = src.Load, src.Apply, mirror.Changed, fullEvery
		cfg.Probe = func(pctx context.Context, ns, name string) (string, error) {
			background.Add(1)
			defer background.Done()
			pctx, stop := context.WithCancel(pctx)
			defer stop()
			context.AfterFunc(ctx, stop)
			rep, err := probeReport(pctx, c, "", time.Minute, false, ns, name)
			if err != nil {
				return "", err
			}
			var b strings.Builder
			err = probe.Print(&b, rep, "text", doctor.Styles{})
			return b.String(), err
		}
		cfg.Logs = func(lctx context.Context, ns, name string, line func(string)) error {
			background.Add(1)
			defer background.Done()
			lctx, stop := context.WithCancel(lctx)
			defer stop()
			context.AfterFunc(ctx, stop)
			w := &lineWriter{line: line}
			lo := &LogsOptions{IOStreams: genericiooptions.IOStreams{Out: w, ErrOut: w}, Getter: o.Getter, Namespace: ns,
				Follow: true, Tail: 100, Source: "all", DebugPodOptions: DebugPodOptions{DebugNamespace: "kube-system", MaxDuration: time.Hour, Parallel: 1}}
			return run(lctx, lo, []string{"pod/" + name})
		}
	}
	_, err := tea.NewProgram(tui.New(cfg), tea.WithContext(ctx)).Run()
	return err
}

// lineWriter calls line for each complete line written to it.
type lineWriter struct {
	line    func(string)
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.line(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
}

func newTUI(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &TUIOptions{DoctorOptions: *NewDoctorOptions(flags, streams), Refresh: 2 * time.Second}
	o.FailOn = "never"
	c := &cobra.Command{
		Use:   "tui",
		Short: "Browse multi-network pods, networks, pools and doctor findings interactively",
		Long: `tui shows the pods with their networks and health, the NetworkAttachmentDefinitions with
their users and pool use, the pods ↔ networks ↔ nodes topology and the doctor findings. The pods are
listed once and then kept current by a watch: each --refresh tick applies the changes seen since the
last one and runs the checks again. NADs, pools and events are read again every 6 ticks (less often
when one read of them takes longer), never while a read is still running.
Keys: / filter, tab views, enter details, esc back, n namespace, d doctor,
y yaml, p probe the pod (kubectl multinet probe), l stream its node logs (kubectl multinet logs),
? all keys, q quit. A probe or a log stream stops, and its debug pods are deleted, when you leave
the pod's view or quit. NO_COLOR turns colours off.`,
		Example: `  kubectl multinet tui -A
  kubectl multinet tui -n cnf --refresh 2s
  kubectl multinet tui -f dump.yaml`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			return run(c.Context(), o, args)
		},
	}
	o.SelectionOptions.AddFlags(c.Flags(), selectionFlags{selector: true, file: true, allHelp: "Show pods in all namespaces."})
	c.Flags().DurationVar(&o.Refresh, "refresh", o.Refresh, "Tick at which the changes the pod watch saw are applied.")
	return c
}
