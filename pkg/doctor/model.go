package doctor

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"

	nadv1 "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/apis/k8s.cni.cncf.io/v1"
	whv1 "github.com/k8snetworkplumbingwg/whereabouts/pkg/api/whereabouts.cni.cncf.io/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/dump"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/ipam"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/iprange"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/nodecreds"
)

// Model is everything the checks read, built once from the cluster or a dump.
type Model struct {
	have map[Input]bool
	// poolCache, eventCache and nadCache are built once and shared with the models WithPods derives.
	poolCache  *poolCache
	eventCache *eventCache
	nadCache   *nadSetCache
	// Notes say what could not be read and why (forbidden, not served ...).
	Notes []string

	Pods     []inspect.Pod
	podByKey map[string]*inspect.Pod
	NADs     []*NAD
	nadByKey map[string]*NAD
	Pools    []*whv1.IPPool
	// Allocations are multinet-ipam's IPAllocation objects.
	Allocations []*IPAllocation
	ORIPs       []*whv1.OverlappingRangeIPReservation
	Events      []*corev1.Event
	Nodes       []*corev1.Node
	// DaemonSets are the Multus DaemonSets (name contains "multus").
	DaemonSets []*appsv1.DaemonSet
	// DaemonPods are the pods of the Multus DaemonSets.
	DaemonPods   []*corev1.Pod
	ClusterRoles []*rbacv1.ClusterRole
	IPRoutes     []*IPRoute
	// APIGroups holds `plural.group` of every served resource the checks ask about.
	APIGroups map[string]bool
	// Claims are the DRA ResourceClaims read; SetPods adds their devices to the pods.
	Claims []inspect.Claim
	// NodeCredentials are the CNI plugins' kubeconfigs read on the nodes (doctor --nodes).
	NodeCredentials []nodecreds.Credential
	// NamespaceIsolation is Multus' namespaceIsolation setting, when a Multus config was read.
	NamespaceIsolation bool
	// GlobalNamespaces are the namespaces whose NADs any pod may use under namespaceIsolation
	// (Multus' globalNamespaces; "default" when unset).
	GlobalNamespaces []string
}

// NAD is a NetworkAttachmentDefinition with its parsed config.
type NAD struct {
	*nadv1.NetworkAttachmentDefinition
	Config inspect.CNIConfig
}

// IPRoute is the part of a GKEIPRoute (networking.gke.io/v1) the checks read.
type IPRoute struct {
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Addresses []struct {
			Value string `json:"value"`
		} `json:"addresses"`
		Network     string                `json:"network"`
		PodSelector *metav1.LabelSelector `json:"podSelector"`
	} `json:"spec"`
	Status struct {
		Conditions []metav1.Condition `json:"conditions"`
	} `json:"status"`
}

// IPAllocation is multinet-ipam's record of one allocated address (ipam.multinet.io/v1alpha1).
type IPAllocation struct {
	metav1.ObjectMeta `json:"metadata"`
	Spec              ipam.Spec `json:"spec"`
}

// Resource names looked up in APIGroups.
const (
	NADResource    = "network-attachment-definitions.k8s.cni.cncf.io"
	IPPoolResource = "ippools.whereabouts.cni.cncf.io"
)

// NewModel returns an empty model.
func NewModel() *Model {
	return &Model{have: map[Input]bool{}, podByKey: map[string]*inspect.Pod{}, nadByKey: map[string]*NAD{}, APIGroups: map[string]bool{},
		GlobalNamespaces: GlobalNamespaces(""), poolCache: &poolCache{}, eventCache: &eventCache{},
		nadCache: &nadSetCache{}}
}

// Mark says input was read completely.
func (m *Model) Mark(in Input) { m.have[in] = true }

// Has reports whether input was read.
func (m *Model) Has(in Input) bool { return m.have[in] }

func (m *Model) missing(needs []Input) []Input {
	var out []Input
	for _, n := range needs {
		if !m.have[n] {
			out = append(out, n)
		}
	}
	return out
}

// SetPods inspects pods and indexes them. nads must be set first so that interfaces carry configs.
func (m *Model) SetPods(metas []inspect.PodMeta) {
	m.Pods = m.inspect(metas)
	m.index()
}

// inspect inspects metas against the model's NADs and claims.
func (m *Model) inspect(metas []inspect.PodMeta) []inspect.Pod {
	return inspect.Inspect(inspect.Snapshot{Pods: metas, NADs: m.nadSet(), Claims: m.Claims})
}

