package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipam"
)

// IPAMOptions are what the ipam subcommands share: the store and the cluster.
type IPAMOptions struct {
	genericiooptions.IOStreams
	Getter genericclioptions.RESTClientGetter
	// StoreNamespace holds the IPAllocation objects.
	StoreNamespace string

	clients *cluster.Clients
	store   *ipam.Kube
}

// Complete connects (the subcommands without arguments).
func (o *IPAMOptions) Complete([]string) error { return o.connect() }

// Validate has nothing to check (the subcommands without settings to check).
func (o *IPAMOptions) Validate() error { return nil }

// connect builds the clients and the allocation store.
func (o *IPAMOptions) connect() error {
	c, err := cluster.Connect(o.Getter)
	if err != nil {
		return err
	}
	o.clients, o.store = c, &ipam.Kube{Client: c.Dynamic, Namespace: o.StoreNamespace, Raw: c.Core}
	return nil
}

// listAll reads every allocation of the store.
func (o *IPAMOptions) listAll(ctx context.Context) ([]*ipam.Allocation, error) {
	allocs, err := o.store.ListAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("list ipallocations in %s: %w", o.StoreNamespace, cluster.Unreachable(err))
	}
	return allocs, nil
}

func newIPAM(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &IPAMOptions{IOStreams: streams, Getter: flags}
	root := &cobra.Command{
		Use:   "ipam",
		Short: "Inspect and maintain multinet-ipam's allocations (usage, gc, import from whereabouts)",
		Args:  cobra.NoArgs,
	}
	root.PersistentFlags().StringVar(&o.StoreNamespace, "store-namespace", "kube-system", "Namespace holding the IPAllocation objects (the IPAM's \"namespace\").")
	root.AddCommand(newIPAMUsage(o), newIPAMGC(o), newIPAMImport(o))
	return root
}

// IPAMUsageOptions are the settings of `ipam usage`.
type IPAMUsageOptions struct {
	*IPAMOptions
	Output string
	// Nodes adds each node agent's figures, from its metrics.
	Nodes bool
}

// Validate checks the output format.
func (o *IPAMUsageOptions) Validate() error { return validateOutput(o.Output, "table", "json") }

// Run reads the allocations and the NADs and prints each range's use.
func (o *IPAMUsageOptions) Run(ctx context.Context) error {
	allocs, err := o.listAll(ctx)
	if err != nil {
		return err
	}
	nads, err := o.clients.NADs().List(ctx, "")
	if err != nil {
		return err
	}
	var decls []ipam.RangeDecl
	for _, n := range nads {
		conf := inspect.ParseConfig(n.Spec.Config)
		if conf.IPAM == nil || conf.IPAM.Type != "multinet-ipam" {
			continue
		}
		for _, pl := range conf.IPAM.Pools {
			decls = append(decls, ipam.RangeDecl{NAD: n.Namespace + "/" + n.Name, Network: conf.IPAM.NetworkKey(pl), Pool: pl})
		}
	}
	usage := ipam.UsageOf(allocs, decls)
	var nodes []ipam.NodeFigures
	if o.Nodes {
		if nodes, err = nodeFigures(ctx, o.clients.Kube); err != nil {
			return err
		}
	}
	if o.Output == "json" {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		out := map[string]any{"ranges": usage}
		if o.Nodes {
			out["nodes"] = jsonSafe(nodes)
		}
		return enc.Encode(out)
	}
	fmt.Fprintf(o.Out, "%-28s %-20s %9s %9s %5s  %s\n", "NETWORK", "RANGE", "ALLOCATED", "CAPACITY", "USE", "NADS")
	for _, u := range usage {
		pct := "-"
		if u.Capacity > 0 {
			pct = fmt.Sprintf("%d%%", uint64(u.Allocated)*100/u.Capacity)
		}
		network := u.Network
		if network == "" {
			network = "-"
		}
		fmt.Fprintf(o.Out, "%-28s %-20s %9d %9d %5s  %s\n", network, u.Range, u.Allocated, u.Capacity, pct, strings.Join(u.NADs, ","))
	}
	if o.Nodes {
		printNodeFigures(o.Out, nodes)
	}
	return nil
}

// jsonSafe replaces quantiles of empty histograms (NaN, which JSON cannot hold) with 0.
func jsonSafe(rows []ipam.NodeFigures) []ipam.NodeFigures {
	for i := range rows {
		if math.IsNaN(rows[i].AllocateP50) {
			rows[i].AllocateP50, rows[i].AllocateP99 = 0, 0
		}
	}
	return rows
}

