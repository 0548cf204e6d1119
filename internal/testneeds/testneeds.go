// Package testneeds says what this machine lacks for a test (root, a control plane) and skips the
// test with that reason, unless $MULTINET_REQUIRE_ENV=1 (make test, CI), where it fails it. It
// depends on nothing heavy, so static test binaries for the QEMU guest stay small.
package testneeds

import (
	"os"
	"path/filepath"
	"testing"
)

// RequireEnv names the variable that turns skips for a missing environment into failures; make
// test and CI set it to 1.
const RequireEnv = "MULTINET_REQUIRE_ENV"

// Lacks says what this machine lacks for tests that need root (network namespaces and links)
// and a control plane (envtest's binaries); "" when it has what they need.
func Lacks(root, controlPlane bool) string {
	if root && os.Geteuid() != 0 {
		return "needs root to create network namespaces and links (make test runs as root)"
	}
	if controlPlane {
		assets := os.Getenv("KUBEBUILDER_ASSETS")
		if assets == "" {
			return "needs KUBEBUILDER_ASSETS naming kube-apiserver and etcd (make test builds them with hack/testbin.sh)"
		}
		if _, err := os.Stat(filepath.Join(assets, "kube-apiserver")); err != nil {
			return "KUBEBUILDER_ASSETS=" + assets + " has no kube-apiserver; run hack/testbin.sh"
		}
	}
	return ""
}

// Need skips t when lacking is not "" (see Lacks), or fails it when $MULTINET_REQUIRE_ENV is 1.
func Need(t testing.TB, lacking string) {
	t.Helper()
	if lacking == "" {
		return
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s (%s=1: this environment must have it)", lacking, RequireEnv)
	}
	t.Skip(lacking)
}
