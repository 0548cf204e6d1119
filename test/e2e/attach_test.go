//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/internal/faultpoint"
	"github.com/kubectl-multinet/kubectl-multinet/internal/testenv"
)

type statusReport struct {
	Pods []struct {
		Namespace, Name string
		Interfaces      []struct {
			Network, Interface, State string
			IPs                       []string
		}
	}
}

type doctorReport struct {
	Findings []struct {
		Code   string
		Object struct{ Kind, Namespace, Name string }
	}
}

func (lab node) doctor(t *testing.T, args ...string) (doctorReport, int) {
	t.Helper()
	r := lab.multinet(t, append([]string{"doctor", "-o", "json"}, args...)...)
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("doctor %v: exit %d, not JSON: %v\n%s\n%s", args, r.code, err, r.out, r.err)
	}
	return rep, r.code
}

// findingsFor returns the codes doctor reports for an object of ns named name.
func (rep doctorReport) codesFor(name string) []string {
	var codes []string
	for _, f := range rep.Findings {
		if f.Object.Name == name {
			codes = append(codes, f.Code)
		}
	}
	return codes
}

// eventually polls doctor in ns until it reports every code for object name.
func (lab node) eventually(t *testing.T, ns, name string, codes ...string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var got []string
	for time.Now().Before(deadline) {
		rep, _ := lab.doctor(t, "-n", ns)
		got = rep.codesFor(name)
		missing := false
		for _, c := range codes {
			missing = missing || !slices.Contains(got, c)
		}
		if !missing {
			return
		}
		time.Sleep(2 * time.Second)
	}
	t.Fatalf("doctor -n %s: %s has %v, want all of %v", ns, name, got, codes)
}

