package integration

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-multinet/kubectl-multinet/internal/netnstest"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipam"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
)

// startAgent runs the real binary's IPAM server (multinet-cni node serve) on socket, with its
// metrics on a free local port; it returns the metrics URL.
func startAgent(t *testing.T, socket string) (*exec.Cmd, string) {
	t.Helper()
	link := filepath.Join(t.TempDir(), "multinet-cni")
	if err := os.Symlink(s.ipamBin, link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(link, "node", "serve", "--kubeconfig", s.kubeconfig, "--socket", socket, "--metrics-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stderr)
	var said []string
	metrics := ""
	for lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "agent: serving metrics on "); ok {
			metrics = u
		}
		if lines.Text() == ipam.ServingLine(socket) {
			go func() { // keep draining so the agent never blocks on a full pipe
				for lines.Scan() {
					fmt.Fprintln(os.Stderr, lines.Text())
				}
			}()
			return cmd, metrics
		}
		said = append(said, lines.Text())
	}
	t.Fatalf("agent exited before serving:\n%s", strings.Join(said, "\n"))
	return nil, ""
}

// scrapeAgent reads the agent's metrics and returns the lines of the multinet_ipam counters.
func scrapeAgent(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// TestIPAMThroughAgent: with agent_socket set, allocations go through the node agent's warm client
// (the plugin's own kubeconfig is not even readable); its errors come back unchanged; when the
// agent is gone, the plugin allocates by itself. The agent's metrics count what it served, and a
// restarted agent counts the fallbacks plugins made while it was gone.
func TestIPAMThroughAgent(t *testing.T) {
	testneeds.Need(t, s.lacking)
	netns := netnstest.ForTest(t)
	socket := filepath.Join(t.TempDir(), "agent.sock")
	agent, metrics := startAgent(t, socket)
	conf := func(kubeconfig string) string {
		return fmt.Sprintf(`{"cniVersion":"1.0.0","name":"agent","ipam":{"type":"multinet-ipam","range":"10.94.0.0/30","network_name":"agent-it","kubernetes":{"kubeconfig":%q},"agent_socket":%q}}`, kubeconfig, socket)
	}
	unreadable := filepath.Join(t.TempDir(), "no-such-kubeconfig")
	dyn := dynamic.NewForConfigOrDie(s.env.Config)
	count := func() int {
		list, err := dyn.Resource(gvr.IPAllocations).Namespace("kube-system").List(context.Background(), metav1.ListOptions{LabelSelector: ipam.LabelNetwork + "=agent-it"})
		if err != nil {
			t.Fatal(err)
		}
		return len(list.Items)
	}

	a, err := ipamADD(t, s.ipamBin, conf(unreadable), netns.Path(), "ag1")
	if err != nil {
		t.Fatalf("ADD through the agent: %v", err)
	}
	if _, err := ipamADD(t, s.ipamBin, conf(unreadable), netns.Path(), "ag2"); err != nil {
		t.Fatalf("second ADD through the agent: %v", err)
	}
	if n := count(); n != 2 {
		t.Fatalf("%d allocations after two ADDs, want 2", n)
	}
	if _, err := ipamADD(t, s.ipamBin, conf(unreadable), netns.Path(), "ag3"); err == nil || !strings.Contains(err.Error(), "Could not allocate IP in range") {
		t.Fatalf("ADD on the full range through the agent: %v", err)
	}
	if again, err := ipamADD(t, s.ipamBin, conf(unreadable), netns.Path(), "ag1"); err != nil || again != a {
		t.Fatalf("retried ADD: %s, %v; want %s back", again, err, a)
	}
	if err := ipamDEL(s.ipamBin, conf(unreadable), netns.Path(), "ag1"); err != nil {
		t.Fatalf("DEL through the agent: %v", err)
	}
	if n := count(); n != 1 {
		t.Fatalf("%d allocations after DEL, want 1", n)
	}
	body := scrapeAgent(t, metrics)
	for _, want := range []string{
		`multinet_ipam_operations_total{network="agent-it",op="allocate",path="agent",result="ok"} 3`,
		`multinet_ipam_operations_total{network="agent-it",op="allocate",path="agent",result="error"} 1`,
		`multinet_ipam_operations_total{network="agent-it",op="release",path="agent",result="ok"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("agent metrics lack %s", want)
		}
	}

	_ = agent.Process.Kill()
	_ = agent.Wait()
	if _, err := ipamADD(t, s.ipamBin, conf(unreadable), netns.Path(), "ag4"); err == nil || !strings.Contains(err.Error(), "no-such-kubeconfig") {
		t.Fatalf("without the agent the plugin must use its own kubeconfig: %v", err)
	}
	if _, err := ipamADD(t, s.ipamBin, conf(s.kubeconfig), netns.Path(), "ag4"); err != nil {
		t.Fatalf("ADD without the agent: %v", err)
	}
	for _, c := range []string{"ag2", "ag4"} {
		if err := ipamDEL(s.ipamBin, conf(s.kubeconfig), netns.Path(), c); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("%d allocations left, want 0", n)
	}
	_, metrics = startAgent(t, socket)
	body = scrapeAgent(t, metrics)
	for _, want := range []string{
		`multinet_ipam_fallbacks_total{op="allocate"} 2`,
		`multinet_ipam_fallbacks_total{op="release"} 2`,
		`multinet_ipam_operations_total{network="agent-it",op="allocate",path="direct",result="error"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the restarted agent's metrics lack %s:\n%s", want, body)
		}
	}
}
