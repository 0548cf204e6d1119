package cni

import (
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/plugins/pkg/ipam"
)

// LocalIPAM is an IPAM plugin linked into this binary. When a network's ipam type is its Type, the
// interface plugin runs it in-process with the same arguments instead of executing it from CNI_PATH,
// which saves starting a second process on every ADD and DEL.
type LocalIPAM interface {
	Type() string
	AddResult(args *skel.CmdArgs) (types.Result, error)
	Del(args *skel.CmdArgs) error
	Check(args *skel.CmdArgs) error
}

// local returns the linked-in IPAM for typ, if there is one.
func (p Plugin) local(typ string) LocalIPAM {
	if p.IPAM != nil && p.IPAM.Type() == typ {
		return p.IPAM
	}
	return nil
}

func (p Plugin) ipamAdd(typ string, args *skel.CmdArgs) (types.Result, error) {
	if l := p.local(typ); l != nil {
		return l.AddResult(args)
	}
	return ipam.ExecAdd(typ, args.StdinData)
}

func (p Plugin) ipamDel(typ string, args *skel.CmdArgs) error {
	if l := p.local(typ); l != nil {
		return l.Del(args)
	}
	return ipam.ExecDel(typ, args.StdinData)
}

func (p Plugin) ipamCheck(typ string, args *skel.CmdArgs) error {
	if l := p.local(typ); l != nil {
		return l.Check(args)
	}
	return ipam.ExecCheck(typ, args.StdinData)
}
