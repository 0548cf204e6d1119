// Package logs reads the CNI logs of nodes through short-lived debug pods: a first pod reads the
// node's CNI configs to learn where Multus, whereabouts and multinet-ipam log; a second mounts only
// those directories read-only and tails them (pkg/logtail runs inside both); the client streams them
// with a node/source prefix, and removes every debug pod however the run ends. The same debug pods
// read the node-side kubeconfigs that doctor --nodes checks (Credentials).
package logs
