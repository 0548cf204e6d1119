package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/bundle"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cniconf"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/logs"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/logtail"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/nodecreds"
)

// BundleOptions are the flags of bundle.
type BundleOptions struct {
	genericiooptions.IOStreams
	DebugPodOptions
	Getter        genericclioptions.RESTClientGetter
	Namespace     string
	AllNamespaces bool
	Output        string
	Nodes         string
	Since         time.Duration
	MaxLogBytes   int
	Version       string
}

// Complete reads the namespace.
func (o *BundleOptions) Complete(args []string) error {
	switch {
	case len(args) > 0 && o.Nodes == "all":
		return cli.Usagef("%q: to read some nodes write --nodes=%s (with =)", args[0], args[0])
	case len(args) > 0:
		return cli.Usagef("bundle takes no arguments")
	}
	if o.AllNamespaces {
		return nil
	}
	ns, _, err := cluster.Namespace(o.Getter)
	if err != nil {
		return err
	}
	o.Namespace = ns
	return nil
}

// Validate checks the flags.
func (o *BundleOptions) Validate() error {
	if !strings.HasSuffix(o.Output, ".tar.gz") && !strings.HasSuffix(o.Output, ".tgz") {
		return cli.Usagef("-o %q: name a .tar.gz file", o.Output)
	}
	if _, err := os.Stat(o.Output); err == nil {
		return cli.Usagef("-o %s exists; name another file (a bundle never overwrites one)", o.Output)
	}
	return o.DebugPodOptions.Validate()
}

// Run collects the bundle into a temporary file next to -o and renames it once complete, so that
// a failed run leaves no partial bundle.
func (o *BundleOptions) Run(ctx context.Context) error {
	c, err := cluster.Connect(o.Getter)
	if err != nil {
		return err
	}
	opts := bundle.Options{Namespace: o.Namespace, CLIVersion: o.Version, Now: time.Now}
	if cli.IsTerminal(o.ErrOut) {
		opts.Progress = func(step string) { fmt.Fprintf(o.ErrOut, "bundle: %s\n", step) }
	}
	if o.Nodes != "" {
		var names []string
		if o.Nodes != "all" {
			names = strings.Split(o.Nodes, ",")
		}
		if opts.Nodes, err = nodeNames(ctx, c.Kube, names); err != nil {
			return err
		}
		if err := o.DebugPodOptions.Complete(ctx, c.Kube); err != nil {
			return err
		}
		pods := o.Pods(c.Kube)
		opts.Credentials = func(ctx context.Context, nodes []string) ([]nodecreds.Credential, []string) {
			return logs.Credentials(ctx, pods, nodes, o.ConfDir, o.Parallel)
		}
		opts.CNIConfigs = func(ctx context.Context, nodes []string) (map[string]cniconf.Dir, []string) {
			return logs.CNIConfigs(ctx, pods, nodes, o.ConfDir, o.Parallel)
		}
		opts.Logs = func(ctx context.Context, nodes []string) (map[string][]byte, []string) {
			sink := &bundle.NodeLogs{Cap: o.MaxLogBytes}
			req := logs.Request{Nodes: nodes, Sources: []string{logtail.Multus, logtail.Whereabouts, logtail.IPAM}, ConfDir: o.ConfDir,
				Extra: nadLogFiles(ctx, c.NADs()), Tail: -1, Since: o.Since, Parallel: o.Parallel}
			var notes []string
			if err := logs.Run(ctx, pods, req, &logs.Printer{Out: sink}); err != nil {
				notes = append(notes, fmt.Sprintf("node logs: %v", err))
			}
			return sink.Logs(), notes
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(o.Output), ".multinet-bundle-*")
	if err != nil {
		return fmt.Errorf("create the bundle next to %s: %w", o.Output, err)
	}
	defer os.Remove(tmp.Name())
	sum, err := bundle.Write(ctx, c.Dynamic, c.Discovery, tmp, opts)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write bundle %s: %w", o.Output, err)
	}
	if err := os.Rename(tmp.Name(), o.Output); err != nil {
		return fmt.Errorf("write bundle %s: %w", o.Output, err)
	}
	fmt.Fprintf(o.ErrOut, "wrote %s: %d objects, %d nodes' CNI kubeconfigs", o.Output, sum.Objects, sum.Nodes)
	if len(sum.Notes) > 0 {
		fmt.Fprintf(o.ErrOut, "; partial, skipped:\n  %s\n", strings.Join(sum.Notes, "\n  "))
	} else {
		fmt.Fprintln(o.ErrOut)
	}
	fmt.Fprintf(o.ErrOut, "read it with: kubectl multinet doctor -f %s (also status, tui, graph)\n", o.Output)
	return nil
}

func newBundle(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams, version string) *cobra.Command {
	o := &BundleOptions{IOStreams: streams, Getter: flags, Version: version,
		Output: "multinet-bundle-" + time.Now().UTC().Format("20060102-150405") + ".tar.gz"}
	c := &cobra.Command{
		Use:   "bundle [-n NS | -A] [-o FILE.tar.gz] [--nodes[=N1,N2]] [--since 1h]",
		Short: "Write a support bundle that status, doctor, tui and graph read offline with -f",
		Long: `bundle writes one .tar.gz for offline diagnosis: pods (metadata and status only), NADs, whereabouts
IPPools and reservations, IPAllocations, ResourceClaims, events, nodes, and the Multus, whereabouts
and multinet DaemonSets and kube-system ConfigMaps; the server's version and those DaemonSets'
images. With --nodes it also reads, through short-lived read-only debug pods, each node's CNI config
dir (text files, redacted on the node), what its CNI kubeconfigs say (server, expiry, the pod a
token is bound to; never the token, as doctor --nodes does), and its Multus, whereabouts and
multinet-ipam log lines of the last --since (at most --max-log-bytes a node, the last ones). Secrets are never read; tokens, keys and certificates inside any object are replaced by
REDACTED. What could not be read (forbidden, not served) is skipped and listed in the bundle.

Read it with kubectl multinet doctor -f FILE (the node-side checks included), status -f, tui -f
and graph -f.`,
		Example: `  kubectl multinet bundle -A -o cluster.tar.gz
  kubectl multinet bundle -n cnf --nodes
  kubectl multinet doctor -f cluster.tar.gz`,
		SilenceUsage: true,
		RunE:         func(c *cobra.Command, args []string) error { return run(c.Context(), o, args) },
	}
	f := c.Flags()
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "Pods, events and claims of all namespaces.")
	f.StringVarP(&o.Output, "output", "o", o.Output, "The bundle file to write (.tar.gz); it must not exist.")
	f.StringVar(&o.Nodes, "nodes", "", "Also read the CNI kubeconfigs of every node (--nodes) or some (--nodes=N1,N2) through read-only debug pods.")
	f.Lookup("nodes").NoOptDefVal = "all"
	f.DurationVar(&o.Since, "since", time.Hour, "With --nodes: the CNI log lines of this last while.")
	f.IntVar(&o.MaxLogBytes, "max-log-bytes", 8<<20, "With --nodes: keep at most the last this many bytes of each node's logs.")
	o.DebugPodOptions.AddFlags(f, 5*time.Minute)
	return c
}
