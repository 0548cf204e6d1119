package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/plugins/pkg/netlinksafe"
	"github.com/containernetworking/plugins/pkg/testutils"
	"github.com/vishvananda/netlink"
)

// cniCmd runs ADD/DEL cycles of a conflist through libcni (as a runtime does) in fresh container
// namespaces, with one end of a veth pair it creates (and removes) as the master, and prints ADD and
// DEL latency percentiles. It runs in the current namespace, where an IPAM reaches the API server.
func cniCmd(args []string) error {
	fs := flag.NewFlagSet("cni", flag.ExitOnError)
	binDir := fs.String("bin", "", "CNI bin dir")
	conflist := fs.String("conflist", "", "network config list (the master is veth-bench)")
	cycles := fs.Int("n", 100, "ADD/DEL cycles")
	label := fs.String("label", "", "row label")
	_ = fs.Parse(args)
	list, err := libcni.ConfListFromBytes([]byte(*conflist))
	if err != nil {
		return fmt.Errorf("conflist: %w", err)
	}
	var add, del phase
	err = func() error {
		if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "veth-bench"}, PeerName: "veth-benchp"}); err != nil {
			return err
		}
		defer func() {
			if l, err := netlinksafe.LinkByName("veth-bench"); err == nil {
				_ = netlink.LinkDel(l)
			}
		}()
		for _, n := range []string{"veth-bench", "veth-benchp"} {
			l, err := netlinksafe.LinkByName(n)
			if err != nil {
				return err
			}
			if err := netlink.LinkSetUp(l); err != nil {
				return err
			}
		}
		cfg := libcni.NewCNIConfigWithCacheDir([]string{*binDir}, "/tmp/multinet-bench-cni-cache", nil)
		for i := 0; i < *cycles; i++ {
			cont, err := testutils.NewNS()
			if err != nil {
				return err
			}
			cleanup := func() { cont.Close(); _ = testutils.UnmountNS(cont) }
			rt := &libcni.RuntimeConf{ContainerID: fmt.Sprintf("bench%05d", i), NetNS: cont.Path(), IfName: "net1",
				Args: [][2]string{{"IgnoreUnknown", "1"}, {"K8S_POD_NAMESPACE", "bench"}, {"K8S_POD_NAME", fmt.Sprintf("pod-%05d", i)}}}
			t0 := time.Now()
			if _, err := cfg.AddNetworkList(context.Background(), list, rt); err != nil {
				cleanup()
				return fmt.Errorf("ADD %d: %w", i, err)
			}
			add.lat = append(add.lat, time.Since(t0))
			t0 = time.Now()
			err = cfg.DelNetworkList(context.Background(), list, rt)
			cleanup()
			if err != nil {
				return fmt.Errorf("DEL %d: %w", i, err)
			}
			del.lat = append(del.lat, time.Since(t0))
		}
		return nil
	}()
	if err != nil {
		return err
	}
	fmt.Printf("| %s | %d | %s | %s | %s | %s |\n", *label, *cycles, ms(add.pct(50)), ms(add.pct(99)), ms(del.pct(50)), ms(del.pct(99)))
	return nil
}
