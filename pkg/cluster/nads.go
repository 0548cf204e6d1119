package cluster

import (
	"context"

	nadclient "github.com/k8snetworkplumbingwg/network-attachment-definition-client/pkg/client/clientset/versioned/typed/k8s.cni.cncf.io/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// NADReader reads NetworkAttachmentDefinitions. Errors do not fail the read: each NAD that could not
// be read is marked with why, so that status can still print every pod.
type NADReader struct {
	client nadclient.NetworkAttachmentDefinitionsGetter
}

// NewNADReader returns a reader using client.
func NewNADReader(client nadclient.NetworkAttachmentDefinitionsGetter) *NADReader {
	return &NADReader{client: client}
}

// Read lists the NADs of every namespace in namespaces ("" alone: all namespaces with one list).
// Namespaces whose list failed are marked unreadable with the reason.
func (r *NADReader) Read(ctx context.Context, namespaces []string) *inspect.NADSet {
	set := inspect.NewNADSet()
	for _, ns := range namespaces {
		list, err := r.client.NetworkAttachmentDefinitions(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			set.MarkUnreadable(ns, describe(err, "network-attachment-definitions", ns, "", "list").Error())
			continue
		}
		for i := range list.Items {
			set.Add(&list.Items[i])
		}
		set.MarkComplete(ns)
	}
	return set
}
