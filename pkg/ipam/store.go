package ipam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
)

// Labels on IPAllocation objects.
const (
	LabelNetwork   = "ipam.multinet.io/network"
	LabelContainer = "ipam.multinet.io/container"
	LabelPod       = "ipam.multinet.io/pod"
)

// Allocation is one allocated address.
type Allocation struct {
	Name string
	// Namespace is the object's namespace, where a list read it ("" otherwise: the store's).
	Namespace   string
	Network     string
	Range       string
	IP          string
	ContainerID string
	PodRef      string
	IfName      string
	// Node is the node whose plugin made the allocation ("" when unknown).
	Node   string
	Stable bool
	UID    types.UID
	// ResourceVersion guards updates.
	ResourceVersion string
}

// Errors of the store.
var (
	errExists   = errors.New("already allocated")
	errNotFound = errors.New("not found")
	errConflict = errors.New("changed concurrently")
)

// Store keeps allocations; Kube is the real one.
type Store interface {
	Create(ctx context.Context, a *Allocation) error
	Get(ctx context.Context, name string) (*Allocation, error)
	Update(ctx context.Context, a *Allocation) error
	Delete(ctx context.Context, a *Allocation) error
	// List returns the allocations of a network; with containerID set, only that container's.
	List(ctx context.Context, network, containerID string) ([]*Allocation, error)
	// ListCached is List of a whole network from the API server's watch cache: it can lag by
	// moments, so it only chooses candidates whose Create then decides. It spares etcd a read of
	// every allocation (etcd has no label index) when a nearly full range is scanned.
	ListCached(ctx context.Context, network string) ([]*Allocation, error)
}

// Kube stores allocations as IPAllocation objects in one namespace.
type Kube struct {
	Client    dynamic.Interface
	Namespace string
	// Raw, when set, is a REST client (any base path) that consistent lists read through,
	// decoding straight into allocations (kubectl multinet ipam at 100,000 allocations).
	Raw rest.Interface
}

func (k *Kube) res() dynamic.ResourceInterface {
	return k.Client.Resource(gvr.IPAllocations).Namespace(k.Namespace)
}

// labelValue turns any string into a label value (hashed when too long or not label-safe).
func labelValue(s string) string {
	if s == "" {
		return ""
	}
	safe := len(s) <= 63
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			safe = false
			break
		}
	}
	if safe && s != "" {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "h" + hex.EncodeToString(sum[:16])
}

// objectName is `<network>-<ip>` (just `<ip>` without a network) made a valid object name.
func objectName(network, ip string) string {
	n := strings.ToLower(ip)
	if network != "" {
		n = strings.ToLower(network + "-" + ip)
	}
	n = strings.NewReplacer("/", "-", ":", "-", "_", "-").Replace(n)
	if len(n) > 253 {
		sum := sha256.Sum256([]byte(network))
		n = "n" + hex.EncodeToString(sum[:8]) + "-" + strings.ReplaceAll(ip, ":", "-")
	}
	return strings.Trim(n, "-.")
}

func (a *Allocation) object() *unstructured.Unstructured {
	labels := map[string]any{LabelNetwork: labelValue(a.Network), LabelContainer: labelValue(a.ContainerID)}
	if a.PodRef != "" {
		labels[LabelPod] = labelValue(a.PodRef)
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": gvr.IPAllocations.GroupVersion().String(), "kind": "IPAllocation",
		"metadata": map[string]any{"name": a.Name, "labels": labels},
		"spec": map[string]any{"network": a.Network, "range": a.Range, "ip": a.IP, "containerID": a.ContainerID,
			"podRef": a.PodRef, "ifName": a.IfName, "node": a.Node, "stable": a.Stable},
	}}
	if a.ResourceVersion != "" {
		u.SetResourceVersion(a.ResourceVersion)
	}
	return u
}

