package netsnap

import (
	"testing"
	"time"

	"github.com/containernetworking/plugins/pkg/ns"
)

// TestFindDuplicates puts 10.66.0.5/24 on both ends of a veth, in two namespaces, as two pods given
// the same address on one segment would be: probing from one finds the other's MAC; a unique
// address (10.66.0.6 on one end only) finds nothing.
func TestFindDuplicates(t *testing.T) {
	a, _ := vethPair(t, []string{"10.66.0.5/24", "10.66.0.6/24"}, []string{"10.66.0.5/24"}, 0)
	var dups []Duplicate
	var errs []string
	_ = a.Do(func(ns.NetNS) error {
		dups, errs = FindDuplicates(Collect(), 2*time.Second) // a listening window: a veth answers in microseconds
		return nil
	})
	if len(errs) > 0 || len(dups) != 1 || dups[0] != (Duplicate{Link: "net1", IP: "10.66.0.5", MAC: peerMAC().String()}) {
		t.Fatalf("duplicates %+v, errors %v; want 10.66.0.5 claimed by %s only", dups, errs, peerMAC())
	}
}
