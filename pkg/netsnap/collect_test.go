package netsnap

import (
	"net"
	"slices"
	"testing"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"

	"github.com/kubectl-multinet/kubectl-multinet/internal/netnstest"
	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
)

// TestCollect builds a pod-like namespace (a veth "net1" with an address, a veth "net2" left down, a route in
// table 100 with the rule sbr writes, a neighbour) and reads it back with Collect.
func TestCollect(t *testing.T) {
	testneeds.Need(t, testneeds.Lacks(true, false))
	pod := netnstest.ForTest(t)
	host := netnstest.ForTest(t)
	err := pod.Do(func(ns.NetNS) error {
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "net1", MTU: 1400, HardwareAddr: net.HardwareAddr{2, 0, 0, 0, 0, 1}}, PeerName: "peer1"}
		if err := netlink.LinkAdd(veth); err != nil {
			return err
		}
		peer, err := netlink.LinkByName("peer1")
		if err != nil {
			return err
		}
		if err := netlink.LinkSetNsFd(peer, int(host.Fd())); err != nil {
			return err
		}
		if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "net2"}, PeerName: "peer2"}); err != nil {
			return err
		}
		link, _ := netlink.LinkByName("net1")
		addr, _ := netlink.ParseAddr("10.77.0.5/24")
		if err := netlink.AddrAdd(link, addr); err != nil {
			return err
		}
		if err := netlink.LinkSetUp(link); err != nil {
			return err
		}
		_, dst, _ := net.ParseCIDR("10.88.0.0/16")
		if err := netlink.RouteAdd(&netlink.Route{LinkIndex: link.Attrs().Index, Dst: dst, Gw: net.ParseIP("10.77.0.1"), Table: 100}); err != nil {
			return err
		}
		rule := netlink.NewRule()
		rule.Table, rule.Priority, rule.Src = 100, 100, &net.IPNet{IP: net.ParseIP("10.77.0.5").To4(), Mask: net.CIDRMask(32, 32)}
		if err := netlink.RuleAdd(rule); err != nil {
			return err
		}
		return netlink.NeighAdd(&netlink.Neigh{LinkIndex: link.Attrs().Index, IP: net.ParseIP("10.77.0.9"),
			HardwareAddr: net.HardwareAddr{2, 0, 0, 0, 0, 9}, State: netlink.NUD_PERMANENT, Family: netlink.FAMILY_V4})
	})
	if err != nil {
		t.Fatal(err)
	}
	var s Snapshot
	_ = pod.Do(func(ns.NetNS) error { s = Collect(); return nil })
	if len(s.Errors) > 0 {
		t.Fatalf("errors: %v", s.Errors)
	}
	n1, n2 := s.Link("net1"), s.Link("net2")
	if n1 == nil || n1.Kind != "veth" || !n1.Up || n1.MTU != 1400 || n1.MAC != "02:00:00:00:00:01" || n2 == nil || n2.Up {
		t.Fatalf("links %+v", s.Links)
	}
	if !slices.Contains(s.AddrsOf("net1"), "10.77.0.5/24") {
		t.Errorf("addrs of net1: %v", s.AddrsOf("net1"))
	}
	if !slices.Contains(s.Routes, Route{Table: 100, Dst: "10.88.0.0/16", Gateway: "10.77.0.1", Dev: "net1", Protocol: "boot", Family: 4}) {
		t.Errorf("routes %+v lack 10.88.0.0/16 via 10.77.0.1 in table 100", s.Routes)
	}
	if !slices.ContainsFunc(s.Rules, func(r Rule) bool { return r.Table == 100 && r.Src == "10.77.0.5/32" && r.Priority == 100 }) {
		t.Errorf("rules %+v lack from 10.77.0.5 lookup 100", s.Rules)
	}
	if !slices.Contains(s.Neighbors, Neighbor{Link: "net1", IP: "10.77.0.9", MAC: "02:00:00:00:00:09", State: "PERMANENT"}) {
		t.Errorf("neighbours %+v", s.Neighbors)
	}
}
