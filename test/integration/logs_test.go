package integration

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/logs"
)

// TestLogsNodesThatDoNotAnswer: this API server has nodes but no kubelet, so no debug pod ever
// starts. logs --all-nodes gives each node --node-timeout, names every node that did not answer in
// one error line, exits 1, and leaves no debug pod behind.
func TestLogsNodesThatDoNotAnswer(t *testing.T) {
	testneeds.Need(t, s.lacking)
	ctx := context.Background()
	kc := kubernetes.NewForConfigOrDie(s.env.Config)
	nodes := []string{"mute-a", "mute-b", "mute-c"}
	for _, n := range nodes {
		if _, err := kc.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = kc.CoreV1().Nodes().Delete(ctx, n, metav1.DeleteOptions{}) })
	}
	r := runBin(t, s.kubeconfig, "logs", "--all-nodes", "--node-timeout", "2s", "--parallel", "10", "--image", "example.com/multinet-cni:test", "--cni-conf-dir", "/etc/cni/net.d")
	if r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Fatalf("exit %d, want 1 with one line on stderr:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "nodes did not answer") {
		t.Errorf("stderr does not sum up the silent nodes: %s", r.stderr)
	}
	for _, n := range nodes {
		if !strings.Contains(r.stdout, "# node/"+n+": did not answer: no answer within 2s (--node-timeout)") {
			t.Errorf("node %s is not named as silent:\n%s%s", n, r.stdout, r.stderr)
		}
	}
	left, err := kc.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{LabelSelector: logs.Selector})
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Items) != 0 {
		t.Errorf("%d debug pods left behind", len(left.Items))
	}
}
