package cluster

import (
	"context"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster/gvr"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
)

// Claims reads the DRA ResourceClaims of namespace ("" for all): resource.k8s.io/v1, or the newest
// beta the API server serves.
func (c *Clients) Claims(ctx context.Context, namespace string) ([]inspect.Claim, error) {
	items, err := listAll(ctx, c.Dynamic, Resource{GVR: gvr.ResourceClaims, Fallbacks: gvr.ResourceClaimsBeta(), Namespace: namespace})
	if err != nil {
		return nil, describe(err, gvr.ResourceClaims.Resource, namespace, "", "list")
	}
	out := make([]inspect.Claim, 0, len(items))
	for _, u := range items {
		out = append(out, inspect.ClaimFromObject(u.Object))
	}
	return out, nil
}
