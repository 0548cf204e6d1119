package doctor

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/dump"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipam"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/selection"
)

// kindInputs maps a dump's kinds (group/Kind) to the input their presence provides.
var kindInputs = map[string]Input{
	"k8s.cni.cncf.io/NetworkAttachmentDefinition":           InNADs,
	"whereabouts.cni.cncf.io/IPPool":                        InIPPools,
	"ipam.multinet.io/IPAllocation":                         InAllocations,
	"whereabouts.cni.cncf.io/OverlappingRangeIPReservation": InORIPs,
	"/Event":                                        InEvents,
	"/Node":                                         InNodes,
	"apps/DaemonSet":                                InDaemonSets,
	"rbac.authorization.k8s.io/ClusterRole":         InClusterRoles,
	"networking.gke.io/GKEIPRoute":                  InIPRoutes,
	"resource.k8s.io/ResourceClaim":                 InClaims,
	"multinet.io/NodeCredentials":                   InNodeCredentials,
	"apiextensions.k8s.io/CustomResourceDefinition": InAPIGroups,
}

// FromDump builds the model from a dump. An input counts as present when the dump holds at least
// one object of its kind; pods in a dump count as all pods.
func FromDump(objs *dump.Objects) (*Model, error) {
	m := NewModel()
	for _, u := range objs.Items {
		gvk := u.GroupVersionKind()
		if in, ok := kindInputs[gvk.Group+"/"+gvk.Kind]; ok {
			m.Mark(in)
		}
	}
	if err := m.AddObjects(objs.Items); err != nil {
		return nil, err
	}
	if m.Has(InNADs) {
		m.APIGroups[NADResource] = true
	}
	if len(m.DaemonPods) > 0 {
		m.Mark(InDaemonPods)
	}
	if m.Has(InIPPools) || m.Has(InAllocations) {
		m.Mark(InPools)
	}
	if m.Has(InIPPools) {
		m.APIGroups[IPPoolResource] = true
	}
	snap, err := objs.Snapshot()
	if err != nil {
		return nil, err
	}
	for _, s := range snap.Skipped {
		if !slices.Contains(m.Notes, s) {
			m.Notes = append(m.Notes, s)
		}
	}
	if len(snap.Pods) > 0 {
		m.Mark(InPods)
		m.Mark(InAllPods)
	}
	m.SetPods(snap.Pods)
	return m, nil
}

// PodLister is the part of cluster.PodLister the online model needs.
type PodLister interface {
	List(ctx context.Context, q cluster.PodQuery) ([]inspect.PodMeta, error)
}

// Clients are what FromCluster reads through.
type Clients struct {
	Pods      PodLister
	Dynamic   dynamic.Interface
	Discovery discovery.DiscoveryInterface
	// Raw, when set, is a REST client that multinet-ipam's IPAllocations are read through, decoded
	// straight into the model (there can be one a pod: 100,000 as unstructured maps cost gigabytes).
	Raw rest.Interface
}

// ClientsOf narrows a command's clients to what FromCluster reads through.
func ClientsOf(c *cluster.Clients) Clients {
	return Clients{Pods: c.Pods(), Dynamic: c.Dynamic, Discovery: c.Discovery, Raw: c.Core}
}

