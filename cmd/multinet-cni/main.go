// Command multinet-cni is multinet's CNI plugins in one static binary, chosen by the name it is
// installed under (busybox style): multinet-macvlan or multinet-ipvlan.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/containernetworking/cni/pkg/skel"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cni"
)

func init() {
	// Namespace switches apply to one OS thread: keep main on it.
	runtime.LockOSThread()
}

// version is set at link time.
var version = "dev"

func main() {
	name := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	var kind cni.Kind
	switch name {
	case "multinet-macvlan":
		kind = cni.Macvlan
	case "multinet-ipvlan":
		kind = cni.IPvlan
	default:
		fmt.Fprintf(os.Stderr, "multinet-cni: installed as %q; install it (copy or link) as multinet-macvlan or multinet-ipvlan\n", name)
		os.Exit(1)
	}
	skel.PluginMainFuncs(cni.Plugin{Kind: kind}.Funcs(), cni.SupportedVersions, fmt.Sprintf("multinet %s CNI plugin %s", kind, version))
}
