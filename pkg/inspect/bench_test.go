package inspect

import (
	"fmt"
	"testing"
)

// benchSnapshot is n pods with a Multus-style (indented) two-entry network-status each.
func benchSnapshot(n int) Snapshot {
	s := Snapshot{NADs: NewNADSet()}
	for i := 0; i < n; i++ {
		ns := fmt.Sprintf("ns-%02d", i%20)
		s.Pods = append(s.Pods, PodMeta{Namespace: ns, Name: fmt.Sprintf("pod-%05d", i), Annotations: map[string]string{
			NetworksAnnotation: `[{"name":"data-plane","interface":"net1"}]`,
			NetworkStatusAnnotation: fmt.Sprintf(`[{
    "name": "cluster",
    "interface": "eth0",
    "ips": ["10.64.%d.%d"],
    "mac": "0a:58:0a:40:00:01",
    "default": true,
    "dns": {}
},{
    "name": "%s/data-plane",
    "interface": "net1",
    "ips": ["172.16.%d.%d"],
    "mac": "02:42:ac:10:00:01",
    "dns": {}
}]`, i/256%256, i%256, ns, i/256%256, i%256)}})
	}
	return s
}

// BenchmarkInspect10k measures building the model for 10,000 two-interface pods.
func BenchmarkInspect10k(b *testing.B) {
	s := benchSnapshot(10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if pods := Inspect(s); len(pods) != 10000 || pods[0].Interfaces[1].State != StateAttached {
			b.Fatalf("unexpected model: %d pods", len(pods))
		}
	}
}
