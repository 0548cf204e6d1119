package inspect

import "sort"

// Snapshot is one read of the cluster, or of a dump: pods and the NADs that were readable.
type Snapshot struct {
	Pods []PodMeta
	NADs *NADSet
}

// Inspect builds the model for every pod of the snapshot, in namespace then name order.
func Inspect(s Snapshot) []Pod {
	pods := make([]Pod, 0, len(s.Pods))
	for _, m := range s.Pods {
		pods = append(pods, InspectPod(m, s.NADs))
	}
	sort.Slice(pods, func(i, j int) bool {
		if pods[i].Namespace != pods[j].Namespace {
			return pods[i].Namespace < pods[j].Namespace
		}
		return pods[i].Name < pods[j].Name
	})
	return pods
}

// ReferencedNADs lists the namespace/name keys of every NAD the pods ask for or report, once each.
func ReferencedNADs(pods []Pod) []string {
	seen := map[string]bool{}
	var keys []string
	for _, p := range pods {
		for _, in := range p.Interfaces {
			if in.Network != "" && !seen[in.Network] {
				seen[in.Network] = true
				keys = append(keys, in.Network)
			}
		}
	}
	sort.Strings(keys)
	return keys
}
