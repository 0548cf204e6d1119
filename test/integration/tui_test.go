package integration

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
)

// tmux drives one detached tmux session.
type tmux struct {
	t    *testing.T
	name string
}

func (x tmux) run(args ...string) string {
	x.t.Helper()
	out, err := exec.Command("tmux", args...).CombinedOutput()
	if err != nil {
		x.t.Fatalf("tmux %v: %v: %s", args, err, out)
	}
	return string(out)
}

func (x tmux) capture() string { return x.run("capture-pane", "-p", "-t", x.name) }

// waitFor polls the pane until it contains text.
func (x tmux) waitFor(text string) string {
	x.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		screen := x.capture()
		if strings.Contains(screen, text) {
			return screen
		}
		if time.Now().After(deadline) {
			x.t.Fatalf("%q never appeared; screen:\n%s", text, screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTUIEndToEnd drives the real binary in tmux against the real apiserver: filter to a pod, open
// its details, see its net1 IP, quit, and find the shell's screen back.
func TestTUIEndToEnd(t *testing.T) {
	testneeds.Need(t, s.lacking)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is needed for the TUI end-to-end test (.ci/run installs it)")
	}
	ns := "it-tui"
	seed(t, ns, map[string]map[string]string{
		"edge-1": {"k8s.v1.cni.cncf.io/networks": "data", "k8s.v1.cni.cncf.io/network-status": statusOf(ns, "data", "172.30.9.7")},
		"edge-2": {"k8s.v1.cni.cncf.io/networks": "data", "k8s.v1.cni.cncf.io/network-status": statusOf(ns, "data", "172.30.9.8")},
		"core-1": {"k8s.v1.cni.cncf.io/networks": "data"},
	}, map[string]string{"data": macvlanNAD})

	x := tmux{t: t, name: fmt.Sprintf("multinet-it-%d", time.Now().UnixNano())}
	cmd := fmt.Sprintf("%s --kubeconfig %s tui -n %s --refresh 1s; echo TUI-EXITED rc=$?; sleep 60", s.bin, s.kubeconfig, ns)
	x.run("new-session", "-d", "-s", x.name, "-x", "100", "-y", "30", "env", "NO_COLOR=1", "TERM=xterm-256color", "sh", "-c", cmd)
	defer exec.Command("tmux", "kill-session", "-t", x.name).Run()

	x.waitFor("core-1")
	// A pod created while the TUI runs arrives through its watch.
	late := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "late-1", Namespace: ns, Annotations: map[string]string{"k8s.v1.cni.cncf.io/networks": "data"}},
		Spec: corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "c", Image: "docker.io/lab/app:1"}}}}
	if _, err := kubernetes.NewForConfigOrDie(s.env.Config).CoreV1().Pods(ns).Create(context.Background(), late, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	x.waitFor("late-1")
	x.run("send-keys", "-t", x.name, "/", "edge-2", "Enter")
	screen := x.waitFor(`filter "edge-2" (1 matches)`)
	if strings.Contains(screen, "core-1") {
		t.Fatalf("filter left other pods on screen:\n%s", screen)
	}
	x.run("send-keys", "-t", x.name, "Enter")
	screen = x.waitFor("INTERFACES")
	if !strings.Contains(screen, "172.30.9.8") || !strings.Contains(screen, "net1") {
		t.Fatalf("details lack net1's IP:\n%s", screen)
	}
	if styled := x.run("capture-pane", "-e", "-p", "-t", x.name); strings.Contains(styled, "\x1b[38;") {
		t.Errorf("colours drawn despite NO_COLOR:\n%q", styled)
	}
	x.run("send-keys", "-t", x.name, "q")
	screen = x.waitFor("TUI-EXITED rc=0")
	if strings.Contains(screen, "INTERFACES") || strings.Contains(screen, "kubectl multinet  ") {
		t.Fatalf("the TUI's screen is still there after quitting:\n%s", screen)
	}
}

// TestTUICtrlCRestoresTerminal interrupts the TUI with Ctrl-C.
func TestTUICtrlCRestoresTerminal(t *testing.T) {
	testneeds.Need(t, s.lacking)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is needed for the TUI end-to-end test (.ci/run installs it)")
	}
	x := tmux{t: t, name: fmt.Sprintf("multinet-it-%d", time.Now().UnixNano())}
	cmd := fmt.Sprintf("%s --kubeconfig %s tui -A; echo TUI-EXITED rc=$?; stty -a | head -1; sleep 60", s.bin, s.kubeconfig)
	x.run("new-session", "-d", "-s", x.name, "-x", "80", "-y", "24", "env", "TERM=xterm-256color", "sh", "-c", cmd)
	defer exec.Command("tmux", "kill-session", "-t", x.name).Run()
	x.waitFor("NAMESPACE")
	x.run("send-keys", "-t", x.name, "C-c")
	screen := x.waitFor("TUI-EXITED")
	if strings.Contains(screen, "NAMESPACE      POD") {
		t.Fatalf("the TUI's screen is still there after Ctrl-C:\n%s", screen)
	}
}
