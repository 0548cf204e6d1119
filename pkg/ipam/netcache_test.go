package ipam

import (
	"context"
	"fmt"
	"testing"

	"github.com/kubectl-multinet/kubectl-multinet/internal/testneeds"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipamconf"
)

// TestNetworkCacheFillsARange fills a /27 through allocators that read a NetworkCache, as the node
// agent does, while another writer takes addresses behind the cache's back: every address is handed
// out once, the writer's never, a retried ADD gets its own address back from the cache, the range
// ends full, after the first scan the network is warm (one informer, no more lists), and releases
// find their allocations.
func TestNetworkCacheFillsARange(t *testing.T) {
	testneeds.Need(t, env.lacking)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conf, err := parseConfig(&Config{Type: "multinet-ipam", RangeSpec: ipamconf.RangeSpec{Range: "10.77.0.0/27"}, NetworkName: "cached-27"})
	if err != nil {
		t.Fatal(err)
	}
	nc := &NetworkCache{Client: env.dyn, Stop: ctx.Done()}
	plain := &Kube{Client: env.dyn, Namespace: conf.Namespace}
	cached := &cachedKube{Kube: plain, cache: nc}
	a := newAllocator(cached, conf)
	other := newAllocator(plain, conf) // another node's plugin, which this cache learns of late
	got := map[string]string{}
	for i := range 30 {
		alloc := a
		if i%3 == 2 {
			alloc = other
		}
		res, _, err := alloc.Allocate(ctx, Owner{ContainerID: fmt.Sprintf("c%d", i), IfName: "net1", PodRef: "app/p"})
		if err != nil {
			t.Fatalf("allocation %d of 30: %v", i+1, err)
		}
		if prev, dup := got[res.IP]; dup {
			t.Fatalf("%s handed out twice: to %s and c%d", res.IP, prev, i)
		}
		got[res.IP] = res.ContainerID
	}
	if !cached.Warm("cached-27") {
		t.Error("the network is not warm after its range was scanned")
	}
	again, _, err := a.Allocate(ctx, Owner{ContainerID: "c4", IfName: "net1", PodRef: "app/p"})
	if err != nil || got[again.IP] != "c4" {
		t.Errorf("retried ADD of c4: %v, %v; want its own address back", again, err)
	}
	if _, _, err := a.Allocate(ctx, Owner{ContainerID: "c-extra", IfName: "net1"}); err == nil {
		t.Error("a 31st address was handed out of a /27")
	}
	if n := len(nc.networks); n != 1 {
		t.Errorf("%d informers, want 1", n)
	}
	if n := count(t, "cached-27"); n != 30 {
		t.Errorf("%d allocations, want 30", n)
	}
	// Releases through the warm cache: its own container's, and one the other writer made (found in
	// the cache, or by the list when the cache has not seen it yet).
	for _, c := range []string{"c4", "c2"} {
		if err := a.Release(ctx, Owner{ContainerID: c, IfName: "net1", PodRef: "app/p"}); err != nil {
			t.Fatalf("release %s: %v", c, err)
		}
	}
	if n := count(t, "cached-27"); n != 28 {
		t.Errorf("%d allocations after two releases, want 28", n)
	}
}
