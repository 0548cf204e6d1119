//go:build tools

// Package tools pins kwok, which simulates the 1,000 nodes of make bench-scale on the local
// control plane.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
