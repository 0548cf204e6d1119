package cni

import (
	"context"
	"errors"
	"fmt"

	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
	"github.com/containernetworking/cni/pkg/version"
	"github.com/containernetworking/plugins/pkg/ip"
	"github.com/containernetworking/plugins/pkg/ipam"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/vishvananda/netlink"

	"github.com/kubectl-multinet/kubectl-multinet/internal/faultpoint"
)

// Plugin is multinet-macvlan or multinet-ipvlan.
type Plugin struct {
	Kind Kind
	// IPAM, when set, is run in-process for networks whose ipam type is its type.
	IPAM LocalIPAM
}

// Funcs are the plugin's commands for skel.PluginMainFuncs.
func (p Plugin) Funcs() skel.CNIFuncs {
	return skel.CNIFuncs{Add: p.Add, Del: p.Del, Check: p.Check, Status: p.Status, GC: p.GC}
}

// Add creates the interface in the container, runs the IPAM and configures the addresses and routes
// the IPAM returned. When anything fails after the IPAM allocated, the allocation is released and the
// interface removed.
func (p Plugin) Add(args *skel.CmdArgs) (err error) {
	c, err := loadConf(args.StdinData, p.Kind)
	if err != nil {
		return err
	}
	netns, err := ns.GetNS(args.Netns)
	if err != nil {
		return fmt.Errorf("open netns %q: %w", args.Netns, err)
	}
	defer netns.Close()

	link, err := createLink(p.Kind, c, netns, args.IfName)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = netns.Do(func(ns.NetNS) error { return ip.DelLinkByName(args.IfName) })
		}
	}()
	faultpoint.Hold(faultpoint.LinkCreated)

	result := &current.Result{CNIVersion: current.ImplementedSpecVersion, Interfaces: []*current.Interface{{
		Name: args.IfName, Mac: link.Attrs().HardwareAddr.String(), Mtu: link.Attrs().MTU, Sandbox: netns.Path(),
	}}}
	if c.IPAM.Type == "" {
		err = netns.Do(func(ns.NetNS) error { return setUp(args.IfName) })
		if err != nil {
			return err
		}
		return types.PrintResult(result, c.CNIVersion)
	}

	ipamRes, err := p.ipamAdd(c.IPAM.Type, args)
	if err != nil {
		return fmt.Errorf("ipam %s: %w", c.IPAM.Type, err)
	}
	defer func() {
		if err != nil {
			_ = p.ipamDel(c.IPAM.Type, args)
		}
	}()
	res, err := current.NewResultFromResult(ipamRes)
	if err != nil {
		return fmt.Errorf("ipam %s result: %w", c.IPAM.Type, err)
	}
	if len(res.IPs) == 0 {
		return fmt.Errorf("ipam %s returned no IP address", c.IPAM.Type)
	}
	result.IPs, result.Routes, result.DNS = res.IPs, res.Routes, res.DNS
	for _, ipc := range result.IPs {
		ipc.Interface = current.Int(0)
	}
	err = netns.Do(func(ns.NetNS) error {
		if err := ipam.ConfigureIface(args.IfName, result); err != nil {
			return fmt.Errorf("configure %s: %w", args.IfName, err)
		}
		announce(args.IfName, result)
		return nil
	})
	if err != nil {
		return err
	}
	faultpoint.Hold(faultpoint.Configured)
	return types.PrintResult(result, c.CNIVersion)
}

func setUp(ifName string) error {
	l, err := netlinksafe.LinkByName(ifName)
	if err != nil {
		return err
	}
	return netlink.LinkSetUp(l)
}

// announce sends gratuitous ARPs for the new IPv4 addresses so neighbours forget stale MACs. It is
// best effort.
func announce(ifName string, r *current.Result) {
	for _, ipc := range r.IPs {
		if ipc.Address.IP.To4() != nil {
			_ = arpAnnounce(ifName, ipc.Address.IP)
		}
	}
}

