// Package multinet carries the repository-level files the binaries embed: plugins.yaml, what
// `kubectl multinet install` applies.
package multinet

import _ "embed"

// PluginsYAML is plugins.yaml: the NAD and IPAllocation CRDs, the ServiceAccount, RBAC and the
// DaemonSet that puts the CNI plugins on every node. Regenerate it with `make plugins.yaml`.
//
//go:embed plugins.yaml
var PluginsYAML []byte
