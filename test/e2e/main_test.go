//go:build e2e

// Package e2e runs kubectl-multinet against the lab of hack/node.sh (real nodes, containerd 2.x,
// Multus v4 thick or thin): install puts the plugins on the nodes, Multus attaches pods through
// them, and status, doctor, attach explain and logs see the result. `make e2e` starts the lab, runs
// this package and stops the lab.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/internal/faultpoint"
	"github.com/kubectl-multinet/kubectl-multinet/internal/testenv"
)

// node is the environment hack/node.sh wrote into DIR/env.
type node struct {
	env             map[string]string
	bin, kubectlBin string
	// faultBin and faultCNI are kubectl-multinet and multinet-cni built with faultpoints
	// (internal/faultpoint).
	faultBin, faultCNI             string
	master, image, testpod, server string
	// binDir, confDir and flatConfig are paths as every node sees them; nodeFile maps them to the host.
	binDir, confDir, flatConfig, dir string
	// nodes are the lab's node names; mode is Multus' (thick or thin).
	nodes []string
	mode  string
}

var lab node

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir := os.Getenv("MULTINET_NODE_DIR")
	if dir == "" {
		fmt.Fprintln(os.Stderr, "e2e: MULTINET_NODE_DIR is not set; run `make e2e`, which starts the node (hack/node.sh up)")
		return 2
	}
	env, err := readEnv(filepath.Join(dir, "env"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 2
	}
	tmp, err := os.MkdirTemp("", "multinet-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	bin, faultBin := filepath.Join(tmp, "kubectl-multinet"), filepath.Join(tmp, "faults", "kubectl-multinet")
	faultCNI := filepath.Join(tmp, "faults", "multinet-cni")
	for _, b := range []struct{ out, tags, pkg string }{
		{bin, "", "./cmd/kubectl-multinet"}, {faultBin, faultpoint.Tag, "./cmd/kubectl-multinet"}, {faultCNI, faultpoint.Tag, "./cmd/multinet-cni"},
	} {
		build := exec.Command("go", "build", "-tags", b.tags, "-o", b.out, b.pkg)
		build.Dir = testenv.RepoRoot()
		build.Env = append(os.Environ(), "CGO_ENABLED=0") // multinet-cni runs on the nodes' root file system
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: build:", err)
			return 1
		}
	}
	testbin, err := exec.Command(filepath.Join(testenv.RepoRoot(), "hack", "testbin.sh")).Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: testbin:", err)
		return 1
	}
	lab = node{
		env: env, bin: bin, faultBin: faultBin, faultCNI: faultCNI, kubectlBin: filepath.Join(strings.TrimSpace(string(testbin)), "kubectl"),
		master: env["MULTINET_NODE_MASTER"], image: env["MULTINET_NODE_IMAGE"], testpod: env["MULTINET_NODE_TESTPOD_IMAGE"],
		server: env["MULTINET_NODE_SERVER"], binDir: env["MULTINET_NODE_CNI_BIN_DIR"], confDir: env["MULTINET_NODE_CNI_CONF_DIR"],
		dir: dir, nodes: strings.Fields(env["MULTINET_NODES"]), mode: env["MULTINET_MULTUS_MODE"],
	}
	if len(lab.nodes) == 0 {
		fmt.Fprintln(os.Stderr, "e2e: the lab's env names no nodes; restart it (hack/node.sh down, then up)")
		return 2
	}
	lab.flatConfig = filepath.Join(lab.confDir, "multinet.d", "multinet-ipam.conf")
	return m.Run()
}

// nodeFile is where the host finds path as node sees it (each node has its own copy of the CNI
// and kubelet paths; see docs/lab.md).
func (lab node) nodeFile(node, path string) string {
	return filepath.Join(lab.dir, "nodes", node, "fs", path)
}

// writeNodes writes data to path on every node.
func (lab node) writeNodes(t *testing.T, path string, data []byte, mode os.FileMode) {
	t.Helper()
	for _, n := range lab.nodes {
		f := lab.nodeFile(n, path)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, data, mode); err != nil {
			t.Fatal(err)
		}
	}
}

func readEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read node env: %w; is the node up (hack/node.sh up)?", err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = strings.Trim(v, `"`)
		}
	}
	return env, sc.Err()
}

// result is one finished command.
type result struct {
	out, err string
	code     int
}

func (lab node) exec(t *testing.T, stdin string, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute) // a backstop: commands carry their own timeouts
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+lab.env["KUBECONFIG"], "NO_COLOR=1")
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s %v: %v", name, args, err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// multinet runs kubectl-multinet.
func (lab node) multinet(t *testing.T, args ...string) result {
	t.Helper()
	return lab.exec(t, "", lab.bin, args...)
}

// kubectl runs kubectl and fails the test when it fails.
func (lab node) kubectl(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := lab.exec(t, stdin, lab.kubectlBin, args...)
	if r.code != 0 {
		t.Fatalf("kubectl %s: exit %d: %s", strings.Join(args, " "), r.code, r.err)
	}
	return r.out
}

// install puts the plugins on every node (with extra install flags) and removes them when the
// test ends.
func (lab node) install(t *testing.T, extra ...string) {
	t.Helper()
	args := append(append([]string{"install", "--wait", "--timeout", "120s"}, lab.installArgs()...), extra...)
	if r := lab.multinet(t, args...); r.code != 0 {
		t.Fatalf("install: exit %d:\n%s%s", r.code, r.out, r.err)
	}
	t.Cleanup(func() { lab.multinet(t, "uninstall", "--force", "--timeout", "60s") })
}

func (lab node) installArgs() []string {
	return []string{"--image", lab.image, "--cni-bin-dir", lab.binDir, "--cni-conf-dir", lab.confDir, "--apiserver", lab.server}
}

// nad is a NetworkAttachmentDefinition running multinet-macvlan + multinet-ipam on master.
func (lab node) nad(ns, name, master, rng string) string {
	config, _ := json.Marshal(map[string]any{
		"cniVersion": "1.0.0", "name": name, "type": "multinet-macvlan", "master": master, "mode": "bridge",
		"ipam": map[string]any{"type": "multinet-ipam", "range": rng, "configuration_path": lab.flatConfig,
			"log_file": "/var/log/multinet-ipam.log"},
	})
	return fmt.Sprintf("apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: %s, namespace: %s}\nspec:\n  config: '%s'\n---\n", name, ns, config)
}

// pod is a test workload requesting networks (Multus' short form), on the lab's first node.
func (lab node) pod(ns, name, networks string) string {
	return lab.podOn(lab.nodes[0], ns, name, networks)
}

// podOn is pod, on node.
func (lab node) podOn(node, ns, name, networks string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: %s, annotations: {k8s.v1.cni.cncf.io/networks: "%s"}}
spec:
  nodeSelector: {kubernetes.io/hostname: %s}
  terminationGracePeriodSeconds: 1
  containers: [{name: app, image: %s, imagePullPolicy: Never}]
---
`, name, ns, networks, node, lab.testpod)
}

// namespace creates a namespace that is deleted (with its pods) when the test ends.
func (lab node) namespace(t *testing.T, name string) {
	t.Helper()
	lab.kubectl(t, "", "create", "namespace", name)
	t.Cleanup(func() {
		lab.exec(t, "", lab.kubectlBin, "delete", "namespace", name, "--wait", "--timeout", "120s")
	})
}

// podAddrs returns interface → IPv4 address/prefix as seen inside the pod.
func (lab node) podAddrs(t *testing.T, ns, pod string) map[string]string {
	t.Helper()
	out := lab.kubectl(t, "", "exec", "-n", ns, pod, "--", "/testpod", "addrs")
	addrs := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && strings.Count(f[1], ".") == 3 {
			addrs[f[0]] = f[1]
		}
	}
	return addrs
}
