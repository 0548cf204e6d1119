package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipam"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/status"
)

// ipamCmd holds what the ipam subcommands share.
type ipamCmd struct {
	flags     *genericclioptions.ConfigFlags
	streams   genericiooptions.IOStreams
	storeNS   string
	cfg       *rest.Config
	dyn       dynamic.Interface
	allocator *ipam.Kube
}

func (c *ipamCmd) connect() error {
	cfg, err := c.flags.ToRESTConfig()
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w; check --kubeconfig, --context or $KUBECONFIG", err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 50, 300
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("build API client: %w", err)
	}
	c.cfg, c.dyn, c.allocator = cfg, dyn, &ipam.Kube{Client: dyn, Namespace: c.storeNS}
	return nil
}

func newIPAM(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	c := &ipamCmd{flags: flags, streams: streams}
	root := &cobra.Command{
		Use:   "ipam",
		Short: "Inspect and maintain multinet-ipam's allocations (usage, gc, import from whereabouts)",
		Args:  cobra.NoArgs,
	}
	root.PersistentFlags().StringVar(&c.storeNS, "store-namespace", "kube-system", "Namespace holding the IPAllocation objects (the IPAM's \"namespace\").")
	root.AddCommand(c.usageCmd(), c.gcCmd(), c.importCmd())
	return root
}

func (c *ipamCmd) usageCmd() *cobra.Command {
	output := "table"
	cmd := &cobra.Command{
		Use:          "usage",
		Short:        "Show how full each multinet-ipam range is",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := status.ValidateOutput(output, "table", "json"); err != nil {
				return err
			}
			if err := c.connect(); err != nil {
				return err
			}
			usage, err := c.usage(cmd.Context())
			if err != nil {
				return err
			}
			if output == "json" {
				enc := json.NewEncoder(c.streams.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"ranges": usage})
			}
			fmt.Fprintf(c.streams.Out, "%-28s %-20s %9s %9s %5s  %s\n", "NETWORK", "RANGE", "ALLOCATED", "CAPACITY", "USE", "NADS")
			for _, u := range usage {
				pct := "-"
				if u.Capacity > 0 {
					pct = fmt.Sprintf("%d%%", uint64(u.Allocated)*100/u.Capacity)
				}
				network := u.Network
				if network == "" {
					network = "-"
				}
				fmt.Fprintf(c.streams.Out, "%-28s %-20s %9d %9d %5s  %s\n", network, u.Range, u.Allocated, u.Capacity, pct, strings.Join(u.NADs, ","))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", output, "Output format. One of: table|json.")
	return cmd
}

var nadGVR = schema.GroupVersionResource{Group: "k8s.cni.cncf.io", Version: "v1", Resource: "network-attachment-definitions"}

func (c *ipamCmd) usage(ctx context.Context) ([]ipam.Usage, error) {
	allocs, err := c.allocator.ListAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("list ipallocations in %s: %w", c.storeNS, err)
	}
	nads, err := c.dyn.Resource(nadGVR).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list network-attachment-definitions: %w", err)
	}
	var decls []ipam.RangeDecl
	for _, n := range nads.Items {
		config, _, _ := unstructuredString(n.Object, "spec", "config")
		conf := inspect.ParseConfig(config)
		if conf.IPAM == nil || conf.IPAM.Type != "multinet-ipam" {
			continue
		}
		var excl []netip.Prefix
		for _, e := range conf.IPAM.Exclude {
			if p, err := netip.ParsePrefix(e); err == nil {
				excl = append(excl, p)
			} else if a, err := netip.ParseAddr(e); err == nil {
				excl = append(excl, netip.PrefixFrom(a, a.BitLen()))
			}
		}
		for _, r := range conf.IPAM.Ranges {
			network := ipam.NetworkKey(conf.IPAM.NetworkName, conf.IPAM.EnableOverlapping, r.Prefix.String())
			decls = append(decls, ipam.RangeDecl{NAD: n.GetNamespace() + "/" + n.GetName(), Network: network, Range: r, Exclude: excl})
		}
	}
	return ipam.UsageOf(allocs, decls), nil
}

func unstructuredString(obj map[string]any, path ...string) (string, bool, error) {
	cur := any(obj)
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false, nil
		}
		cur = m[k]
	}
	s, ok := cur.(string)
	return s, ok, nil
}

func (c *ipamCmd) gcCmd() *cobra.Command {
	dryRun := false
	cmd := &cobra.Command{
		Use:          "gc",
		Short:        "Release multinet-ipam allocations whose pod no longer exists",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := c.connect(); err != nil {
				return err
			}
			ctx := cmd.Context()
			allocs, err := c.allocator.ListAll(ctx)
			if err != nil {
				return fmt.Errorf("list ipallocations in %s: %w", c.storeNS, err)
			}
			lister, err := status.NewPodLister(c.cfg)
			if err != nil {
				return err
			}
			pods, err := lister.List(ctx, cluster.PodQuery{})
			if err != nil {
				return err
			}
			live := map[string]bool{}
			for _, p := range pods {
				live[p.Namespace+"/"+p.Name] = true
			}
			verb := "released"
			if dryRun {
				verb = "would release"
			}
			leaked, err := ipam.ReleaseLeaked(ctx, c.allocator, allocs, func(ref string) bool { return live[ref] }, dryRun)
			for _, a := range leaked {
				fmt.Fprintf(c.streams.Out, "%s %s on %s (pod %s is gone)\n", verb, a.IP, a.Network, a.PodRef)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(c.streams.Out, "%d of %d allocations %s\n", len(leaked), len(allocs), verb)
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "Only print what would be released.")
	return cmd
}

func (c *ipamCmd) importCmd() *cobra.Command {
	network := ""
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
		RunE: func(cmd *cobra.Command, args []string) error {
			name, ok := strings.CutPrefix(args[0], "ippool/")
			if !ok || name == "" {
				return cli.Usagef("argument %q: give the pool as ippool/NAME", args[0])
			}
			ns, _, err := c.flags.ToRawKubeConfigLoader().Namespace()
			if err != nil {
				return err
			}
			if err := c.connect(); err != nil {
				return err
			}
			res, err := ipam.Import(cmd.Context(), c.dyn, ns, name, c.allocator, network)
			if err != nil {
				return err
			}
			n := 0
			for _, r := range res {
				if r.Skipped == "" {
					n++
					fmt.Fprintf(c.streams.Out, "imported %s (%s)\n", r.IP, r.PodRef)
				} else {
					fmt.Fprintf(c.streams.Out, "skipped %s (%s): %s\n", r.IP, r.PodRef, r.Skipped)
				}
			}
			fmt.Fprintf(c.streams.Out, "%d of %d allocations imported\n", n, len(res))
			return nil
		},
	}
	cmd.Flags().StringVar(&network, "network", "", "The NAD's network_name under multinet-ipam (default: none, what a NAD without network_name uses).")
	return cmd
}