// TestAttachPath installs the plugins on the node, attaches pods through Multus, checks every view
// of the result, breaks things on purpose, and uninstalls. Steps depend on each other.
func TestAttachPath(t *testing.T) {
	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	step("install refuses without permissions and names them", func(t *testing.T) {
		r := lab.multinet(t, append([]string{"install", "--as", "system:serviceaccount:default:nobody"}, lab.installArgs()...)...)
		if r.code != 1 || !strings.Contains(r.err, "install needs permissions you lack") ||
			!strings.Contains(r.err, "create customresourcedefinitions.apiextensions.k8s.io") ||
			!strings.Contains(r.err, "patch daemonsets.apps in kube-system") || strings.Count(r.err, "\n") != 1 {
			t.Fatalf("exit %d, stderr:\n%s", r.code, r.err)
		}
	})
	step("install --dry-run=server stores nothing", func(t *testing.T) {
		r := lab.multinet(t, append([]string{"install", "--dry-run=server"}, lab.installArgs()...)...)
		if r.code != 0 || !strings.Contains(r.out, "daemonset.apps/multinet-cni created (server dry run)") {
			t.Fatalf("exit %d:\n%s%s", r.code, r.out, r.err)
		}
		if r := lab.exec(t, "", lab.kubectlBin, "get", "-n", "kube-system", "daemonset", "multinet-cni"); r.code == 0 {
			t.Fatal("dry run created the DaemonSet")
		}
	})
	step("install --wait", func(t *testing.T) {
		r := lab.multinet(t, append([]string{"install", "--wait", "--timeout", "120s"}, lab.installArgs()...)...)
		ready := fmt.Sprintf("ready on %d/%d nodes", len(lab.nodes), len(lab.nodes))
		if r.code != 0 || !strings.Contains(r.out, ready) {
			t.Fatalf("exit %d, want %q:\n%s%s", r.code, ready, r.out, r.err)
		}
		for _, n := range lab.nodes {
			if !strings.Contains(r.out, "node/"+n+": ready") {
				t.Errorf("node %s not reported ready:\n%s", n, r.out)
			}
			for _, p := range []string{"multinet-macvlan", "multinet-ipvlan", "multinet-ipam"} {
				if fi, err := os.Stat(lab.nodeFile(n, filepath.Join(lab.binDir, p))); err != nil || fi.Mode()&0o111 == 0 {
					t.Errorf("%s not installed on %s as an executable: %v", p, n, err)
				}
			}
			if _, err := os.Stat(lab.nodeFile(n, lab.flatConfig)); err != nil {
				t.Errorf("IPAM config not written on %s: %v", n, err)
			}
		}
	})

	ns := "e2e-attach"
	lab.namespace(t, ns)
	step("pods with one and two extra networks become Ready", func(t *testing.T) {
		lab.kubectl(t, lab.nad(ns, "data", lab.master, "172.30.0.0/24")+lab.nad(ns, "data2", lab.master, "172.30.1.0/24")+
			lab.pod(ns, "a", "data")+lab.pod(ns, "b", "data")+lab.pod(ns, "c", "data,data2"), "apply", "-f", "-")
		lab.kubectl(t, "", "wait", "-n", ns, "--for", "condition=Ready", "pod/a", "pod/b", "pod/c", "--timeout", "120s")
	})
	step("net1/net2 carry the allocated IPs, as status reports them attached", func(t *testing.T) {
		r := lab.multinet(t, "status", "-n", ns, "-o", "json")
		var rep statusReport
		if err := json.Unmarshal([]byte(r.out), &rep); err != nil || r.code != 0 {
			t.Fatalf("status: exit %d, %v\n%s", r.code, err, r.err)
		}
		want := map[string][]string{"a": {"net1"}, "b": {"net1"}, "c": {"net1", "net2"}}
		allocs := lab.kubectl(t, "", "get", "ipallocations", "-n", "kube-system", "-o", "jsonpath={range .items[*]}{.metadata.labels}{' '}{.spec.ip}{'\\n'}{end}")
		for _, p := range rep.Pods {
			inside := lab.podAddrs(t, ns, p.Name)
			var attached []string
			for _, ifc := range p.Interfaces {
				if ifc.State == "default" {
					continue
				}
				if ifc.State != "attached" || len(ifc.IPs) != 1 {
					t.Errorf("%s %s: state %s ips %v, want attached with one IP", p.Name, ifc.Interface, ifc.State, ifc.IPs)
					continue
				}
				attached = append(attached, ifc.Interface)
				if got := strings.Split(inside[ifc.Interface], "/")[0]; got != ifc.IPs[0] {
					t.Errorf("%s %s: network-status says %s, inside the pod %q", p.Name, ifc.Interface, ifc.IPs[0], inside[ifc.Interface])
				}
				if !strings.Contains(allocs, ifc.IPs[0]) {
					t.Errorf("%s %s: %s has no IPAllocation:\n%s", p.Name, ifc.Interface, ifc.IPs[0], allocs)
				}
			}
			if !slices.Equal(attached, want[p.Name]) {
				t.Errorf("pod %s: attached %v, want %v", p.Name, attached, want[p.Name])
			}
		}
		if len(rep.Pods) != 3 {
			t.Errorf("status lists %d pods, want 3", len(rep.Pods))
		}
	})
	step("doctor -A reports nothing (Multus' DaemonSet, RBAC, NADs, pods, pools)", func(t *testing.T) {
		rep, code := lab.doctor(t, "-A")
		if code != 0 || len(rep.Findings) != 0 {
			t.Fatalf("exit %d, findings %+v", code, rep.Findings)
		}
	})
	step("two pods ping each other over net1", func(t *testing.T) {
		b := strings.Split(lab.podAddrs(t, ns, "b")["net1"], "/")[0]
		lab.kubectl(t, "", "exec", "-n", ns, "a", "--", "/testpod", "ping", b)
		a := strings.Split(lab.podAddrs(t, ns, "a")["net1"], "/")[0]
		lab.kubectl(t, "", "exec", "-n", ns, "b", "--", "/testpod", "ping", a)
	})
	step("attach explain shows what a running pod holds", func(t *testing.T) {
		r := lab.multinet(t, "attach", "explain", "pod/c", "-n", ns)
		ip := strings.Split(lab.podAddrs(t, ns, "c")["net2"], "/")[0]
		if r.code != 0 || !strings.Contains(r.out, "net2  ← e2e-attach/data2") || !strings.Contains(r.out, "holds "+ip) ||
			!strings.Contains(r.out, "CNI_IFNAME=net2") || !strings.Contains(r.out, "No problems found") {
			t.Fatalf("exit %d (net2 is %s):\n%s%s", r.code, ip, r.out, r.err)
		}
	})
	step("logs shows a pod's Multus and IPAM lines from its node", func(t *testing.T) {
		r := lab.multinet(t, "logs", "pod/c", "-n", ns, "--tail", "-1")
		if r.code != 0 {
			t.Fatalf("exit %d:\n%s%s", r.code, r.out, r.err)
		}
		node := lab.nodes[0]
		for _, want := range []string{node + "/multus ", "e2e-attach:c:", "e2e-attach/data2(data2):net2", node + "/ipam ", "[ADD] pod=e2e-attach/c ", "ifname=net2 via=agent "} {
			if !strings.Contains(r.out, want) {
				t.Errorf("logs lack %q:\n%s", want, r.out)
			}
		}
		for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
			if !strings.HasPrefix(line, "#") && !strings.Contains(line, "e2e-attach/c") && !strings.Contains(line, "e2e-attach:c:") {
				t.Errorf("line about another pod: %s", line)
			}
		}
	})
	step("interrupted logs runs leave no debug pods", func(t *testing.T) {
		// Interrupt at every stage (Ctrl-C and SIGTERM): the faultpoint build stops there and says so.
		for _, stage := range faultpoint.LogsStages() {
			for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
				// ipam has a log file on every Multus mode, so every stage is reached.
				cmd := exec.Command(lab.faultBin, "logs", "--node", lab.nodes[0], "-f", "--source", "ipam")
				cmd.Env = append(os.Environ(), "KUBECONFIG="+lab.env["KUBECONFIG"], faultpoint.Env+"="+stage)
				stderr, err := cmd.StderrPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				lines := bufio.NewScanner(stderr)
				reached := false
				for !reached && lines.Scan() {
					reached = lines.Text() == faultpoint.Said(stage)
				}
				if !reached {
					_ = cmd.Wait()
					t.Fatalf("logs never reached stage %s", stage)
				}
				if out := lab.kubectl(t, "", "get", "pods", "-A", "-l", "app.kubernetes.io/component=logs", "-o", "name"); strings.TrimSpace(out) == "" {
					t.Fatalf("at stage %s no debug pod exists: the cleanup check would prove nothing", stage)
				}
				_ = cmd.Process.Signal(sig)
				go func() { // drain the rest so the command never blocks on its stderr
					for lines.Scan() {
					}
				}()
				if err := cmd.Wait(); err != nil {
					t.Errorf("logs interrupted (%v) at %s exited with %v, want 0", sig, stage, err)
				}
				if out := lab.kubectl(t, "", "get", "pods", "-A", "-l", "app.kubernetes.io/component=logs", "-o", "name"); strings.TrimSpace(out) != "" {
					t.Fatalf("debug pods left behind after %v at %s:\n%s", sig, stage, out)
				}
			}
		}
	})
	step("multinet-macvlan chains whereabouts v0.9.4 as its IPAM", func(t *testing.T) {
		wb, err := exec.Command(filepath.Join(testenv.RepoRoot(), "hack", "gotool.sh"), "whereabouts").Output()
		if err != nil {
			t.Fatalf("build whereabouts: %v", err)
		}
		data, err := os.ReadFile(strings.TrimSpace(string(wb)))
		if err != nil {
			t.Fatal(err)
		}
		lab.writeNodes(t, filepath.Join(lab.binDir, "whereabouts"), data, 0o755)
		flat := filepath.Join(lab.confDir, "whereabouts.d", "whereabouts.conf")
		lab.writeNodes(t, flat, []byte(`{"datastore":"kubernetes","kubernetes":{"kubeconfig":"`+lab.env["KUBECONFIG"]+`"}}`), 0o644)
		root := testenv.RepoRoot()
		lab.kubectl(t, "", "apply", "-f", filepath.Join(root, "config/crds/whereabouts.cni.cncf.io_ippools.yaml"),
			"-f", filepath.Join(root, "config/crds/whereabouts.cni.cncf.io_overlappingrangeipreservations.yaml"))
		config, _ := json.Marshal(map[string]any{"cniVersion": "0.4.0", "name": "wb", "type": "multinet-macvlan", "master": lab.master, "mode": "bridge",
			"ipam": map[string]any{"type": "whereabouts", "range": "172.30.4.0/24", "configuration_path": flat}})
		lab.kubectl(t, fmt.Sprintf("apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: wb, namespace: %s}\nspec:\n  config: '%s'\n---\n", ns, config)+
			lab.pod(ns, "w", "wb"), "apply", "-f", "-")
		lab.kubectl(t, "", "wait", "-n", ns, "--for", "condition=Ready", "pod/w", "--timeout", "120s")
		ip := strings.Split(lab.podAddrs(t, ns, "w")["net1"], "/")[0]
		if !strings.HasPrefix(ip, "172.30.4.") {
			t.Fatalf("net1 of pod w has %q, want an address of 172.30.4.0/24", ip)
		}
		pools := lab.kubectl(t, "", "get", "ippools", "-A", "-o", "jsonpath={range .items[*].spec.allocations.*}{.podref}{' '}{end}")
		if !strings.Contains(pools, ns+"/w") {
			t.Fatalf("whereabouts holds no allocation for %s/w: %s", ns, pools)
		}
		lab.kubectl(t, "", "delete", "pod", "-n", ns, "w", "--wait")
		pools = lab.kubectl(t, "", "get", "ippools", "-A", "-o", "jsonpath={range .items[*].spec.allocations.*}{.podref}{' '}{end}")
		if strings.Contains(pools, ns+"/w") {
			t.Fatalf("whereabouts still holds %s/w after the pod is gone: %s", ns, pools)
		}
	})
	step("uninstall refuses while pods use the plugins", func(t *testing.T) {
		r := lab.multinet(t, "uninstall")
		if r.code != 1 || !strings.Contains(r.err, "e2e-attach/a (e2e-attach/data)") || !strings.Contains(r.err, "--force") {
			t.Fatalf("exit %d:\n%s%s", r.code, r.out, r.err)
		}
	})

	broken := "e2e-broken"
	lab.namespace(t, broken)
	step("doctor catches a missing NAD, an exhausted pool and a wrong master", func(t *testing.T) {
		lab.kubectl(t, lab.nad(broken, "tiny", lab.master, "172.30.2.0/30")+lab.nad(broken, "nomaster", "mnlab-nope", "172.30.3.0/24")+
			lab.pod(broken, "ghost", "ghost")+lab.pod(broken, "t1", "tiny")+lab.pod(broken, "t2", "tiny")+
			lab.pod(broken, "wrong-master", "nomaster"), "apply", "-f", "-")
		lab.kubectl(t, "", "wait", "-n", broken, "--for", "condition=Ready", "pod/t1", "pod/t2", "--timeout", "120s")
		lab.kubectl(t, lab.pod(broken, "t3", "tiny"), "apply", "-f", "-")
		lab.eventually(t, broken, "ghost", "MN3002", "MN5007")
		lab.eventually(t, broken, "t3", "MN5003")
		lab.eventually(t, broken, "tiny", "MN4001")
		lab.eventually(t, broken, "wrong-master", "MN5002")
	})
	step("attach explain catches the same before a pod is created", func(t *testing.T) {
		manifest := filepath.Join(t.TempDir(), "pod.yaml")
		if err := os.WriteFile(manifest, []byte(lab.pod(broken, "t4", "tiny,ghost")), 0o644); err != nil {
			t.Fatal(err)
		}
		r := lab.multinet(t, "attach", "explain", "-f", manifest)
		for _, want := range []string{"Pod e2e-broken/t4 (node: not scheduled yet)", "172.30.2.0/30: 2 of 2 used, 0 free; full: the ADD will fail",
			"net2  ← e2e-broken/ghost", "not found", "[MN3002] (Pod e2e-broken/t4)", "[MN4001] (NetworkAttachmentDefinition e2e-broken/tiny)"} {
			if !strings.Contains(r.out, want) {
				t.Errorf("explain output lacks %q", want)
			}
		}
		if r.code != 1 || t.Failed() {
			t.Fatalf("exit %d:\n%s%s", r.code, r.out, r.err)
		}
	})

	step("pools are empty once the pods are gone, and uninstall removes everything", func(t *testing.T) {
		for _, n := range []string{ns, broken} {
			lab.kubectl(t, "", "delete", "namespace", n, "--wait", "--timeout", "120s")
		}
		if out := lab.kubectl(t, "", "get", "ipallocations", "-A", "-o", "name"); strings.TrimSpace(out) != "" {
			t.Fatalf("allocations left after every pod is gone:\n%s", out)
		}
		r := lab.multinet(t, "uninstall")
		if r.code != 0 || !strings.Contains(r.out, "node/"+lab.nodes[0]+": removed plugins") ||
			!strings.Contains(r.out, "customresourcedefinition.apiextensions.k8s.io/ipallocations.ipam.multinet.io deleted") {
			t.Fatalf("exit %d:\n%s%s", r.code, r.out, r.err)
		}
		lab.nothingOfOursLeft(t)
		if out := lab.kubectl(t, "", "get", "pods", "-n", "kube-system", "-l", "name=multus", "-o", "name"); !strings.Contains(out, "kube-multus-ds") {
			t.Errorf("uninstall touched Multus' DaemonSet: %q", out)
		}
	})
}

