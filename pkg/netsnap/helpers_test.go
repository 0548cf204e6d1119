package netsnap

import (
	"net"
	"testing"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"

	"github.com/kubectl-multinet/kubectl-multinet/internal/netnstest"
	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
)

// peerMAC is the MAC of the far end of vethPair.
func peerMAC() net.HardwareAddr { return net.HardwareAddr{2, 0, 0, 0, 0, 0xbb} }

// vethPair makes two namespaces joined by a veth: "net1" in a with aCIDRs, "net1b" (peerMAC) in b
// with bCIDRs and MTU bMTU (0 keeps the default); both ends are up.
func vethPair(t *testing.T, aCIDRs, bCIDRs []string, bMTU int) (a, b ns.NetNS) {
	t.Helper()
	testneeds.Need(t, testneeds.Lacks(true, false))
	a, b = netnstest.ForTest(t), netnstest.ForTest(t)
	err := a.Do(func(ns.NetNS) error {
		if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "net1", HardwareAddr: net.HardwareAddr{2, 0, 0, 0, 0, 0xaa}},
			PeerName: "net1b", PeerHardwareAddr: peerMAC()}); err != nil {
			return err
		}
		peer, _ := netlink.LinkByName("net1b")
		if err := netlink.LinkSetNsFd(peer, int(b.Fd())); err != nil {
			return err
		}
		return up(t, "net1", aCIDRs...)
	})
	if err == nil {
		err = b.Do(func(ns.NetNS) error {
			if bMTU > 0 {
				l, _ := netlink.LinkByName("net1b")
				if err := netlink.LinkSetMTU(l, bMTU); err != nil {
					return err
				}
			}
			return up(t, "net1b", bCIDRs...)
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func up(t *testing.T, name string, cidrs ...string) error {
	t.Helper()
	l, err := netlink.LinkByName(name)
	if err != nil {
		return err
	}
	for _, c := range cidrs {
		addr, _ := netlink.ParseAddr(c)
		if err := netlink.AddrAdd(l, addr); err != nil {
			return err
		}
	}
	return netlink.LinkSetUp(l)
}