// Del releases the IPAM allocation and removes the interface. Both a missing netns and a missing
// interface are success: DEL must be idempotent.
func (p Plugin) Del(args *skel.CmdArgs) error {
	c, err := loadConf(args.StdinData, p.Kind)
	if err != nil {
		return err
	}
	if c.IPAM.Type != "" {
		if err := p.ipamDel(c.IPAM.Type, args); err != nil {
			return fmt.Errorf("ipam %s: %w", c.IPAM.Type, err)
		}
	}
	if args.Netns == "" {
		return nil
	}
	err = ns.WithNetNSPath(args.Netns, func(ns.NetNS) error {
		if err := ip.DelLinkByName(args.IfName); err != nil && !errors.Is(err, ip.ErrLinkNotFound) {
			return fmt.Errorf("delete %s: %w", args.IfName, err)
		}
		return nil
	})
	var gone ns.NSPathNotExistErr
	if errors.As(err, &gone) {
		return nil
	}
	return err
}

// Check verifies the interface exists with the kind, mode and addresses of the previous result.
func (p Plugin) Check(args *skel.CmdArgs) error {
	c, err := loadConf(args.StdinData, p.Kind)
	if err != nil {
		return err
	}
	if err := version.ParsePrevResult(&c.NetConf); err != nil {
		return fmt.Errorf("parse prevResult: %w", err)
	}
	if c.PrevResult == nil {
		return errors.New("CHECK needs prevResult in the config")
	}
	prev, err := current.NewResultFromResult(c.PrevResult)
	if err != nil {
		return fmt.Errorf("prevResult: %w", err)
	}
	if c.IPAM.Type != "" {
		if err := p.ipamCheck(c.IPAM.Type, args); err != nil {
			return fmt.Errorf("ipam %s: %w", c.IPAM.Type, err)
		}
	}
	return ns.WithNetNSPath(args.Netns, func(ns.NetNS) error {
		l, err := netlinksafe.LinkByName(args.IfName)
		if err != nil {
			return fmt.Errorf("interface %s: %w", args.IfName, err)
		}
		if err := p.checkKind(l, c); err != nil {
			return err
		}
		if err := ip.ValidateExpectedInterfaceIPs(args.IfName, prev.IPs); err != nil {
			return err
		}
		return ip.ValidateExpectedRoute(prev.Routes)
	})
}

func (p Plugin) checkKind(l netlink.Link, c *NetConf) error {
	switch v := l.(type) {
	case *netlink.Macvlan:
		if p.Kind == Macvlan && v.Mode == macvlanModes[c.Mode] {
			return nil
		}
	case *netlink.IPVlan:
		if p.Kind == IPvlan && v.Mode == ipvlanModes[c.Mode] {
			return nil
		}
	}
	return fmt.Errorf("interface %s is a %s, not a %s in mode %q", l.Attrs().Name, l.Type(), p.Kind, c.Mode)
}

// Status reports whether an ADD could succeed: the master exists (when set, outside the container)
// and the IPAM is ready.
func (p Plugin) Status(args *skel.CmdArgs) error {
	c, err := loadConf(args.StdinData, p.Kind)
	if err != nil {
		return err
	}
	if c.Master != "" && !c.LinkInContainer {
		if _, err := netlinksafe.LinkByName(c.Master); err != nil {
			return types.NewError(types.ErrPluginNotAvailable, fmt.Sprintf("master %q not found", c.Master), err.Error())
		}
	}
	if c.IPAM.Type != "" {
		return ipam.ExecStatus(c.IPAM.Type, args.StdinData)
	}
	return nil
}

// GC has no state of its own to collect: it passes the valid attachments on to the IPAM.
func (p Plugin) GC(args *skel.CmdArgs) error {
	c, err := loadConf(args.StdinData, p.Kind)
	if err != nil {
		return err
	}
	if c.IPAM.Type == "" {
		return nil
	}
	return invoke.DelegateGC(context.TODO(), c.IPAM.Type, args.StdinData, nil)
}
