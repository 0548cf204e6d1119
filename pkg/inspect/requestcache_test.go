package inspect

import (
	"fmt"
	"reflect"
	"testing"
)

// TestInspectParsesEachAnnotationOnce: Inspect, which parses each distinct networks annotation once
// per namespace, gives every pod what InspectPod gives it alone: the same requests, the same
// problems, names without a namespace resolved in each pod's own namespace, and no slice shared
// between pods.
func TestInspectParsesEachAnnotationOnce(t *testing.T) {
	values := []string{"net-a", "net-a@eth5, other/net-b", `[{"name":"net-c","ips":["10.1.1.5/24"]}]`, "bad name!", `[{"name":`, ""}
	var metas []PodMeta
	for i := 0; i < 2*parallelMin; i++ { // above parallelMin, so the workers' caches are used
		metas = append(metas, PodMeta{Namespace: fmt.Sprintf("ns-%d", (i/len(values))%3), Name: fmt.Sprintf("p-%05d", i),
			Annotations: map[string]string{NetworksAnnotation: values[i%len(values)]}})
	}
	got := Inspect(Snapshot{Pods: metas, NADs: NewNADSet()})
	byName := map[string]Pod{}
	for _, p := range got {
		byName[p.Namespace+"/"+p.Name] = p
	}
	for _, m := range metas {
		want := InspectPod(m, NewNADSet())
		if p := byName[m.Namespace+"/"+m.Name]; !reflect.DeepEqual(p, want) {
			t.Fatalf("pod %s/%s (%q):\n got %+v\nwant %+v", m.Namespace, m.Name, m.Annotations[NetworksAnnotation], p, want)
		}
	}
	a, b := byName["ns-0/p-00001"], byName["ns-0/p-00019"] // same namespace and value
	if len(a.Requests) == 0 || &a.Requests[0] == &b.Requests[0] {
		t.Fatalf("pods sharing an annotation share their requests slice (or have none): %v", a.Requests)
	}
	if byName["ns-0/p-00000"].Requests[0].Namespace != "ns-0" || byName["ns-1/p-00006"].Requests[0].Namespace != "ns-1" {
		t.Fatalf("a name without namespace resolved outside the pod's namespace: %+v / %+v", byName["ns-0/p-00000"].Requests, byName["ns-1/p-00006"].Requests)
	}
}
