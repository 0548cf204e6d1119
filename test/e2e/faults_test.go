//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/internal/faultpoint"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/install"
)

// TestFaults injects the faults of docs/reliability.md into the lab while pods attach, and checks
// what must hold whatever happens: every pod ends up Ready with an address no other pod holds
// (seen from inside the pods), an IPAM error names its cause in one line, and deleting the pods
// leaves no allocation. Each fault is applied once a first allocation of its load is observed, so
// it hits ADDs in flight, not a guessed moment.
func TestFaults(t *testing.T) {
	if os.Getenv("MULTINET_E2E_FAULTS") == "" {
		t.Skip("`make faults` runs these (minutes each, so `make test` leaves them out to stay within CI's time)")
	}
	if len(lab.nodes) < 2 {
		t.Skip("the lab has one node; NODES=2 (the default) runs this test")
	}
	lab.install(t)
	t.Run("kube-apiserver restarted during 50 concurrent ADDs", func(t *testing.T) {
		lab.underFault(t, "fault-api", "172.30.40.0/24", 50, func(t *testing.T) { lab.restartAPIServer(t) })
	})
	t.Run("etcd paused 15 s during churn", func(t *testing.T) {
		lab.underFault(t, "fault-etcd", "172.30.41.0/24", 50, func(t *testing.T) { lab.pauseEtcd(t, 15*time.Second) })
	})
	t.Run("etcd paused 40 s, past the plugin's 30 s deadline", func(t *testing.T) {
		errs := lab.underFault(t, "fault-etcd-long", "172.30.43.0/24", 50, func(t *testing.T) { lab.pauseEtcd(t, 40*time.Second) })
		// The ADDs under way when etcd stopped outlast the deadline: each must end in one line
		// naming its cause, and the kubelet's retries then attach every pod (underFault).
		if len(errs) == 0 {
			t.Error("no ADD gave up while etcd was paused past the plugin's deadline")
		}
		for _, e := range errs {
			if strings.Contains(e, "\n") || !strings.Contains(strings.ToLower(e), "deadline") && !strings.Contains(strings.ToLower(e), "time") {
				t.Errorf("an ADD under the pause failed without naming the deadline: %q", e)
			}
		}
	})
	t.Run("node agents SIGKILLed during churn", func(t *testing.T) {
		restarts := lab.agentRestarts(t)
		lab.underFault(t, "fault-agent", "172.30.42.0/24", 50, func(t *testing.T) {
			out, _ := exec.Command("pgrep", "-f", "node agent --conf-dir=/host/multinet.d").Output()
			pids := strings.Fields(string(out))
			if len(pids) < len(lab.nodes) {
				t.Fatalf("found agents %v, want one a node", pids)
			}
			for _, p := range pids {
				pid, _ := strconv.Atoi(p)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		})
		if after := lab.agentRestarts(t); after < restarts+len(lab.nodes) {
			t.Errorf("agent containers restarted %d times in all, %d before: each killed agent should have been restarted", after, restarts)
		}
		lab.servedByAgent(t, "fault-agent")
	})
	t.Run("the plugin SIGKILLed at each stage of ADD", lab.killedAtEachStage)
	t.Run("install twice, upgrade, uninstall mid-rollout", lab.installUpgradeUninstall)
	t.Run("1,000 pods created and deleted in waves, two NADs on one network_name", lab.soak)
}

// underFault starts n pods (alternating nodes) on a new NAD over cidr in namespace ns, applies
// fault once the first of their addresses is allocated, and then checks the invariants.
func (lab node) underFault(t *testing.T, ns, cidr string, n int, fault func(t *testing.T)) (ipamErrors []string) {
	lab.namespace(t, ns)
	var m strings.Builder
	m.WriteString(lab.nad(ns, "f", lab.master, cidr))
	pods := make([]string, n)
	for i := range pods {
		pods[i] = fmt.Sprintf("f%03d", i)
		m.WriteString(lab.podOn(lab.nodes[i%len(lab.nodes)], ns, pods[i], "f"))
	}
	start := time.Now()
	lab.kubectl(t, m.String(), "apply", "-f", "-")
	var at int
	for deadline := time.Now().Add(3 * time.Minute); at == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no address of namespace %s allocated in 3 minutes", ns)
		}
		at = len(lab.allocations(t, ns))
	}
	fault(t)
	lab.kubectl(t, "", "wait", "-n", ns, "--for", "condition=Ready", "pods", "--all", "--timeout", "600s")
	ready := time.Since(start)
	seen := lab.uniqueNet1(t, ns, pods, strings.TrimSuffix(cidr, "0/24"))
	errs, direct := lab.ipamLog(t, ns)
	for _, e := range errs {
		if strings.Contains(e, "panic") || strings.Contains(e, "goroutine ") {
			t.Errorf("an ADD crashed instead of failing with an error: %s", e)
		}
	}
	lab.kubectl(t, "", "delete", "pods", "-n", ns, "--all", "--wait", "--timeout", "600s")
	left := lab.allocations(t, ns)
	if len(left) > 0 {
		t.Errorf("allocations left after every pod of %s is gone: %v", ns, left)
	}
	t.Logf("RESULT %s: %d pods, fault at %d allocated; all Ready %s after create; %d unique addresses; %d IPAM errors %q; %d ADDs by the plugin itself (agent fallback); %d allocations left",
		ns, n, at, ready.Round(time.Second), len(seen), len(errs), distinct(errs), direct, len(left))
	return errs
}