// FromCluster reads every input once. Pods must be readable; any other input that cannot be read
// is noted and the checks needing it are skipped.
func FromCluster(ctx context.Context, c Clients, sel selection.Selection) (*Model, error) {
	m := NewModel()
	allocations := cluster.Resource{Name: string(InAllocations), GVR: gvr.IPAllocations}
	resources := []cluster.Resource{
		{Name: string(InNADs), GVR: gvr.NADs},
		{Name: string(InIPPools), GVR: gvr.IPPools},
		{Name: string(InORIPs), GVR: gvr.ORIPs},
		{Name: string(InEvents), GVR: gvr.Events, Namespace: sel.Scope(), FieldSelector: "reason=FailedCreatePodSandBox"},
		{Name: string(InNodes), GVR: gvr.Nodes},
		{Name: string(InDaemonSets), GVR: gvr.DaemonSets},
		{Name: string(InClusterRoles), GVR: gvr.ClusterRoles},
		{Name: string(InIPRoutes), GVR: gvr.GKEIPRoutes},
		{Name: "multus config", GVR: gvr.ConfigMaps, Namespace: "kube-system"},
		{Name: string(InClaims), GVR: gvr.ResourceClaims, Fallbacks: gvr.ResourceClaimsBeta(), Namespace: sel.Scope()},
	}
	type podResult struct {
		metas []inspect.PodMeta
		err   error
	}
	pods := make(chan podResult, 1)
	go func() {
		metas, err := c.Pods.List(ctx, sel.Query())
		pods <- podResult{metas, err}
	}()
	var allocs chan allocResult
	if c.Raw != nil {
		allocs = make(chan allocResult, 1)
		go func() {
			list, err := ipam.ListAllocations(ctx, c.Raw, "")
			allocs <- allocResult{list, err}
		}()
	} else {
		resources = append(resources, allocations)
	}
	col := cluster.Collect(ctx, c.Dynamic, resources)
	m.Notes = append(m.Notes, col.Notes...)
	var all []unstructured.Unstructured
	names := make([]string, 0, len(col.Items))
	for name := range col.Items {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		all = append(all, col.Items[name]...)
		m.Mark(Input(name))
	}
	if err := m.AddObjects(all); err != nil {
		return nil, err
	}
	if allocs != nil {
		if r := <-allocs; r.err != nil {
			m.Notes = append(m.Notes, cluster.Note(allocations, r.err))
		} else {
			m.setAllocations(r.list)
		}
	}
	if m.Has(InIPPools) || m.Has(InAllocations) {
		m.Mark(InPools)
	}
	m.readAPIGroups(c.Discovery)
	m.readDaemonPods(ctx, c.Dynamic)
	pr := <-pods
	if pr.err != nil {
		return nil, pr.err
	}
	m.Mark(InPods)
	if !sel.Narrowed() {
		m.Mark(InAllPods)
	}
	m.SetPods(pr.metas)
	return m, nil
}

type allocResult struct {
	list []*ipam.Allocation
	err  error
}

// setAllocations files multinet-ipam's allocations, read by ipam.ListAllocations.
func (m *Model) setAllocations(list []*ipam.Allocation) {
	m.Allocations = make([]*IPAllocation, 0, len(list))
	for _, a := range list {
		al := &IPAllocation{Spec: ipam.Spec{Network: a.Network, Range: a.Range, IP: a.IP, ContainerID: a.ContainerID, PodRef: a.PodRef,
			IfName: a.IfName, Node: a.Node, Stable: a.Stable}}
		al.Name, al.Namespace, al.UID, al.ResourceVersion = a.Name, a.Namespace, a.UID, a.ResourceVersion
		m.Allocations = append(m.Allocations, al)
	}
	m.Mark(InAllocations)
}

// readAPIGroups asks discovery which of the network CRDs are served.
func (m *Model) readAPIGroups(d discovery.DiscoveryInterface) {
	for _, gv := range []struct{ groupVersion, resource string }{
		{"k8s.cni.cncf.io/v1", NADResource},
		{"whereabouts.cni.cncf.io/v1alpha1", IPPoolResource},
	} {
		list, err := d.ServerResourcesForGroupVersion(gv.groupVersion)
		if err != nil {
			if !apierrors.IsNotFound(err) {
				m.Notes = append(m.Notes, fmt.Sprintf("skipped API discovery of %s: %v", gv.groupVersion, err))
				return
			}
			continue
		}
		plural, _, _ := strings.Cut(gv.resource, ".")
		for _, r := range list.APIResources {
			if r.Name == plural {
				m.APIGroups[gv.resource] = true
			}
		}
	}
	m.Mark(InAPIGroups)
}
