package ipam

import (
	"context"
	"errors"
	"fmt"
	"sort"

	whv1 "github.com/k8snetworkplumbingwg/whereabouts/pkg/api/whereabouts.cni.cncf.io/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/iprange"
)

// Usage is how much of one network's range is allocated.
type Usage struct {
	Network   string `json:"network"`
	Range     string `json:"range"`
	Allocated int    `json:"allocated"`
	// Capacity is the usable addresses (0 when no NAD declares the range).
	Capacity uint64   `json:"capacity"`
	NADs     []string `json:"nads"`
}

// RangeDecl is a pool a NAD declares for multinet-ipam.
type RangeDecl struct {
	NAD     string
	Network string
	Pool    iprange.Pool
}

// UsageOf groups allocations by network and range, with the capacity the NADs declare.
func UsageOf(allocs []*Allocation, decls []RangeDecl) []Usage {
	byKey := map[string]*Usage{}
	key := func(network, rng string) string { return network + "|" + rng }
	for _, d := range decls {
		k := key(d.Network, d.Pool.Prefix.String())
		u := byKey[k]
		if u == nil {
			u = &Usage{Network: d.Network, Range: d.Pool.Prefix.String(), NADs: []string{}, Capacity: d.Pool.Capacity()}
			byKey[k] = u
		}
		u.NADs = append(u.NADs, d.NAD)
	}
	for _, a := range allocs {
		k := key(a.Network, a.Range)
		if byKey[k] == nil {
			byKey[k] = &Usage{Network: a.Network, Range: a.Range, NADs: []string{}}
		}
		byKey[k].Allocated++
	}
	out := make([]Usage, 0, len(byKey))
	for _, u := range byKey {
		sort.Strings(u.NADs)
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Network+out[i].Range < out[j].Network+out[j].Range })
	return out
}

// PodExists says whether namespace/name is a pod.
type PodExists func(podRef string) bool

// Leaked lists allocations whose pod is gone (allocations without a podRef are kept: nothing says
// whom they belong to).
func Leaked(allocs []*Allocation, exists PodExists) []*Allocation {
	var out []*Allocation
	for _, a := range allocs {
		if a.PodRef != "" && !exists(a.PodRef) {
			out = append(out, a)
		}
	}
	return out
}

// Deleter releases one allocation.
type Deleter interface {
	Delete(ctx context.Context, a *Allocation) error
}

// ReleaseLeaked releases (or, with dryRun, only lists) the allocations whose pod is gone. It returns
// those released so far, also when it stops at an error. List allocations before pods: an allocation
// is made after its pod exists, so this order never releases a new pod's address.
func ReleaseLeaked(ctx context.Context, store Deleter, allocs []*Allocation, exists PodExists, dryRun bool) ([]*Allocation, error) {
	leaked := Leaked(allocs, exists)
	if dryRun {
		return leaked, nil
	}
	for i, a := range leaked {
		if err := store.Delete(ctx, a); err != nil {
			return leaked[:i], fmt.Errorf("release %s on %s (pod %s): %w", a.IP, a.Network, a.PodRef, err)
		}
	}
	return leaked, nil
}

// Imported is the outcome of one whereabouts allocation's import.
type Imported struct {
	IP, PodRef string
	// Skipped says why nothing was created: already imported, or held by someone else.
	Skipped string
}

// Import copies a whereabouts IPPool's live allocations into the store under network (the NAD's
// network key, see NetworkKey: "" for a NAD without network_name), so that a NAD switched to
// multinet-ipam never hands out an address whereabouts gave. It is idempotent.
func Import(ctx context.Context, dyn dynamic.Interface, poolNamespace, poolName string, store Store, network string) ([]Imported, error) {
	u, err := dyn.Resource(gvr.IPPools).Namespace(poolNamespace).Get(ctx, poolName, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("ippool %s/%s: %w", poolNamespace, poolName, err)
	}
	p := &whv1.IPPool{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, p); err != nil {
		return nil, fmt.Errorf("ippool %s/%s: %w", poolNamespace, poolName, err)
	}
	r, err := iprange.Parse(p.Spec.Range)
	if err != nil {
		return nil, fmt.Errorf("ippool %s/%s: %w", poolNamespace, poolName, err)
	}
	offsets := make([]string, 0, len(p.Spec.Allocations))
	for off := range p.Spec.Allocations {
		offsets = append(offsets, off)
	}
	sort.Strings(offsets)
	var out []Imported
	for _, off := range offsets {
		a := p.Spec.Allocations[off]
		ip, err := iprange.AddrAt(r.Prefix, off)
		if err != nil {
			return out, fmt.Errorf("ippool %s/%s: %w", poolNamespace, poolName, err)
		}
		al := &Allocation{Name: objectName(network, ip.String()), Network: network, Range: r.Prefix.String(), IP: ip.String(),
			ContainerID: a.ContainerID, PodRef: a.PodRef, IfName: a.IfName}
		if al.IfName == "" {
			al.IfName = "net1"
		}
		res := Imported{IP: ip.String(), PodRef: a.PodRef}
		switch err := store.Create(ctx, al); {
		case err == nil:
		case errors.Is(err, errExists):
			cur, gerr := store.Get(ctx, al.Name)
			switch {
			case gerr != nil:
				return out, gerr
			case cur.ContainerID == a.ContainerID:
				res.Skipped = "already imported"
			default:
				res.Skipped = "held by container " + cur.ContainerID + " in multinet-ipam"
			}
		default:
			return out, fmt.Errorf("import %s: %w", ip, err)
		}
		out = append(out, res)
	}
	return out, nil
}
