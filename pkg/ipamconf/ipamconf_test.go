package ipamconf

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
)

func read(t *testing.T, section string) *Config {
	t.Helper()
	var s Section
	if err := json.Unmarshal([]byte(section), &s); err != nil {
		t.Fatal(err)
	}
	return s.Read()
}

// TestRead covers the keys of whereabouts' README (range, range_start/range_end, the
// first-last/bits form, ipRanges, exclude as CIDRs), multinet-ipam's reserved and address
// exclusions, and host-local/static ranges.
func TestRead(t *testing.T) {
	tests := []struct {
		name     string
		section  string
		pools    []string
		capacity uint64
		problems []string
		fatal    int
	}{
		{"whereabouts range", `{"type":"whereabouts","range":"10.0.0.0/24","exclude":["10.0.0.0/28"]}`, []string{"10.0.0.0/24"}, 254 - 15, nil, 0},
		{"bounds", `{"type":"whereabouts","range":"10.0.0.0/24","range_start":"10.0.0.10","range_end":"10.0.0.20"}`, []string{"10.0.0.0/24[10.0.0.10-10.0.0.20]"}, 11, nil, 0},
		{"first-last form", `{"type":"whereabouts","range":"192.168.2.225-192.168.2.230/28"}`, []string{"192.168.2.224/28[192.168.2.225-192.168.2.230]"}, 6, nil, 0},
		{"ipRanges", `{"type":"whereabouts","ipRanges":[{"range":"10.1.0.0/30"},{"range":"fd00::/126"}]}`, []string{"10.1.0.0/30", "fd00::/126"}, 2, nil, 0},
		{"multinet reserved address", `{"type":"multinet-ipam","range":"10.0.0.0/29","reserved":["10.0.0.5"]}`, []string{"10.0.0.0/29"}, 5, nil, 0},
		{"whereabouts wants CIDRs", `{"type":"whereabouts","range":"10.0.0.0/29","exclude":["10.0.0.5"]}`, []string{"10.0.0.0/29"}, 6, []string{`exclude "10.0.0.5" is not a CIDR`}, 1},
		{"host-local", `{"type":"host-local","ranges":[[{"subnet":"10.2.0.0/24","rangeStart":"10.2.0.100","rangeEnd":"10.2.0.109"}]]}`, []string{"10.2.0.0/24[10.2.0.100-10.2.0.109]"}, 10, nil, 0},
		{"static", `{"type":"static","addresses":[{"address":"10.3.0.7/24"}]}`, []string{"10.3.0.7/24"}, 1, nil, 0},
		{"gateway outside is a warning", `{"type":"whereabouts","range":"10.0.0.0/24","gateway":"10.9.0.1"}`, []string{"10.0.0.0/24"}, 254, []string{"gateway 10.9.0.1 is outside the range"}, 0},
		{"bad everything", `{"type":"whereabouts","range":"nope","range_end":"x","gateway":"y"}`, nil, 0,
			[]string{`range "nope" is not a CIDR`, `gateway "y" is not an IP address`}, 2},
		{"bound outside", `{"type":"whereabouts","range":"10.0.0.0/24","range_start":"10.0.1.1"}`, nil, 0, []string{"range 10.0.0.0/24: 10.0.1.1 is outside 10.0.0.0/24"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := read(t, tt.section)
			var pools []string
			for _, p := range c.Pools {
				pools = append(pools, p.String())
			}
			if strings.Join(pools, ",") != strings.Join(tt.pools, ",") {
				t.Errorf("pools = %v, want %v", pools, tt.pools)
			}
			if len(c.Pools) > 0 && c.Pools[0].Capacity() != tt.capacity {
				t.Errorf("capacity = %d, want %d", c.Pools[0].Capacity(), tt.capacity)
			}
			if strings.Join(c.Problems, "|") != strings.Join(tt.problems, "|") || len(c.Fatal()) != tt.fatal {
				t.Errorf("problems = %q (fatal %q), want %q (%d fatal)", c.Problems, c.Fatal(), tt.problems, tt.fatal)
			}
		})
	}
}

