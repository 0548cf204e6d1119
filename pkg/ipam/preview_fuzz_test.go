package ipam

import (
	"net/netip"
	"testing"
)

// FuzzPreview feeds arbitrary network configs and allocations to Preview: it must not panic, and a
// next address it names must be inside its range and not already allocated.
func FuzzPreview(f *testing.F) {
	f.Add([]byte(`{"ipam":{"range":"10.9.0.0/29","exclude":["10.9.0.1/32"]}}`), "10.9.0.2", "c1", true)
	f.Add([]byte(`{"ipam":{"range":"10.9.0.2-10.9.0.4/24","ipRanges":[{"range":"fd00::/126"}]}}`), "fd00::1", "", false)
	f.Add([]byte(`{"ipam":{"range":"10.0.0.0/31","range_start":"10.0.0.1"}}`), "10.0.0.0", "x", true)
	f.Fuzz(func(t *testing.T, conf []byte, ip, container string, stable bool) {
		allocs := []*Allocation{{IP: ip, Range: "", ContainerID: container, IfName: "net1", PodRef: "ns/p", Stable: stable}}
		previews, err := Preview(conf, allocs, Owner{PodRef: "ns/p", IfName: "net2"})
		if err != nil {
			return
		}
		for _, p := range previews {
			if !p.Next.IsValid() {
				continue
			}
			if pfx, err := netip.ParsePrefix(p.Range); err != nil || !pfx.Contains(p.Next) {
				t.Fatalf("next %s outside range %s", p.Next, p.Range)
			}
			if p.Next.String() == ip && !p.Held {
				t.Fatalf("next %s is already allocated", p.Next)
			}
		}
	})
}