// nadSetCache holds the NADSet of a model's NADs (each config parsed once), shared with the models
// WithPods and WithChanges derive, so that a watched change does not parse every NAD again.
type nadSetCache struct {
	mu  sync.Mutex
	set *inspect.NADSet
	n   int // len(NADs) the set was built from
}

// nadSet returns the set of m's NADs, built again only when NADs were added since.
func (m *Model) nadSet() *inspect.NADSet {
	c := m.nadCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.set == nil || c.n != len(m.NADs) {
		c.set, c.n = inspect.NewNADSet(), len(m.NADs)
		for _, n := range m.NADs {
			c.set.Add(n.NetworkAttachmentDefinition)
		}
	}
	return c.set
}

// index rebuilds the pod index from m.Pods.
func (m *Model) index() {
	m.podByKey = make(map[string]*inspect.Pod, len(m.Pods))
	for i := range m.Pods {
		p := &m.Pods[i]
		m.podByKey[p.Namespace+"/"+p.Name] = p
	}
}

// derive returns a copy of m that shares its inputs and may be given other pods.
func (m *Model) derive() *Model {
	c := *m
	c.have = maps.Clone(m.have)
	c.Notes = slices.Clone(m.Notes)
	return &c
}

// WithPods returns a model with m's inputs and metas in place of m's pods, inspected against m's
// NADs and claims; m is not changed. It applies watched pod changes without reading anything else.
func (m *Model) WithPods(metas []inspect.PodMeta) *Model {
	c := m.derive()
	c.SetPods(metas)
	return c
}

// WithChanges returns a model with m's pods changed by ch: the changed pods are inspected against
// m's NADs and claims, the deleted ones dropped, and every other pod kept as m inspected it (the same
// pods WithPods would give, at the cost of the changes alone); m is not changed.
func (m *Model) WithChanges(ch inspect.PodChanges) *Model {
	type key struct{ ns, name string }
	drop := make(map[key]bool, len(ch.Changed)+len(ch.Deleted))
	for _, p := range ch.Changed {
		drop[key{p.Namespace, p.Name}] = true
	}
	for _, k := range ch.Deleted {
		ns, name, _ := strings.Cut(k, "/")
		drop[key{ns, name}] = true
	}
	c := m.derive()
	c.Pods = make([]inspect.Pod, 0, len(m.Pods)+len(ch.Changed))
	for _, p := range m.Pods {
		if !drop[key{p.Namespace, p.Name}] {
			c.Pods = append(c.Pods, p)
		}
	}
	c.Pods = append(c.Pods, m.inspect(ch.Changed)...)
	if !slices.IsSortedFunc(c.Pods, inspect.ComparePods) {
		slices.SortFunc(c.Pods, inspect.ComparePods)
	}
	c.index()
	return c
}

// Pod returns the pod namespace/name, or nil.
func (m *Model) Pod(key string) *inspect.Pod { return m.podByKey[key] }

// NAD returns the NAD namespace/name, or nil.
func (m *Model) NAD(key string) *NAD { return m.nadByKey[key] }

// AddObjects files objects of the kinds the checks know; others are ignored. An object that does not
// convert is left out with a note naming it; it never stops the others.
func (m *Model) AddObjects(items []unstructured.Unstructured) error {
	for i := range items {
		if err := m.add(&items[i]); err != nil {
			u := &items[i]
			if key := objectKey(u); key != "" {
				m.Notes = append(m.Notes, fmt.Sprintf("skipped %s %s: %v", strings.ToLower(u.GetKind()), key, err))
			} else {
				m.Notes = append(m.Notes, fmt.Sprintf("skipped %v", err))
			}
		}
	}
	sort.Slice(m.NADs, func(i, j int) bool {
		return m.NADs[i].Namespace+"/"+m.NADs[i].Name < m.NADs[j].Namespace+"/"+m.NADs[j].Name
	})
	return nil
}

func objectKey(u *unstructured.Unstructured) string {
	if u.GetNamespace() == "" {
		return u.GetName()
	}
	return u.GetNamespace() + "/" + u.GetName()
}

