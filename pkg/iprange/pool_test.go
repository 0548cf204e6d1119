package iprange

import (
	"net/netip"
	"strings"
	"testing"
)

// TestPoolCapacity: what a pool can hand out is its usable addresses minus the excluded ones inside
// it, whichever form the exclusions take (whereabouts docs: exclude takes CIDRs; a /32 is one
// address).
func TestPoolCapacity(t *testing.T) {
	p := func(s string) netip.Prefix { return netip.MustParsePrefix(s) }
	tests := []struct {
		name    string
		spec    string
		exclude []netip.Prefix
		want    uint64
	}{
		{"no exclusions", "10.0.0.0/24", nil, 254},
		{"one address", "10.0.0.0/24", []netip.Prefix{p("10.0.0.5/32")}, 253},
		{"a /30 inside", "10.0.0.0/24", []netip.Prefix{p("10.0.0.8/30")}, 250},
		{"network address is not usable anyway", "10.0.0.0/24", []netip.Prefix{p("10.0.0.0/31")}, 253},
		{"outside the range", "10.0.0.0/24", []netip.Prefix{p("10.9.0.0/16")}, 254},
		{"bounded range", "10.0.0.10-10.0.0.20/24", []netip.Prefix{p("10.0.0.0/28")}, 5},
		{"everything", "10.0.0.0/28", []netip.Prefix{p("10.0.0.0/24")}, 0},
		{"ipv6", "fd00::/120", []netip.Prefix{p("fd00::10/124")}, 239},
		{"large ipv6 exclusion by size", "fd00::/100", []netip.Prefix{p("fd00::/104")}, 1<<28 - 1 - (1<<24 - 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := (Pool{Range: r, Exclude: tt.exclude}).Capacity(); got != tt.want {
				t.Errorf("capacity = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestAddrAt: whereabouts keys IPPool allocations by the decimal offset from the range's network
// address (its IPPool spec.allocations map).
func TestAddrAt(t *testing.T) {
	tests := []struct {
		prefix, offset, want, wantErr string
	}{
		{"10.0.0.0/24", "1", "10.0.0.1", ""},
		{"10.0.0.7/24", "254", "10.0.0.254", ""},
		{"10.0.0.0/16", "256", "10.0.1.0", ""},
		{"fd00::/64", "18446744073709551615", "fd00::ffff:ffff:ffff:ffff", ""},
		{"10.0.0.0/24", "x", "", "not an offset"},
		{"10.0.0.0/24", "-1", "", "not an offset"},
		{"255.255.255.0/24", "256", "", "past the end"},
	}
	for _, tt := range tests {
		got, err := AddrAt(netip.MustParsePrefix(tt.prefix), tt.offset)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("AddrAt(%s, %s) error = %v, want %q", tt.prefix, tt.offset, err, tt.wantErr)
			}
		case err != nil || got.String() != tt.want:
			t.Errorf("AddrAt(%s, %s) = %s, %v; want %s", tt.prefix, tt.offset, got, err, tt.want)
		}
	}
}

func TestParseExclude(t *testing.T) {
	got, problems := ParseExclude([]string{"10.0.0.5", "10.0.0.8/30", "10.0.0.9/30", "nope"}, true)
	if len(got) != 3 || got[2].String() != "10.0.0.8/30" || len(problems) != 1 || problems[0] != `exclude "nope" is not an address or CIDR` {
		t.Errorf("with addresses: %v %q", got, problems)
	}
	got, problems = ParseExclude([]string{"10.0.0.5", "10.0.0.8/30"}, false)
	if len(got) != 1 || len(problems) != 1 || problems[0] != `exclude "10.0.0.5" is not a CIDR` {
		t.Errorf("CIDRs only: %v %q", got, problems)
	}
}
