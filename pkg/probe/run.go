package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/netsnap"
)

// Runner reads a pod's network namespace through an ephemeral container.
type Runner struct {
	Client kubernetes.Interface
	// Image holds multinet-cni (the installed DaemonSet's by default).
	Image string
	// Poll is how often the container's state is read.
	Poll time.Duration
	// ARP also sends ARP probes for the pod's addresses, which needs CAP_NET_RAW as root in the probe
	// container (the privileged Pod Security level: baseline does not allow adding NET_RAW).
	ARP bool
}

// maxOutput caps what is read of the probe's output.
const maxOutput = 4 << 20

// container is the ephemeral container that runs `multinet-cni probe`: the pod's network namespace
// is shared with every container, so it needs no privilege, no capability and no host access, and
// passes the restricted Pod Security level.
func (r *Runner) container(name string, args []string, raw bool) corev1.EphemeralContainer {
	c := corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
		Name: name, Image: r.Image, ImagePullPolicy: corev1.PullIfNotPresent, Args: args,
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot: new(true), RunAsUser: new(int64(65534)), RunAsGroup: new(int64(65534)),
			AllowPrivilegeEscalation: new(false), ReadOnlyRootFilesystem: new(true), Privileged: new(false),
			Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}}
	if raw { // a raw socket: NET_RAW, which takes root in a container (no ambient capabilities)
		sc := c.SecurityContext
		sc.RunAsNonRoot, sc.RunAsUser, sc.RunAsGroup = new(false), new(int64(0)), new(int64(0))
		sc.Capabilities.Add = []corev1.Capability{"NET_RAW"}
	}
	return c
}

// Snapshot adds the probe container to pod ns/name, waits for it to finish and returns what it read.
// The container exits by itself once it has printed; Kubernetes keeps its (terminated) entry in the
// pod's spec, as it does for kubectl debug.
func (r *Runner) Snapshot(ctx context.Context, ns, name string) (netsnap.Snapshot, error) {
	args := []string{"probe"}
	if r.ARP {
		args = append(args, "--arp")
	}
	data, err := r.Output(ctx, ns, name, args, r.ARP)
	if err != nil {
		return netsnap.Snapshot{}, err
	}
	var s netsnap.Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return netsnap.Snapshot{}, fmt.Errorf("the probe in pod %s/%s did not print a snapshot (is --image a multinet-cni image of this version?): %s", ns, name, firstLine(data))
	}
	return s, nil
}

// Output runs multinet-cni with args in an ephemeral container of pod ns/name (as root with NET_RAW
// when raw), waits for it to exit and returns what it printed.
func (r *Runner) Output(ctx context.Context, ns, name string, args []string, raw bool) ([]byte, error) {
	cname, err := r.add(ctx, ns, name, args, raw)
	if err != nil {
		return nil, err
	}
	if err := r.wait(ctx, ns, name, cname, false); err != nil {
		return nil, err
	}
	return r.logs(ctx, ns, name, cname)
}

// Start runs multinet-cni with args in an ephemeral container of pod ns/name, as Output does, and
// returns once it runs and has printed its first line (a server saying it listens); it then exits
// by itself.
func (r *Runner) Start(ctx context.Context, ns, name string, args []string, raw bool) error {
	cname, err := r.add(ctx, ns, name, args, raw)
	if err != nil {
		return err
	}
	if err := r.wait(ctx, ns, name, cname, true); err != nil {
		return err
	}
	for {
		data, err := r.logs(ctx, ns, name, cname)
		if err != nil {
			return err
		}
		if len(data) > 0 {
			return nil
		}
		if err := r.sleep(ctx); err != nil {
			return fmt.Errorf("the probe in pod %s/%s printed nothing: %w", ns, name, err)
		}
	}
}

// add appends an ephemeral container running args to pod ns/name and returns its name.
func (r *Runner) add(ctx context.Context, ns, name string, args []string, raw bool) (string, error) {
	pods := r.Client.CoreV1().Pods(ns)
	cname := "multinet-probe-" + utilrand.String(5)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pod, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if pod.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("pod %s/%s is %s: only a running pod has a network namespace to read", ns, name, pod.Status.Phase)
		}
		pod.Spec.EphemeralContainers = append(pod.Spec.EphemeralContainers, r.container(cname, args, raw))
		_, err = pods.UpdateEphemeralContainers(ctx, name, pod, metav1.UpdateOptions{})
		return err
	})
	switch {
	case apierrors.IsNotFound(err):
		return "", fmt.Errorf("pod %s not found in namespace %q; check the name and -n", name, ns)
	case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "PodSecurity"):
		if raw {
			return "", fmt.Errorf("pod security in namespace %s does not allow adding NET_RAW to a container of pod %s/%s (only the privileged level does); label the namespace pod-security.kubernetes.io/enforce=privileged, or for check connectivity use --protocol udp", ns, ns, name)
		}
		return "", fmt.Errorf("pod security in namespace %s rejects the probe container of pod %s/%s: %s", ns, ns, name, firstLine([]byte(err.Error())))
	case apierrors.IsForbidden(err):
		return "", fmt.Errorf("not allowed to add an ephemeral container to pod %s/%s; ask for RBAC \"update\" on pods/ephemeralcontainers in %s", ns, name, ns)
	case err != nil:
		return "", fmt.Errorf("add the probe container to pod %s/%s: %w", ns, name, err)
	}
	return cname, nil
}

// logs reads what container cname printed.
func (r *Runner) logs(ctx context.Context, ns, name, cname string) ([]byte, error) {
	data, err := r.Client.CoreV1().Pods(ns).GetLogs(name, &corev1.PodLogOptions{Container: cname, LimitBytes: new(int64(maxOutput))}).DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the probe's output from pod %s/%s: %w", ns, name, err)
	}
	return data, nil
}

// sleep waits one poll interval, or fails when ctx ends first.
func (r *Runner) sleep(ctx context.Context) error {
	poll := r.Poll
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(poll):
		return nil
	}
}

// wait returns when container cname has terminated successfully (or, when running is set, runs),
// and fails when it cannot start or fails.
func (r *Runner) wait(ctx context.Context, ns, name, cname string, running bool) error {
	for {
		pod, err := r.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("get pod %s/%s: %w", ns, name, err)
		}
		for _, st := range pod.Status.EphemeralContainerStatuses {
			if st.Name != cname {
				continue
			}
			if t := st.State.Terminated; t != nil {
				if t.ExitCode != 0 {
					return fmt.Errorf("the probe in pod %s/%s exited %d: %s", ns, name, t.ExitCode, firstLine([]byte(t.Message)))
				}
				return nil
			}
			if running && st.State.Running != nil {
				return nil
			}
			if w := st.State.Waiting; w != nil && (strings.Contains(w.Reason, "Err") || strings.Contains(w.Reason, "BackOff")) {
				return fmt.Errorf("the probe container in pod %s/%s cannot start: %s: %s; check --image (it must be on node %s)", ns, name, w.Reason, w.Message, pod.Spec.NodeName)
			}
		}
		if err := r.sleep(ctx); err != nil {
			return fmt.Errorf("the probe in pod %s/%s did not finish: %w", ns, name, err)
		}
	}
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	if s == "" {
		return "no output"
	}
	return s
}
