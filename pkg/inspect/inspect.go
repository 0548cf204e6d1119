package inspect

import (
	"cmp"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// Snapshot is one read of the cluster, or of a dump: pods and the NADs that were readable.
type Snapshot struct {
	Pods []PodMeta
	NADs *NADSet
	// Claims are the DRA ResourceClaims read with the pods.
	Claims []Claim
	// Skipped names the objects of the input that could not be read, each with why.
	Skipped []string
}

// parallelMin is the pod count from which Inspect spreads the work over the CPUs.
const parallelMin = 1024

// Inspect builds the model for every pod of the snapshot, in namespace then name order. Large
// snapshots are inspected on every CPU (parsing network-status JSON dominates).
func Inspect(s Snapshot) []Pod {
	pods := make([]Pod, len(s.Pods))
	workers := runtime.GOMAXPROCS(0)
	if len(s.Pods) < parallelMin || workers < 2 {
		workers = 1
	}
	chunk := (len(s.Pods) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(s.Pods); lo += chunk {
		hi := min(lo+chunk, len(s.Pods))
		wg.Add(1)
		go func() {
			defer wg.Done()
			parsed := requestCache{}
			for i := lo; i < hi; i++ {
				pods[i] = inspectPod(s.Pods[i], s.NADs, parsed)
			}
		}()
	}
	wg.Wait()
	AttachClaims(pods, s.Claims)
	// Lists arrive in this order already; sorting is only for snapshots that do not.
	if !slices.IsSortedFunc(pods, ComparePods) {
		slices.SortStableFunc(pods, ComparePods)
	}
	return pods
}

// ComparePods orders pods by namespace, then name: the order of a list, and of Inspect's result.
func ComparePods(a, b Pod) int {
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

// ReferencedNADs lists the namespace/name keys of every NAD the pods ask for or report, once each.
func ReferencedNADs(pods []Pod) []string {
	seen := map[string]bool{}
	var keys []string
	for _, p := range pods {
		for _, in := range p.Interfaces {
			if in.Network != "" && in.Claim == "" && !seen[in.Network] {
				seen[in.Network] = true
				keys = append(keys, in.Network)
			}
		}
	}
	sort.Strings(keys)
	return keys
}
