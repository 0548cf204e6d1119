// Package probe is `kubectl multinet probe`: it reads the kernel's view from inside a pod (links,
// addresses, every routing table, rules, neighbours; pkg/netsnap) through an ephemeral container
// that runs `multinet-cni probe` in the pod's network namespace, and compares it with what the API
// says (network-status, the NADs' MTU and routes), reporting drift as coded findings (MN7001 ...).
package probe
