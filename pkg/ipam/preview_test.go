package ipam

import "testing"

// TestPreview: a /29 with one address excluded can hand out 5 (capacity counts exclusions, as ipam
// usage and doctor do).
func TestPreview(t *testing.T) {
	conf := func(extra string) []byte {
		return []byte(`{"name":"n","ipam":{"type":"multinet-ipam","range":"10.9.0.0/29","exclude":["10.9.0.1/32"]` + extra + `}}`)
	}
	owner := Owner{PodRef: "ns/p", IfName: "net1"}
	held := &Allocation{Network: "", Range: "10.9.0.0/29", IP: "10.9.0.5", ContainerID: "c9", PodRef: "ns/p", IfName: "net1", Stable: true}
	var full []*Allocation
	for _, ip := range []string{"10.9.0.2", "10.9.0.3", "10.9.0.4", "10.9.0.5", "10.9.0.6"} {
		full = append(full, &Allocation{Range: "10.9.0.0/29", IP: ip, ContainerID: "x" + ip, IfName: "net1"})
	}
	for _, tc := range []struct {
		name        string
		conf        []byte
		allocs      []*Allocation
		owner       Owner
		next        string
		held, exact bool
		used        uint64
	}{
		{"stable identity is exact", conf(`,"stable_identity":true`), nil, owner, "", false, true, 0},
		{"without it the pick depends on the container", conf(""), nil, owner, "", false, false, 0},
		{"a stable pod gets its address back", conf(`,"stable_identity":true`), []*Allocation{held}, owner, "10.9.0.5", true, true, 1},
		{"full range", conf(""), full, owner, "invalid IP", false, false, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Preview(tc.conf, tc.allocs, tc.owner)
			if err != nil || len(got) != 1 {
				t.Fatalf("Preview: %v, %v", got, err)
			}
			p := got[0]
			if p.Capacity != 5 || p.Used != tc.used || p.Held != tc.held || p.Exact != tc.exact {
				t.Errorf("got %+v", p)
			}
			if tc.next != "" && p.Next.String() != tc.next {
				t.Errorf("next %s, want %s", p.Next, tc.next)
			}
			if tc.next == "" && (!p.Next.IsValid() || p.Next.String() == "10.9.0.1" || !p.Next.Is4()) {
				t.Errorf("next %s: want a usable, non-excluded address", p.Next)
			}
		})
	}
	if _, err := Preview([]byte(`{"ipam":{"range":"nope"}}`), nil, owner); err == nil {
		t.Error("a bad range previews without error")
	}
}
