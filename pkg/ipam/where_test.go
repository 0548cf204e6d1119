package ipam

import (
	"net/netip"
	"testing"

	"github.com/kubectl-multinet/kubectl-multinet/pkg/iprange"
)

// TestWhere: errors name the range, and its network_name when it has one; never an empty name.
func TestWhere(t *testing.T) {
	pl := pool{Range: iprange.Range{Prefix: netip.MustParsePrefix("172.30.43.0/24")}}
	for _, tt := range []struct{ network, want string }{
		{"", "range 172.30.43.0/24"},
		{"soak", `network "soak" (range 172.30.43.0/24)`},
	} {
		if got := where(tt.network, pl); got != tt.want {
			t.Errorf("where(%q) = %q, want %q", tt.network, got, tt.want)
		}
	}
}
