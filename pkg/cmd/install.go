package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

	multinet "github.com/kubectl-multinet/kubectl-multinet"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/install"
)

// InstallOptions are the flags of install and uninstall.
type InstallOptions struct {
	genericiooptions.IOStreams
	Getter genericclioptions.RESTClientGetter

	Config     install.Config
	DryRun     string
	Output     string
	Wait       bool
	Timeout    time.Duration
	Force      bool
	DeleteData bool

	// mode is the dry-run mode in effect: DryRun, or "client" when -o yaml only prints.
	mode   string
	client install.Client
}

func (o *InstallOptions) connect() error {
	c, err := cluster.Connect(o.Getter)
	if err != nil {
		return err
	}
	mapper, err := o.Getter.ToRESTMapper()
	if err != nil {
		return fmt.Errorf("discover the API server's resources: %w", err)
	}
	o.client = install.Client{Dyn: c.Dynamic, Mapper: mapper, Access: c.Kube.AuthorizationV1(), NADs: c.NADs()}
	return nil
}

// Validate rejects bad flag values, naming the flag.
func (o *InstallOptions) Validate() error {
	switch o.DryRun {
	case "none", "client", "server":
	default:
		return cli.Usagef(`--dry-run must be "none", "client" or "server", not %q`, o.DryRun)
	}
	if o.Output != "" && o.Output != "yaml" {
		return cli.Usagef(`--output must be "yaml", not %q`, o.Output)
	}
	for flag, dir := range map[string]string{"--cni-bin-dir": o.Config.BinDir, "--cni-conf-dir": o.Config.ConfDir} {
		if dir != "" && !strings.HasPrefix(dir, "/") {
			return cli.Usagef("%s must be an absolute path on the node, not %q", flag, dir)
		}
	}
	if o.Config.APIServer != "" && !strings.HasPrefix(o.Config.APIServer, "https://") {
		return cli.Usagef("--apiserver must be an https:// URL the nodes can reach, not %q", o.Config.APIServer)
	}
	if o.Timeout <= 0 {
		return cli.Usagef("--timeout must be positive, not %s", o.Timeout)
	}
	if o.Config.GCEvery < 0 {
		return cli.Usagef("--gc-every must be positive, not %s", o.Config.GCEvery)
	}
	return nil
}

// Complete fills what the flags leave out: the dry-run mode (-o yaml only prints), the default
// config dir, and the connection unless nothing is sent to the cluster.
func (o *InstallOptions) Complete([]string) error {
	o.mode = o.DryRun
	if o.Output == "yaml" {
		o.mode = "client"
	}
	if o.Config.ConfDir == "" {
		o.Config.ConfDir = install.DefaultConfDir
	}
	if o.mode == "client" {
		if o.Config.BinDir == "" {
			o.Config.BinDir = install.DefaultBinDir
		}
		return nil
	}
	return o.connect()
}

// detect asks the cluster for the nodes' CNI bin dir (unless given) and whether it has a NAD CRD.
func (o *InstallOptions) detect(ctx context.Context) error {
	if o.mode == "client" {
		return nil
	}
	if o.Config.BinDir == "" {
		dir, err := o.client.DetectBinDir(ctx)
		if err != nil {
			return err
		}
		o.Config.BinDir = dir
	}
	has, err := o.client.HasCRD(ctx, install.NADCRD)
	if err != nil {
		return err
	}
	o.Config.SkipNADCRD = has
	return nil
}

// Run installs (see RunInstall).
func (o *InstallOptions) Run(ctx context.Context) error { return o.RunInstall(ctx) }

// RunInstall renders plugins.yaml and prints, dry-runs or applies it.
func (o *InstallOptions) RunInstall(ctx context.Context) error {
	if err := o.detect(ctx); err != nil {
		return err
	}
	objs, err := install.Render(multinet.PluginsYAML, o.Config)
	if err != nil {
		return err
	}
	if o.Output == "yaml" {
		return printYAML(o.Out, objs)
	}
	if o.mode == "client" {
		for _, obj := range objs {
			fmt.Fprintf(o.Out, "%s/%s would be applied (dry run)\n", strings.ToLower(obj.GetKind()), obj.GetName())
		}
		return nil
	}
	missing, err := o.client.Missing(ctx, objs, "create", "patch")
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return &cli.ExitError{Code: 1, Msg: fmt.Sprintf("install needs permissions you lack: %s; ask a cluster admin to run it, or use a kubeconfig bound to cluster-admin", strings.Join(missing, ", "))}
	}
	res, err := o.client.Apply(ctx, objs, o.mode == "server")
	for _, r := range res {
		suffix := ""
		if o.mode == "server" {
			suffix = " (server dry run)"
		}
		fmt.Fprintf(o.Out, "%s %s%s\n", r.Ref, r.Result, suffix)
	}
	if err != nil {
		return err
	}
	if o.Config.SkipNADCRD {
		fmt.Fprintf(o.Out, "customresourcedefinition/%s exists: left as it is\n", install.NADCRD)
	}
	if !o.Wait || o.mode == "server" {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	w := &install.Watcher{Out: o.Out, TTY: cli.IsTerminal(o.Out), Interval: 500 * time.Millisecond}
	return w.Wait(wctx, o.client)
}