// TestNetworkKey: whereabouts shares reservations across NADs by network_name; without one, every
// range shares the unnamed key while enable_overlapping_ranges is on (its default), else each range
// is its own (whereabouts README, "Overlapping Ranges" and "network_name").
func TestNetworkKey(t *testing.T) {
	tests := []struct {
		section, want string
	}{
		{`{"type":"whereabouts","range":"10.0.0.0/24","network_name":"blue"}`, "blue"},
		{`{"type":"whereabouts","range":"10.0.0.0/24"}`, ""},
		{`{"type":"whereabouts","range":"10.0.0.0/24","enable_overlapping_ranges":false}`, "10.0.0.0/24"},
		{`{"type":"whereabouts","range":"10.0.0.0/24","network_name":"blue","enable_overlapping_ranges":false}`, "blue"},
	}
	for _, tt := range tests {
		c := read(t, tt.section)
		if got := c.NetworkKey(c.Pools[0]); got != tt.want {
			t.Errorf("%s: key %q, want %q", tt.section, got, tt.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add(`{"type":"whereabouts","range":"10.0.0.0/24","range_start":"10.0.0.10","exclude":["10.0.0.12/32"],"gateway":"10.0.0.1"}`)
	f.Add(`{"type":"multinet-ipam","ipRanges":[{"range":"fd00::/120"}],"reserved":["fd00::5"],"network_name":"n"}`)
	f.Add(`{"type":"host-local","ranges":[[{"subnet":"10.2.0.0/24"}]],"addresses":[{"address":"10.3.0.7/24"}]}`)
	f.Fuzz(func(t *testing.T, section string) {
		var s Section
		if json.Unmarshal([]byte(section), &s) != nil {
			return
		}
		c := s.Read()
		if len(c.Fatal()) > len(c.Problems) {
			t.Fatalf("more fatal problems than problems: %q %q", c.Fatal(), c.Problems)
		}
		for _, p := range c.Pools {
			if p.Capacity() > p.Size() {
				t.Fatalf("pool %s can hand out %d of %d usable addresses", p, p.Capacity(), p.Size())
			}
			_ = c.NetworkKey(p)
		}
	})
}

// TestWhereaboutsNames follows whereabouts v0.9.3 pkg/storage/kubernetes/ipam.go (IPPoolName,
// normalizeRange, NormalizeIP) and pkg/config (ranges rewritten to their masked CIDR).
func TestWhereaboutsNames(t *testing.T) {
	pools := []struct {
		network, prefix, want string
	}{
		{"", "10.0.0.0/24", "10.0.0.0-24"},
		{"", "10.0.0.7/24", "10.0.0.0-24"},
		{"blue", "10.0.0.0/24", "blue-10.0.0.0-24"},
		{"", "fd00:10::/64", "fd00-10---64"},
		{"my-net", "2001:db8::/120", "my-net-2001-db8---120"},
	}
	for _, tt := range pools {
		p := netip.MustParsePrefix(tt.prefix)
		if got := PoolName(tt.network, p); got != tt.want {
			t.Errorf("PoolName(%q, %s) = %q, want %q", tt.network, tt.prefix, got, tt.want)
		}
		if n, ok := PoolNetwork(tt.want, p); !ok || n != tt.network {
			t.Errorf("PoolNetwork(%q) = %q, %v", tt.want, n, ok)
		}
	}
	if _, ok := PoolNetwork("10.1.0.0-24", netip.MustParsePrefix("10.0.0.0/24")); ok {
		t.Error("a pool named for another range was taken for this one")
	}
	reservations := []struct {
		network, ip, want string
	}{
		{"", "10.0.0.5", "10.0.0.5"},
		{"blue", "10.0.0.5", "blue-10.0.0.5"},
		{"", "fd00::", "fd00--0"},
		{"", "fd00::5", "fd00--5"},
		{"my-net", "2001:db8::7", "my-net-2001-db8--7"},
	}
	for _, tt := range reservations {
		ip := netip.MustParseAddr(tt.ip)
		if got := ReservationName(tt.network, ip); got != tt.want {
			t.Errorf("ReservationName(%q, %s) = %q, want %q", tt.network, tt.ip, got, tt.want)
		}
		n, a, ok := ParseReservationName(tt.want)
		if !ok || n != tt.network || a != ip {
			t.Errorf("ParseReservationName(%q) = %q %s %v, want %q %s", tt.want, n, a, ok, tt.network, tt.ip)
		}
	}
}

func FuzzReservationName(f *testing.F) {
	for _, s := range []string{"10.0.0.1", "blue-10.0.0.1", "fd00--1", "net-a-fd00--1", "x", "fd00--0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		network, ip, ok := ParseReservationName(name)
		if !ok {
			return
		}
		if !ip.IsValid() || ReservationName(network, ip) != name && ip.Is6() {
			t.Fatalf("ParseReservationName(%q) = %q %s, which names %q", name, network, ip, ReservationName(network, ip))
		}
	})
}
