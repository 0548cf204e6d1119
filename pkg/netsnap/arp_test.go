package netsnap

import (
	"net"
	"testing"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"

	"github.com/kubectl-multinet/kubectl-multinet/internal/netnstest"
	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
)

// TestFindDuplicates puts 10.66.0.5/24 on both ends of a veth, in two namespaces, as two pods given
// the same address on one segment would be: probing from one finds the other's MAC; a unique
// address (10.66.0.6 on one end only) finds nothing.
func TestFindDuplicates(t *testing.T) {
	testneeds.Need(t, testneeds.Lacks(true, false))
	a, b := netnstest.ForTest(t), netnstest.ForTest(t)
	peerMAC := net.HardwareAddr{2, 0, 0, 0, 0, 0xbb}
	err := a.Do(func(ns.NetNS) error {
		if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "net1", HardwareAddr: net.HardwareAddr{2, 0, 0, 0, 0, 0xaa}},
			PeerName: "net1b", PeerHardwareAddr: peerMAC}); err != nil {
			return err
		}
		peer, _ := netlink.LinkByName("net1b")
		if err := netlink.LinkSetNsFd(peer, int(b.Fd())); err != nil {
			return err
		}
		return up(t, "net1", "10.66.0.5/24", "10.66.0.6/24")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Do(func(ns.NetNS) error { return up(t, "net1b", "10.66.0.5/24") }); err != nil {
		t.Fatal(err)
	}
	var dups []Duplicate
	var errs []string
	_ = a.Do(func(ns.NetNS) error {
		dups, errs = FindDuplicates(Collect(), 2*time.Second) // a listening window: a veth answers in microseconds
		return nil
	})
	if len(errs) > 0 || len(dups) != 1 || dups[0] != (Duplicate{Link: "net1", IP: "10.66.0.5", MAC: peerMAC.String()}) {
		t.Fatalf("duplicates %+v, errors %v; want 10.66.0.5 claimed by %s only", dups, errs, peerMAC)
	}
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
