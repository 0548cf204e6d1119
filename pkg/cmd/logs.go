package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cli"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipamconf"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/logs"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/logtail"
)

// LogsOptions are the flags and arguments of logs.
type LogsOptions struct {
	genericiooptions.IOStreams
	Getter genericclioptions.RESTClientGetter

	Node     string
	AllNodes bool
	Follow   bool
	Since    time.Duration
	Tail     int
	Source   string
	DebugPodOptions
	// Namespace, when set, is the pod's namespace instead of the kubeconfig's or -n's.
	Namespace string

	pod    string
	client kubernetes.Interface
	nads   *cluster.NADReader
	req    logs.Request
}

// Complete reads the target and connects.
func (o *LogsOptions) Complete(args []string) error {
	if len(args) > 0 {
		name, ok := strings.CutPrefix(args[0], "pod/")
		if !ok && strings.Contains(args[0], "/") {
			return cli.Usagef("%q is not a pod; give pod/NAME, --node NODE or --all-nodes", args[0])
		}
		o.pod = name
	}
	switch o.Source {
	case "all":
		o.req.Sources = []string{logtail.Multus, logtail.Whereabouts, logtail.IPAM}
	case logtail.Multus, logtail.Whereabouts, logtail.IPAM:
		o.req.Sources = []string{o.Source}
	}
	o.req.Tail, o.req.Since, o.req.Follow, o.req.Parallel = o.Tail, o.Since, o.Follow, o.Parallel
	c, err := cluster.Connect(o.Getter)
	if err != nil {
		return err
	}
	o.client = c.Kube
	o.nads = c.NADs()
	return nil
}

// Validate rejects a missing or double target and bad values, naming the flag.
func (o *LogsOptions) Validate() error {
	targets := 0
	for _, set := range []bool{o.pod != "", o.Node != "", o.AllNodes} {
		if set {
			targets++
		}
	}
	if targets != 1 {
		return cli.Usagef("give exactly one of pod/NAME, --node NODE or --all-nodes")
	}
	if len(o.req.Sources) == 0 {
		return cli.Usagef(`--source must be "multus", "whereabouts", "ipam" or "all", not %q`, o.Source)
	}
	return o.DebugPodOptions.Validate()
}

// nodes resolves the target to nodes (and, for a pod, the pod whose lines to keep).
func (o *LogsOptions) nodes(ctx context.Context) error {
	core := o.client.CoreV1()
	switch {
	case o.pod != "":
		ns := o.Namespace
		if ns == "" {
			var err error
			if ns, _, err = cluster.Namespace(o.Getter); err != nil {
				return err
			}
		}
		p, err := core.Pods(ns).Get(ctx, o.pod, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("pod %s not found in namespace %q; check the name and -n", o.pod, ns)
		}
		if err != nil {
			return fmt.Errorf("get pod %s/%s: %w", ns, o.pod, err)
		}
		if p.Spec.NodeName == "" {
			return fmt.Errorf("pod %s/%s is not scheduled yet: no node has CNI logs about it", ns, o.pod)
		}
		o.req.Nodes, o.req.PodNamespace, o.req.PodName = []string{p.Spec.NodeName}, ns, o.pod
	case o.Node != "":
		nodes, err := nodeNames(ctx, o.client, []string{o.Node})
		o.req.Nodes = nodes
		return err
	default:
		nodes, err := nodeNames(ctx, o.client, nil)
		o.req.Nodes = nodes
		return err
	}
	return nil
}

// nadLogFiles collects log_file from the IPAM sections of NADs (whereabouts and multinet-ipam read it
// from the NAD as well as from their flat config). NADs that cannot be read add nothing.
func nadLogFiles(ctx context.Context, reader *cluster.NADReader) logtail.Paths {
	out := logtail.Paths{}
	nads, err := reader.List(ctx, "")
	if err != nil {
		return out
	}
	for _, n := range nads {
		var c struct {
			IPAM    *ipamconf.Section `json:"ipam"`
			Plugins []struct {
				IPAM *ipamconf.Section `json:"ipam"`
			} `json:"plugins"`
		}
		if json.Unmarshal([]byte(n.Spec.Config), &c) != nil {
			continue
		}
		sections := []*ipamconf.Section{c.IPAM}
		for _, p := range c.Plugins {
			sections = append(sections, p.IPAM)
		}
		for _, s := range sections {
			switch {
			case s == nil || s.LogFile == "":
			case s.Type == "whereabouts":
				out[logtail.Whereabouts] = s.LogFile
			case s.Type == ipamconf.Multinet:
				out[logtail.IPAM] = s.LogFile
			}
		}
	}
	return out
}

// Run resolves the target to nodes, finds the log files and streams them.
func (o *LogsOptions) Run(ctx context.Context) error {
	if err := o.nodes(ctx); err != nil {
		return err
	}
	if err := o.DebugPodOptions.Complete(ctx, o.client); err != nil {
		return err
	}
	o.req.ConfDir = o.ConfDir
	o.req.Extra = nadLogFiles(ctx, o.nads)
	return logs.Run(ctx, o.Pods(o.client), o.req, &logs.Printer{Out: o.Out, Color: cli.Color(o.Out)})
}

func newLogs(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &LogsOptions{IOStreams: streams, Getter: flags}
	c := &cobra.Command{
		Use:   "logs [pod/NAME | --node NODE | --all-nodes]",
		Short: "Read Multus, whereabouts and multinet-ipam logs on nodes through short-lived debug pods",
		Long: `logs reads the CNI logs of nodes without SSH. For each node it starts a debug pod that reads
the node's CNI config dir (read-only) to learn where Multus (logFile), whereabouts and multinet-ipam
(log_file) write, then one that mounts only those directories read-only and tails them. Lines
are prefixed with node/source. For a pod, only its node is read and only lines naming the pod
are kept. When Multus logs to no file, the Multus daemon pod's own log is shown instead.

Debug pods run in --debug-namespace (kube-system), are not privileged, drop every capability,
tolerate every taint, end by --max-duration at the latest, and are deleted on exit, Ctrl-C and
errors; pods left by a run that was killed are removed by the next one.`,
		Example: `  kubectl multinet logs pod/upf-1 -n cnf
  kubectl multinet logs --node worker-3 --source multus -f
  kubectl multinet logs --all-nodes --since 10m --source ipam`,
		SilenceUsage:      true,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: podNameCompletion(flags),
		RunE: func(c *cobra.Command, args []string) error {
			return cluster.Unreachable(run(c.Context(), o, args))
		},
	}
	f := c.Flags()
	f.StringVar(&o.Node, "node", "", "Read this node's logs.")
	f.BoolVar(&o.AllNodes, "all-nodes", false, "Read the logs of every node.")
	f.BoolVarP(&o.Follow, "follow", "f", false, "Keep streaming new lines.")
	f.DurationVar(&o.Since, "since", 0, "Only lines newer than this (e.g. 10m), by their timestamps.")
	f.IntVar(&o.Tail, "tail", 100, "Lines of each log to show first; -1 shows all.")
	f.StringVar(&o.Source, "source", "all", "multus, whereabouts, ipam or all.")
	o.DebugPodOptions.AddFlags(f, time.Hour)
	_ = c.RegisterFlagCompletionFunc("source", cobra.FixedCompletions([]string{"multus", "whereabouts", "ipam", "all"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}
