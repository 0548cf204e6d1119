package cmd

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/connectivity"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/probe"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/status"
)

// CheckOptions are the flags of check connectivity.
type CheckOptions struct {
	genericiooptions.IOStreams
	SelectionOptions
	Networks []string
	// Segments are groups of NADs (NS/A,NS/B) tested as one network.
	Segments []string
	Output   string
	Image    string
	Timeout  time.Duration
	MaxPods  int
	Parallel int
	// Protocol is auto, icmp or udp; UDPPort is where udp's echo servers listen.
	Protocol string
	UDPPort  int
	// CreateProbes starts probe pods on Nodes (ProbesPerNode each) instead of testing running pods.
	CreateProbes  bool
	Nodes         []string
	ProbesPerNode int
}

// Complete reads the namespace and selector.
func (o *CheckOptions) Complete(args []string) error {
	if len(args) > 0 {
		return cli.Usagef("check connectivity takes no arguments; choose networks with --network NS/NAD")
	}
	if err := o.SelectionOptions.Complete(o.IOStreams, nil); err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	return nil
}

// Validate rejects bad flags, naming them.
func (o *CheckOptions) Validate() error {
	for _, n := range o.Networks {
		if !isNADKey(n) {
			return cli.Usagef("--network %q: give a NetworkAttachmentDefinition as NAMESPACE/NAME", n)
		}
	}
	for _, seg := range o.Segments {
		keys := strings.Split(seg, ",")
		for _, k := range keys {
			if !isNADKey(k) {
				return cli.Usagef("--segment %q: give two or more NetworkAttachmentDefinitions as NS/A,NS/B", seg)
			}
		}
		if len(keys) < 2 {
			return cli.Usagef("--segment %q: name two or more NetworkAttachmentDefinitions, NS/A,NS/B", seg)
		}
	}
	switch {
	case o.MaxPods < 2:
		return cli.Usagef("--max-pods must be at least 2")
	case o.Parallel < 1:
		return cli.Usagef("--parallel must be at least 1")
	case o.Timeout < time.Second:
		return cli.Usagef("--timeout must be at least 1s")
	case o.Protocol != "auto" && o.Protocol != connectivity.ProtocolICMP && o.Protocol != connectivity.ProtocolUDP:
		return cli.Usagef("--protocol %q: use auto, icmp or udp", o.Protocol)
	case o.UDPPort < 1 || o.UDPPort > 65535:
		return cli.Usagef("--udp-port must be between 1 and 65535")
	case len(o.Nodes) > 0 && !o.CreateProbes:
		return cli.Usagef("--nodes chooses where --create-probes starts probe pods; add --create-probes")
	case o.ProbesPerNode < 1:
		return cli.Usagef("--probes-per-node must be at least 1")
	case o.CreateProbes && o.LabelSelector != "":
		return cli.Usagef("-l selects running pods to test; --create-probes tests pods of its own: use one or the other")
	}
	if err := validateOutput(o.Output, "text", "json"); err != nil {
		return err
	}
	return o.Selection.Validate()
}

