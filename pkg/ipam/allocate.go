package ipam

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/iprange"
)

// maxProbes is how many hashed candidates an ADD or DEL tries before it lists the network.
const maxProbes = 8

// Owner identifies who an allocation is for.
type Owner struct {
	ContainerID string
	IfName      string
	// PodRef is namespace/name, from CNI_ARGS.
	PodRef string
}

// Allocator hands out and releases addresses of one network config.
type Allocator struct {
	Store Store
	conf  *parsed
	// sleep waits between retries of conflicting writes (jittered backoff).
	sleep func(time.Duration)
}

// newAllocator returns an allocator for conf over store.
func newAllocator(store Store, conf *parsed) *Allocator {
	return &Allocator{Store: store, conf: conf, sleep: time.Sleep}
}

// key is what the probe order derives from: the pod with stable_identity, else the container.
func (a *Allocator) key(o Owner) string {
	if a.conf.StableIdentity && o.PodRef != "" {
		return "pod:" + o.PodRef + "/" + o.IfName
	}
	return "ctr:" + o.ContainerID + "/" + o.IfName
}

// candidate is the k-th address to try in pool for key.
func candidate(pl pool, key string, k int) netip.Addr {
	h := fnv.New64a()
	h.Write([]byte(key))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(k))
	h.Write(b[:])
	return iprange.Nth(pl.First(), h.Sum64()%pl.Size())
}

func (a *Allocator) owns(al *Allocation, o Owner) bool {
	if al.IfName != o.IfName {
		return false
	}
	if al.ContainerID == o.ContainerID {
		return true
	}
	return a.conf.StableIdentity && al.Stable && o.PodRef != "" && al.PodRef == o.PodRef
}

// Allocate returns the owner's address: the one it already has (a retried ADD, or with
// stable_identity the pod's previous one), else a new one from the first range with room.
func (a *Allocator) Allocate(ctx context.Context, o Owner) (*Allocation, netip.Prefix, error) {
	var lastFull error
	for _, pl := range a.conf.Pools {
		al, err := a.allocateIn(ctx, pl, o)
		if err == nil {
			return al, netip.PrefixFrom(netip.MustParseAddr(al.IP), pl.Prefix.Bits()), nil
		}
		if !errors.Is(err, errFull) {
			return nil, netip.Prefix{}, err
		}
		lastFull = err
	}
	return nil, netip.Prefix{}, lastFull
}

var errFull = errors.New("range full")

// warmer is a Store that can say a whole-network scan would read memory (the agent's NetworkCache).
type warmer interface {
	Warm(network string) bool
}

func (a *Allocator) allocateIn(ctx context.Context, pl pool, o Owner) (*Allocation, error) {
	if pl.Size() == 0 {
		return nil, fmt.Errorf("range %s has no usable address: %w", pl.Range, errFull)
	}
	network := a.conf.network(pl)
	key := a.key(o)
	probes := maxProbes
	if w, ok := a.Store.(warmer); ok && w.Warm(network) {
		probes = 1 // the scan below reads memory: cheaper than probing a range known to be dense
	}
	for k := 0; k < probes; k++ {
		ip := candidate(pl, key, k)
		if pl.Excluded(ip) {
			continue
		}
		if al, err := a.claim(ctx, network, pl, ip, o); err != nil || al != nil {
			return al, err
		}
	}
	// Collisions all along: read the network once (from the watch cache: a stale entry only costs
	// a failed Create) and take a free address.
	existing, err := a.Store.ListCached(ctx, network)
	if err != nil {
		return nil, fmt.Errorf("list allocations of %s: %w", where(network, pl), err)
	}
	used := make(map[netip.Addr]bool, len(existing))
	for _, al := range existing {
		if a.owns(al, o) && pl.Prefix.String() == al.Range {
			return a.adopt(ctx, al, o)
		}
		if ip, err := netip.ParseAddr(al.IP); err == nil {
			used[ip] = true
		}
	}
	size := pl.Size()
	start := rand.Uint64N(size)
	for i := uint64(0); i < size; i++ {
		ip := iprange.Nth(pl.First(), (start+i)%size)
		if used[ip] || pl.Excluded(ip) {
			continue
		}
		if al, err := a.claim(ctx, network, pl, ip, o); err != nil || al != nil {
			return al, err
		}
	}
	return nil, fmt.Errorf("Could not allocate IP in range: ip: %s / - %s / range: %s / excludeRanges: %v: %w",
		pl.First(), pl.Last(), pl.Prefix, excludes(pl), errFull)
}

func excludes(pl pool) []string {
	out := make([]string, 0, len(pl.Exclude))
	for _, e := range pl.Exclude {
		out = append(out, e.String())
	}
	return out
}

