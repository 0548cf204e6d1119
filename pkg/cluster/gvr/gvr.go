// Package gvr names every API resource kubectl-multinet reads or writes, in one place. It depends on
// nothing but apimachinery's schema, so the node binary can use it without linking any client.
package gvr

import "k8s.io/apimachinery/pkg/runtime/schema"

func r(group, version, resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: group, Version: version, Resource: resource}
}

// Core and built-in resources.
var (
	Pods       = r("", "v1", "pods")
	Nodes      = r("", "v1", "nodes")
	Namespaces = r("", "v1", "namespaces")
	Events     = r("", "v1", "events")
	ConfigMaps = r("", "v1", "configmaps")
	DaemonSets = r("apps", "v1", "daemonsets")
	// ControllerRevisions hold a DaemonSet's past pod templates.
	ControllerRevisions = r("apps", "v1", "controllerrevisions")
	ClusterRoles        = r("rbac.authorization.k8s.io", "v1", "clusterroles")
	CRDs                = r("apiextensions.k8s.io", "v1", "customresourcedefinitions")
)

// Network resources.
var (
	// NADs are Multus' NetworkAttachmentDefinitions.
	NADs = r("k8s.cni.cncf.io", "v1", "network-attachment-definitions")
	// IPPools are whereabouts' pools.
	IPPools = r("whereabouts.cni.cncf.io", "v1alpha1", "ippools")
	// ORIPs are whereabouts' OverlappingRangeIPReservations.
	ORIPs = r("whereabouts.cni.cncf.io", "v1alpha1", "overlappingrangeipreservations")
	// IPAllocations are multinet-ipam's allocations.
	IPAllocations = r("ipam.multinet.io", "v1alpha1", "ipallocations")
	// GKEIPRoutes are GKE's routes to pod addresses on extra networks.
	GKEIPRoutes = r("networking.gke.io", "v1", "gkeiproutes")
	// ResourceClaims are DRA claims (resource.k8s.io/v1, GA since Kubernetes 1.34).
	ResourceClaims = r("resource.k8s.io", "v1", "resourceclaims")
)

// ResourceClaimsBeta are the versions of ResourceClaims older clusters serve, newest first.
func ResourceClaimsBeta() []schema.GroupVersionResource {
	return []schema.GroupVersionResource{r("resource.k8s.io", "v1beta2", "resourceclaims"), r("resource.k8s.io", "v1beta1", "resourceclaims")}
}
