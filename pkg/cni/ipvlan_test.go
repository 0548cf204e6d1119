//go:build vmtest

package cni

import (
	"fmt"
	"testing"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/containernetworking/plugins/pkg/testutils"
	"github.com/vishvananda/netlink"

	"github.com/kubectl-multinet/kubectl-multinet/internal/netnstest"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
)

// TestIPvlanSlavesPing runs in a QEMU guest with Debian's cloud kernel (make vmtest): two ipvlan
// slaves of one master, in two namespaces, in each mode that passes traffic between slaves, must
// ping each other.
func TestIPvlanSlavesPing(t *testing.T) {
	testneeds.Need(t, lacking)
	p := Plugin{Kind: IPvlan}
	for _, mode := range []string{"l2", "l3", "l3s"} {
		t.Run(mode, func(t *testing.T) {
			l := newLab(t)
			other := netnstest.ForTest(t)
			conf := func(ip string) string {
				return fmt.Sprintf(`{"cniVersion":"1.1.0","name":"data","type":"multinet-ipvlan","master":%q,"mode":%q,"ipam":{"type":"static","addresses":[{"address":%q}]}}`,
					master, mode, ip)
			}
			if _, err := l.add(p, conf("10.9.0.5/24")); err != nil {
				t.Fatalf("ADD a: %v", err)
			}
			second := &lab{t: t, host: l.host, cont: other}
			if _, err := second.add(p, conf("10.9.0.6/24")); err != nil {
				t.Fatalf("ADD b: %v", err)
			}
			links := l.contLinks()
			if len(links) != 1 {
				t.Fatalf("links %v", links)
			}
			if iv, ok := links[0].(*netlink.IPVlan); !ok || iv.Mode != ipvlanModes[mode] {
				t.Fatalf("link %T %+v", links[0], links[0])
			}
			err := l.cont.Do(func(ns.NetNS) error { return testutils.Ping("10.9.0.5", "10.9.0.6", 5) })
			if err != nil {
				t.Fatalf("ping a -> b: %v", err)
			}
			if err := l.del(p, conf("10.9.0.5/24"), l.args(conf("10.9.0.5/24"))); err != nil {
				t.Fatalf("DEL: %v", err)
			}
			if links := l.contLinks(); len(links) != 0 {
				t.Fatalf("links after DEL: %v", links)
			}
		})
	}
}
