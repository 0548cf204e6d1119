package install

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	nadv1 "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/apis/k8s.cni.cncf.io/v1"
	authv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	authclient "k8s.io/client-go/kubernetes/typed/authorization/v1"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
)

// FieldManager is the server-side apply field manager of install.
const FieldManager = "kubectl-multinet"

// Client is what install and uninstall need from the cluster.
type Client struct {
	Dyn    dynamic.Interface
	Mapper meta.RESTMapper
	Access authclient.SelfSubjectAccessReviewsGetter
	// NADs reads NetworkAttachmentDefinitions (namespace "" for all).
	NADs NADLister
}

// NADLister reads NetworkAttachmentDefinitions.
type NADLister interface {
	List(ctx context.Context, namespace string) ([]nadv1.NetworkAttachmentDefinition, error)
}

// HasCRD says whether the cluster serves the CRD name. A caller who may not read CRDs gets false:
// the permission check that follows names what they lack.
func (c Client) HasCRD(ctx context.Context, name string) (bool, error) {
	_, err := c.Dyn.Resource(gvr.CRDs).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get customresourcedefinition %s: %w", name, err)
	}
	return true, nil
}

// DetectBinDir picks the CNI bin dir from the nodes: GKE nodes (label cloud.google.com/gke-nodepool)
// keep it in GKEBinDir, everything else in DefaultBinDir.
func (c Client) DetectBinDir(ctx context.Context) (string, error) {
	nodes, err := c.Dyn.Resource(gvr.Nodes).List(ctx, metav1.ListOptions{Limit: 50})
	if err != nil {
		return "", fmt.Errorf("list nodes to find the CNI bin dir: %w; pass --cni-bin-dir", err)
	}
	for _, n := range nodes.Items {
		if _, ok := n.GetLabels()["cloud.google.com/gke-nodepool"]; ok {
			return GKEBinDir, nil
		}
	}
	return DefaultBinDir, nil
}

// resource maps an object to its resource, and says whether it is namespaced.
func (c Client) resource(o *unstructured.Unstructured) (schema.GroupVersionResource, bool, error) {
	gvk := o.GroupVersionKind()
	m, err := c.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return schema.GroupVersionResource{}, false, fmt.Errorf("%s %s: the cluster does not serve %s: %w", strings.ToLower(gvk.Kind), o.GetName(), gvk.GroupVersion(), err)
	}
	return m.Resource, m.Scope.Name() == meta.RESTScopeNameNamespace, nil
}

// objects is the client for o's kind, in o's namespace when the kind is namespaced.
func (c Client) objects(o *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvr, namespaced, err := c.resource(o)
	if err != nil {
		return nil, err
	}
	if namespaced {
		return c.Dyn.Resource(gvr).Namespace(o.GetNamespace()), nil
	}
	return c.Dyn.Resource(gvr), nil
}

// Missing lists the permissions, as "VERB RESOURCE[.GROUP] [in NAMESPACE]", that the caller lacks
// to run verbs on every object.
func (c Client) Missing(ctx context.Context, objs []*unstructured.Unstructured, verbs ...string) ([]string, error) {
	seen := map[string]bool{}
	var missing []string
	for _, o := range objs {
		gvr, namespaced, err := c.resource(o)
		if err != nil {
			return nil, err
		}
		ns := ""
		if namespaced {
			ns = o.GetNamespace()
		}
		for _, verb := range verbs {
			ok, err := c.Allowed(ctx, authv1.ResourceAttributes{Verb: verb, Group: gvr.Group, Resource: gvr.Resource, Namespace: ns, Name: o.GetName()})
			if err != nil {
				return nil, err
			}
			if !ok {
				what := verb + " " + qualified(gvr)
				if ns != "" {
					what += " in " + ns
				}
				if !seen[what] {
					seen[what] = true
					missing = append(missing, what)
				}
			}
		}
	}
	sort.Strings(missing)
	return missing, nil
}

// Allowed asks the API server whether the caller may do a.
func (c Client) Allowed(ctx context.Context, a authv1.ResourceAttributes) (bool, error) {
	r, err := c.Access.SelfSubjectAccessReviews().Create(ctx, &authv1.SelfSubjectAccessReview{
		Spec: authv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &a},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Errorf("check permission to %s %s: %w", a.Verb, a.Resource, err)
	}
	return r.Status.Allowed, nil
}

// Ref names an object as kubectl apply does: kind[.group]/name.
func Ref(o *unstructured.Unstructured) string {
	gvk := o.GroupVersionKind()
	kind := strings.ToLower(gvk.Kind)
	if gvk.Group != "" {
		kind += "." + gvk.Group
	}
	return kind + "/" + o.GetName()
}

func qualified(gvr schema.GroupVersionResource) string {
	if gvr.Group == "" {
		return gvr.Resource
	}
	return gvr.Resource + "." + gvr.Group
}

// Applied is one object's outcome.
type Applied struct {
	// Ref is kubectl's "resource.group/name".
	Ref string
	// Result is created, configured or unchanged, as kubectl apply says it.
	Result string
}

// goneTimeout bounds the wait for an object that is being deleted.
const goneTimeout = 2 * time.Minute

// waitGone waits until object name of ri is deleted.
func waitGone(ctx context.Context, ri dynamic.ResourceInterface, name string, timeout time.Duration, ref string) error {
	return poll(ctx, timeout, func() (bool, error) {
		_, err := ri.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("get %s: %w", ref, err)
		}
		return false, nil
	}, ref+" to finish deleting")
}

// Apply server-side applies objs in order as FieldManager, taking over conflicting fields (these
// objects are ours). dryRun asks the server to validate without persisting.
func (c Client) Apply(ctx context.Context, objs []*unstructured.Unstructured, dryRun bool) ([]Applied, error) {
	var out []Applied
	for _, o := range objs {
		ri, err := c.objects(o)
		if err != nil {
			return out, err
		}
		ref := Ref(o)
		before := ""
		switch cur, err := ri.Get(ctx, o.GetName(), metav1.GetOptions{}); {
		case err == nil && cur.GetDeletionTimestamp() != nil && !dryRun:
			// Still being deleted (an uninstall moments ago): what is applied now would go with it.
			if err := waitGone(ctx, ri, o.GetName(), goneTimeout, ref); err != nil {
				return out, err
			}
		case err == nil:
			before = cur.GetResourceVersion()
		case !apierrors.IsNotFound(err):
			return out, fmt.Errorf("get %s: %w", ref, err)
		}
		data, err := o.MarshalJSON()
		if err != nil {
			return out, err
		}
		opts := metav1.PatchOptions{FieldManager: FieldManager, Force: new(true)}
		if dryRun {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		res, err := ri.Patch(ctx, o.GetName(), types.ApplyPatchType, data, opts)
		if err != nil {
			return out, fmt.Errorf("apply %s: %w", ref, err)
		}
		result := "configured"
		switch {
		case before == "":
			result = "created"
		case res.GetResourceVersion() == before:
			result = "unchanged"
		}
		out = append(out, Applied{Ref: ref, Result: result})
	}
	return out, nil
}