func (m *Model) add(u *unstructured.Unstructured) error {
	gvk := u.GroupVersionKind()
	var err error
	switch gvk.Group + "/" + gvk.Kind {
	case "k8s.cni.cncf.io/NetworkAttachmentDefinition":
		var n *nadv1.NetworkAttachmentDefinition
		if n, err = dump.NAD(u); err == nil {
			nad := &NAD{NetworkAttachmentDefinition: n, Config: inspect.ParseConfig(n.Spec.Config)}
			m.NADs = append(m.NADs, nad)
			m.nadByKey[n.Namespace+"/"+n.Name] = nad
		}
	case "resource.k8s.io/ResourceClaim":
		m.Claims = append(m.Claims, inspect.ClaimFromObject(u.Object))
	case "whereabouts.cni.cncf.io/IPPool":
		if m.Pools, err = appendConverted(m.Pools, u); err == nil {
			m.noteBadOffsets(m.Pools[len(m.Pools)-1])
		}
	case "ipam.multinet.io/IPAllocation":
		m.Allocations, err = appendConverted(m.Allocations, u)
	case "whereabouts.cni.cncf.io/OverlappingRangeIPReservation":
		m.ORIPs, err = appendConverted(m.ORIPs, u)
	case "/Event":
		m.Events, err = appendConverted(m.Events, u)
	case "/Pod":
		if isDaemonPod(u) {
			m.DaemonPods, err = appendConverted(m.DaemonPods, u)
		}
	case "/Node":
		m.Nodes, err = appendConverted(m.Nodes, u)
	case "apps/DaemonSet":
		if strings.Contains(u.GetName(), "multus") {
			m.DaemonSets, err = appendConverted(m.DaemonSets, u)
		}
	case "rbac.authorization.k8s.io/ClusterRole":
		m.ClusterRoles, err = appendConverted(m.ClusterRoles, u)
	case "networking.gke.io/GKEIPRoute":
		m.IPRoutes, err = appendConverted(m.IPRoutes, u)
	case "/ConfigMap":
		m.readMultusConfig(u)
	case "multinet.io/NodeCredentials":
		err = m.addNodeCredentials(u)
	case "apiextensions.k8s.io/CustomResourceDefinition":
		m.APIGroups[u.GetName()] = true
	}
	return err
}

// noteBadOffsets notes, once, the allocation keys of p that name no address of its range; the
// pool checks skip those entries and check the rest.
func (m *Model) noteBadOffsets(p *whv1.IPPool) {
	r, err := iprange.Parse(p.Spec.Range)
	if err != nil {
		m.Notes = append(m.Notes, fmt.Sprintf("IPPool %s/%s: %v; its allocations are not checked", p.Namespace, p.Name, err))
		return
	}
	var bad []string
	for off := range p.Spec.Allocations {
		if _, err := iprange.AddrAt(r.Prefix, off); err != nil {
			bad = append(bad, fmt.Sprintf("%q", off))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		m.Notes = append(m.Notes, fmt.Sprintf("IPPool %s/%s: allocation keys %s name no address of %s; those entries are not checked", p.Namespace, p.Name, strings.Join(bad, ", "), r.Prefix))
	}
}

// convert turns an unstructured object into a T.
func convert[T any](u *unstructured.Unstructured) (*T, error) {
	t := new(T)
	return t, dump.Convert(u, t)
}

// appendConverted converts u and appends it to list.
func appendConverted[T any](list []*T, u *unstructured.Unstructured) ([]*T, error) {
	t, err := convert[T](u)
	if err != nil {
		return list, err
	}
	return append(list, t), nil
}

// GlobalNamespaces reads Multus' globalNamespaces as Multus does (pkg/types/conf.go, LoadNetConf):
// a comma-separated list, each entry trimmed, replacing the default; unset or empty, only "default".
func GlobalNamespaces(raw string) []string {
	if raw == "" {
		return []string{"default"}
	}
	out := strings.Split(raw, ",")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

// readMultusConfig takes namespaceIsolation and globalNamespaces from a Multus daemon ConfigMap.
func (m *Model) readMultusConfig(u *unstructured.Unstructured) {
	if !strings.Contains(u.GetName(), "multus") {
		return
	}
	data, _, _ := unstructured.NestedStringMap(u.Object, "data")
	for _, v := range data {
		cfg, ok := parseMultusConfig(v)
		if !ok {
			continue
		}
		m.NamespaceIsolation = m.NamespaceIsolation || cfg.NamespaceIsolation
		if cfg.GlobalNamespaces != "" {
			m.GlobalNamespaces = GlobalNamespaces(cfg.GlobalNamespaces)
		}
	}
}

// prefixContains reports whether ip is inside p.
func prefixContains(p netip.Prefix, ip netip.Addr) bool { return p.Contains(ip.Unmap()) }
