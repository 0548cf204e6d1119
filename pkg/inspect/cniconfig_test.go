package inspect

import (
	"net/netip"
	"strings"
	"testing"
)

func TestIPAMContainsAndProblems(t *testing.T) {
	c := ParseConfig(`{"type":"macvlan","ipam":{"type":"whereabouts","range":"10.0.0.0/24","range_start":"10.0.0.10","range_end":"10.0.0.20","gateway":"10.0.1.1","exclude":["10.0.0.12/32","bad"]}}`)
	if c.IPAM == nil || len(c.IPAM.Pools) != 1 {
		t.Fatalf("ipam = %+v", c.IPAM)
	}
	for ip, want := range map[string]bool{"10.0.0.10": true, "10.0.0.20": true, "10.0.0.9": false, "10.0.0.21": false, "10.0.1.10": false} {
		if got := c.IPAM.Contains(netip.MustParseAddr(ip)); got != want {
			t.Errorf("Contains(%s) = %v", ip, got)
		}
	}
	want := []string{"gateway 10.0.1.1 is outside the range", `exclude "bad" is not a CIDR`}
	if strings.Join(c.IPAM.Problems, "|") != strings.Join(want, "|") {
		t.Errorf("problems = %q, want %q", c.IPAM.Problems, want)
	}
	if c.IPAM.Pools[0].Size() != 11 {
		t.Errorf("size = %d", c.IPAM.Pools[0].Size())
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add(`{ "cniVersion": "0.3.1", "plugins": [ { "type": "ipvlan", "master": "eth1", "mode": "l2", "ipam": { "type": "whereabouts", "range": "10.200.0.0/16" } } ] }`)
	f.Add(`{"type":"macvlan","ipam":{"type":"whereabouts","range":"192.168.2.225-192.168.2.230/28","exclude":["192.168.2.229/30"]}}`)
	f.Add(`{"type":"ipvlan","ipam":{"type":"static","addresses":[{"address":"10.10.0.1/24"}]}}`)
	f.Fuzz(func(t *testing.T, config string) {
		c := ParseConfig(config)
		_ = c.String()
		if c.IPAM == nil {
			return
		}
		for _, r := range c.IPAM.Pools {
			if r.First().IsValid() && r.Last().IsValid() && r.Size() > 0 && (!r.Contains(r.First()) || !r.Contains(r.Last())) {
				t.Fatalf("range %s does not contain its bounds %s-%s", r, r.First(), r.Last())
			}
		}
	})
}
