package install

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
)

// NodeState is the DaemonSet pod of one node.
type NodeState struct {
	Node, Pod string
	Ready     bool
	// State is kubectl's STATUS column for the pod (Init:0/1, Running, ErrImagePull ...).
	State string
}

// Progress is the DaemonSet's rollout at one moment.
type Progress struct {
	Desired, Updated, Ready int
	// Current says the controller has seen the latest spec.
	Current bool
	Nodes   []NodeState
}

// Done says every node runs a ready pod of the latest spec.
func (p Progress) Done() bool {
	return p.Current && p.Updated == p.Desired && p.Ready == p.Desired
}

// Rollout reads the DaemonSet and its pods.
func (c Client) Rollout(ctx context.Context) (Progress, error) {
	u, err := c.Dyn.Resource(gvr.DaemonSets).Namespace(Namespace).Get(ctx, DaemonSetName, metav1.GetOptions{})
	if err != nil {
		return Progress{}, fmt.Errorf("get daemonset %s/%s: %w", Namespace, DaemonSetName, err)
	}
	var ds appsv1.DaemonSet
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &ds); err != nil {
		return Progress{}, err
	}
	p := Progress{
		Desired: int(ds.Status.DesiredNumberScheduled), Updated: int(ds.Status.UpdatedNumberScheduled),
		Ready: int(ds.Status.NumberReady), Current: ds.Status.ObservedGeneration >= ds.Generation,
	}
	sel := metav1.FormatLabelSelector(ds.Spec.Selector)
	pods, err := c.Dyn.Resource(gvr.Pods).Namespace(Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return p, fmt.Errorf("list pods of daemonset %s/%s: %w", Namespace, DaemonSetName, err)
	}
	for _, item := range pods.Items {
		var pod corev1.Pod
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(item.Object, &pod); err != nil {
			return p, err
		}
		p.Nodes = append(p.Nodes, NodeState{Node: pod.Spec.NodeName, Pod: pod.Name, Ready: podReady(&pod), State: PodState(&pod)})
	}
	sort.Slice(p.Nodes, func(i, j int) bool { return p.Nodes[i].Node < p.Nodes[j].Node })
	return p, nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// PodState is the pod's status the way kubectl get pods shows it, reduced to what a rollout needs.
func PodState(p *corev1.Pod) string {
	if p.DeletionTimestamp != nil {
		return "Terminating"
	}
	for i, s := range p.Status.InitContainerStatuses {
		switch {
		case s.State.Terminated != nil && s.State.Terminated.ExitCode != 0:
			return "Init:" + orDefault(s.State.Terminated.Reason, "Error")
		case s.State.Waiting != nil && s.State.Waiting.Reason != "" && s.State.Waiting.Reason != "PodInitializing":
			return "Init:" + s.State.Waiting.Reason
		case s.State.Terminated == nil:
			return fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
		}
	}
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Waiting != nil && s.State.Waiting.Reason != "" {
			return s.State.Waiting.Reason
		}
		if s.State.Terminated != nil {
			return orDefault(s.State.Terminated.Reason, "Terminated")
		}
	}
	return orDefault(string(p.Status.Phase), "Pending")
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Watcher prints a rollout's progress: on a terminal it redraws a spinner, a bar and one line per
// node; otherwise it prints a line whenever a node's state changes.
type Watcher struct {
	Out      io.Writer
	TTY      bool
	Interval time.Duration
	last     map[string]string
	lines    int
	frame    int
}

// Wait polls until the rollout is done or ctx ends; on timeout it names the nodes not ready.
func (w *Watcher) Wait(ctx context.Context, c Client) error {
	w.last = map[string]string{}
	tick := time.NewTicker(w.Interval)
	defer tick.Stop()
	var p Progress
	for {
		var err error
		p, err = c.Rollout(ctx)
		if err != nil && ctx.Err() == nil {
			return err
		}
		if err == nil {
			w.show(p)
			if p.Done() {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("daemonset %s/%s not ready on every node (%s); see kubectl -n %s describe daemonset %s", Namespace, DaemonSetName, pending(p), Namespace, DaemonSetName)
		case <-tick.C:
		}
	}
}

func pending(p Progress) string {
	var out []string
	for _, n := range p.Nodes {
		if !n.Ready {
			out = append(out, n.Node+": "+n.State)
		}
	}
	if len(out) == 0 {
		return fmt.Sprintf("%d of %d ready", p.Ready, p.Desired)
	}
	return strings.Join(out, ", ")
}

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func (w *Watcher) show(p Progress) {
	if !w.TTY {
		for _, n := range p.Nodes {
			s := nodeLine(n)
			if w.last[n.Node] != s {
				w.last[n.Node] = s
				fmt.Fprintf(w.Out, "%s\n", s)
			}
		}
		if p.Done() {
			fmt.Fprintf(w.Out, "daemonset %s/%s ready on %d/%d nodes\n", Namespace, DaemonSetName, p.Ready, p.Desired)
		}
		return
	}
	if w.lines > 0 {
		fmt.Fprintf(w.Out, "\x1b[%dA\x1b[J", w.lines)
	}
	mark := spinner[w.frame%len(spinner)]
	w.frame++
	if p.Done() {
		mark = "✔"
	}
	fmt.Fprintf(w.Out, "%s %s %d/%d nodes ready\n", mark, bar(p.Ready, p.Desired, 30), p.Ready, p.Desired)
	for _, n := range p.Nodes {
		fmt.Fprintf(w.Out, "  %s\n", nodeLine(n))
	}
	w.lines = 1 + len(p.Nodes)
}

func nodeLine(n NodeState) string {
	if n.Ready {
		return fmt.Sprintf("node/%s: ready (%s)", n.Node, n.Pod)
	}
	return fmt.Sprintf("node/%s: %s (%s)", n.Node, n.State, n.Pod)
}

func bar(done, total, width int) string {
	fill := 0
	if total > 0 {
		fill = done * width / total
	}
	return "[" + strings.Repeat("█", fill) + strings.Repeat("░", width-fill) + "]"
}
