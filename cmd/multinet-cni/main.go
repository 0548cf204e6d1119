// Command multinet-cni is multinet's CNI plugins in one static binary, chosen by the name it is
// installed under (busybox style): multinet-macvlan, multinet-ipvlan or multinet-ipam. Under its own
// name it is the node agent of `kubectl multinet install` (`multinet-cni node install|agent|uninstall`),
// and `multinet-cni probe` prints the network namespace it runs in as JSON (kubectl multinet probe).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/containernetworking/cni/pkg/skel"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cni"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipam"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/netsnap"
)

// version is set at link time.
var version = "dev"

func main() {
	// Namespace switches apply to one OS thread: keep main on it.
	runtime.LockOSThread()
	name := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	switch name {
	case "multinet-macvlan":
		skel.PluginMainFuncs(cni.Plugin{Kind: cni.Macvlan, IPAM: ipam.Plugin{}}.Funcs(), cni.SupportedVersions, "multinet macvlan CNI plugin "+version)
	case "multinet-ipvlan":
		skel.PluginMainFuncs(cni.Plugin{Kind: cni.IPvlan, IPAM: ipam.Plugin{}}.Funcs(), cni.SupportedVersions, "multinet ipvlan CNI plugin "+version)
	case "multinet-ipam":
		skel.PluginMainFuncs(ipam.Plugin{}.Funcs(), cni.SupportedVersions, "multinet IPAM plugin "+version)
	case "multinet-cni":
		if len(os.Args) > 2 && os.Args[1] == "probe" {
			// probe ping|echo|echo-stop|wait serve check connectivity.
			subs := map[string]func([]string) error{"ping": pingMain, "echo": echoMain, "echo-stop": echoStopMain, "wait": waitMain}
			if sub, ok := subs[os.Args[2]]; ok {
				if err := sub(os.Args[3:]); err != nil {
					fmt.Fprintf(os.Stderr, "multinet-cni: probe %s: %v\n", os.Args[2], err)
					os.Exit(1)
				}
				return
			}
		}
		if len(os.Args) > 1 && os.Args[1] == "probe" {
			snap := netsnap.Collect()
			if len(os.Args) > 2 && os.Args[2] == "--arp" {
				var errs []string
				snap.Duplicates, errs = netsnap.FindDuplicates(snap, time.Second)
				snap.Errors, snap.ARPChecked = append(snap.Errors, errs...), true
			}
			if err := json.NewEncoder(os.Stdout).Encode(snap); err != nil {
				fmt.Fprintln(os.Stderr, "multinet-cni: probe:", err)
				os.Exit(1)
			}
			return
		}
		if len(os.Args) > 1 && os.Args[1] == "node" {
			if err := nodeMain(os.Args[2:]); err != nil {
				fmt.Fprintln(os.Stderr, "multinet-cni:", err)
				os.Exit(1)
			}
			return
		}
		fallthrough
	default:
		fmt.Fprintf(os.Stderr, "multinet-cni: installed as %q; install it (copy or link) as multinet-macvlan, multinet-ipvlan or multinet-ipam, or run `multinet-cni node install|agent|uninstall`\n", name)
		os.Exit(1)
	}
}
