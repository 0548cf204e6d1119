package inspect

import (
	corev1 "k8s.io/api/core/v1"
)

// MetaFromPod takes what inspection needs from a full Pod object.
func MetaFromPod(p *corev1.Pod) PodMeta {
	m := PodMeta{Namespace: p.Namespace, Name: p.Name, Node: p.Spec.NodeName, Phase: DisplayStatus(p), Labels: p.Labels, Annotations: p.Annotations}
	for _, ip := range p.Status.PodIPs {
		m.PodIPs = append(m.PodIPs, ip.IP)
	}
	if len(m.PodIPs) == 0 && p.Status.PodIP != "" {
		m.PodIPs = []string{p.Status.PodIP}
	}
	for _, c := range p.Status.ResourceClaimStatuses {
		if c.ResourceClaimName != nil {
			m.Claims = append(m.Claims, *c.ResourceClaimName)
		}
	}
	return m
}

// DisplayStatus is the pod's status the way `kubectl get pods` shows it in its STATUS column: the
// phase, or a more precise reason (ContainerCreating, CrashLoopBackOff, Completed, Terminating, ...).
func DisplayStatus(p *corev1.Pod) string {
	reason := string(p.Status.Phase)
	if p.Status.Reason != "" {
		reason = p.Status.Reason
	}
	for _, c := range p.Status.InitContainerStatuses {
		switch {
		case c.State.Terminated != nil && c.State.Terminated.ExitCode == 0:
			continue
		case c.State.Waiting != nil && c.State.Waiting.Reason != "" && c.State.Waiting.Reason != "PodInitializing":
			return "Init:" + c.State.Waiting.Reason
		default:
			return "Init:" + reason
		}
	}
	running := false
	for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
		c := p.Status.ContainerStatuses[i]
		switch {
		case c.State.Waiting != nil && c.State.Waiting.Reason != "":
			reason = c.State.Waiting.Reason
		case c.State.Terminated != nil && c.State.Terminated.Reason != "":
			reason = c.State.Terminated.Reason
		case c.Ready && c.State.Running != nil:
			running = true
		}
	}
	if reason == "Completed" && running {
		reason = string(corev1.PodRunning)
	}
	if p.DeletionTimestamp != nil {
		reason = "Terminating"
	}
	if reason == "" {
		reason = string(corev1.PodPending)
	}
	return reason
}
