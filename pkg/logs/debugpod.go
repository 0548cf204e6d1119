package logs

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-multinet/kubectl-multinet/internal/faultpoint"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/logtail"
)

// Labels and annotations of debug pods; the selector finds them for cleanup and reaping.
const (
	Selector        = "app.kubernetes.io/name=multinet,app.kubernetes.io/component=logs"
	heartbeatAnnot  = "multinet.io/heartbeat"
	heartbeatEvery  = 10 * time.Second
	heartbeatExpiry = 45 * time.Second
)

// Pods creates the debug pods of one run, keeps their heartbeat fresh, and deletes them all when
// the run ends however it ends. A run killed outright leaves pods whose heartbeat goes stale; the
// next run reaps them, and activeDeadlineSeconds ends them meanwhile.
type Pods struct {
	Client    kubernetes.Interface
	Namespace string
	Image     string
	// Deadline is every pod's activeDeadlineSeconds.
	Deadline time.Duration
	// NodeTimeout bounds the work on one node (for a followed log, until it streams); 0: none.
	NodeTimeout time.Duration
	Now         func() time.Time

	mu      sync.Mutex
	live    map[string]bool
	watched *podWatch
}

// mount is one read-only hostPath directory of a debug pod.
type mount struct{ host, pod string }

// spec is a debug pod on node running the image with args and read-only mounts.
func (p *Pods) spec(node string, args []string, mounts []mount) *corev1.Pod {
	deadline := int64(p.Deadline / time.Second)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: "multinet-logs-", Namespace: p.Namespace,
			Labels: map[string]string{"app.kubernetes.io/name": "multinet", "app.kubernetes.io/component": "logs",
				"app.kubernetes.io/managed-by": "kubectl-multinet"},
			Annotations: map[string]string{heartbeatAnnot: p.Now().UTC().Format(time.RFC3339)},
		},
		Spec: corev1.PodSpec{
			NodeName: node, RestartPolicy: corev1.RestartPolicyNever, ActiveDeadlineSeconds: &deadline,
			Tolerations:                   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			AutomountServiceAccountToken:  new(false),
			EnableServiceLinks:            new(false),
			TerminationGracePeriodSeconds: new(int64(1)),
			Containers: []corev1.Container{{
				Name: "logs", Image: p.Image, ImagePullPolicy: corev1.PullIfNotPresent, Args: args,
				SecurityContext: &corev1.SecurityContext{
					Privileged: new(false), AllowPrivilegeEscalation: new(false), ReadOnlyRootFilesystem: new(true),
					Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				},
				Resources: corev1.ResourceRequirements{},
			}},
		},
	}
	for i, m := range mounts {
		name := "host" + strconv.Itoa(i)
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
			HostPath: &corev1.HostPathVolumeSource{Path: m.host}}})
		pod.Spec.Containers[0].VolumeMounts = append(pod.Spec.Containers[0].VolumeMounts,
			corev1.VolumeMount{Name: name, MountPath: m.pod, ReadOnly: true})
	}
	return pod
}

// Create starts a debug pod and records it for cleanup.
func (p *Pods) Create(ctx context.Context, node string, args []string, mounts []mount) (string, error) {
	created, err := p.Client.CoreV1().Pods(p.Namespace).Create(ctx, p.spec(node, args, mounts), metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("create debug pod on node %s in namespace %s: %w", node, p.Namespace, err)
	}
	p.mu.Lock()
	if p.live == nil {
		p.live = map[string]bool{}
	}
	p.live[created.Name] = true
	p.mu.Unlock()
	return created.Name, nil
}

// nodeContext bounds the work on one node by NodeTimeout.
func (p *Pods) nodeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if p.NodeTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, p.NodeTimeout)
}

// Delete removes one debug pod now.
func (p *Pods) Delete(ctx context.Context, name string) {
	_ = p.Client.CoreV1().Pods(p.Namespace).Delete(context.WithoutCancel(ctx), name, metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))})
	p.mu.Lock()
	delete(p.live, name)
	p.mu.Unlock()
}

