package status

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	nadclient "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/client/clientset/versioned/typed/k8s.cni.cncf.io/v1"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/dump"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// Options are the settings of one `status` (or legacy) run.
type Options struct {
	genericiooptions.IOStreams
	// Getter gives access to the cluster; not used with Filename.
	Getter genericclioptions.RESTClientGetter

	AllNamespaces bool
	LabelSelector string
	FieldSelector string
	Output        string
	Filename      string
	// ChunkSize is the number of pods fetched per request.
	ChunkSize int64
	// Legacy selects the older plugin's output formats (text|wide|json).
	Legacy bool

	namespace         string
	explicitNamespace bool
	names             []string
}

// NewOptions returns Options writing to streams.
func NewOptions(getter genericclioptions.RESTClientGetter, streams genericiooptions.IOStreams) *Options {
	return &Options{IOStreams: streams, Getter: getter}
}

// AddFlags binds the flags of `status`.
func (o *Options) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	if o.Legacy {
		f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "List pods in all namespaces.")
		f.StringVarP(&o.Output, "output", "o", "text", "Output format. One of: text|wide|json.")
		return
	}
	o.AddSelectionFlags(cmd)
	f.StringVarP(&o.Output, "output", "o", "table", "Output format. One of: table|wide|json|yaml.")
}

// AddSelectionFlags binds the flags that choose pods and where they are read from (shared with
// the commands that render the same model differently).
func (o *Options) AddSelectionFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "List pods in all namespaces.")
	f.StringVarP(&o.LabelSelector, "selector", "l", "", "Label selector to filter pods on (e.g. -l app=cnf).")
	f.StringVar(&o.FieldSelector, "field-selector", "", "Field selector to filter pods on (e.g. --field-selector spec.nodeName=node1).")
	f.Int64Var(&o.ChunkSize, "chunk-size", cluster.DefaultPageSize, "Return large lists in chunks of this many pods, as kubectl does.")
	f.StringVarP(&o.Filename, "filename", "f", "", "Read pods and NADs from this file (kubectl get -o yaml|json output) instead of the cluster; - for stdin.")
}

// Complete fills the namespace and pod names from the kubeconfig and the arguments.
func (o *Options) Complete(args []string) error {
	for _, a := range args {
		kind, name, found := strings.Cut(a, "/")
		if !found {
			name, kind = kind, "pod"
		}
		switch strings.ToLower(kind) {
		case "pod", "pods", "po":
		default:
			return cli.Usagef("argument %q: only pods are supported, use pod/NAME or NAME", a)
		}
		if name == "" {
			return cli.Usagef("argument %q has no pod name", a)
		}
		o.names = append(o.names, name)
	}
	if o.Getter == nil {
		return nil
	}
	ns, explicit, err := o.Getter.ToRawKubeConfigLoader().Namespace()
	if err != nil && o.Filename == "" {
		return fmt.Errorf("read kubeconfig: %w; check --kubeconfig or $KUBECONFIG", err)
	}
	o.namespace, o.explicitNamespace = ns, explicit
	return nil
}

// Validate rejects flag combinations that cannot work, naming the flag.
func (o *Options) Validate() error {
	formats := []string{"table", "wide", "json", "yaml"}
	if o.Legacy {
		formats = []string{"text", "wide", "json"}
	}
	if err := ValidateOutput(o.Output, formats...); err != nil {
		return err
	}
	return o.ValidateSelection()
}

// ValidateOutput rejects an --output value not in formats.
func ValidateOutput(output string, formats ...string) error {
	for _, f := range formats {
		if output == f {
			return nil
		}
	}
	return cli.Usagef("--output %q is not supported, use one of: %s", output, strings.Join(formats, "|"))
}

// ValidateSelection rejects selection flags that cannot work together.
func (o *Options) ValidateSelection() error {
	if o.ChunkSize < 0 {
		return cli.Usagef("--chunk-size %d must be 0 or more", o.ChunkSize)
	}
	if o.AllNamespaces && len(o.names) > 0 {
		return cli.Usagef("pod names cannot be combined with --all-namespaces; use -n NAMESPACE")
	}
	if o.Filename != "" && o.FieldSelector != "" {
		return cli.Usagef("--field-selector cannot be used with --filename; it is evaluated by the API server")
	}
	if _, err := labels.Parse(o.LabelSelector); err != nil {
		return cli.Usagef("--selector %q: %v", o.LabelSelector, err)
	}
	if _, err := fields.ParseSelector(o.FieldSelector); err != nil {
		return cli.Usagef("--field-selector %q: %v", o.FieldSelector, err)
	}
	return nil
}

// Pods reads the selected pods (and their NADs) and builds the model.
func (o *Options) Pods(ctx context.Context) ([]inspect.Pod, error) {
	if o.Filename != "" {
		snap, err := o.fromFile()
		if err != nil {
			return nil, err
		}
		return inspect.Inspect(snap), nil
	}
	return o.fromCluster(ctx)
}

