package cni

import (
	"context"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
)

// primaryNetwork gives the container an eth0 like seed 002's: 192.168.0.10/32, the gateway
// 192.168.0.64 on-link, the default route through it.
func (l *lab) primaryNetwork(t *testing.T) {
	t.Helper()
	err := l.host.Do(func(ns.NetNS) error {
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "mn-eth0h", MTU: 1500}, PeerName: "eth0",
			PeerNamespace: netlink.NsFd(int(l.cont.Fd()))}
		if err := netlink.LinkAdd(veth); err != nil {
			return err
		}
		host, err := netlinksafe.LinkByName("mn-eth0h")
		if err != nil {
			return err
		}
		return netlink.LinkSetUp(host)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = l.cont.Do(func(ns.NetNS) error {
		eth0, err := netlinksafe.LinkByName("eth0")
		if err != nil {
			return err
		}
		if err := netlink.LinkSetUp(eth0); err != nil {
			return err
		}
		addr, _ := netlink.ParseAddr("192.168.0.10/32")
		if err := netlink.AddrAdd(eth0, addr); err != nil {
			return err
		}
		gw, _ := netlink.ParseAddr("192.168.0.64/32")
		if err := netlink.RouteAdd(&netlink.Route{LinkIndex: eth0.Attrs().Index, Dst: gw.IPNet, Scope: netlink.SCOPE_LINK}); err != nil {
			return err
		}
		return netlink.RouteAdd(&netlink.Route{LinkIndex: eth0.Attrs().Index, Gw: gw.IP, MTU: 1500})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ipRoute is `ip route` (or `ip route list table N`) in the container, as the seed prints it, lines
// sorted (the kernel's listing order differs between versions; the seed's is not the only one).
func (l *lab) ipRoute(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"netns", "exec", filepath.Base(l.cont.Path()), "ip", "route"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip route %v: %v: %s", args, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// sorted is want's lines trimmed and sorted, as ipRoute returns them.
func sorted(lines ...string) string {
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// addList runs a conflist through libcni, as a container runtime (or Multus) does.
func (l *lab) addList(t *testing.T, conflist string) {
	t.Helper()
	list, err := libcni.ConfListFromBytes([]byte(conflist))
	if err != nil {
		t.Fatal(err)
	}
	err = l.host.Do(func(ns.NetNS) error {
		cfg := libcni.NewCNIConfigWithCacheDir([]string{cniPath}, t.TempDir(), nil)
		_, err := cfg.AddNetworkList(context.Background(), list, &libcni.RuntimeConf{ContainerID: "c0ffee", NetNS: l.cont.Path(), IfName: "net1"})
		return err
	})
	if err != nil {
		t.Fatalf("ADD %s: %v", list.Name, err)
	}
}

// TestRoutesAsSeed002 checks the routing seed 002 prints for GKE on VMware: the IPAM's routes via
// its gateway on net1 with the pod's default route left on eth0, and with sbr chained, net1's
// routes moved to table 100 with a default route via the IPAM gateway.
func TestRoutesAsSeed002(t *testing.T) {
	testneeds.Need(t, lacking)
	const ipam = `"ipam":{"type":"static","addresses":[{"address":"21.0.111.1/21","gateway":"21.0.111.254"}]%s}`
	macvlan := `{"type":"multinet-macvlan","master":"` + master + `","mode":"bridge",` + ipam + `}`

	t.Run("static routes", func(t *testing.T) {
		l := newLab(t)
		l.primaryNetwork(t)
		l.addList(t, `{"cniVersion":"1.0.0","name":"gke-network-1","plugins":[`+
			strings.Replace(macvlan, "%s", `,"routes":[{"dst":"172.31.0.0/16"}]`, 1)+`]}`)
		want := sorted(
			"default via 192.168.0.64 dev eth0 mtu 1500",
			"172.31.0.0/16 via 21.0.111.254 dev net1",
			"21.0.104.0/21 dev net1 proto kernel scope link src 21.0.111.1",
			"192.168.0.64 dev eth0 scope link")
		if got := l.ipRoute(t); got != want {
			t.Errorf("ip route:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("sbr chained", func(t *testing.T) {
		l := newLab(t)
		l.primaryNetwork(t)
		l.addList(t, `{"cniVersion":"1.0.0","name":"gke-network-1","plugins":[`+strings.Replace(macvlan, "%s", "", 1)+`,{"type":"sbr"}]}`)
		if got, want := l.ipRoute(t), sorted("default via 192.168.0.64 dev eth0 mtu 1500", "192.168.0.64 dev eth0 scope link"); got != want {
			t.Errorf("ip route:\n%s\nwant:\n%s", got, want)
		}
		want := sorted("default via 21.0.111.254 dev net1", "21.0.104.0/21 dev net1 proto kernel scope link src 21.0.111.1")
		if got := l.ipRoute(t, "list", "table", "100"); got != want {
			t.Errorf("ip route list table 100:\n%q\nwant:\n%q", got, want)
		}
	})
}
