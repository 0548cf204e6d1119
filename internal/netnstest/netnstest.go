// Package netnstest creates and removes the throwaway network namespaces tests attach pods' ends to.
package netnstest

import (
	"testing"

	"github.com/containernetworking/plugins/pkg/ns"
	"github.com/containernetworking/plugins/pkg/testutils"
	"golang.org/x/sys/unix"
)

// New creates a named network namespace; Drop removes it.
func New() (ns.NetNS, error) { return testutils.NewNS() }

// Drop closes and removes a namespace made by New, detaching the mount when a process still holds
// it (testutils.UnmountNS alone fails with EBUSY then and leaves the namespace behind).
func Drop(n ns.NetNS) error {
	path := n.Path()
	n.Close()
	if err := testutils.UnmountNS(n); err == nil {
		return nil
	}
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil {
		return err
	}
	return unix.Unlink(path)
}

// ForTest is New with Drop registered as the test's cleanup.
func ForTest(t testing.TB) ns.NetNS {
	t.Helper()
	n, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := Drop(n); err != nil {
			t.Errorf("remove network namespace %s: %v", n.Path(), err)
		}
	})
	return n
}