// Cleanup deletes every pod of this run that is still there.
func (p *Pods) Cleanup(ctx context.Context) {
	p.mu.Lock()
	names := make([]string, 0, len(p.live))
	for n := range p.live {
		names = append(names, n)
	}
	p.mu.Unlock()
	for _, n := range names {
		p.Delete(ctx, n)
	}
}

// Heartbeat marks this run's pods alive until ctx ends.
func (p *Pods) Heartbeat(ctx context.Context) {
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		p.mu.Lock()
		names := make([]string, 0, len(p.live))
		for n := range p.live {
			names = append(names, n)
		}
		p.mu.Unlock()
		patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, heartbeatAnnot, p.Now().UTC().Format(time.RFC3339))
		for _, n := range names {
			_, _ = p.Client.CoreV1().Pods(p.Namespace).Patch(ctx, n, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
		}
	}
}

// Reap deletes debug pods left by earlier runs: finished ones, and those whose heartbeat is stale.
func (p *Pods) Reap(ctx context.Context) (int, error) {
	list, err := p.Client.CoreV1().Pods(p.Namespace).List(ctx, metav1.ListOptions{LabelSelector: Selector})
	if err != nil {
		return 0, fmt.Errorf("list debug pods in %s: %w", p.Namespace, err)
	}
	n := 0
	for _, pod := range list.Items {
		beat, err := time.Parse(time.RFC3339, pod.Annotations[heartbeatAnnot])
		done := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
		if done || err != nil || p.Now().Sub(beat) > heartbeatExpiry {
			err := p.Client.CoreV1().Pods(p.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))})
			if err == nil || apierrors.IsNotFound(err) {
				n++
			}
		}
	}
	return n, nil
}

// WaitStarted waits until the pod has left Pending; it returns its phase.
func (p *Pods) WaitStarted(ctx context.Context, name string) (corev1.PodPhase, error) {
	var phase corev1.PodPhase
	err := p.waitFor(ctx, name, func(pod *corev1.Pod) (bool, error) {
		if pod == nil {
			return false, nil
		}
		if why := cannotStart(pod); why != "" {
			return false, fmt.Errorf("debug pod %s/%s cannot start: %s; check --image", p.Namespace, name, why)
		}
		phase = pod.Status.Phase
		return phase != corev1.PodPending, nil
	})
	return phase, err
}

// Output runs a debug pod to completion on node and returns what it printed; the pod is deleted.
func (p *Pods) Output(ctx context.Context, node string, args []string, mounts []mount) ([]byte, error) {
	name, err := p.Create(ctx, node, args, mounts)
	if err != nil {
		return nil, err
	}
	defer p.Delete(ctx, name)
	faultpoint.Wait(ctx, faultpoint.LogsDiscoveryPod)
	err = p.waitFor(ctx, name, func(pod *corev1.Pod) (bool, error) {
		if pod == nil {
			return false, nil
		}
		if why := cannotStart(pod); why != "" {
			return false, fmt.Errorf("debug pod %s/%s cannot start: %s; check --image", p.Namespace, name, why)
		}
		return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed, nil
	})
	if err != nil {
		return nil, err
	}
	data, err := p.Client.CoreV1().Pods(p.Namespace).GetLogs(name, &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("read debug pod %s/%s on node %s: %w", p.Namespace, name, node, err)
	}
	return data, nil
}

// mountsFor maps each log file to a read-only mount of its directory; it returns the mounts and
// the tail arguments SOURCE=PATH-in-pod.
func mountsFor(paths logtail.Paths) ([]mount, []string) {
	dirs := map[string]string{}
	var mounts []mount
	var args []string
	srcs := make([]string, 0, len(paths))
	for s := range paths {
		srcs = append(srcs, s)
	}
	sort.Strings(srcs)
	for _, s := range srcs {
		dir := path.Dir(paths[s])
		in, ok := dirs[dir]
		if !ok {
			in = "/host/log" + strconv.Itoa(len(mounts))
			dirs[dir] = in
			mounts = append(mounts, mount{host: dir, pod: in})
		}
		args = append(args, s+"="+path.Join(in, path.Base(paths[s])))
	}
	return mounts, args
}