// Run plans, pings and prints; it exits 1 when a pair fails and 2 when the cluster cannot be read.
func (o *CheckOptions) Run(ctx context.Context) error {
	c, err := cluster.Connect(o.Getter)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	dp := DebugPodOptions{Image: o.Image}
	if err := dp.Complete(ctx, c.Kube); err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	tctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var pods []inspect.Pod
	var failures []connectivity.ProbeFailure
	want := map[string]bool{}
	for _, n := range o.Networks {
		want[n] = true
	}
	var segments [][]string
	for _, seg := range o.Segments {
		keys := strings.Split(seg, ",")
		segments = append(segments, keys)
		for _, k := range keys {
			want[k] = true
		}
	}
	if o.CreateProbes {
		probes := &connectivity.ProbePods{Client: c.Kube, Image: dp.Image, Deadline: o.Timeout + time.Minute, RunID: utilrand.String(8), Now: time.Now}
		defer func() {
			if n, err := probes.Cleanup(ctx); err != nil {
				fmt.Fprintf(o.ErrOut, "warning: %v\n", err)
			} else if n > 0 {
				fmt.Fprintf(o.ErrOut, "deleted %d probe pods\n", n)
			}
		}()
		if pods, failures, err = o.startProbes(tctx, c, probes, want); err != nil {
			return &cli.ExitError{Code: 2, Err: err}
		}
	} else {
		pods, err = status.FromCluster(ctx, c, o.Selection, true, func(msg string) { fmt.Fprintf(o.ErrOut, "warning: %s\n", msg) })
		if err != nil {
			return &cli.ExitError{Code: 2, Err: err}
		}
	}
	if len(want) == 0 {
		want = nil
	}
	maxPods := o.MaxPods
	if o.CreateProbes {
		maxPods = 0 // the probe pods are the sample
	}
	plans := connectivity.MakePlans(pods, o.networks(ctx, c, pods), want, maxPods, segments)
	o.setProtocols(ctx, c, plans)
	var skipped []string
	for n := range want {
		found := false
		for _, p := range plans {
			found = found || slices.Contains(strings.Split(p.Network.Key, "+"), n)
		}
		if !found {
			skipped = append(skipped, fmt.Sprintf("%s has fewer than two running pods attached in the selection", n))
		}
	}
	sort.Strings(skipped)
	if len(plans) == 0 && len(failures) == 0 {
		fmt.Fprintln(o.ErrOut, "no secondary network has two running attached pods here; nothing to test")
	}
	runner := &probe.Runner{Client: c.Kube, Image: dp.Image}
	opts := connectivity.Options{Parallel: o.Parallel, UDPPort: o.UDPPort, Linger: o.Timeout,
		Warn: func(msg string) { fmt.Fprintf(o.ErrOut, "warning: %s\n", msg) }}
	if cli.IsTerminal(o.ErrOut) {
		opts.Progress = func(done, total int) {
			fmt.Fprintf(o.ErrOut, "\rpinged from %d of %d pods", done, total)
			if done == total {
				fmt.Fprintln(o.ErrOut)
			}
		}
	}
	results, err := connectivity.Run(tctx, runner, plans, opts)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	rep := connectivity.NewReport(results, skipped)
	rep.ProbeFailures = failures
	if o.Output == "json" {
		err = connectivity.PrintJSON(o.Out, rep)
	} else {
		err = connectivity.PrintText(o.Out, rep)
	}
	if err != nil {
		return err
	}
	if rep.Summary.Failed > 0 || len(failures) > 0 {
		return &cli.ExitError{Code: 1, Silent: true, Msg: "some pairs failed"}
	}
	return nil
}

// networks describes the NADs the pods use: plugin, mode, MTU, IPAM ranges and routes.
func (o *CheckOptions) networks(ctx context.Context, c *cluster.Clients, pods []inspect.Pod) map[string]connectivity.Network {
	set := c.NADs().Read(ctx, nadNamespacesOf(pods))
	out := map[string]connectivity.Network{}
	for _, key := range inspect.ReferencedNADs(pods) {
		nad := set.Get(key)
		if nad == nil {
			continue
		}
		cfg := inspect.ParseConfig(nad.Spec.Config)
		extra := probe.ParseNADConfig(nad.Spec.Config)
		n := connectivity.Network{Key: key, Type: cfg.Type, Mode: cfg.Mode, Master: cfg.Master, MTU: extra.MTU, HasRoutes: len(extra.Routes) > 0}
		if cfg.IPAM != nil {
			for _, p := range cfg.IPAM.Pools {
				n.Ranges = append(n.Ranges, p.Prefix)
			}
		}
		out[key] = n
	}
	return out
}

// nadNamespacesOf lists the namespaces of the NADs any pod uses.
func nadNamespacesOf(pods []inspect.Pod) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range inspect.ReferencedNADs(pods) {
		if ns, _, ok := strings.Cut(k, "/"); ok && !seen[ns] {
			seen[ns] = true
			out = append(out, ns)
		}
	}
	return out
}

