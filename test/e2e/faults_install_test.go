//go:build e2e

package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testenv"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/install"
)

// installUpgradeUninstall installs twice, upgrades to an image that only one node holds (so the
// rollout is stuck half way, deterministically), and uninstalls then: the pods attached before
// keep their addresses and allocations, and nothing of ours stays on the nodes or in the cluster.
func (lab node) installUpgradeUninstall(t *testing.T) {
	ns := "fault-install"
	lab.namespace(t, ns)
	gen := lab.kubectl(t, "", "get", "daemonset", "-n", install.Namespace, install.DaemonSetName, "-o", "jsonpath={.metadata.generation}")
	lab.install(t) // a second install over TestFaults' own: a no-op
	if again := lab.kubectl(t, "", "get", "daemonset", "-n", install.Namespace, install.DaemonSetName, "-o", "jsonpath={.metadata.generation}"); again != gen {
		t.Errorf("a second install of the same version changed the DaemonSet (generation %s → %s)", gen, again)
	}
	lab.kubectl(t, lab.nad(ns, "f", lab.master, "172.30.43.0/24")+lab.podOn(lab.nodes[0], ns, "keep0", "f")+lab.podOn(lab.nodes[1], ns, "keep1", "f"), "apply", "-f", "-")
	lab.kubectl(t, "", "wait", "-n", ns, "--for", "condition=Ready", "pods", "--all", "--timeout", "120s")
	before := lab.allocations(t, ns)
	addrs := map[string]string{"keep0": lab.podAddrs(t, ns, "keep0")["net1"], "keep1": lab.podAddrs(t, ns, "keep1")["net1"]}

	next := strings.TrimSuffix(lab.image, ":"+lastTag(lab.image)) + ":upgrade"
	ctrDir, err := exec.Command(filepath.Join(testenv.RepoRoot(), "hack", "gotool.sh"), "containerd").Output()
	if err != nil {
		t.Fatal(err)
	}
	ctr := exec.Command(filepath.Join(strings.TrimSpace(string(ctrDir)), "ctr"), "--address", filepath.Join(lab.dir, "nodes", lab.nodes[0], "containerd.sock"),
		"-n", "k8s.io", "images", "tag", "--force", lab.image, next)
	if out, err := ctr.CombinedOutput(); err != nil {
		t.Fatalf("tag %s on %s: %v\n%s", next, lab.nodes[0], err, out)
	}
	args := append(append([]string{"install"}, lab.installArgs()...), "--image", next)
	if r := lab.multinet(t, args...); r.code != 0 {
		t.Fatalf("install --image %s: exit %d:\n%s%s", next, r.code, r.out, r.err)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		out := lab.kubectl(t, "", "get", "pods", "-n", "kube-system", "-l", "app.kubernetes.io/name=multinet,app.kubernetes.io/component=cni", "-o",
			`jsonpath={range .items[*]}{.spec.nodeName} {.status.initContainerStatuses[*].state.waiting.reason} {.status.containerStatuses[*].state.waiting.reason}{"\n"}{end}`)
		if strings.Contains(out, lab.nodes[1]+" ") && (strings.Contains(out, "ErrImagePull") || strings.Contains(out, "ImagePullBackOff")) {
			break // mid-rollout: node 1 cannot get the new image
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rollout to %s did not get stuck on %s:\n%s", next, lab.nodes[1], out)
		}
	}
	r := lab.multinet(t, "uninstall", "--force", "--timeout", "120s")
	if r.code != 0 {
		t.Fatalf("uninstall mid-rollout: exit %d:\n%s%s", r.code, r.out, r.err)
	}
	for pod, want := range addrs {
		if got := lab.podAddrs(t, ns, pod)["net1"]; got != want {
			t.Errorf("pod %s: net1 %q after uninstall, %q before", pod, got, want)
		}
	}
	if after := lab.allocations(t, ns); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("allocations %v after uninstall, %v before: uninstall without --delete-data keeps them", after, before)
	}
	lab.nothingOfOursLeft(t)
	lab.install(t) // TestFaults' own install, for what follows and its cleanup
}

func lastTag(image string) string { return image[strings.LastIndex(image, ":")+1:] }