func fromObject(u *unstructured.Unstructured) *Allocation {
	s := func(k string) string { v, _, _ := unstructured.NestedString(u.Object, "spec", k); return v }
	stable, _, _ := unstructured.NestedBool(u.Object, "spec", "stable")
	return &Allocation{Name: u.GetName(), Namespace: u.GetNamespace(), Network: s("network"), Range: s("range"), IP: s("ip"), ContainerID: s("containerID"),
		PodRef: s("podRef"), IfName: s("ifName"), Node: s("node"), Stable: stable, UID: u.GetUID(), ResourceVersion: u.GetResourceVersion()}
}

func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case apierrors.IsAlreadyExists(err):
		return errExists
	case apierrors.IsNotFound(err):
		return errNotFound
	case apierrors.IsConflict(err):
		return errConflict
	}
	return err
}

// Create stores a new allocation (named for its network and address when Name is unset);
// errExists when the address is taken.
func (k *Kube) Create(ctx context.Context, a *Allocation) error {
	if a.Name == "" {
		a.Name = objectName(a.Network, a.IP)
	}
	u, err := k.res().Create(ctx, a.object(), metav1.CreateOptions{})
	if err == nil {
		a.UID, a.ResourceVersion = u.GetUID(), u.GetResourceVersion()
	}
	return mapErr(err)
}

// Get reads one allocation by name.
func (k *Kube) Get(ctx context.Context, name string) (*Allocation, error) {
	u, err := k.res().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, mapErr(err)
	}
	return fromObject(u), nil
}

// Update rewrites an allocation; errConflict when it changed since it was read.
func (k *Kube) Update(ctx context.Context, a *Allocation) error {
	u, err := k.res().Update(ctx, a.object(), metav1.UpdateOptions{})
	if err == nil {
		a.ResourceVersion = u.GetResourceVersion()
	}
	return mapErr(err)
}

// Delete removes exactly this allocation (UID precondition); gone already is success.
func (k *Kube) Delete(ctx context.Context, a *Allocation) error {
	opts := metav1.DeleteOptions{}
	if a.UID != "" {
		opts.Preconditions = &metav1.Preconditions{UID: &a.UID}
	}
	err := mapErr(k.res().Delete(ctx, a.Name, opts))
	if errors.Is(err, errNotFound) || errors.Is(err, errConflict) {
		return nil
	}
	return err
}

// List reads a network's allocations (paginated).
func (k *Kube) List(ctx context.Context, network, containerID string) ([]*Allocation, error) {
	sel := LabelNetwork + "=" + labelValue(network)
	if containerID != "" {
		sel += "," + LabelContainer + "=" + labelValue(containerID)
	}
	return k.list(ctx, sel, false)
}

// ListCached reads a network's allocations from the watch cache (resourceVersion "0").
func (k *Kube) ListCached(ctx context.Context, network string) ([]*Allocation, error) {
	return k.list(ctx, LabelNetwork+"="+labelValue(network), true)
}

// ListAll reads every IPAllocation of the store's namespace.
func (k *Kube) ListAll(ctx context.Context) ([]*Allocation, error) { return k.list(ctx, "", false) }

func (k *Kube) list(ctx context.Context, selector string, cached bool) ([]*Allocation, error) {
	if k.Raw != nil && !cached {
		out, err := listRaw(ctx, k.Raw, k.Namespace, selector)
		return out, mapErr(err)
	}
	var out []*Allocation
	opts := metav1.ListOptions{LabelSelector: selector, Limit: 2000}
	if cached {
		opts.ResourceVersion, opts.ResourceVersionMatch = "0", metav1.ResourceVersionMatchNotOlderThan
	}
	for {
		list, err := k.res().List(ctx, opts)
		if err != nil {
			return nil, mapErr(err)
		}
		for i := range list.Items {
			out = append(out, fromObject(&list.Items[i]))
		}
		if opts.Continue = list.GetContinue(); opts.Continue == "" {
			return out, nil
		}
		opts.ResourceVersion, opts.ResourceVersionMatch = "", "" // the continue token carries it
	}
}