// UninstallOptions are the settings of uninstall: install's, run the other way.
type UninstallOptions struct{ *InstallOptions }

// Complete connects.
func (o *UninstallOptions) Complete([]string) error { return o.connect() }

// Run removes what install applied.
func (o *UninstallOptions) Run(ctx context.Context) error { return o.RunUninstall(ctx) }

// RunUninstall removes what install applied.
func (o *InstallOptions) RunUninstall(ctx context.Context) error {
	objs, err := install.Render(multinet.PluginsYAML, o.Config)
	if err != nil {
		return err
	}
	return o.client.Uninstall(ctx, objs, install.UninstallOptions{Force: o.Force, DeleteData: o.DeleteData, Timeout: o.Timeout, Out: o.Out})
}

func printYAML(out interface{ Write([]byte) (int, error) }, objs []*unstructured.Unstructured) error {
	for _, obj := range objs {
		data, err := yaml.Marshal(obj.Object)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "---\n%s", data)
	}
	return nil
}

func newInstall(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &InstallOptions{IOStreams: streams, Getter: flags}
	c := &cobra.Command{
		Use:   "install",
		Short: "Put multinet's CNI plugins (multinet-macvlan, multinet-ipvlan, multinet-ipam) on every node",
		Long: `install server-side applies plugins.yaml: the NetworkAttachmentDefinition CRD (only if the
cluster has none), the IPAllocation CRD of multinet-ipam, a ServiceAccount with least-privilege
RBAC, and the DaemonSet kube-system/multinet-cni. Its init container copies the plugins into
the node's CNI bin dir (/opt/cni/bin; /home/kubernetes/bin on GKE) and writes the IPAM's
kubeconfig into <cni-conf-dir>/multinet.d; its agent refreshes that token and releases the
addresses of deleted pods. Multus' own configuration is never touched.`,
		Example: `  kubectl multinet install --wait
  kubectl multinet install -o yaml > multinet.yaml
  kubectl multinet install --dry-run=server
  kubectl multinet install --image registry.example/multinet-cni:v0.1.0 --cni-bin-dir /opt/cni/bin`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			return cluster.Unreachable(run(c.Context(), o, args))
		},
	}
	o.addFlags(c)
	c.Flags().StringVar(&o.DryRun, "dry-run", "none", `"none", "client" (print what would be applied) or "server" (the API server validates, nothing is stored).`)
	c.Flags().StringVarP(&o.Output, "output", "o", "", `"yaml": print the rendered objects instead of applying them.`)
	c.Flags().BoolVar(&o.Wait, "wait", false, "Wait until the DaemonSet is ready on every node, showing each node's progress.")
	return c
}

func (o *InstallOptions) addFlags(c *cobra.Command) {
	c.Flags().StringVar(&o.Config.Image, "image", "", "multinet-cni image (default: the one in plugins.yaml, ghcr.io/kubectl-multinet/multinet-cni:<version>).")
	c.Flags().StringVar(&o.Config.BinDir, "cni-bin-dir", "", "The nodes' CNI bin dir (default: detected, /opt/cni/bin or GKE's /home/kubernetes/bin).")
	c.Flags().StringVar(&o.Config.ConfDir, "cni-conf-dir", "", "The nodes' CNI config dir; multinet writes only its multinet.d subdirectory (default /etc/cni/net.d).")
	c.Flags().DurationVar(&o.Config.GCEvery, "gc-every", 0, "How often each node's agent releases the allocations of deleted pods (default 5m).")
	c.Flags().StringVar(&o.Config.APIServer, "apiserver", "", "API server URL the nodes' IPAM uses (default: the in-cluster kubernetes service).")
	c.Flags().DurationVar(&o.Timeout, "timeout", 5*time.Minute, "How long to wait for the rollout, or for each uninstall step.")
}

func newUninstall(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &InstallOptions{IOStreams: streams, Getter: flags, DryRun: "none"}
	c := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove multinet's plugins from every node, and its DaemonSet and RBAC",
		Long: `uninstall refuses while pods use a NetworkAttachmentDefinition that runs a multinet plugin
(it lists them; --force overrides). It deletes the DaemonSet, removes the plugins and the
multinet.d files from every node with one short-lived cleanup pod per node, deletes the RBAC
and ServiceAccount, and deletes the IPAllocation CRD only when it is empty or --delete-data is
given. The NetworkAttachmentDefinition CRD and Multus' configuration are never touched.`,
		Example:      "  kubectl multinet uninstall\n  kubectl multinet uninstall --force --delete-data",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, args []string) error {
			return cluster.Unreachable(run(c.Context(), &UninstallOptions{o}, args))
		},
	}
	o.addFlags(c)
	c.Flags().BoolVar(&o.Force, "force", false, "Uninstall even while pods use multinet plugins.")
	c.Flags().BoolVar(&o.DeleteData, "delete-data", false, "Also delete the IPAllocation CRD and every allocation in it.")
	return c
}