// nothingOfOursLeft fails when a plugin binary or config file of ours is on a node, Multus' binary
// is not, or a pod of ours runs.
func (lab node) nothingOfOursLeft(t *testing.T) {
	t.Helper()
	multus := map[string]string{"thick": "multus-shim", "thin": "multus"}[lab.mode]
	for _, n := range lab.nodes {
		for _, p := range []string{"multinet-macvlan", "multinet-ipvlan", "multinet-ipam"} {
			if _, err := os.Stat(lab.nodeFile(n, filepath.Join(lab.binDir, p))); !os.IsNotExist(err) {
				t.Errorf("%s still on %s: %v", p, n, err)
			}
		}
		if _, err := os.Stat(lab.nodeFile(n, filepath.Join(lab.binDir, multus))); err != nil {
			t.Errorf("uninstall touched Multus on %s: %v", n, err)
		}
		if left, _ := os.ReadDir(lab.nodeFile(n, filepath.Join(lab.confDir, "multinet.d"))); len(left) > 0 {
			t.Errorf("%s/multinet.d on %s still holds %v", lab.confDir, n, left)
		}
	}
	if out := lab.kubectl(t, "", "get", "pods", "-A", "-l", "app.kubernetes.io/name=multinet", "-o", "name"); strings.TrimSpace(out) != "" {
		t.Errorf("pods of ours left:\n%s", out)
	}
}
