package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
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
	Output   string
	Image    string
	Timeout  time.Duration
	MaxPods  int
	Parallel int
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
		if ns, name, ok := strings.Cut(n, "/"); !ok || ns == "" || name == "" || strings.Contains(name, "/") {
			return cli.Usagef("--network %q: give a NetworkAttachmentDefinition as NAMESPACE/NAME", n)
		}
	}
	switch {
	case o.MaxPods < 2:
		return cli.Usagef("--max-pods must be at least 2")
	case o.Parallel < 1:
		return cli.Usagef("--parallel must be at least 1")
	case o.Timeout < time.Second:
		return cli.Usagef("--timeout must be at least 1s")
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
	pods, err := status.FromCluster(ctx, c, o.Selection, true, func(msg string) { fmt.Fprintf(o.ErrOut, "warning: %s\n", msg) })
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	var want map[string]bool
	if len(o.Networks) > 0 {
		want = map[string]bool{}
		for _, n := range o.Networks {
			want[n] = true
		}
	}
	plans := connectivity.MakePlans(pods, o.networks(ctx, c, pods), want, o.MaxPods)
	var skipped []string
	for n := range want {
		found := false
		for _, p := range plans {
			found = found || p.Network.Key == n
		}
		if !found {
			skipped = append(skipped, fmt.Sprintf("%s has fewer than two running pods attached in the selection", n))
		}
	}
	if len(plans) == 0 {
		fmt.Fprintln(o.ErrOut, "no secondary network has two running attached pods here; nothing to test")
	}
	dp := DebugPodOptions{Image: o.Image}
	if err := dp.Complete(ctx, c.Kube); err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	runner := &probe.Runner{Client: c.Kube, Image: dp.Image}
	var progress func(done, total int)
	if cli.IsTerminal(o.ErrOut) {
		progress = func(done, total int) {
			fmt.Fprintf(o.ErrOut, "\rpinged from %d of %d pods", done, total)
			if done == total {
				fmt.Fprintln(o.ErrOut)
			}
		}
	}
	tctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	results, err := connectivity.Run(tctx, runner.Output, plans, o.Parallel, progress)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	rep := connectivity.NewReport(results, skipped)
	if o.Output == "json" {
		err = connectivity.PrintJSON(o.Out, rep)
	} else {
		err = connectivity.PrintText(o.Out, rep)
	}
	if err != nil {
		return err
	}
	if rep.Summary.Failed > 0 {
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
		n := connectivity.Network{Key: key, Type: cfg.Type, Mode: cfg.Mode, MTU: extra.MTU, HasRoutes: len(extra.Routes) > 0}
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
	o := &CheckOptions{IOStreams: streams, SelectionOptions: SelectionOptions{Getter: flags}, Output: "text", Timeout: 5 * time.Minute, MaxPods: 5, Parallel: 4}
	c := &cobra.Command{
		Use:   "connectivity",
		Short: "Ping between the pods of each secondary network, over that network only, and explain failures",
		Long: `check connectivity covers each secondary network (NAD) with at least two running attached pods
in the selection. From each pod of a bounded sample (--max-pods, spread over the nodes) it sends
ICMP echoes to the others over that network's interface only, then one echo of the NAD's MTU with
DF set, and reads the ARP entry left. It prints a pods x pods matrix per network (ok, FAIL, or MTU
when only the full-size packet is lost) and each failure with its likely cause: different subnets,
a macvlan mode that forbids the pair (private, vepa), ipvlan l3 between nodes without routes, no ARP
reply (not one segment), a path MTU below the NAD's.

The pings run in an ephemeral container of each source pod, as kubectl multinet probe --arp does:
root with only NET_RAW (a raw ICMP socket bound to the interface), so the namespace must admit the
privileged Pod Security level. It exits when done; Kubernetes keeps its terminated entry in the pod.

Exit status: 0 when every pair passes, 1 when one fails, 2 on usage or cluster errors.`,
		Example: `  kubectl multinet check connectivity -n cnf
  kubectl multinet check connectivity -A --network cnf/n3 -o json`,
		SilenceUsage: true,
		Args:         cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return run(c.Context(), o, args)
		},
	}
	f := c.Flags()
	o.SelectionOptions.AddFlags(f, selectionFlags{selector: true, allHelp: "Test networks in all namespaces."})
	f.StringArrayVar(&o.Networks, "network", nil, "Test only this NetworkAttachmentDefinition (NS/NAME); repeatable.")
	f.StringVarP(&o.Output, "output", "o", o.Output, "Output format. One of: text|json.")
	f.StringVar(&o.Image, "image", "", "Image holding multinet-cni (default: the installed DaemonSet's).")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "Give up when the checks have not finished by then.")
	f.IntVar(&o.MaxPods, "max-pods", o.MaxPods, "Test at most this many pods of a network (a sample spread over the nodes).")
	f.IntVar(&o.Parallel, "parallel", o.Parallel, "Pods pinging at once.")
	check.AddCommand(c)
	return check
}