// pauseEtcd stops etcd (SIGSTOP) for d, the fault's length; no outcome is read from the sleep.
func (lab node) pauseEtcd(t *testing.T, d time.Duration) {
	t.Helper()
	pid := lab.controlPlanePID(t, "etcd")
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(pid, syscall.SIGCONT)
	time.Sleep(d)
}

// allocations lists "podRef ip" of the IPAllocations of namespace ns's pods.
func (lab node) allocations(t *testing.T, ns string) []string {
	t.Helper()
	out := lab.kubectl(t, "", "get", "ipallocations", "-n", "kube-system", "-o", "jsonpath={range .items[*]}{.spec.podRef} {.spec.ip}{'\\n'}{end}")
	var ours []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, ns+"/") {
			ours = append(ours, l)
		}
	}
	return ours
}

// ipamLog returns the errors multinet-ipam logged on any node for ADDs of namespace ns's pods, and
// how many of those ADDs the plugin made itself (via=direct: the agent did not answer).
func (lab node) ipamLog(t *testing.T, ns string) (errs []string, direct int) {
	t.Helper()
	for _, n := range lab.nodes {
		data, err := os.ReadFile(lab.nodeFile(n, "/var/log/multinet-ipam.log"))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if strings.Contains(l, "[ADD] pod="+ns+"/") {
				if _, e, ok := strings.Cut(l, " error: "); ok {
					errs = append(errs, e)
				}
				if strings.Contains(l, " via=direct ") {
					direct++
				}
			}
		}
	}
	return errs, direct
}

// distinct returns each error once, cut to its first 120 bytes.
func distinct(errs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range errs {
		e = e[:min(len(e), 120)]
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// controlPlanePID reads the pid of a control-plane process of hack/cluster.sh.
func (lab node) controlPlanePID(t *testing.T, name string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(lab.dir, "cp", name+".pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("%s.pid: %v", name, err)
	}
	return pid
}

// restartAPIServer kills kube-apiserver (SIGKILL, as a crash or an OOM kill would) and starts it again
// with the same command line, recording its new pid where hack/cluster.sh down finds it.
func (lab node) restartAPIServer(t *testing.T) {
	t.Helper()
	pid := lab.controlPlanePID(t, "kube-apiserver")
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		t.Fatal(err)
	}
	argv := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); running(pid); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("kube-apiserver %d still runs a minute after SIGKILL", pid)
		}
	}
	log, err := os.OpenFile(filepath.Join(lab.dir, "cp", "logs", "kube-apiserver.log"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lab.dir, "cp", "kube-apiserver.pid"), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Process.Release()
	for deadline := time.Now().Add(2 * time.Minute); lab.exec(t, "", lab.kubectlBin, "get", "--raw", "/readyz").code != 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("kube-apiserver not ready 2 minutes after its restart")
		}
	}
}

