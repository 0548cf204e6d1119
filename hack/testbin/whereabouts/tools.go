//go:build tools

// Package tools pins the whereabouts command built for benchmarks.
package tools

import _ "github.com/k8snetworkplumbingwg/whereabouts/cmd"
