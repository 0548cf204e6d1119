// Package integration runs the real kubectl-multinet binary against a real kube-apiserver and etcd
// (envtest with the binaries hack/testbin.sh builds).
package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testenv"
	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
)

// suite is shared by the tests of this package: one control plane, one built binary.
type suite struct {
	env        *testenv.Env
	bin        string
	dir        string
	kubeconfig string
	// ipamBin is multinet-ipam; whereabouts is the reference IPAM v0.9.3.
	ipamBin, whereabouts string
	// lacking is why the suite cannot run here ("" when it can).
	lacking string
}

var s suite

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if s.lacking = testneeds.Lacks(true, true); s.lacking != "" {
		return m.Run() // every test skips (or fails under MULTINET_REQUIRE_ENV=1)
	}
	dir, err := os.MkdirTemp("", "multinet-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin, ipamBin := filepath.Join(dir, "kubectl-multinet"), filepath.Join(dir, "multinet-ipam")
	for out, pkg := range map[string]string{bin: "./cmd/kubectl-multinet", ipamBin: "./cmd/multinet-cni"} {
		build := exec.Command("go", "build", "-o", out, pkg)
		build.Dir = testenv.RepoRoot()
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n", pkg, err)
			return 1
		}
	}
	whereabouts, err := exec.Command(filepath.Join(testenv.RepoRoot(), "hack", "gotool.sh"), "whereabouts").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "build whereabouts:", err)
		return 1
	}
	env, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer env.Stop()
	kc, err := env.KubeconfigFor(dir, "admin", "system:masters")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s = suite{env: env, bin: bin, dir: dir, kubeconfig: kc, ipamBin: ipamBin, whereabouts: strings.TrimSpace(string(whereabouts))}
	return m.Run()
}
