package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testenv"
	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
)

// world builds objects in a control plane of its own, so that -A sees only this test's objects.
type world struct {
	t   *testing.T
	ctx context.Context
	kc  *kubernetes.Clientset
	dyn *dynamic.DynamicClient
}

func (w world) create(gvr schema.GroupVersionResource, ns string, obj map[string]any) {
	w.t.Helper()
	u := &unstructured.Unstructured{Object: obj}
	if _, err := w.dyn.Resource(gvr).Namespace(ns).Create(w.ctx, u, metav1.CreateOptions{}); err != nil {
		w.t.Fatalf("create %s %s/%s: %v", gvr.Resource, ns, u.GetName(), err)
	}
}

func (w world) namespace(name string) {
	w.t.Helper()
	if _, err := w.kc.CoreV1().Namespaces().Create(w.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		w.t.Fatal(err)
	}
}

// runningPod creates a pod on node-a and marks it Running.
func (w world) runningPod(ns, name string, ann map[string]string, phase corev1.PodPhase) {
	w.t.Helper()
	p, err := w.kc.CoreV1().Pods(ns).Create(w.ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: ann},
		Spec: corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "c", Image: "docker.io/lab/app:1"}}}}, metav1.CreateOptions{})
	if err != nil {
		w.t.Fatal(err)
	}
	p.Status.Phase = phase
	if _, err := w.kc.CoreV1().Pods(ns).UpdateStatus(w.ctx, p, metav1.UpdateOptions{}); err != nil {
		w.t.Fatal(err)
	}
}

func (w world) event(ns, pod, msg string) {
	w.t.Helper()
	e := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: pod + "." + fmt.Sprint(time.Now().UnixNano()), Namespace: ns},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: pod}, Reason: "FailedCreatePodSandBox",
		Type: "Warning", Message: msg, Count: 2, LastTimestamp: metav1.Now(), FirstTimestamp: metav1.Now()}
	if _, err := w.kc.CoreV1().Events(ns).Create(w.ctx, e, metav1.CreateOptions{}); err != nil {
		w.t.Fatal(err)
	}
}

var (
	nadGVR    = schema.GroupVersionResource{Group: "k8s.cni.cncf.io", Version: "v1", Resource: "network-attachment-definitions"}
	poolGVR   = schema.GroupVersionResource{Group: "whereabouts.cni.cncf.io", Version: "v1alpha1", Resource: "ippools"}
	ipRouteGV = schema.GroupVersionResource{Group: "networking.gke.io", Version: "v1", Resource: "gkeiproutes"}
)

func nadObj(name, config string) map[string]any {
	return map[string]any{"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
		"metadata": map[string]any{"name": name}, "spec": map[string]any{"config": config}}
}

func poolObj(name, cidr string, allocs map[string]string) map[string]any {
	a := map[string]any{}
	for off, podref := range allocs {
		a[off] = map[string]any{"id": "c0ffee" + off, "podref": podref, "ifname": "net1"}
	}
	return map[string]any{"apiVersion": "whereabouts.cni.cncf.io/v1alpha1", "kind": "IPPool",
		"metadata": map[string]any{"name": name}, "spec": map[string]any{"range": cidr, "allocations": a}}
}

type doctorReport struct {
	Findings []struct {
		Code   string
		Object struct{ Kind, Namespace, Name string }
	}
	Summary struct{ Errors, Warnings, Info int }
	Skipped []struct {
		Code    string
		Missing []string
	}
}

func doctorCodes(t *testing.T, kubeconfig string, args ...string) ([]string, doctorReport, result) {
	t.Helper()
	r := runBin(t, kubeconfig, append([]string{"doctor", "-o", "json"}, args...)...)
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("doctor -o json: %v (exit %d)\n%s\n%s", err, r.code, r.stdout, r.stderr)
	}
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.Code+" "+f.Object.Kind+" "+strings.Trim(f.Object.Namespace+"/"+f.Object.Name, "/"))
	}
	sort.Strings(out)
	return out, rep, r
}

