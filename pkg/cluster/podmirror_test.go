package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// TestPodMirrorFollowsTheWatch checks against a real API server that the mirror lists once and then
// applies creations, annotation changes and deletions from its Table watch, with the same fields a
// list reads. (A watch that fell behind, 410 Gone, is read by TestDecodeWatch: a fresh API server has
// compacted nothing.)
func TestPodMirrorFollowsTheWatch(t *testing.T) {
	l, cs := envLister(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "m"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := func(i int) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", i), Namespace: "m", Labels: map[string]string{"app": "x"},
			Annotations: map[string]string{"k8s.v1.cni.cncf.io/networks": "n"}},
			Spec: corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "c", Image: "docker.io/lab/app:1"}}}}
	}
	for i := range 3 {
		if _, err := cs.CoreV1().Pods("m").Create(ctx, pod(i), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	q := PodQuery{Namespace: "m", LabelSelector: "app=x", PageSize: 2}
	m := NewPodMirror(l, q)
	go m.Run(ctx)

	// until waits for the mirror to hold want (name → networks annotation and node), failing after a
	// minute: the watch delivers asynchronously, so the test waits for a state, never for a time.
	until := func(step string, want map[string]string) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		var got map[string]string
		for time.Now().Before(deadline) {
			metas, err := m.List(ctx, PodQuery{})
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			got = map[string]string{}
			for _, p := range metas {
				got[p.Name] = p.Annotations["k8s.v1.cni.cncf.io/networks"] + "@" + p.Node + "/" + p.Phase
			}
			if fmt.Sprint(got) == fmt.Sprint(want) {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("%s: mirror holds %v, want %v", step, got, want)
	}
	until("first list", map[string]string{"p0": "n@node-a/Pending", "p1": "n@node-a/Pending", "p2": "n@node-a/Pending"})
	if m.Changed() || !m.Changes().Empty() {
		t.Error("the first list was reported as a change")
	}

	if _, err := cs.CoreV1().Pods("m").Create(ctx, pod(3), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p1, err := cs.CoreV1().Pods("m").Get(ctx, "p1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p1.Annotations["k8s.v1.cni.cncf.io/networks"] = "n,n2"
	if _, err := cs.CoreV1().Pods("m").Update(ctx, p1, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cs.CoreV1().Pods("m").Delete(ctx, "p0", *metav1.NewDeleteOptions(0)); err != nil {
		t.Fatal(err)
	}
	other := pod(9)
	other.Labels["app"] = "other" // outside the selector: never mirrored
	if _, err := cs.CoreV1().Pods("m").Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	until("after create, update, delete", map[string]string{"p1": "n,n2@node-a/Pending", "p2": "n@node-a/Pending", "p3": "n@node-a/Pending"})
	if !m.Changed() {
		t.Error("Changed did not report the watched changes")
	}
	var changed []string
	ch := m.Changes()
	for _, p := range ch.Changed {
		changed = append(changed, p.Name+"="+p.Annotations["k8s.v1.cni.cncf.io/networks"])
	}
	if fmt.Sprint(changed, ch.Deleted, ch.All) != "[p1=n,n2 p3=n] [m/p0] false" {
		t.Errorf("changes: %v deleted %v all %v; want p1 and p3 changed, m/p0 deleted", changed, ch.Deleted, ch.All)
	}
	if m.Changed() || !m.Changes().Empty() {
		t.Error("the changes were reported twice")
	}
	if n := m.Lists(); n != 1 {
		t.Errorf("the mirror listed %d times, want 1 (changes come from the watch)", n)
	}
}

// TestDecodeWatch reads a recorded Table watch: column definitions on the first event only, rows
// of later events read with them, bookmarks skipped, and a 410 that ends the watch.
func TestDecodeWatch(t *testing.T) {
	stream := `{"type":"ADDED","object":{"kind":"Table","columnDefinitions":[{"name":"Name"},{"name":"Ready"},{"name":"Status"},{"name":"IP"},{"name":"Node"}],
"rows":[{"cells":["a","0/1","Running","10.0.0.1","n1"],"object":{"metadata":{"name":"a","namespace":"x","resourceVersion":"11","annotations":{"k":"v"}}}}]}}
{"type":"BOOKMARK","object":{"kind":"Table","rows":[]}}
{"type":"MODIFIED","object":{"kind":"Table","rows":[{"cells":["a","1/1","Running","10.0.0.1","n2"],"object":{"metadata":{"name":"a","namespace":"x","resourceVersion":"12"}}}]}}
{"type":"DELETED","object":{"kind":"Table","rows":[{"cells":["a","1/1","Terminating","10.0.0.1","n2"],"object":{"metadata":{"name":"a","namespace":"x","resourceVersion":"13"}}}]}}
{"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"too old resource version: 5 (13)","reason":"Expired","code":410}}
`
	var got []PodChange
	rv, err := decodeWatch(strings.NewReader(stream), "10", func(c PodChange) { got = append(got, c) })
	if !errors.Is(err, ErrExpired) || rv != "13" {
		t.Fatalf("rv %q, err %v; want 13 and ErrExpired", rv, err)
	}
	want := []PodChange{
		{Pod: inspect.PodMeta{Namespace: "x", Name: "a", Node: "n1", Phase: "Running", PodIPs: []string{"10.0.0.1"}, Annotations: map[string]string{"k": "v"}}},
		{Pod: inspect.PodMeta{Namespace: "x", Name: "a", Node: "n2", Phase: "Running", PodIPs: []string{"10.0.0.1"}}},
		{Pod: inspect.PodMeta{Namespace: "x", Name: "a", Node: "n2", Phase: "Terminating", PodIPs: []string{"10.0.0.1"}}, Deleted: true},
	}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("changes:\n%+v\nwant\n%+v", got, want)
	}
	for _, bad := range []string{`{"type":"ADDED","object":[1]}`, `{"type":"ERROR","object":"x"}`, `{"type":`} {
		if _, err := decodeWatch(strings.NewReader(bad), "1", func(PodChange) {}); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// FuzzDecodeWatch feeds arbitrary streams to the watch reader: errors, never panics.
func FuzzDecodeWatch(f *testing.F) {
	f.Add(`{"type":"ADDED","object":{"columnDefinitions":[{"name":"Node"}],"rows":[{"cells":["n"],"object":{"metadata":{"name":"a"}}}]}}`)
	f.Add(`{"type":"ERROR","object":{"code":410}}`)
	f.Add(`{"type":"MODIFIED","object":{"rows":[{"cells":[1,null],"object":null}]}}`)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = decodeWatch(strings.NewReader(s), "1", func(PodChange) {})
	})
}

// TestPodMirrorWithoutWatch: a user who may list pods but not watch them still sees new pods; the
// mirror lists again after each failed watch, as client-go's reflector does.
func TestPodMirrorWithoutWatch(t *testing.T) {
	env := startEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	admin := kubernetes.NewForConfigOrDie(env.Config)
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "list-pods"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}}}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "list-pods"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "list-pods"},
		Subjects: []rbacv1.Subject{{Kind: "User", Name: "lister"}}}
	if _, err := admin.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	path, err := env.KubeconfigFor(t.TempDir(), "lister")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	m := NewPodMirror(listerFor(t, cfg), PodQuery{Namespace: "default"})
	go m.Run(ctx)
	if _, err := m.List(ctx, PodQuery{}); err != nil {
		t.Fatalf("first list: %v", err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "late", Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "c", Image: "docker.io/lab/app:1"}}}}
	if _, err := admin.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		metas, err := m.List(ctx, PodQuery{})
		if err == nil && len(metas) == 1 && metas[0].Name == "late" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new pod never reached the mirror without a watch: %v, %v", metas, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := m.Lists(); n < 2 {
		t.Errorf("%d lists; the pod can only have come from a second one", n)
	}
	if ch := m.Changes(); !ch.All {
		t.Errorf("after a new list the changes are %+v; want All (not known one by one)", ch)
	}
}
