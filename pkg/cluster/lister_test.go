package cluster

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testenv"
	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
)

// TestListStrategiesAgree checks, against a real apiserver, that the paired metadata+Table list
// (consistent, or from the watch cache) and the Table-with-metadata fallback return the same pods, across
// pages, namespaces and selectors.
func TestListStrategiesAgree(t *testing.T) {
	l, cs := envLister(t)
	ctx := context.Background()
	for _, ns := range []string{"a", "b"} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 7; i++ {
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", i), Namespace: ns, Labels: map[string]string{"even": fmt.Sprint(i%2 == 0)},
					Annotations: map[string]string{"k8s.v1.cni.cncf.io/networks": "n"}},
				Spec: corev1.PodSpec{NodeName: fmt.Sprintf("node-%d", i%3), Containers: []corev1.Container{{Name: "c", Image: "docker.io/lab/app:1"}}},
			}
			if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}

	for _, q := range []PodQuery{
		{PageSize: 3},
		{PageSize: 3, Cached: true},
		{Namespace: "b", PageSize: 2},
		{LabelSelector: "even=true", PageSize: 4},
		{FieldSelector: "spec.nodeName=node-1", PageSize: 500},
	} {
		paired, rv, ok, err := l.listPaired(ctx, q)
		if err != nil || !ok || rv == "" {
			t.Fatalf("%+v: paired list: ok=%v rv=%q err=%v", q, ok, rv, err)
		}
		tables, trv, err := l.listTables(ctx, q)
		if err != nil || trv == "" {
			t.Fatalf("%+v: table list: rv=%q err=%v", q, trv, err)
		}
		if len(paired) == 0 || !reflect.DeepEqual(paired, tables) {
			t.Errorf("%+v: paired and table lists differ:\n%+v\n%+v", q, paired, tables)
		}
		for _, p := range paired {
			if p.Node == "" || p.Phase != "Pending" || p.Annotations["k8s.v1.cni.cncf.io/networks"] != "n" {
				t.Errorf("%+v: pod %s/%s lacks node, phase or annotations: %+v", q, p.Namespace, p.Name, p)
			}
		}
	}
	all, err := l.List(ctx, PodQuery{PageSize: 5})
	if err != nil || len(all) != 14 {
		t.Fatalf("List: %d pods, %v", len(all), err)
	}
	keys, err := l.Keys(ctx, PodQuery{PageSize: 5, LabelSelector: "even=true"})
	if err != nil || fmt.Sprint(keys) != "[a/p0 a/p2 a/p4 a/p6 b/p0 b/p2 b/p4 b/p6]" {
		t.Errorf("Keys: %v, %v", keys, err)
	}
	if _, err := l.List(ctx, PodQuery{Namespace: "a", Names: []string{"p1", "nope"}}); err == nil || err.Error()[:15] != `pod "nope" not ` {
		t.Errorf("named list of a missing pod: %v", err)
	}
}

// envLister starts an API server for the test and returns a lister on it and a clientset to seed it.
func envLister(t *testing.T) (*PodLister, kubernetes.Interface) {
	t.Helper()
	env := startEnv(t)
	return listerFor(t, env.Config), kubernetes.NewForConfigOrDie(env.Config)
}

// startEnv starts an API server that stops with the test.
func startEnv(t *testing.T) *testenv.Env {
	t.Helper()
	testneeds.Need(t, testneeds.Lacks(false, true))
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	return env
}

// listerFor is a pod lister over cfg.
func listerFor(t *testing.T, cfg *rest.Config) *PodLister {
	t.Helper()
	core, err := coreClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return NewPodLister(core, metadata.NewForConfigOrDie(metadata.ConfigFor(cfg)))
}
