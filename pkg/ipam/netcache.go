package ipam

import (
	"context"
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/cache"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
)

// NetworkCache is the node agent's memory of the networks it had to scan: for each network whose
// hashed probes all collided (a nearly full range), one informer on that network's IPAllocations
// (a label-selected list, then a watch), so that the next scan reads memory instead of listing the
// network from the API server. Like the watch-cache list it replaces, it can lag by moments: it only
// chooses candidates, and the Create of each decides.
type NetworkCache struct {
	Client dynamic.Interface
	// Stop ends every informer.
	Stop <-chan struct{}

	mu       sync.Mutex
	networks map[string]cache.SharedIndexInformer
}

// informer returns the network's informer, started on first use, once it has synced; an error when
// ctx ends first.
func (c *NetworkCache) informer(ctx context.Context, namespace, network string) (cache.SharedIndexInformer, error) {
	key := namespace + "/" + network
	c.mu.Lock()
	inf := c.networks[key]
	if inf == nil {
		if c.networks == nil {
			c.networks = map[string]cache.SharedIndexInformer{}
		}
		// A plain informer over the dynamic client: dynamicinformer would link the typed clientset
		// into the plugin binary.
		selector := LabelNetwork + "=" + labelValue(network)
		res := c.Client.Resource(gvr.IPAllocations).Namespace(namespace)
		lw := &cache.ListWatch{
			ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				o.LabelSelector = selector
				return res.List(ctx, o)
			},
			WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
				o.LabelSelector = selector
				return res.Watch(ctx, o)
			},
		}
		inf = cache.NewSharedIndexInformer(lw, &unstructured.Unstructured{}, 0, cache.Indexers{})
		c.networks[key] = inf
		go inf.Run(c.Stop)
	}
	c.mu.Unlock()
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return nil, fmt.Errorf("watch allocations of network %q: %w", network, context.Cause(ctx))
	}
	return inf, nil
}

// warm says whether the network's informer has synced.
func (c *NetworkCache) warm(namespace, network string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	inf := c.networks[namespace+"/"+network]
	return inf != nil && inf.HasSynced()
}

// cachedKube is Kube whose whole-network scans read a NetworkCache.
type cachedKube struct {
	*Kube
	cache *NetworkCache
}

// ListCached reads the network from its informer, started (and synced) on first use.
func (k *cachedKube) ListCached(ctx context.Context, network string) ([]*Allocation, error) {
	inf, err := k.cache.informer(ctx, k.Namespace, network)
	if err != nil {
		return nil, err
	}
	objs := inf.GetStore().List()
	out := make([]*Allocation, 0, len(objs))
	for _, o := range objs {
		if u, ok := o.(*unstructured.Unstructured); ok {
			out = append(out, fromObject(u))
		}
	}
	return out, nil
}

// Warm says whether a scan of the network reads memory: the allocator then skips most probes.
func (k *cachedKube) Warm(network string) bool { return k.cache.warm(k.Namespace, network) }
