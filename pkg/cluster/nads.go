package cluster

import (
	"context"
	"fmt"

	nadv1 "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/apis/k8s.cni.cncf.io/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// NADReader reads NetworkAttachmentDefinitions: the one way every command reads them.
type NADReader struct {
	client dynamic.Interface
}

// NewNADReader returns a reader using client.
func NewNADReader(client dynamic.Interface) *NADReader {
	return &NADReader{client: client}
}

// List reads the NADs of namespace ("" for all namespaces), paginated. The error names what could
// not be read and what to do about it.
func (r *NADReader) List(ctx context.Context, namespace string) ([]nadv1.NetworkAttachmentDefinition, error) {
	items, err := listAll(ctx, r.client, Resource{GVR: gvr.NADs, Namespace: namespace})
	if err != nil {
		return nil, describe(err, gvr.NADs.Resource, namespace, "", "list")
	}
	out := make([]nadv1.NetworkAttachmentDefinition, len(items))
	for i := range items {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(items[i].Object, &out[i]); err != nil {
			return nil, fmt.Errorf("network-attachment-definition %s/%s: %w", items[i].GetNamespace(), items[i].GetName(), err)
		}
	}
	return out, nil
}

// Read lists the NADs of every namespace in namespaces ("" alone: all namespaces with one list).
// Errors do not fail the read: a namespace whose list failed is marked unreadable with the reason,
// so that status can still print every pod.
func (r *NADReader) Read(ctx context.Context, namespaces []string) *inspect.NADSet {
	set := inspect.NewNADSet()
	for _, ns := range namespaces {
		list, err := r.List(ctx, ns)
		if err != nil {
			set.MarkUnreadable(ns, err.Error())
			continue
		}
		for i := range list {
			set.Add(&list[i])
		}
		set.MarkComplete(ns)
	}
	return set
}