func newIPAMUsage(parent *IPAMOptions) *cobra.Command {
	o := &IPAMUsageOptions{IPAMOptions: parent, Output: "table"}
	cmd := &cobra.Command{
		Use:          "usage",
		Short:        "Show how full each multinet-ipam range is",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE:         func(c *cobra.Command, args []string) error { return run(c.Context(), o, args) },
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "Output format. One of: table|json.")
	cmd.Flags().BoolVar(&o.Nodes, "nodes", false, "Also show each node agent's figures from its metrics (allocations, fallbacks, GC, API errors, latency), read through the API server's pod proxy.")
	return cmd
}

// IPAMGCOptions are the settings of `ipam gc`.
type IPAMGCOptions struct {
	*IPAMOptions
	DryRun bool
}

// Run releases (or with DryRun lists) the allocations whose pod is gone.
func (o *IPAMGCOptions) Run(ctx context.Context) error {
	allocs, err := o.listAll(ctx)
	if err != nil {
		return err
	}
	pods, err := o.clients.Pods().Keys(ctx, cluster.PodQuery{PageSize: 2000})
	if err != nil {
		return err
	}
	live := make(map[string]bool, len(pods))
	for _, p := range pods {
		live[p] = true
	}
	verb := "released"
	if o.DryRun {
		verb = "would release"
	}
	leaked, err := ipam.ReleaseLeaked(ctx, o.store, allocs, func(ref string) bool { return live[ref] }, o.DryRun)
	for _, a := range leaked {
		fmt.Fprintf(o.Out, "%s %s on %s (pod %s is gone)\n", verb, a.IP, a.Network, a.PodRef)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "%d of %d allocations %s\n", len(leaked), len(allocs), verb)
	return nil
}

func newIPAMGC(parent *IPAMOptions) *cobra.Command {
	o := &IPAMGCOptions{IPAMOptions: parent}
	cmd := &cobra.Command{
		Use:          "gc",
		Short:        "Release multinet-ipam allocations whose pod no longer exists",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE:         func(c *cobra.Command, args []string) error { return run(c.Context(), o, args) },
	}
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "Only print what would be released.")
	return cmd
}

// IPAMImportOptions are the settings of `ipam import`.
type IPAMImportOptions struct {
	*IPAMOptions
	// Network is the NAD's network_name under multinet-ipam.
	Network string

	pool, namespace string
}

// Complete reads the pool argument and its namespace, and connects.
func (o *IPAMImportOptions) Complete(args []string) error {
	name, ok := strings.CutPrefix(args[0], "ippool/")
	if !ok || name == "" {
		return cli.Usagef("argument %q: give the pool as ippool/NAME", args[0])
	}
	ns, _, err := cluster.Namespace(o.Getter)
	if err != nil {
		return err
	}
	o.pool, o.namespace = name, ns
	return o.connect()
}

// Run copies the pool's allocations.
func (o *IPAMImportOptions) Run(ctx context.Context) error {
	res, err := ipam.Import(ctx, o.clients.Dynamic, o.namespace, o.pool, o.store, o.Network)
	if err != nil {
		return err
	}
	n := 0
	for _, r := range res {
		if r.Skipped == "" {
			n++
			fmt.Fprintf(o.Out, "imported %s (%s)\n", r.IP, r.PodRef)
		} else {
			fmt.Fprintf(o.Out, "skipped %s (%s): %s\n", r.IP, r.PodRef, r.Skipped)
		}
	}
	fmt.Fprintf(o.Out, "%d of %d allocations imported\n", n, len(res))
	return nil
}

func newIPAMImport(parent *IPAMOptions) *cobra.Command {
	o := &IPAMImportOptions{IPAMOptions: parent}
	cmd := &cobra.Command{
		Use:   "import ippool/NAME",
		Short: "Copy a whereabouts IPPool's allocations into multinet-ipam before switching a NAD to it",
		Long: `import copies every live allocation of a whereabouts IPPool into multinet-ipam's store, so
that a NAD switched from "type": "whereabouts" to "type": "multinet-ipam" never hands out an
address whereabouts already gave. Run it again after the switch to catch allocations made in
between; it is idempotent. The pool's namespace is -n (whereabouts keeps pools in kube-system).`,
		Example:      `  kubectl multinet ipam import -n kube-system ippool/172.30.0.0-24 --network data`,
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE:         func(c *cobra.Command, args []string) error { return run(c.Context(), o, args) },
	}
	cmd.Flags().StringVar(&o.Network, "network", "", "The NAD's network_name under multinet-ipam (default: none, what a NAD without network_name uses).")
	return cmd
}
