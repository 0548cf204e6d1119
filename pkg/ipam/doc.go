// Package ipam implements multinet-ipam, a CNI IPAM plugin that reads whereabouts' configuration
// and keeps its state in the Kubernetes API as one small IPAllocation object per address.
//
// Allocation is a Create of the object named after the address: the API server's name uniqueness
// is the only lock, so there is no cluster-wide lease, no read of the whole pool and no object that
// grows with the range. Candidates are probed in an order derived from the container (or, with
// stable_identity, the pod), so a retried ADD or a DEL finds its own object without listing; when
// the probes keep colliding (a nearly full range) one list of the range's allocations finds the free
// addresses. Conflicts back off with jitter.
package ipam