// running says whether pid is a live process (not gone, not a zombie).
func running(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

// agentRestarts sums the restart counts of the node agents' containers.
func (lab node) agentRestarts(t *testing.T) int {
	t.Helper()
	out := lab.kubectl(t, "", "get", "pods", "-A", "-l", "app.kubernetes.io/name=multinet,app.kubernetes.io/component=cni", "-o",
		`jsonpath={range .items[*]}{range .status.containerStatuses[?(@.name=="agent")]}{.restartCount}{" "}{end}{end}`)
	sum := 0
	for _, f := range strings.Fields(out) {
		n, _ := strconv.Atoi(f)
		sum += n
	}
	return sum
}

// servedByAgent attaches one more pod a node in namespace ns once the agents run again, and checks
// that their agents, not the plugins' fallback, allocated.
func (lab node) servedByAgent(t *testing.T, ns string) {
	t.Helper()
	lab.kubectl(t, "", "rollout", "status", "-n", install.Namespace, "daemonset/"+install.DaemonSetName, "--timeout", "120s")
	lab.kubectl(t, "", "wait", "-n", "kube-system", "--for", "condition=Ready", "pods", "-l", "app.kubernetes.io/name=multinet,app.kubernetes.io/component=cni", "--timeout", "120s")
	var m strings.Builder
	for i, n := range lab.nodes {
		m.WriteString(lab.podOn(n, ns, fmt.Sprintf("again%d", i), "f"))
	}
	lab.kubectl(t, m.String(), "apply", "-f", "-")
	lab.kubectl(t, "", "wait", "-n", ns, "--for", "condition=Ready", "pods", "--all", "--timeout", "120s")
	for _, n := range lab.nodes {
		data, err := os.ReadFile(lab.nodeFile(n, "/var/log/multinet-ipam.log"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "[ADD] pod="+ns+"/again") || strings.Contains(lastADD(string(data), ns+"/again"), "via=direct") {
			t.Errorf("node %s: the ADD after the agent's restart did not go through the agent: %q", n, lastADD(string(data), ns+"/again"))
		}
	}
	lab.kubectl(t, "", "delete", "pods", "-n", ns, "--all", "--wait", "--timeout", "120s")
}

// lastADD is the last ADD line of log for a pod whose ref starts with ref.
func lastADD(log, ref string) string {
	last := ""
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "[ADD] pod="+ref) {
			last = l
		}
	}
	return last
}

// killedAtEachStage puts multinet-cni built with faultpoints on the first node as multinet-macvlan
// and, for each stage of ADD, starts a pod whose first ADD kills itself there (SIGKILL, through
// faultpoint.File), then lets the kubelet's next attempt through. Each pod ends up with one address;
// once they are deleted (and after ipam gc) none is left.
func (lab node) killedAtEachStage(t *testing.T) {
	ns, node := "fault-kill", lab.nodes[0]
	lab.namespace(t, ns)
	bin := lab.nodeFile(node, filepath.Join(lab.binDir, "multinet-macvlan"))
	orig, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	fault, err := os.ReadFile(lab.faultCNI)
	if err != nil {
		t.Fatal(err)
	}
	replace := func(data []byte) error { // by rename: the old binary may be running
		if err := os.WriteFile(bin+".swap", data, 0o755); err != nil {
			return err
		}
		return os.Rename(bin+".swap", bin)
	}
	if err := replace(fault); err != nil {
		t.Fatal(err)
	}
	stageFile, held := lab.nodeFile(node, faultpoint.File), lab.nodeFile(node, faultpoint.Held)
	t.Cleanup(func() {
		os.Remove(stageFile)
		os.Remove(held)
		if err := replace(orig); err != nil {
			t.Errorf("put multinet-macvlan back on %s: %v", node, err)
		}
	})
	lab.kubectl(t, lab.nad(ns, "f", lab.master, "172.30.44.0/24"), "apply", "-f", "-")
	var pods []string
	for i, stage := range faultpoint.AddStages() {
		pod := fmt.Sprintf("k%d", i)
		pods = append(pods, pod)
		os.Remove(held)
		if err := os.WriteFile(stageFile, []byte(stage+" kill\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		lab.kubectl(t, lab.podOn(node, ns, pod, "f"), "apply", "-f", "-")
		for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
			if data, _ := os.ReadFile(held); strings.Contains(string(data), stage) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("pod %s: no ADD reached stage %s in 3 minutes", pod, stage)
			}
		}
		if err := os.Remove(stageFile); err != nil { // the kubelet's next attempt runs through
			t.Fatal(err)
		}
		lab.kubectl(t, "", "wait", "-n", ns, "--for", "condition=Ready", "pod/"+pod, "--timeout", "180s")
	}
	seen := lab.uniqueNet1(t, ns, pods, "172.30.44.")
	allocs := lab.allocations(t, ns)
	if len(allocs) != len(pods) {
		t.Errorf("allocations %v for %d running pods: a killed ADD's address was not released by the kubelet's DEL", allocs, len(pods))
	}
	lab.kubectl(t, "", "delete", "pods", "-n", ns, "--all", "--wait", "--timeout", "120s")
	afterDel := lab.allocations(t, ns)
	if r := lab.multinet(t, "ipam", "gc"); r.code != 0 {
		t.Errorf("ipam gc: exit %d:\n%s%s", r.code, r.out, r.err)
	}
	if left := lab.allocations(t, ns); len(left) > 0 {
		t.Errorf("allocations left after the pods are gone and ipam gc: %v", left)
	}
	t.Logf("RESULT %s: stages %v killed once each; %d unique addresses; %d allocations while Ready, %d after delete (before gc)",
		ns, faultpoint.AddStages(), len(seen), len(allocs), len(afterDel))
}
