package integration

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/connectivity"
)

// TestProbePods: check connectivity's probe pods against the API server. They pass the restricted
// Pod Security level (the namespace enforces it); Wait returns the pod Multus attached and reports
// the one whose sandbox failed with that event's message; Reap deletes an ended probe pod of an
// earlier run and nothing of this one; Cleanup leaves no probe pod.
func TestProbePods(t *testing.T) {
	testneeds.Need(t, s.lacking)
	ctx := context.Background()
	kc := kubernetes.NewForConfigOrDie(s.env.Config)
	w := world{t: t, ctx: ctx, kc: kc}
	ns := "probes-it"
	if _, err := kc.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
		Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	old, err := kc.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "left-by-an-earlier-run", Labels: map[string]string{
		"app.kubernetes.io/name": "multinet", "app.kubernetes.io/component": "connectivity-probe", connectivity.RunLabel: "earlier"}},
		Spec: corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "c", Image: "x",
			SecurityContext: &corev1.SecurityContext{RunAsNonRoot: new(true), AllowPrivilegeEscalation: new(false),
				Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old.Status.Phase = corev1.PodFailed
	if _, err := kc.CoreV1().Pods(ns).UpdateStatus(ctx, old, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	probes := &connectivity.ProbePods{Client: kc, Image: "docker.io/multinet/multinet-cni:it", Deadline: 2 * time.Minute, RunID: "it1", Poll: 50 * time.Millisecond, Now: time.Now}
	t.Cleanup(func() { _, _ = probes.Cleanup(ctx) })
	if n, err := probes.Reap(ctx, []string{ns}); err != nil || n != 1 {
		t.Fatalf("reap: %d, %v; want the earlier run's ended pod deleted", n, err)
	}
	if err := probes.Create(ctx, []string{ns + "/data"}, []string{"node-a", "node-b"}, 1); err != nil {
		t.Fatalf("create under the restricted level: %v", err)
	}
	list, err := kc.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: connectivity.ProbeSelector})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("probe pods: %d, %v; want 2", len(list.Items), err)
	}
	for _, p := range list.Items {
		if p.Annotations["k8s.v1.cni.cncf.io/networks"] != "data" || p.Spec.ActiveDeadlineSeconds == nil || *p.Spec.ActiveDeadlineSeconds != 120 {
			t.Errorf("pod %s: annotations %v, deadline %v; want networks=data and 120 s", p.Name, p.Annotations, p.Spec.ActiveDeadlineSeconds)
		}
		if p.Spec.NodeName == "node-b" {
			w.event(ns, p.Name, "plugin type=\"multinet-macvlan\" failed (add): master \"ens9\" not found")
			continue
		}
		p.Annotations["k8s.v1.cni.cncf.io/network-status"] = `[{"name":"lab","interface":"eth0","ips":["10.244.10.5"],"default":true},{"name":"probes-it/data","interface":"net1","ips":["172.30.40.5"]}]`
		up, err := kc.CoreV1().Pods(ns).Update(ctx, &p, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		up.Status.Phase = corev1.PodRunning
		if _, err := kc.CoreV1().Pods(ns).UpdateStatus(ctx, up, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	ready, failed, err := probes.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ready) != 1 || ready[0].Node != "node-a" || len(failed) != 1 || failed[0].Node != "node-b" || !strings.Contains(failed[0].Reason, `master "ens9" not found`) {
		t.Fatalf("ready %+v, failed %+v; want node-a's pod ready and node-b's failed with its sandbox event", ready, failed)
	}
	if n, err := probes.Cleanup(ctx); err != nil || n != 2 {
		t.Fatalf("cleanup: %d, %v; want 2 deleted", n, err)
	}
	list, err = kc.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: connectivity.ProbeSelector})
	if err != nil || len(list.Items) != 0 {
		t.Errorf("after cleanup: %d probe pods, %v", len(list.Items), err)
	}
}
