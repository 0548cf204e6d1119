package logs

import (
	"bytes"
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// TestMultusFallbackNotes: when Multus logs to no file, logs says so in user terms and shows the
// Multus daemon pod's own log; without a daemon pod it says what to set.
func TestMultusFallbackNotes(t *testing.T) {
	daemon := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kube-multus-ds-abcde", Namespace: "kube-system"},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "kube-multus"}}}}
	tests := []struct {
		name string
		objs []corev1.Pod
		want []string
	}{
		{"daemon pod", []corev1.Pod{*daemon}, []string{
			"# node/node-1: Multus file logging is off (no logFile in its config); showing pod kube-system/kube-multus-ds-abcde's container logs",
			"node-1/multus fake logs",
		}},
		{"no daemon pod", nil, []string{
			`# node/node-1: Multus writes no log file (no logFile in its config) and runs no daemon pod here; set "logFile" in the Multus config to read it`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := fake.NewClientset()
			for i := range tt.objs {
				if _, err := client.CoreV1().Pods(tt.objs[i].Namespace).Create(context.Background(), &tt.objs[i], metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			err := multusPodLogs(context.Background(), &Pods{Client: client}, Request{Tail: -1}, "node-1", &Printer{Out: &out})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSpace(out.String()), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", out.String(), strings.Join(tt.want, "\n"))
			}
		})
	}
}