func TestDoctorAgainstAPIServer(t *testing.T) {
	testneeds.Need(t, s.lacking)
	env, err := testenv.Start("test/crds")
	if err != nil {
		t.Fatal(err)
	}
	defer env.Stop()
	dir := t.TempDir()
	kubeconfig, err := env.KubeconfigFor(dir, "admin", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	w := world{t: t, ctx: context.Background(), kc: kubernetes.NewForConfigOrDie(env.Config), dyn: dynamic.NewForConfigOrDie(env.Config)}

	// A healthy world: Multus ready on the one node, two attached pods, a consistent pool.
	if _, err := w.kc.CoreV1().Nodes().Create(w.ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a", Labels: map[string]string{"multinet": "on"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ds, err := w.kc.AppsV1().DaemonSets("kube-system").Create(w.ctx, &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "kube-multus-ds"},
		Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "multus"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "multus"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "multus", Image: "docker.io/lab/multus:1"}}}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ds.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 1, CurrentNumberScheduled: 1, NumberReady: 1, NumberAvailable: 1}
	if _, err := w.kc.AppsV1().DaemonSets("kube-system").UpdateStatus(w.ctx, ds, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	w.runningPod("kube-system", "kube-multus-ds-x7k2p", nil, corev1.PodRunning)
	w.namespace("cnf")
	w.create(nadGVR, "cnf", nadObj("data", `{"cniVersion":"1.0.0","type":"macvlan","master":"veth-mn0","mode":"bridge","ipam":{"type":"whereabouts","range":"172.30.0.0/24"}}`))
	w.create(poolGVR, "kube-system", poolObj("172.30.0.0-24", "172.30.0.0/24", map[string]string{"1": "cnf/app-0", "2": "cnf/app-1"}))
	for i, ip := range []string{"172.30.0.1", "172.30.0.2"} {
		w.runningPod("cnf", fmt.Sprintf("app-%d", i), map[string]string{"k8s.v1.cni.cncf.io/networks": "data", "k8s.v1.cni.cncf.io/network-status": statusOf("cnf", "data", ip)}, corev1.PodRunning)
	}

	got, rep, r := doctorCodes(t, kubeconfig, "-A")
	if r.code != 0 || len(got) != 0 || rep.Summary.Errors+rep.Summary.Warnings != 0 {
		t.Fatalf("healthy cluster: exit %d, findings %q\n%s", r.code, got, r.stderr)
	}
	for _, sk := range rep.Skipped { // the node-side checks read nodes through debug pods: only with --nodes (e2e)
		if len(sk.Missing) != 1 || sk.Missing[0] != "node-side CNI kubeconfigs (doctor --nodes)" {
			t.Errorf("healthy cluster with every input readable skipped %s for lack of %v", sk.Code, sk.Missing)
		}
	}

	// Now break it.
	w.runningPod("cnf", "lost", map[string]string{"k8s.v1.cni.cncf.io/networks": "cnf/gone"}, corev1.PodPending)
	w.event("cnf", "lost", `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "5c1d": plugin type="multus" name="multus-cni-network" failed (add): Multus: [cnf/lost/5c1d]: error getting pod: Unauthorized`)
	w.runningPod("cnf", "twin", map[string]string{"k8s.v1.cni.cncf.io/networks": "data", "k8s.v1.cni.cncf.io/network-status": statusOf("cnf", "data", "172.30.0.2")}, corev1.PodRunning)
	w.create(poolGVR, "kube-system", poolObj("10.9.0.0-30", "10.9.0.0/30", map[string]string{"1": "cnf/app-0", "2": "cnf/deleted-7"}))
	w.runningPod("cnf", "nomaster", nil, corev1.PodPending)
	w.event("cnf", "nomaster", `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "77": plugin type="multus" name="multus-cni-network" failed (add): [cnf/nomaster/77:data]: error adding container to network "data": failed to lookup master "eth9": Link not found`)
	w.runningPod("cnf", "noplugin", nil, corev1.PodPending)
	w.event("cnf", "noplugin", `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "78": plugin type="multus" name="multus-cni-network" failed (add): [cnf/noplugin/78:data]: error adding container to network "data": failed to find plugin "ipvlan" in path [/opt/cni/bin]`)
	w.create(ipRouteGV, "cnf", map[string]any{"apiVersion": "networking.gke.io/v1", "kind": "GKEIPRoute", "metadata": map[string]any{"name": "vip"},
		"spec": map[string]any{"network": "blue-network"},
		"status": map[string]any{"conditions": []any{map[string]any{"type": "GCPReady", "status": "False", "reason": "GCPError",
			"message": "address must be /32", "lastTransitionTime": "2026-11-23T10:00:00Z"}}}})

	got, rep, r = doctorCodes(t, kubeconfig, "-A")
	want := []string{
		"MN3002 Pod cnf/lost",
		"MN3008 Pod cnf/app-1", "MN3008 Pod cnf/twin",
		"MN4001 IPPool kube-system/10.9.0.0-30",
		// cnf/deleted-7 is gone; cnf/app-0 reports 172.30.0.1 on net1, not this pool's 10.9.0.1.
		"MN4003 IPPool kube-system/10.9.0.0-30", "MN4003 IPPool kube-system/10.9.0.0-30",
		"MN4004 Pod cnf/twin",
		"MN5001 Pod cnf/noplugin", "MN5002 Pod cnf/nomaster", "MN5004 Pod cnf/lost",
		"MN6003 GKEIPRoute cnf/vip",
	}
	if r.code != 1 || !reflect.DeepEqual(got, want) {
		t.Errorf("broken cluster: exit %d\n got  %q\n want %q\n%s", r.code, got, want, r.stderr)
	}

	t.Run("text output and --fail-on", func(t *testing.T) {
		r := runBin(t, kubeconfig, "doctor", "-A")
		if !strings.Contains(r.stdout, "Error [MN3002] (Pod cnf/lost) requests network cnf/gone") || !strings.Contains(r.stdout, "    fix: create NetworkAttachmentDefinition cnf/gone") {
			t.Errorf("text output:\n%s", r.stdout)
		}
		if strings.Contains(r.stdout, "\x1b[") {
			t.Error("colour codes written to a pipe")
		}
		if r := runBin(t, kubeconfig, "doctor", "-A", "--fail-on", "never"); r.code != 0 {
			t.Errorf("--fail-on never: exit %d", r.code)
		}
	})
	t.Run("one pod", func(t *testing.T) {
		got, _, _ := doctorCodes(t, kubeconfig, "-n", "cnf", "pod/lost")
		want := []string{"MN3002 Pod cnf/lost", "MN4001 IPPool kube-system/10.9.0.0-30", "MN5004 Pod cnf/lost", "MN6003 GKEIPRoute cnf/vip"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("offline dump of the same cluster gives the same pod findings", func(t *testing.T) {
		testbin := os.Getenv("KUBEBUILDER_ASSETS")
		out, err := runKubectl(filepath.Join(testbin, "kubectl"), kubeconfig, "get", "pods,network-attachment-definitions,ippools,events,nodes,daemonsets", "-A", "-o", "yaml")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "dump.yaml")
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		got, rep, _ := doctorCodes(t, kubeconfig, "-f", path)
		var podFindings []string
		for _, g := range got {
			if !strings.HasPrefix(g, "MN6") {
				podFindings = append(podFindings, g)
			}
		}
		if !reflect.DeepEqual(podFindings, want[:len(want)-1]) {
			t.Errorf("offline findings %q, want %q", podFindings, want[:len(want)-1])
		}
		if len(rep.Skipped) == 0 {
			t.Error("offline run without clusterroles or gkeiproutes skipped nothing")
		}
	})
	t.Run("forbidden inputs are skipped with a note", func(t *testing.T) {
		viewer, err := env.KubeconfigFor(dir, "viewer")
		if err != nil {
			t.Fatal(err)
		}
		r := runBin(t, viewer, "doctor", "-n", "cnf")
		if r.code != 2 || !strings.Contains(r.stderr, "not allowed to list pods") {
			t.Errorf("no pod access: exit %d, %q", r.code, r.stderr)
		}
		// Allowed to read pods and events in cnf only: everything else is skipped with a note.
		role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pods-events", Namespace: "cnf"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods", "events"}, Verbs: []string{"get", "list"}}}}
		if _, err := w.kc.RbacV1().Roles("cnf").Create(w.ctx, role, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "pods-events", Namespace: "cnf"},
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "pods-events"},
			Subjects: []rbacv1.Subject{{Kind: "User", Name: "viewer", APIGroup: "rbac.authorization.k8s.io"}}}
		if _, err := w.kc.RbacV1().RoleBindings("cnf").Create(w.ctx, rb, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		r = runBin(t, viewer, "doctor", "-n", "cnf", "--fail-on", "never")
		if r.code != 0 || !strings.Contains(r.stdout, "note: skipped network-attachment-definitions: not allowed to list") ||
			!strings.Contains(r.stdout, "MN5004") || !strings.Contains(r.stdout, "skipped") {
			t.Errorf("partial access: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	})
}