func newCheck(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	check := &cobra.Command{Use: "check", Short: "Active checks of the data plane", SilenceUsage: true}
	o := &CheckOptions{IOStreams: streams, SelectionOptions: SelectionOptions{Getter: flags}, Output: "text", Timeout: 5 * time.Minute, MaxPods: 5, Parallel: 4,
		Protocol: "auto", UDPPort: 33433, ProbesPerNode: 2}
	c := &cobra.Command{
		Use:   "connectivity",
		Short: "Ping between the pods of each secondary network, over that network only, and explain failures",
		Long: `check connectivity covers each secondary network (NAD) with at least two running attached pods
in the selection. From each pod of a bounded sample (--max-pods, spread over the nodes) it sends
echoes to the others over that network's interface only, then one echo of the NAD's MTU with DF
set, and reads the ARP entry left. It prints a pods x pods matrix per network (ok, FAIL, or MTU
when only the full-size packet is lost) and each failure with its likely cause: different subnets,
a macvlan mode that forbids the pair (private, vepa), ipvlan l3 between nodes without routes, no ARP
reply (not one segment), a path MTU below the NAD's.

The pings run in an ephemeral container of each source pod. --protocol icmp uses a raw socket: root
with only NET_RAW, which needs the privileged Pod Security level. --protocol udp first starts an echo
server in each pod and needs no capability. auto (the default) is icmp, and udp in namespaces whose
Pod Security level is below privileged. The containers exit when done; Kubernetes keeps their
terminated entries in the pods.

--create-probes tests pods of its own instead: --probes-per-node on each node (--nodes) for each
network, deleted when the command ends however it ends. --segment NS/A,NS/B tests the pods of NADs
meant to share an L2 segment as one network, every pair across them.

Exit status: 0 when every pair passes, 1 when one fails or a probe pod cannot attach, 2 on usage or
cluster errors.`,
		Example: `  kubectl multinet check connectivity -n cnf
  kubectl multinet check connectivity -A --network cnf/n3 -o json
  kubectl multinet check connectivity -n cnf --create-probes --network cnf/n3 --nodes node1,node2
  kubectl multinet check connectivity -n cnf --segment cnf/n3,cnf/n3-legacy --protocol udp`,
		SilenceUsage: true,
		Args:         cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return run(c.Context(), o, args)
		},
	}
	f := c.Flags()
	o.SelectionOptions.AddFlags(f, selectionFlags{selector: true, allHelp: "Test networks in all namespaces."})
	f.StringArrayVar(&o.Networks, "network", nil, "Test only this NetworkAttachmentDefinition (NS/NAME); repeatable.")
	f.StringArrayVar(&o.Segments, "segment", nil, "Test the pods of these NADs (NS/A,NS/B) as one network, every pair across them: NADs meant to share an L2 segment; repeatable.")
	f.StringVarP(&o.Output, "output", "o", o.Output, "Output format. One of: text|json.")
	f.StringVar(&o.Image, "image", "", "Image holding multinet-cni (default: the installed DaemonSet's).")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "Give up when the checks have not finished by then.")
	f.IntVar(&o.MaxPods, "max-pods", o.MaxPods, "Test at most this many pods of a network (a sample spread over the nodes).")
	f.IntVar(&o.Parallel, "parallel", o.Parallel, "Pods pinging at once.")
	f.StringVar(&o.Protocol, "protocol", o.Protocol, "auto|icmp|udp. udp sends datagrams to an echo server started in each pod first: no NET_RAW, and it passes where ICMP is filtered. auto is icmp, and udp in namespaces whose Pod Security level is below privileged.")
	f.IntVar(&o.UDPPort, "udp-port", o.UDPPort, "Port of the UDP echo servers (on the tested interface only).")
	f.BoolVar(&o.CreateProbes, "create-probes", false, "Start probe pods of its own on each network (--network, else every NAD in the namespace) and node, test those, and delete them.")
	f.StringSliceVar(&o.Nodes, "nodes", nil, "With --create-probes: the nodes to start probe pods on (default: Ready nodes by name, enough for --max-pods).")
	f.IntVar(&o.ProbesPerNode, "probes-per-node", o.ProbesPerNode, "With --create-probes: probe pods a node and network (2 tests same-node pairs too).")
	check.AddCommand(c)
	return check
}

// isNADKey says whether s is NAMESPACE/NAME.
func isNADKey(s string) bool {
	ns, name, ok := strings.Cut(s, "/")
	return ok && ns != "" && name != "" && !strings.Contains(name, "/")
}
