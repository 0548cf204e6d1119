package netsnap

import (
	"testing"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"
)

// TestPing: across a veth (10.66.0.5 ↔ 10.66.0.6), echoes come back and the neighbour entry holds
// the peer's MAC; a full-size DF echo passes at the peer's MTU (1400) and fails above it (1500 from
// a 1500 side); an address nobody holds gets no reply and no MAC.
func TestPing(t *testing.T) {
	a, _ := vethPair(t, []string{"10.66.0.5/24"}, []string{"10.66.0.6/24"}, 1400)
	for _, tc := range []struct {
		target      string
		mtu         int
		received    int
		mtuOK       bool
		mac, neigh  string
		description string
	}{
		{"10.66.0.6", 1400, 2, true, peerMAC().String(), "REACHABLE", "the peer, at its MTU"},
		{"10.66.0.6", 1500, 2, false, peerMAC().String(), "REACHABLE", "the peer, above its MTU"},
		{"10.66.0.7", 0, 0, false, "", "FAILED", "nobody"},
	} {
		var res []PingResult
		err := a.Do(func(ns.NetNS) error {
			var err error
			res, err = Ping("net1", []string{tc.target}, 2, tc.mtu, 2*time.Second) // a wait for a reply a veth gives in microseconds
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", tc.description, err)
		}
		r := res[0]
		gotMTU := r.MTUOK != nil && *r.MTUOK
		if r.Received != tc.received || (tc.mtu > 0 && gotMTU != tc.mtuOK) || r.MAC != tc.mac || (tc.neigh == "REACHABLE" && r.NeighborState != "REACHABLE") || (tc.neigh == "FAILED" && r.MAC != "") {
			t.Errorf("%s: %+v (mtuOK %v); want %d replies, mtuOK %v, MAC %q", tc.description, r, gotMTU, tc.received, tc.mtuOK, tc.mac)
		}
	}
}
