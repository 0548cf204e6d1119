package cni

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"

	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"
)

// defaultRouteInterface is the interface of the IPv4 (else IPv6) default route in the current
// namespace: upstream's fallback when master is unset.
func defaultRouteInterface() (string, error) {
	for _, family := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		routes, err := netlinksafe.RouteList(nil, family)
		if err != nil {
			return "", fmt.Errorf("list routes: %w", err)
		}
		for _, r := range routes {
			if r.Dst == nil || r.Dst.IP.IsUnspecified() && isZeroMask(r.Dst.Mask) {
				l, err := netlink.LinkByIndex(r.LinkIndex)
				if err != nil {
					return "", fmt.Errorf("default route interface %d: %w", r.LinkIndex, err)
				}
				return l.Attrs().Name, nil
			}
		}
	}
	return "", errors.New("no master set and no default route to take its interface from; set \"master\"")
}

func isZeroMask(m net.IPMask) bool {
	ones, _ := m.Size()
	return ones == 0
}

// tempName is a random name for the link until it is renamed in the container.
func tempName() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "mn" + hex.EncodeToString(b)
}

// createLink makes the macvlan/ipvlan on master inside netns, named ifName, down. The master is
// looked up in the current namespace, or in netns with LinkInContainer.
func createLink(kind Kind, c *NetConf, netns ns.NetNS, ifName string) (netlink.Link, error) {
	lookupNS := ns.NetNS(nil)
	if c.LinkInContainer {
		lookupNS = netns
	}
	var master netlink.Link
	err := inNS(lookupNS, func() error {
		name := c.Master
		if name == "" {
			var err error
			if name, err = defaultRouteInterface(); err != nil {
				return err
			}
		}
		var err error
		if master, err = netlinksafe.LinkByName(name); err != nil {
			return fmt.Errorf("failed to lookup master %q: %w", name, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	mtu := c.MTU
	if mtu == 0 {
		mtu = master.Attrs().MTU
	}
	if mtu > master.Attrs().MTU {
		return nil, fmt.Errorf("mtu %d is larger than master %s's %d", mtu, master.Attrs().Name, master.Attrs().MTU)
	}
	tmp := tempName()
	attrs := netlink.NewLinkAttrs()
	attrs.Name, attrs.MTU, attrs.ParentIndex = tmp, mtu, master.Attrs().Index
	attrs.Namespace = netlink.NsFd(int(netns.Fd()))
	var l netlink.Link
	switch kind {
	case Macvlan:
		mv := &netlink.Macvlan{LinkAttrs: attrs, Mode: macvlanModes[c.Mode]}
		if c.Mac != "" {
			mv.HardwareAddr, _ = net.ParseMAC(c.Mac)
		}
		l = mv
	case IPvlan:
		l = &netlink.IPVlan{LinkAttrs: attrs, Mode: ipvlanModes[c.Mode], Flag: ipvlanFlags[c.Flag]}
	}
	if c.LinkInContainer {
		attrs.Namespace = nil
		l.Attrs().Namespace = nil
		err = netns.Do(func(ns.NetNS) error { return netlink.LinkAdd(l) })
	} else {
		err = netlink.LinkAdd(l)
	}
	if err != nil {
		return nil, fmt.Errorf("create %s on %s: %w", kind, master.Attrs().Name, err)
	}
	var created netlink.Link
	err = netns.Do(func(ns.NetNS) error {
		if err := ip.RenameLink(tmp, ifName); err != nil {
			_ = ip.DelLinkByName(tmp)
			return fmt.Errorf("rename %s to %s: %w", tmp, ifName, err)
		}
		var err error
		created, err = netlinksafe.LinkByName(ifName)
		return err
	})
	return created, err
}

// inNS runs f in netns, or in the current namespace when netns is nil.
func inNS(netns ns.NetNS, f func() error) error {
	if netns == nil {
		return f()
	}
	return netns.Do(func(ns.NetNS) error { return f() })
}