// Run reads, inspects and prints.
func (o *Options) Run(ctx context.Context) error {
	pods, err := o.Pods(ctx)
	if err != nil {
		return err
	}
	if o.Legacy {
		return PrintLegacy(o.Out, pods, o.Output)
	}
	if len(pods) == 0 && (o.Output == "table" || o.Output == "wide") {
		where := fmt.Sprintf("in %s namespace", o.namespace)
		if o.AllNamespaces || o.Filename != "" && !o.explicitNamespace {
			where = "in any namespace"
		}
		_, err := fmt.Fprintf(o.ErrOut, "No pods found %s.\n", where)
		return err
	}
	switch o.Output {
	case "json":
		return PrintJSON(o.Out, pods)
	case "yaml":
		return PrintYAML(o.Out, pods)
	}
	return PrintTable(o.Out, pods, o.Output == "wide", o.AllNamespaces || o.Filename != "" && !o.explicitNamespace)
}

func (o *Options) fromFile() (inspect.Snapshot, error) {
	var r io.Reader = o.In
	if o.Filename != "-" {
		f, err := os.Open(o.Filename)
		if err != nil {
			return inspect.Snapshot{}, fmt.Errorf("open --filename: %w", err)
		}
		defer f.Close()
		r = f
	}
	objs, err := dump.Read(r, dump.Source(o.Filename))
	if err != nil {
		return inspect.Snapshot{}, err
	}
	snap, err := objs.Snapshot()
	if err != nil {
		return snap, fmt.Errorf("%s: %w", dump.Source(o.Filename), err)
	}
	sel, _ := labels.Parse(o.LabelSelector)
	keep := snap.Pods[:0]
	for _, p := range snap.Pods {
		if o.explicitNamespace && !o.AllNamespaces && p.Namespace != o.namespace {
			continue
		}
		if len(o.names) > 0 && !contains(o.names, p.Name) {
			continue
		}
		if !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		keep = append(keep, p)
	}
	snap.Pods = keep
	if len(o.names) > 0 && len(keep) == 0 {
		return snap, fmt.Errorf("pod %q not found in %s; check the name and -n/--namespace", o.names[0], dump.Source(o.Filename))
	}
	return snap, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// fromCluster lists the pods, inspects them once, then reads the NADs their networks name (all of
// them at once for an all-namespace query) and adds the config summaries.
func (o *Options) fromCluster(ctx context.Context) ([]inspect.Pod, error) {
	cfg, err := o.Getter.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w; check --kubeconfig, --context or $KUBECONFIG", err)
	}
	lister, err := NewPodLister(cfg)
	if err != nil {
		return nil, err
	}
	q := cluster.PodQuery{Namespace: o.namespace, LabelSelector: o.LabelSelector, FieldSelector: o.FieldSelector, Names: o.names, PageSize: o.ChunkSize}
	if o.AllNamespaces {
		q.Namespace = ""
	}
	metas, err := lister.List(ctx, q)
	if err != nil {
		return nil, err
	}
	pods := inspect.Inspect(inspect.Snapshot{Pods: metas})
	if o.Legacy {
		return pods, nil
	}
	nc, err := nadclient.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("network-attachment-definitions client: %w", err)
	}
	inspect.DescribeNetworks(pods, cluster.NewNADReader(nc).Read(ctx, nadNamespaces(pods, q.Namespace)))
	return pods, nil
}

// nadNamespaces says which namespaces to list NADs in: all at once for an all-namespace query, else
// those the pods refer to.
func nadNamespaces(pods []inspect.Pod, namespace string) []string {
	if namespace == "" {
		return []string{""}
	}
	seen := map[string]bool{}
	var namespaces []string
	for _, k := range inspect.ReferencedNADs(pods) {
		ns, _, _ := strings.Cut(k, "/")
		if !seen[ns] {
			seen[ns] = true
			namespaces = append(namespaces, ns)
		}
	}
	return namespaces
}

// Client-side rate limits, as kubectl sets them: a paginated list of a large cluster must not
// wait on client-go's default of 5 requests a second.
const (
	clientQPS   = 50
	clientBurst = 300
)

// NewPodLister builds the pod lister's two clients (core REST, metadata) from cfg.
func NewPodLister(cfg *rest.Config) (*cluster.PodLister, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = clientQPS, clientBurst
	core, err := coreClient(cfg)
	if err != nil {
		return nil, err
	}
	meta, err := metadata.NewForConfig(metadata.ConfigFor(cfg))
	if err != nil {
		return nil, fmt.Errorf("build metadata client: %w", err)
	}
	return cluster.NewPodLister(core, meta), nil
}

func coreClient(cfg *rest.Config) (*rest.RESTClient, error) {
	c := rest.CopyConfig(cfg)
	c.APIPath = "/api"
	c.GroupVersion = &scheme.Scheme.PrioritizedVersionsForGroup("")[0]
	c.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	if c.UserAgent == "" {
		c.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	rc, err := rest.RESTClientFor(c)
	if err != nil {
		return nil, fmt.Errorf("build API client: %w", err)
	}
	return rc, nil
}
