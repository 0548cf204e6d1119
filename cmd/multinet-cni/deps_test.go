package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestLinksNoCLIPackages: the plugin binary runs once per pod sandbox, so it links none of the
// command line's packages (their init and size would be paid on every ADD).
func TestLinksNoCLIPackages(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !slices.Contains(deps, "github.com/kubectl-multinet/kubectl-multinet/pkg/ipam") {
		t.Fatalf("go list gave %d packages without pkg/ipam: this check would prove nothing", len(deps))
	}
	forbidden := []string{
		"github.com/kubectl-multinet/kubectl-multinet/pkg/cmd",
		"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster",
		"github.com/kubectl-multinet/kubectl-multinet/pkg/selection",
		"github.com/kubectl-multinet/kubectl-multinet/pkg/status",
		"github.com/kubectl-multinet/kubectl-multinet/pkg/doctor",
		"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect",
		"github.com/kubectl-multinet/kubectl-multinet/pkg/tui",
		"github.com/kubectl-multinet/kubectl-multinet/pkg/topology",
		"github.com/kubectl-multinet/kubectl-multinet/pkg/attach",
		"github.com/kubectl-multinet/kubectl-multinet/pkg/install",
		"github.com/kubectl-multinet/kubectl-multinet/pkg/logs",
		"github.com/kubectl-multinet/kubectl-multinet/pkg/cli",
		"github.com/spf13/cobra",
		"k8s.io/cli-runtime/pkg/genericclioptions",
		"k8s.io/client-go/kubernetes",
		"charm.land/bubbletea/v2",
		"charm.land/lipgloss/v2",
		"github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/client/clientset/versioned",
	}
	for _, f := range forbidden {
		if slices.Contains(deps, f) {
			t.Errorf("multinet-cni links %s", f)
		}
	}
}
