package status

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/cluster"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/inspect"
	"github.com/kubectl-multinet/kubectl-multinet/pkg/selection"
)

// FromDump builds the model of the selected pods of the selection's dump file; warn names each
// object of the dump that could not be read.
func FromDump(sel selection.Selection, warn func(string)) ([]inspect.Pod, error) {
	snap, err := sel.Snapshot()
	if err != nil {
		return nil, err
	}
	for _, s := range snap.Skipped {
		warn(s)
	}
	return inspect.Inspect(snap), nil
}

// FromCluster lists the selected pods and the DRA claims of their namespaces, inspects them once,
// then (withNADs) reads the NADs their networks name (all of them at once for an all-namespace
// query) and adds the config summaries. Claims that cannot be read (not served, not allowed) add no
// rows; warn says so unless they are not served.
func FromCluster(ctx context.Context, c *cluster.Clients, sel selection.Selection, withNADs bool, warn func(string)) ([]inspect.Pod, error) {
	q := sel.Query()
	metas, err := c.Pods().List(ctx, q)
	if err != nil {
		return nil, err
	}
	var claims []inspect.Claim
	if withNADs {
		var cerr error
		if claims, cerr = c.Claims(ctx, q.Namespace); cerr != nil && !apierrors.IsNotFound(cerr) {
			warn(fmt.Sprintf("%v; DRA network devices (claims) are not shown", cerr))
		}
	}
	pods := inspect.Inspect(inspect.Snapshot{Pods: metas, Claims: claims})
	if withNADs {
		inspect.DescribeNetworks(pods, c.NADs().Read(ctx, nadNamespaces(pods, q.Namespace)))
	}
	return pods, nil
}

// nadNamespaces says which namespaces to list NADs in: all at once for an all-namespace query, else
// those the pods refer to.
func nadNamespaces(pods []inspect.Pod, namespace string) []string {
	if namespace == "" {
		return []string{""}
	}
	seen := map[string]bool{}
	var namespaces []string
	for _, k := range inspect.ReferencedNADs(pods) {
		ns, _, _ := strings.Cut(k, "/")
		if !seen[ns] {
			seen[ns] = true
			namespaces = append(namespaces, ns)
		}
	}
	return namespaces
}
