package doctor

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/kubectl-multinet/kubectl-multinet/docs/checks"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/dump"
)

// Options are the settings of one `doctor` run.
type Options struct {
	genericiooptions.IOStreams
	Getter genericclioptions.RESTClientGetter
	// NewPodLister builds the pod reader from a REST config (status' fast lister).
	NewPodLister func(*rest.Config) (PodLister, error)
	// Color forces colours on or off; nil decides from the terminal and NO_COLOR.
	Color *bool
	// Now is the clock of time-based checks.
	Now func() time.Time

	AllNamespaces bool
	LabelSelector string
	Output        string
	FailOn        string
	Filename      string
	Explain       string
	List          bool

	namespace string
	names     []string
	failOn    Severity
	never     bool
}

// AddFlags binds the flags of `doctor`.
func (o *Options) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Diagnose pods in all namespaces (needed for the leaked-allocation check).")
	f.StringVarP(&o.LabelSelector, "selector", "l", "", "Only pods matching this label selector.")
	f.StringVarP(&o.Output, "output", "o", "text", "Output format. One of: text|json|yaml.")
	f.StringVar(&o.FailOn, "fail-on", "error", "Exit 1 when a finding at or above this severity exists. One of: error|warning|info|never.")
	f.StringVarP(&o.Filename, "filename", "f", "", "Diagnose a dump (kubectl get -o yaml|json of pods, NADs, IPPools, events, nodes, ...) instead of the cluster; - for stdin.")
	f.StringVar(&o.Explain, "explain", "", "Print the page of a code (e.g. MN3002) and exit.")
	f.BoolVar(&o.List, "list", false, "List every check and exit.")
}

// Complete reads the namespace and the pod arguments.
func (o *Options) Complete(args []string) error {
	for _, a := range args {
		kind, name, found := strings.Cut(a, "/")
		if !found {
			name, kind = kind, "pod"
		}
		if k := strings.ToLower(kind); k != "pod" && k != "pods" && k != "po" || name == "" {
			return cli.Usagef("argument %q: use pod/NAME or NAME", a)
		}
		o.names = append(o.names, name)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Filename != "" || o.Explain != "" || o.List || o.Getter == nil {
		return nil
	}
	ns, _, err := o.Getter.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return &cli.ExitError{Code: 2, Err: fmt.Errorf("read kubeconfig: %w; check --kubeconfig or $KUBECONFIG", err)}
	}
	o.namespace = ns
	if o.AllNamespaces {
		o.namespace = ""
	}
	return nil
}

// Validate rejects bad flags, naming them.
func (o *Options) Validate() error {
	switch o.Output {
	case "text", "json", "yaml":
	default:
		return cli.Usagef("--output %q is not supported, use one of: text|json|yaml", o.Output)
	}
	if o.FailOn == "never" {
		o.never = true
	} else {
		s, err := ParseSeverity(o.FailOn)
		if err != nil {
			return cli.Usagef("--fail-on: %v, or never", err)
		}
		o.failOn = s
	}
	if _, err := labels.Parse(o.LabelSelector); err != nil {
		return cli.Usagef("--selector %q: %v", o.LabelSelector, err)
	}
	if o.AllNamespaces && len(o.names) > 0 {
		return cli.Usagef("pod names cannot be combined with --all-namespaces; use -n NAMESPACE")
	}
	return nil
}

// Run diagnoses and prints. It returns a silent exit-1 error when findings reach --fail-on, and an
// exit-2 error when the cluster or the dump cannot be read.
func (o *Options) Run(ctx context.Context) error {
	all := All(o.Now)
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
	res := Run(m, all)
	if len(o.names) > 0 || o.LabelSelector != "" {
		res = onlySelectedPods(res, m)
	}
	switch o.Output {
	case "json":
		err = PrintJSON(o.Out, res, m.Notes)
	case "yaml":
		err = PrintYAML(o.Out, res, m.Notes)
	default:
		err = PrintText(o.Out, res, m.Notes, o.styles())
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

// onlySelectedPods drops pod findings about pods outside the selection (pool and cluster findings
// stay).
func onlySelectedPods(res Result, m *Model) Result {
	kept := res.Findings[:0]
	for _, f := range res.Findings {
		if f.Object.Kind == "Pod" && m.Pod(f.Object.Namespace+"/"+f.Object.Name) == nil {
			continue
		}
		kept = append(kept, f)
	}
	res.Findings = kept
	res.Summary = Summarize(kept)
	return res
}

func (o *Options) styles() Styles {
	if o.Color != nil {
		if *o.Color {
			return ANSI()
		}
		return Styles{}
	}
	return StylesFor(o.Out)
}

// StylesFor colours output for w when it is a terminal and NO_COLOR is unset.
func StylesFor(w io.Writer) Styles {
	if cli.Color(w) {
		return ANSI()
	}
	return Styles{}
}

// Model reads the cluster (or the dump) into a fresh model. Complete must have run.
func (o *Options) Model(ctx context.Context) (*Model, error) {
	if o.Filename != "" {
		return o.fromFile()
	}
	c, err := NewClients(o.Getter, o.NewPodLister)
	if err != nil {
		return nil, err
	}
	return FromCluster(ctx, c, Scope{Namespace: o.namespace, LabelSelector: o.LabelSelector, Names: o.names})
}

// NewClients connects to the cluster getter points at.
func NewClients(getter genericclioptions.RESTClientGetter, newPodLister func(*rest.Config) (PodLister, error)) (Clients, error) {
	cfg, err := getter.ToRESTConfig()
	if err != nil {
		return Clients{}, fmt.Errorf("load kubeconfig: %w; check --kubeconfig, --context or $KUBECONFIG", err)
	}
	pods, err := newPodLister(cfg)
	if err != nil {
		return Clients{}, err
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 50, 300
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return Clients{}, fmt.Errorf("build dynamic client: %w", err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return Clients{}, fmt.Errorf("build discovery client: %w", err)
	}
	return Clients{Pods: pods, Dynamic: dyn, Discovery: disc}, nil
}

func (o *Options) fromFile() (*Model, error) {
	var r io.Reader = o.In
	if o.Filename != "-" {
		f, err := os.Open(o.Filename)
		if err != nil {
			return nil, fmt.Errorf("open --filename: %w", err)
		}
		defer f.Close()
		r = f
	}
	objs, err := dump.Read(r, dump.Source(o.Filename))
	if err != nil {
		return nil, err
	}
	m, err := FromDump(objs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dump.Source(o.Filename), err)
	}
	return m, nil
}