// claim tries to create the allocation of ip. It returns nil, nil when someone else holds it; the
// owner's own allocation (a retry) is returned as a success.
func (a *Allocator) claim(ctx context.Context, network string, pl pool, ip netip.Addr, o Owner) (*Allocation, error) {
	al := &Allocation{Name: objectName(network, ip.String()), Network: network, Range: pl.Prefix.String(), IP: ip.String(),
		ContainerID: o.ContainerID, PodRef: o.PodRef, IfName: o.IfName, Node: a.conf.NodeName, Stable: a.conf.StableIdentity}
	var err error
	for attempt := 0; attempt < 6; attempt++ {
		err = a.Store.Create(ctx, al)
		switch {
		case err == nil:
			return al, nil
		case errors.Is(err, errExists):
			cur, gerr := a.Store.Get(ctx, al.Name)
			if errors.Is(gerr, errNotFound) {
				continue // released in between: try again
			}
			if gerr != nil {
				err = gerr
				break
			}
			if a.owns(cur, o) {
				return a.adopt(ctx, cur, o)
			}
			return nil, nil
		}
		if ctx.Err() != nil {
			break
		}
		a.backoff(attempt)
	}
	return nil, fmt.Errorf("allocate %s in %s: %w", ip, where(network, pl), err)
}

// where names a range in errors: with its network_name when it has one (without, the key is "").
func where(network string, pl pool) string {
	if network == "" {
		return "range " + pl.Prefix.String()
	}
	return fmt.Sprintf("network %q (range %s)", network, pl.Prefix)
}

// adopt makes an allocation the owner's: a retried ADD has it already; a stable one from the pod's
// previous sandbox is moved to the new container.
func (a *Allocator) adopt(ctx context.Context, al *Allocation, o Owner) (*Allocation, error) {
	if al.ContainerID == o.ContainerID {
		return al, nil
	}
	al.ContainerID = o.ContainerID
	if err := a.Store.Update(ctx, al); err != nil {
		return nil, fmt.Errorf("take over %s for %s: %w", al.IP, o.PodRef, err)
	}
	return al, nil
}

// backoff sleeps 2^attempt × 5 ms with ±50 % jitter.
func (a *Allocator) backoff(attempt int) {
	base := time.Duration(5<<attempt) * time.Millisecond
	a.sleep(base/2 + time.Duration(rand.Int64N(int64(base))))
}

// Release frees the owner's allocations. With stable_identity the address stays reserved for the
// pod (its container cleared) until GC finds the pod gone. Nothing to free is success. The owner's
// allocation is looked for at its hashed probes, then in the network's cache when the store keeps one
// (the agent, for nearly full ranges), then in a list of the network by container.
func (a *Allocator) Release(ctx context.Context, o Owner) error {
	for _, pl := range a.conf.Pools {
		network := a.conf.network(pl)
		w, ok := a.Store.(warmer)
		warm := ok && w.Warm(network)
		found, err := a.releaseProbed(ctx, network, pl, o, warm)
		if err != nil {
			return err
		}
		if found {
			continue
		}
		var list []*Allocation
		if warm {
			if list, err = a.Store.ListCached(ctx, network); err != nil {
				return fmt.Errorf("list allocations of %s: %w", where(network, pl), err)
			}
			list = slices.DeleteFunc(list, func(al *Allocation) bool { return al.ContainerID != o.ContainerID || al.IfName != o.IfName })
		}
		if len(list) == 0 { // not cached (or not yet): read the network
			if list, err = a.Store.List(ctx, network, o.ContainerID); err != nil {
				return fmt.Errorf("list allocations of %s: %w", where(network, pl), err)
			}
		}
		for _, al := range list {
			if al.ContainerID == o.ContainerID && al.IfName == o.IfName {
				if err := a.free(ctx, al); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// releaseProbed frees the owner's allocation if it is at one of its hashed probes (only the first
// when warm: in a nearly full range most were taken by others). found says it was.
func (a *Allocator) releaseProbed(ctx context.Context, network string, pl pool, o Owner, warm bool) (bool, error) {
	probes := maxProbes
	if warm {
		probes = 1
	}
	key := a.key(o)
	for k := 0; k < probes; k++ {
		al, err := a.Store.Get(ctx, objectName(network, candidate(pl, key, k).String()))
		if errors.Is(err, errNotFound) {
			continue
		}
		if err != nil {
			return false, err
		}
		if al.ContainerID == o.ContainerID && al.IfName == o.IfName {
			return true, a.free(ctx, al)
		}
	}
	return false, nil
}

func (a *Allocator) free(ctx context.Context, al *Allocation) error {
	if al.Stable {
		al.ContainerID = ""
		if err := a.Store.Update(ctx, al); err != nil && !errors.Is(err, errNotFound) {
			return fmt.Errorf("release %s: %w", al.IP, err)
		}
		return nil
	}
	return a.Store.Delete(ctx, al)
}

// GC deletes the network's allocations whose container and interface are not among valid (the
// runtime's cni.dev/valid-attachments), keeping stable ones that wait for their pod.
func (a *Allocator) GC(ctx context.Context, valid map[string]bool) (int, error) {
	n := 0
	for _, pl := range a.conf.Pools {
		list, err := a.Store.List(ctx, a.conf.network(pl), "")
		if err != nil {
			return n, err
		}
		for _, al := range list {
			if al.Range != pl.Prefix.String() || valid[al.ContainerID+"/"+al.IfName] || al.Stable && al.ContainerID == "" {
				continue
			}
			if err := a.Store.Delete(ctx, al); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
