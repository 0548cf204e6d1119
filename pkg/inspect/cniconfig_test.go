package inspect

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		spec, str string
		size      uint64
		wantErr   string
	}{
		{spec: "10.0.0.0/24", str: "10.0.0.0/24", size: 254},
		{spec: "10.0.0.7/24", str: "10.0.0.0/24", size: 254},
		{spec: "192.168.2.225-192.168.2.230/28", str: "192.168.2.224/28[192.168.2.225-192.168.2.230]", size: 6},
		{spec: "10.0.0.0/31", str: "10.0.0.0/31", size: 2},
		{spec: "10.0.0.0/16", str: "10.0.0.0/16", size: 65534},
		{spec: "fd00::/120", str: "fd00::/120", size: 255},
		{spec: "fd00::/64", str: "fd00::/64", size: 1 << 62},
		{spec: "10.0.0.0/33", wantErr: "not a CIDR"},
		{spec: "10.0.0.9-10.0.0.3/24", wantErr: "before range_start"},
		{spec: "10.0.1.9-10.0.0.3/24", wantErr: "outside"},
		{spec: "nope", wantErr: "not a CIDR"},
	}
	for _, tt := range tests {
		r, err := ParseRange(tt.spec)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseRange(%q) error = %v, want %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseRange(%q): %v", tt.spec, err)
			continue
		}
		if r.String() != tt.str || r.Size() != tt.size {
			t.Errorf("ParseRange(%q) = %s size %d, want %s size %d", tt.spec, r, r.Size(), tt.str, tt.size)
		}
	}
}

func TestIPAMContainsAndProblems(t *testing.T) {
	c := ParseConfig(`{"type":"macvlan","ipam":{"type":"whereabouts","range":"10.0.0.0/24","range_start":"10.0.0.10","range_end":"10.0.0.20","gateway":"10.0.1.1","exclude":["10.0.0.12/32","bad"]}}`)
	if c.IPAM == nil || len(c.IPAM.Ranges) != 1 {
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
	if c.IPAM.Ranges[0].Size() != 11 {
		t.Errorf("size = %d", c.IPAM.Ranges[0].Size())
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
		for _, r := range c.IPAM.Ranges {
			if r.First().IsValid() && r.Last().IsValid() && r.Size() > 0 && (!r.Contains(r.First()) || !r.Contains(r.Last())) {
				t.Fatalf("range %s does not contain its bounds %s-%s", r, r.First(), r.Last())
			}
		}
	})
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"10.0.0.0/24", "192.168.2.225-192.168.2.230/28", "fd00::/64", "fd00::5-fd00::9/120", "1.2.3.4-/8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		r, err := ParseRange(spec)
		if err != nil {
			return
		}
		if r.Start.IsValid() && !r.Prefix.Contains(r.Start) || r.End.IsValid() && !r.Prefix.Contains(r.End) {
			t.Fatalf("ParseRange(%q) accepted bounds outside the prefix: %s", spec, r)
		}
	})
}
