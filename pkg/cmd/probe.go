package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/probe"
)

// ProbeOptions are the flags and argument of probe.
type ProbeOptions struct {
	genericiooptions.IOStreams
	Getter  genericclioptions.RESTClientGetter
	Output  string
	Image   string
	Timeout time.Duration
	ARP     bool

	namespace, pod string
}

// Complete reads the pod argument and the namespace.
func (o *ProbeOptions) Complete(args []string) error {
	if len(args) != 1 {
		return cli.Usagef("give one pod: kubectl multinet probe pod/NAME [-n NAMESPACE]")
	}
	name, _ := strings.CutPrefix(args[0], "pod/")
	if strings.Contains(name, "/") || name == "" {
		return cli.Usagef("%q is not a pod; give pod/NAME or NAME", args[0])
	}
	o.pod = name
	ns, _, err := cluster.Namespace(o.Getter)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	o.namespace = ns
	return nil
}

// Validate rejects bad flags, naming them.
func (o *ProbeOptions) Validate() error {
	if o.Timeout < time.Second {
		return cli.Usagef("--timeout must be at least 1s")
	}
	return validateOutput(o.Output, "text", "json", "yaml")
}

// Run reads the pod, its NADs and its namespace, compares them and prints the result. It exits 1
// when a finding is an error.
func (o *ProbeOptions) Run(ctx context.Context) error {
	c, err := cluster.Connect(o.Getter)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	rep, err := probeReport(ctx, c, o.Image, o.Timeout, o.ARP, o.namespace, o.pod)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	findings := rep.Findings
	if err := probe.Print(o.Out, rep, o.Output, doctor.StylesFor(o.Out)); err != nil {
		return err
	}
	for _, f := range findings {
		if f.Severity >= doctor.Error {
			return &cli.ExitError{Code: 1, Silent: true, Msg: "the pod's interfaces differ from what the API says"}
		}
	}
	return nil
}

// probeReport reads pod ns/name, its NADs and (through the probe container from image, or the
// installed DaemonSet's) its network namespace, and compares them.
func probeReport(ctx context.Context, c *cluster.Clients, image string, timeout time.Duration, arp bool, ns, name string) (probe.Report, error) {
	k8sPod, err := c.Kube.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return probe.Report{}, fmt.Errorf("pod %s not found in namespace %q; check the name and -n", name, ns)
	}
	if err != nil {
		return probe.Report{}, cluster.Unreachable(fmt.Errorf("get pod %s/%s: %w", ns, name, err))
	}
	pods := inspect.Inspect(inspect.Snapshot{Pods: []inspect.PodMeta{inspect.MetaFromPod(k8sPod)}})
	pod := &pods[0]
	nads := map[string]probe.NADConfig{}
	set := c.NADs().Read(ctx, nadNamespacesOf(pods))
	for _, in := range pod.Interfaces {
		if n := set.Get(in.Network); n != nil {
			nads[in.Network] = probe.ParseNADConfig(n.Spec.Config)
		}
	}
	dp := DebugPodOptions{Image: image}
	if err := dp.Complete(ctx, c.Kube); err != nil {
		return probe.Report{}, err
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	snap, err := (&probe.Runner{Client: c.Kube, Image: dp.Image, ARP: arp}).Snapshot(tctx, ns, name)
	if err != nil {
		return probe.Report{}, err
	}
	findings := probe.Compare(pod, nads, snap)
	doctor.Sort(findings)
	return probe.Report{Namespace: pod.Namespace, Pod: pod.Name, Node: pod.Node, Snapshot: snap, Findings: findings}, nil
}

func newProbe(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &ProbeOptions{IOStreams: streams, Getter: flags, Output: "text", Timeout: time.Minute}
	c := &cobra.Command{
		Use:   "probe pod/NAME",
		Short: "Read a pod's interfaces, addresses, routes and neighbours from inside it, and compare them with the API",
		Long: `probe shows the kernel's view from inside a running pod: every link (state, MTU, MAC, kind,
master), its addresses, the routes of every table, the policy rules (sbr) and the neighbours. It
compares them with the pod's network-status and its NADs (mtu, IPAM routes) and reports drift with
codes MN7001-MN7006 (kubectl multinet doctor --explain MN7001). With --arp it also sends ARP
probes (RFC 5227) for the pod's IPv4 addresses and reports other hosts that answer (MN7007).

It adds an ephemeral container to the pod, as kubectl debug does, running multinet-cni probe from
--image (default: the installed DaemonSet's). The container shares the pod's network namespace,
so it needs no privilege: it runs as user 65534, drops every capability, has a read-only root and
the RuntimeDefault seccomp profile (the restricted Pod Security level), reads and prints, and exits.
Kubernetes keeps a terminated ephemeral container's entry in the pod; nothing keeps running.
RBAC: get pods, update pods/ephemeralcontainers, get pods/log in the pod's namespace.

Exit status: 0 when nothing is wrong or only warnings, 1 on an error finding, 2 when the pod cannot
be probed.`,
		Example: `  kubectl multinet probe pod/upf-1 -n cnf
  kubectl multinet probe upf-1 -n cnf -o json`,
		SilenceUsage:      true,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: podNameCompletion(flags),
		RunE: func(c *cobra.Command, args []string) error {
			return run(c.Context(), o, args)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Output, "output", "o", o.Output, "Output format. One of: text|json|yaml.")
	f.StringVar(&o.Image, "image", "", "Image holding multinet-cni (default: the installed DaemonSet's).")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "Give up when the probe has not finished by then.")
	f.BoolVar(&o.ARP, "arp", false, "Also send ARP probes for the pod's IPv4 addresses to find other hosts holding them (MN7007); the probe container then runs as root with NET_RAW, which only the privileged Pod Security level admits.")
	_ = c.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"text", "json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}
