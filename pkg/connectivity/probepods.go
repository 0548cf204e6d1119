package connectivity

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// Labels of probe pods: ProbeSelector finds every run's, RunLabel one run's.
const (
	ProbeSelector = "app.kubernetes.io/name=multinet,app.kubernetes.io/component=connectivity-probe"
	RunLabel      = "multinet.io/probe-run"
	networksAnnot = "k8s.v1.cni.cncf.io/networks"
)

// ProbePods are the pods of `check connectivity --create-probes`: on each chosen node, some pods
// attached to one network, doing nothing (`multinet-cni probe wait`) while the pings run in their
// ephemeral containers. Cleanup deletes them on every exit path; activeDeadlineSeconds ends them if
// the command is killed outright, and a later run deletes those (Reap).
type ProbePods struct {
	Client kubernetes.Interface
	// Image holds multinet-cni.
	Image string
	// Deadline is every pod's activeDeadlineSeconds.
	Deadline time.Duration
	// RunID tells this run's pods from others'.
	RunID string
	// Poll is how often the pods are read while they start.
	Poll time.Duration
	Now  func() time.Time

	created map[string][]string // namespace -> pod names
}

// ProbeFailure is a probe pod that did not come up attached: itself a finding about the network.
type ProbeFailure struct {
	Network string `json:"network"`
	Node    string `json:"node"`
	Pod     string `json:"pod"`
	Reason  string `json:"reason"`
}

func (f ProbeFailure) String() string {
	return fmt.Sprintf("probe pod %s on node %s did not attach %s: %s", f.Pod, f.Node, f.Network, f.Reason)
}

// spec is a probe pod on node attached to network ns/name. It passes the restricted Pod Security
// level; the pings run in ephemeral containers added to it.
func (p *ProbePods) spec(network, node string, i int) *corev1.Pod {
	ns, name, _ := strings.Cut(network, "/")
	deadline := int64(p.Deadline / time.Second)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: "multinet-probe-", Namespace: ns,
			Labels: map[string]string{"app.kubernetes.io/name": "multinet", "app.kubernetes.io/component": "connectivity-probe",
				"app.kubernetes.io/managed-by": "kubectl-multinet", RunLabel: p.RunID},
			Annotations: map[string]string{networksAnnot: name, "multinet.io/probe-index": fmt.Sprint(i)},
		},
		Spec: corev1.PodSpec{
			NodeName: node, RestartPolicy: corev1.RestartPolicyNever, ActiveDeadlineSeconds: &deadline,
			Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			AutomountServiceAccountToken:  new(false),
			EnableServiceLinks:            new(false),
			TerminationGracePeriodSeconds: new(int64(1)),
			Containers: []corev1.Container{{
				Name: "probe", Image: p.Image, ImagePullPolicy: corev1.PullIfNotPresent,
				Args: []string{"probe", "wait", "--for", p.Deadline.String()},
				SecurityContext: &corev1.SecurityContext{
					RunAsNonRoot: new(true), RunAsUser: new(int64(65534)), RunAsGroup: new(int64(65534)),
					Privileged: new(false), AllowPrivilegeEscalation: new(false), ReadOnlyRootFilesystem: new(true),
					Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
					SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
				},
			}},
		},
	}
}

// Create starts perNode probe pods on each node for each network (ns/name); pods are recorded for
// Cleanup as soon as they exist.
func (p *ProbePods) Create(ctx context.Context, networks, nodes []string, perNode int) error {
	if p.created == nil {
		p.created = map[string][]string{}
	}
	for _, n := range networks {
		for _, node := range nodes {
			for i := range perNode {
				pod := p.spec(n, node, i)
				got, err := p.Client.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
				switch {
				case apierrors.IsForbidden(err):
					return fmt.Errorf("not allowed to create probe pods in namespace %s: ask for RBAC \"create\" and \"delete\" on pods there, or test running pods without --create-probes: %s", pod.Namespace, firstLine(err))
				case err != nil:
					return fmt.Errorf("create a probe pod for %s on node %s: %w", n, node, err)
				}
				p.created[got.Namespace] = append(p.created[got.Namespace], got.Name)
			}
		}
	}
	return nil
}

