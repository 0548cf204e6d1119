package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-multinet/kubectl-multinet/docs/checks"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/logs"
)

// DoctorOptions are the settings of one `doctor` run.
type DoctorOptions struct {
	genericiooptions.IOStreams
	SelectionOptions
	// Color forces colours on or off; nil decides from the terminal and NO_COLOR.
	Color *bool
	// Now is the clock of time-based checks.
	Now func() time.Time

	Output  string
	FailOn  string
	Explain string
	List    bool
	// Nodes, when set, reads the CNI kubeconfigs of these nodes ("all", or NAME,NAME) through debug pods.
	Nodes string
	DebugPodOptions

	failOn doctor.Severity
	never  bool
	// selected are the pods of a dump the selection keeps (the model holds them all).
	selected map[string]bool
	// clients are connected once and reused by every Model (the TUI reloads).
	clients *cluster.Clients
	// pods, when set, is where Model reads the pods instead of listing them (the TUI's mirror).
	pods doctor.PodLister
}

// connect builds the clients once.
func (o *DoctorOptions) connect() (*cluster.Clients, error) {
	if o.clients == nil {
		c, err := cluster.Connect(o.Getter)
		if err != nil {
			return nil, err
		}
		o.clients = c
	}
	return o.clients, nil
}

// NewDoctorOptions returns options reading the cluster getter points at and writing to streams.
func NewDoctorOptions(getter genericclioptions.RESTClientGetter, streams genericiooptions.IOStreams) *DoctorOptions {
	return &DoctorOptions{IOStreams: streams, SelectionOptions: SelectionOptions{Getter: getter}, Output: "text", FailOn: "error", Now: time.Now}
}

// AddFlags binds the flags of `doctor`.
func (o *DoctorOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	o.SelectionOptions.AddFlags(f, diagnoseFlags())
	f.StringVarP(&o.Output, "output", "o", o.Output, "Output format. One of: text|json|yaml.")
	f.StringVar(&o.FailOn, "fail-on", o.FailOn, "Exit 1 when a finding at or above this severity exists. One of: error|warning|info|never.")
	f.StringVar(&o.Explain, "explain", "", "Print the page of a code (e.g. MN3002) and exit.")
	f.BoolVar(&o.List, "list", false, "List every check and exit.")
	f.StringVar(&o.Nodes, "nodes", "", "Also check the CNI plugins' kubeconfigs on every node (--nodes) or on some (--nodes=NAME,NAME) through read-only debug pods.")
	f.Lookup("nodes").NoOptDefVal = "all"
	o.DebugPodOptions.AddFlags(f, 5*time.Minute)
}

// Complete reads the namespace and the pod arguments.
func (o *DoctorOptions) Complete(args []string) error {
	if o.Explain != "" || o.List {
		return nil
	}
	if o.Nodes == "all" && len(args) > 0 && !strings.HasPrefix(args[0], "pod/") {
		return cli.Usagef("%q after --nodes is read as a pod; to name nodes write --nodes=%s", args[0], args[0])
	}
	if err := o.SelectionOptions.Complete(o.IOStreams, args); err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	return nil
}

// Validate rejects bad flags, naming them.
func (o *DoctorOptions) Validate() error {
	if err := validateOutput(o.Output, "text", "json", "yaml"); err != nil {
		return err
	}
	if o.FailOn == "never" {
		o.never = true
	} else {
		s, err := doctor.ParseSeverity(o.FailOn)
		if err != nil {
			return cli.Usagef("--fail-on: %v, or never", err)
		}
		o.failOn = s
	}
	if o.Nodes != "" && o.Offline() {
		return cli.Usagef("--nodes reads the nodes of a live cluster; it cannot be used with -f")
	}
	if o.Nodes != "" {
		if err := o.DebugPodOptions.Validate(); err != nil {
			return err
		}
	}
	return o.Selection.Validate()
}

// Run diagnoses and prints. It returns a silent exit-1 error when findings reach --fail-on, and an
// exit-2 error when the cluster or the dump cannot be read.
func (o *DoctorOptions) Run(ctx context.Context) error {
	all := doctor.All(o.Now)
	switch {
	case o.Explain != "":
		page, err := checks.Page(o.Explain)
		if err != nil {
			return cli.Usagef("--explain: %v", err)
		}
		_, err = io.WriteString(o.Out, page)
		return err
	case o.List:
		for _, c := range all {
			fmt.Fprintf(o.Out, "%s  %-26s %-7s  %s\n", c.Code, c.Name, c.Severity, c.Summary)
		}
		return nil
	}
	m, err := o.Model(ctx)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	if o.Offline() && !m.Has(doctor.InPods) {
		absent := make([]string, 0)
		for _, in := range m.Absent() {
			absent = append(absent, string(in))
		}
		fmt.Fprintf(o.ErrOut, "%s holds no pods; absent from it: %s\n", o.Source(), strings.Join(absent, ", "))
	}
	res := doctor.Run(m, all)
	if o.Narrowed() {
		res = doctor.OnlyPods(res, func(ns, name string) bool {
			if o.selected != nil {
				return o.selected[ns+"/"+name]
			}
			return m.Pod(ns+"/"+name) != nil
		})
	}
	switch o.Output {
	case "json":
		err = doctor.PrintJSON(o.Out, res, m.Notes)
	case "yaml":
		err = doctor.PrintYAML(o.Out, res, m.Notes)
	default:
		err = doctor.PrintText(o.Out, res, m.Notes, o.styles())
	}
	if err != nil {
		return err
	}
	if !o.never {
		for _, f := range res.Findings {
			if f.Severity >= o.failOn {
				return &cli.ExitError{Code: 1, Silent: true, Msg: fmt.Sprintf("findings at or above %s", o.failOn)}
			}
		}
	}
	return nil
}

func (o *DoctorOptions) styles() doctor.Styles {
	if o.Color != nil {
		if *o.Color {
			return doctor.ANSI()
		}
		return doctor.Styles{}
	}
	return doctor.StylesFor(o.Out)
}

// Model reads the cluster (or the dump) into a fresh model. Complete must have run.
func (o *DoctorOptions) Model(ctx context.Context) (*doctor.Model, error) {
	if o.Offline() {
		objs, err := o.Dump()
		if err != nil {
			return nil, err
		}
		m, err := doctor.FromDump(objs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.Source(), err)
		}
		snap, _ := objs.Snapshot() // FromDump succeeded, so this does
		o.selected = map[string]bool{}
		for _, p := range snap.Pods {
			if o.Matches(p) {
				o.selected[p.Namespace+"/"+p.Name] = true
			}
		}
		return m, nil
	}
	c, err := o.connect()
	if err != nil {
		return nil, err
	}
	clients := doctor.ClientsOf(c)
	if o.pods != nil {
		clients.Pods = o.pods
	}
	m, err := doctor.FromCluster(ctx, clients, o.Selection)
	if err != nil || o.Nodes == "" {
		return m, err
	}
	var names []string
	if o.Nodes != "all" {
		names = strings.Split(o.Nodes, ",")
	}
	nodes, err := nodeNames(ctx, c.Kube, names)
	if err != nil {
		return nil, err
	}
	if err := o.DebugPodOptions.Complete(ctx, c.Kube); err != nil {
		return nil, err
	}
	m.SetNodeCredentials(logs.Credentials(ctx, o.Pods(c.Kube), nodes, o.ConfDir, o.Parallel))
	return m, nil
}

func newDoctor(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := NewDoctorOptions(flags, streams)
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
			return run(c.Context(), o, args)
		},
	}
	o.AddFlags(c)
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	_ = c.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions([]string{"error", "warning", "info", "never"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}
