package cluster

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/metadata"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
)

// NamespaceNames lists namespace names with the metadata client (for shell completion).
func NamespaceNames(ctx context.Context, meta metadata.Interface) ([]string, error) {
	list, err := meta.Resource(gvr.Namespaces).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, describe(err, "namespaces", "", "", "list")
	}
	names := make([]string, 0, len(list.Items))
	for _, n := range list.Items {
		names = append(names, n.Name)
	}
	return names, nil
}