// Wait returns once every probe pod runs with its network attached, or has failed to; a pod that
// cannot attach shows as a failed sandbox (FailedCreatePodSandBox) while it is pending, and is a
// ProbeFailure with that event's message. It fails when ctx ends first, naming the pods still
// starting.
func (p *ProbePods) Wait(ctx context.Context) ([]inspect.Pod, []ProbeFailure, error) {
	for {
		var ready []inspect.Pod
		var failed []ProbeFailure
		var pending []string
		for ns, names := range p.created {
			list, err := p.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: RunLabel + "=" + p.RunID})
			if err != nil {
				return nil, nil, fmt.Errorf("list the probe pods in %s: %w", ns, err)
			}
			sandbox, err := p.sandboxFailures(ctx, ns)
			if err != nil {
				return nil, nil, err
			}
			for _, pod := range list.Items {
				network := ns + "/" + pod.Annotations[networksAnnot]
				got := inspect.InspectPod(inspect.MetaFromPod(&pod), nil)
				switch {
				case pod.Status.Phase == corev1.PodRunning && attachedTo(got, network):
					ready = append(ready, got)
				case pod.Status.Phase == corev1.PodRunning:
					failed = append(failed, ProbeFailure{network, pod.Spec.NodeName, pod.Name, "it runs, but Multus' network-status does not list the network"})
				case pod.Status.Phase != corev1.PodPending:
					failed = append(failed, ProbeFailure{network, pod.Spec.NodeName, pod.Name, fmt.Sprintf("it is %s: %s", pod.Status.Phase, pod.Status.Message)})
				case sandbox[pod.Name] != "":
					failed = append(failed, ProbeFailure{network, pod.Spec.NodeName, pod.Name, sandbox[pod.Name]})
				case waitingOn(&pod) != "":
					return nil, nil, fmt.Errorf("probe pod %s/%s on node %s cannot start: %s; check --image (it must be on every node)", ns, pod.Name, pod.Spec.NodeName, waitingOn(&pod))
				default:
					pending = append(pending, ns+"/"+pod.Name)
				}
			}
			if len(list.Items) < len(names) {
				return nil, nil, fmt.Errorf("probe pods in %s were deleted while starting (%d of %d left)", ns, len(list.Items), len(names))
			}
		}
		if len(pending) == 0 {
			sort.Slice(failed, func(i, j int) bool { return failed[i].String() < failed[j].String() })
			return ready, failed, nil
		}
		if err := sleep(ctx, p.Poll); err != nil {
			sort.Strings(pending)
			return nil, nil, fmt.Errorf("probe pods still starting (%s): %w", strings.Join(pending, ", "), err)
		}
	}
}

// sandboxFailures maps this run's pods in ns to the message of their latest failed sandbox.
func (p *ProbePods) sandboxFailures(ctx context.Context, ns string) (map[string]string, error) {
	list, err := p.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "reason=FailedCreatePodSandBox,involvedObject.kind=Pod"})
	if err != nil {
		return nil, fmt.Errorf("list the probe pods' events in %s: %w", ns, err)
	}
	mine := map[string]bool{}
	for _, n := range p.created[ns] {
		mine[n] = true
	}
	out := map[string]string{}
	for _, e := range list.Items {
		if mine[e.InvolvedObject.Name] {
			out[e.InvolvedObject.Name] = e.Message
		}
	}
	return out, nil
}

// waitingOn is why the pod's container cannot start (an image that cannot be pulled ...), or "".
func waitingOn(pod *corev1.Pod) string {
	for _, st := range pod.Status.ContainerStatuses {
		if w := st.State.Waiting; w != nil && (strings.Contains(w.Reason, "Err") || strings.Contains(w.Reason, "BackOff")) {
			return w.Reason + ": " + w.Message
		}
	}
	return ""
}

func attachedTo(p inspect.Pod, network string) bool {
	for _, in := range p.Interfaces {
		if in.Network == network && in.State == inspect.StateAttached {
			return true
		}
	}
	return false
}

// Cleanup deletes this run's probe pods, even when ctx has ended; it returns how many it deleted.
func (p *ProbePods) Cleanup(ctx context.Context) (int, error) {
	ctx = context.WithoutCancel(ctx)
	n := 0
	var errs []string
	for ns, names := range p.created {
		for _, name := range names {
			err := p.Client.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))})
			switch {
			case err == nil:
				n++
			case !apierrors.IsNotFound(err):
				errs = append(errs, ns+"/"+name+": "+firstLine(err))
			}
		}
	}
	p.created = nil
	if len(errs) > 0 {
		return n, fmt.Errorf("delete probe pods (delete them with kubectl delete pods -l %s): %s", ProbeSelector, strings.Join(errs, "; "))
	}
	return n, nil
}

// Reap deletes probe pods that earlier runs left in namespaces: those that have ended, and those
// older than their deadline.
func (p *ProbePods) Reap(ctx context.Context, namespaces []string) (int, error) {
	n := 0
	for _, ns := range namespaces {
		list, err := p.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: ProbeSelector})
		if err != nil {
			return n, fmt.Errorf("list probe pods in %s: %w", ns, err)
		}
		for _, pod := range list.Items {
			ended := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
			old := pod.Spec.ActiveDeadlineSeconds != nil &&
				p.Now().Sub(pod.CreationTimestamp.Time) > time.Duration(*pod.Spec.ActiveDeadlineSeconds)*time.Second+time.Minute
			if pod.Labels[RunLabel] == p.RunID || !(ended || old) {
				continue
			}
			err := p.Client.CoreV1().Pods(ns).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))})
			if err == nil || apierrors.IsNotFound(err) {
				n++
			}
		}
	}
	return n, nil
}

func sleep(ctx context.Context, poll time.Duration) error {
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(poll):
		return nil
	}
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
